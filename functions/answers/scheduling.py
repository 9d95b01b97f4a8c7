"""Answers of scheduling: the slots on offer, a booking, the citizen's appointment, the follow-up and
the clerk's list of a day."""

from __future__ import annotations

from pydantic import Field

from domain.usecases import appointment_views as av
from domain.usecases.booking import Booking as BookingData
from functions.answers import Answer, CourtRef, MeetingLink, iso, iso_date
from functions.links import Links


class FreeSlot(Answer):
    starts_at: str = Field(serialization_alias="startsAt")
    ends_at: str = Field(serialization_alias="endsAt")
    time: str
    free: int


class SlotDay(Answer):
    date: str
    label: str
    slots: list[FreeSlot]


class SelfBooking(Answer):
    policy: str
    allowed: bool
    message: str


class SlotOffer(Answer):
    unit: CourtRef
    timezone: str
    enabled: bool
    slot_minutes: int | None = Field(default=None, serialization_alias="slotMinutes")
    capacity: int | None = None
    hours_text: str | None = Field(default=None, serialization_alias="hoursText")
    self_booking: SelfBooking | None = Field(default=None, serialization_alias="selfBooking")
    days: list[SlotDay]

    @staticmethod
    def of(o: av.SlotOffer) -> SlotOffer:
        days = [
            SlotDay(
                date=iso_date(d.date),
                label=d.label,
                slots=[
                    FreeSlot(starts_at=iso(s.starts_at), ends_at=iso(s.ends_at), time=s.time, free=s.free)
                    for s in d.slots
                ],
            )
            for d in o.days or ()
        ]
        fields: dict[str, object] = {
            "unit": CourtRef.of(o.unit),
            "timezone": o.timezone,
            "enabled": o.enabled,
        }
        b = o.self_booking
        if o.enabled and b is not None:
            fields.update(
                slot_minutes=o.slot_minutes,
                capacity=o.capacity,
                hours_text=o.hours_text,
                self_booking=SelfBooking(policy=b.policy, allowed=b.allowed, message=b.message),
            )
        return SlotOffer.model_validate({**fields, "days": days})


class Booking(Answer):
    appointment_id: str = Field(serialization_alias="appointmentId")
    token: str | None = Field(
        default=None, description="Ausente quando o retorno é marcado pelo(a) servidor(a)"
    )
    status_url: str = Field(serialization_alias="statusUrl")
    starts_at: str = Field(serialization_alias="startsAt")
    ends_at: str = Field(serialization_alias="endsAt")
    status: str

    @staticmethod
    def of(b: BookingData, links: Links, *, with_token: bool = True) -> Booking:
        fields: dict[str, object] = {
            "appointment_id": b.appointment_id,
            "status_url": links.appointment(b.appointment_id),
            "starts_at": iso(b.starts_at),
            "ends_at": iso(b.ends_at),
            "status": "booked",
        }
        if with_token:
            fields["token"] = b.token
        return Booking.model_validate(fields)


class TicketLink(Answer):
    ticket_id: str = Field(serialization_alias="ticketId")
    status_url: str = Field(serialization_alias="statusUrl")


class AppointmentLink(Answer):
    appointment_id: str = Field(serialization_alias="appointmentId")
    token: str
    status_url: str = Field(serialization_alias="statusUrl")


class AppointmentView(Answer):
    appointment_id: str = Field(serialization_alias="appointmentId")
    unit: CourtRef
    status: str
    status_text: str = Field(serialization_alias="statusText")
    starts_at: str = Field(serialization_alias="startsAt")
    ends_at: str = Field(serialization_alias="endsAt")
    when: str
    booked_by: str = Field(serialization_alias="bookedBy")
    follow_up: bool = Field(serialization_alias="followUp")
    reason: str
    can_cancel: bool = Field(serialization_alias="canCancel")
    can_reschedule: bool = Field(serialization_alias="canReschedule")
    reminder: str | None
    meeting: MeetingLink
    ticket: TicketLink | None = None
    rescheduled_to: AppointmentLink | None = Field(default=None, serialization_alias="rescheduledTo")
    alternatives: list[str] | None = None
    message: str | None = None

    @staticmethod
    def of(v: av.AppointmentView, links: Links) -> AppointmentView:
        optional: dict[str, object] = {}
        if v.in_line:
            optional["ticket"] = TicketLink(
                ticket_id=v.appointment_id, status_url=links.ticket(v.appointment_id)
            )
        if v.rescheduled_to is not None:
            new = v.rescheduled_to
            optional["rescheduled_to"] = AppointmentLink(
                appointment_id=new.id, token=new.token, status_url=links.appointment(new.id)
            )
        if v.alternatives is not None:
            optional["alternatives"] = list(v.alternatives)
        if v.message is not None:
            optional["message"] = v.message
        return AppointmentView.model_validate(
            {
                "appointment_id": v.appointment_id,
                "unit": CourtRef.of(v.unit),
                "status": v.status.value,
                "status_text": v.status_text,
                "starts_at": iso(v.starts_at),
                "ends_at": iso(v.ends_at),
                "when": v.when,
                "booked_by": v.booked_by,
                "follow_up": v.follow_up,
                "reason": v.reason,
                "can_cancel": v.can_cancel,
                "can_reschedule": v.can_reschedule,
                "reminder": v.reminder,
                "meeting": MeetingLink.of(v.meeting),
                **optional,
            }
        )


class FollowUp(Answer):
    appointment_id: str = Field(serialization_alias="appointmentId")
    token: str
    status_url: str = Field(serialization_alias="statusUrl")
    starts_at: str = Field(serialization_alias="startsAt")
    when: str
    status: str

    @staticmethod
    def of(f: av.FollowUp, links: Links) -> FollowUp:
        return FollowUp(
            appointment_id=f.appointment_id,
            token=f.token,
            status_url=links.appointment(f.appointment_id),
            starts_at=iso(f.starts_at),
            when=f.when,
            status=f.status,
        )


class ClerkAppointment(Answer):
    appointment_id: str = Field(serialization_alias="appointmentId")
    starts_at: str = Field(serialization_alias="startsAt")
    ends_at: str = Field(serialization_alias="endsAt")
    time: str
    status: str
    status_text: str = Field(serialization_alias="statusText")
    booked_by: str = Field(serialization_alias="bookedBy")
    follow_up_of: str | None = Field(serialization_alias="followUpOf")
    name: str
    role: str
    oab: str
    process_number: str = Field(serialization_alias="processNumber")
    reason: str
    reminded: bool
    meeting: MeetingLink


class DayAppointments(Answer):
    unit: CourtRef
    day: str
    appointments: list[ClerkAppointment]

    @staticmethod
    def of(d: av.DayAppointments) -> DayAppointments:
        return DayAppointments(
            unit=CourtRef.of(d.unit),
            day=iso_date(d.day),
            appointments=[
                ClerkAppointment(
                    appointment_id=a.appointment_id,
                    starts_at=iso(a.starts_at),
                    ends_at=iso(a.ends_at),
                    time=a.time,
                    status=a.status.value,
                    status_text=a.status_text,
                    booked_by=a.booked_by,
                    follow_up_of=a.follow_up_of,
                    name=a.name,
                    role=a.role,
                    oab=a.oab,
                    process_number=a.process_number,
                    reason=a.reason,
                    reminded=a.reminded,
                    meeting=MeetingLink.of(a.meeting),
                )
                for a in d.appointments
            ],
        )
