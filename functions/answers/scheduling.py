"""Answers of scheduling: the slots on offer, a booking, the citizen's appointment, the follow-up and
the clerk's list of a day."""

from __future__ import annotations

from typing import Any

from domain.usecases import appointment_views as av
from domain.usecases import booking
from domain.usecases import citizen_view as cv
from functions.answers import Answer, answer_of, present
from functions.links import Links

SELF_BOOKING = ("slot_minutes", "capacity", "hours_text", "self_booking")

SlotOffer = answer_of(av.SlotOffer, optional=SELF_BOOKING)
Booking = answer_of(
    booking.Booking, add={"status_url": (str, "token"), "status": (str, "")}, optional=("token",)
)
AppointmentLink = answer_of(
    cv.Handle, "AppointmentLink", rename={"id": "appointmentId"}, add={"status_url": (str, "token")}
)
TicketLink = answer_of(
    cv.Handle, "TicketLink", rename={"id": "ticketId"}, drop=("token",), add={"status_url": (str, "token")}
)
AppointmentView = answer_of(
    av.AppointmentView,
    drop=("in_line",),
    add={"ticket": (TicketLink, "meeting")},
    types={"rescheduled_to": AppointmentLink},
    optional=("ticket", "rescheduled_to", "alternatives", "message"),
)
FollowUp = answer_of(av.FollowUp, add={"status_url": (str, "token")})
DayAppointments = answer_of(av.DayAppointments)


def slot_offer(o: av.SlotOffer) -> Answer:
    hidden = {} if o.enabled else dict.fromkeys(SELF_BOOKING)
    return present(SlotOffer, o, omit_none=SELF_BOOKING, **hidden)


def booked(b: booking.Booking, links: Links, *, with_token: bool = True) -> Answer:
    return present(
        Booking,
        b,
        omit_none=("token",),
        status_url=links.appointment(b.appointment_id),
        status="booked",
        **({} if with_token else {"token": None}),
    )


def appointment_view(v: av.AppointmentView, links: Links) -> Answer:
    extra: dict[str, Any] = {}
    if v.in_line:
        extra["ticket"] = present(
            TicketLink, None, id=v.appointment_id, status_url=links.ticket(v.appointment_id)
        )
    new = v.rescheduled_to
    if new is not None:
        extra["rescheduled_to"] = present(AppointmentLink, new, status_url=links.appointment(new.id))
    return present(AppointmentView, v, omit_none=("rescheduled_to", "alternatives", "message"), **extra)


def follow_up(f: av.FollowUp, links: Links) -> Answer:
    return present(FollowUp, f, status_url=links.appointment(f.appointment_id))
