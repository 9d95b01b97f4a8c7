"""What citizens and clerks see of the appointments: the free slots, the citizen's appointment (with
the reminder, cancel/reschedule, and once the time has come the ticket to follow), the follow-up a
clerk booked, and the clerk's list of a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.appointments import (
    STATUS_TEXT,
    AppointmentStatus,
    appointment_key,
    get_appointment,
    holders,
    status_of,
    when,
)
from domain.auth import Principal
from domain.config import UnitConfig
from domain.errors import NotFoundError
from domain.hours import zone_label
from domain.people import ROLES, oab_text, reason_label
from domain.ports import Row
from domain.slots import day_label, hhmm, slot_grid, slot_window
from domain.tickets import TicketId
from domain.usecases.appointment_day import admit_appointment
from domain.usecases.booking import SelfBooking, self_booking
from domain.usecases.citizen_view import Handle, MeetingLink, UnitRef
from domain.usecases.context import Context


@dataclass(frozen=True)
class FreeSlot:
    starts_at: datetime
    ends_at: datetime
    time: str  # 10h30
    free: int


@dataclass(frozen=True)
class SlotDay:
    date: date
    label: str  # segunda-feira, 07/12/2026
    slots: list[FreeSlot]


@dataclass(frozen=True)
class SlotOffer:
    """The free slots of the booking window (`enabled` False: the unit does not schedule now)."""

    unit: UnitRef
    timezone: str
    enabled: bool
    slot_minutes: int = 0
    capacity: int = 0
    hours_text: str = ""
    self_booking: SelfBooking | None = None
    days: list[SlotDay] | None = None


def available_slots(
    ctx: Context,
    unit_id: str,
    now: datetime,
    *,
    clerk: Principal | None = None,
    first: date | None = None,
    days: int = 0,
) -> SlotOffer:
    """The free slots of the booking window (from `first`, for `days` days), grouped by local day."""
    unit = ctx.unit(unit_id)
    if clerk is not None:
        clerk.require_clerk(unit.id)
    if not unit.scheduling.enabled or not unit.active:
        return SlotOffer(UnitRef.of(unit), unit.timezone, False, days=[])
    settings = unit.scheduling
    calendar = ctx.calendars(unit)
    today, last = slot_window(unit, now)
    start_day = max(today, first or today)
    end_day = min(last, start_day + timedelta(days=days - 1)) if days > 0 else last
    earliest = now if clerk is not None else now + timedelta(minutes=settings.min_notice_minutes)
    grid = slot_grid(calendar, settings.slot_minutes, start_day, end_day, earliest)
    taken: dict[str, int] = {}
    if grid:
        for row in ctx.appointments.query(unit.id, f"b.{grid[0].key}", f"b.{grid[-1].key}"):
            taken[row.key[2:]] = len(holders(row))
    by_day: dict[date, list[FreeSlot]] = {}
    for slot in grid:
        free = settings.capacity - taken.get(slot.key, 0)
        if free > 0:
            by_day.setdefault(slot.day, []).append(FreeSlot(slot.start, slot.end, hhmm(slot.start), free))
    return SlotOffer(
        UnitRef.of(unit),
        unit.timezone,
        True,
        settings.slot_minutes,
        settings.capacity,
        calendar.hours_text(),
        self_booking(ctx, unit, now),
        [SlotDay(d, day_label(d), slots) for d, slots in sorted(by_day.items())],
    )


@dataclass(frozen=True)
class AppointmentView:
    appointment_id: str
    unit: UnitRef
    status: AppointmentStatus
    status_text: str
    starts_at: datetime  # in the unit's zone
    ends_at: datetime
    when: str
    booked_by: str  # "servidor" | "cidadao"
    follow_up: bool
    reason: str
    can_cancel: bool
    can_reschedule: bool
    reminder: str | None
    meeting: MeetingLink
    in_line: bool  # admitted: the ticket to follow has the appointment's id and token
    rescheduled_to: Handle | None = None
    alternatives: tuple[str, ...] | None = None
    message: str | None = None


def appointment_view(ctx: Context, appointment_id: str, token: str, now: datetime) -> AppointmentView:
    """The appointment on the citizen's page: when, the reminder, cancel/reschedule, and once the time
    has come the ticket to follow (the same id and token). Opening it at the time admits the citizen."""
    tid, _ = appointment_key(appointment_id)
    ctx.keys.verify(appointment_id, token)
    unit = ctx.unit(tid.unit_id)
    row = get_appointment(ctx.appointments, appointment_id)
    status = row.fields.get("status")
    if (status == AppointmentStatus.BOOKED.value and now >= when(row.fields["startsAt"])) or (
        status == AppointmentStatus.ADMITTED.value and not row.fields.get("inLine")
    ):
        admit_appointment(ctx, unit, row, now)
        row = get_appointment(ctx.appointments, appointment_id)
    return citizen_view(ctx, unit, row, now)


def citizen_view(ctx: Context, unit: UnitConfig, row: Row, now: datetime) -> AppointmentView:
    f = row.fields
    zone = ZoneInfo(unit.timezone)
    starts, ends = when(f["startsAt"]).astimezone(zone), when(f["endsAt"]).astimezone(zone)
    status = status_of(f)
    before = status == AppointmentStatus.BOOKED and now < starts
    reminder_from = starts - timedelta(minutes=unit.scheduling.reminder_minutes)
    near = now >= reminder_from and status in (AppointmentStatus.BOOKED, AppointmentStatus.ADMITTED)
    reminder = None
    if before and near:
        reminder = (
            f"Seu atendimento agendado começa às {hhmm(starts)} (horário de {zone_label(zone)}). "
            "Mantenha esta página aberta: no horário, você entra na frente da fila."
        )
    moved = None
    if status == AppointmentStatus.RESCHEDULED and f.get("rescheduledTo"):
        new_id = str(f["rescheduledTo"])
        moved = Handle(new_id, ctx.keys.sign(new_id))
    ended = status in (AppointmentStatus.CANCELLED, AppointmentStatus.MISSED)
    return AppointmentView(
        appointment_id=str(f["appointmentId"]),
        unit=UnitRef.of(unit),
        status=status,
        status_text=STATUS_TEXT[status],
        starts_at=starts,
        ends_at=ends,
        when=ctx.calendars(unit).format_instant(starts),
        booked_by="servidor" if f.get("source") == "clerk" else "cidadao",
        follow_up=bool(f.get("followUpOf")),
        reason=reason_label(unit, f.get("reason"), otherwise=""),
        can_cancel=before,
        can_reschedule=before and unit.scheduling.enabled,
        reminder=reminder,
        meeting=MeetingLink(
            str(f.get("meetingStatus", "pending")), (f.get("joinUrl") or None) if near else None
        ),
        in_line=status == AppointmentStatus.ADMITTED,
        rescheduled_to=moved,
        alternatives=tuple(unit.alternatives) if ended else None,
        message="O horário passou sem que o atendimento começasse. Agende de novo ou entre na fila."
        if status == AppointmentStatus.MISSED
        else None,
    )


@dataclass(frozen=True)
class FollowUp:
    appointment_id: str
    token: str
    starts_at: datetime
    when: str
    status: str


def follow_up_view(ctx: Context, ticket_id: str, token: str) -> FollowUp:
    """The follow-up a clerk booked during this ticket's attendance, with its own token."""
    tid = TicketId.parse(ticket_id)
    ctx.keys.verify(ticket_id, token)
    unit = ctx.unit(tid.unit_id)
    stored = ctx.store.get_ticket(ticket_id) or {}
    follow_up = stored.get("followUpId")
    if not follow_up:
        raise NotFoundError("Nenhum retorno foi agendado neste atendimento.")
    row = get_appointment(ctx.appointments, follow_up)
    starts = when(row.fields["startsAt"]).astimezone(ZoneInfo(unit.timezone))
    return FollowUp(
        follow_up,
        ctx.keys.sign(follow_up),
        starts,
        ctx.calendars(unit).format_instant(starts),
        str(row.fields.get("status")),
    )


@dataclass(frozen=True)
class ClerkAppointment:
    appointment_id: str
    starts_at: datetime
    ends_at: datetime
    time: str
    status: AppointmentStatus
    status_text: str
    booked_by: str
    follow_up_of: str | None
    name: str
    role: str
    oab: str
    process_number: str
    reason: str
    reminded: bool
    meeting: MeetingLink


@dataclass(frozen=True)
class DayAppointments:
    unit: UnitRef
    day: date
    appointments: list[ClerkAppointment]


def clerk_appointments(
    ctx: Context, unit_id: str, clerk: Principal, day: date | None, now: datetime
) -> DayAppointments:
    """The appointments of a local day (default today), in time order, with the citizen's details."""
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    zone = ZoneInfo(unit.timezone)
    on = day or now.astimezone(zone).date()
    rows = ctx.appointments.query(unit.id, f"a.{on:%Y%m%d}.", f"a.{on:%Y%m%d}.~")
    items = []
    for row in sorted(rows, key=lambda r: (str(r.fields.get("startsAt")), r.key)):
        f = row.fields
        starts, status = when(f["startsAt"]).astimezone(zone), status_of(f)
        items.append(
            ClerkAppointment(
                appointment_id=str(f["appointmentId"]),
                starts_at=starts,
                ends_at=when(f["endsAt"]).astimezone(zone),
                time=hhmm(starts),
                status=status,
                status_text=STATUS_TEXT[status],
                booked_by=str(f.get("bookedBy", "")),
                follow_up_of=str(f.get("followUpOf") or "") or None,
                name=str(f.get("name", "")),
                role=ROLES.get(str(f.get("role", "")), ""),
                oab=oab_text(f),
                process_number=str(f.get("processNumber", "")),
                reason=reason_label(unit, f.get("reason", "")),
                reminded=bool(f.get("reminded")),
                meeting=MeetingLink(
                    str(f.get("meetingStatus", "pending")), f.get("clerkJoinUrl") or f.get("joinUrl") or None
                ),
            )
        )
    return DayAppointments(UnitRef.of(unit), on, items)
