"""Booking (Res. 372/2021 art. 4): a citizen books a slot when the unit allows it, a clerk books a
follow-up during (or just after) an attendance; the citizen cancels or reschedules until it starts.

No double booking: the holders of a slot are one record (`b.{slot}`) and an appointment another
(`a.{YYYYMMDD}.{short}`) in the unit's partition; booking writes both in one transaction guarded by the
slot's ETag (or by its creation, for the first booking), and starts again when someone else booked
first. Cancelling gives the place back the same way; rescheduling moves it in one transaction (old slot,
new slot, old appointment, new appointment).

Who may book: a clerk, with the citizen's details copied from the ticket; a citizen, with the same
details as for joining the queue, when the unit's `selfBooking` policy allows it now: `always`, or
`when_unavailable` (the unit is closed now or its queue is full). Whoever booked, the citizen holds the
token. One booked appointment per person per unit and day. The appointment id is a ticket id of its
service day, and its token that ticket's token (domain/usecases/appointment_day.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.appointments import (
    ACTION_VERBS,
    PERSON_KEYS,
    AppointmentAction,
    AppointmentStatus,
    appointment_fields,
    appointment_key,
    get_appointment,
    give_back,
    next_appointment_status,
    status_of,
    take_place,
    transition,
    when,
)
from domain.auth import Principal
from domain.config import SchedulingConfig, UnitConfig
from domain.errors import (
    ConflictError,
    DomainError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    SlotUnavailableError,
    TicketNotFoundError,
)
from domain.people import person_key, record_of
from domain.ports import APPOINTMENT_QUEUE, Row, RowWrite
from domain.queue import QueueState
from domain.slots import Slot, slot_grid, slot_window
from domain.tickets import AttendanceAction, AttendanceEvent, Status, TicketId, TicketWrite
from domain.times import iso_utc
from domain.usecases.citizen_notices import offered_channels
from domain.usecases.context import Context
from domain.usecases.joining import JoinInput, validate_join
from domain.usecases.notice_subjects import contacts_fields
from domain.usecases.ticket_moves import clerk_ticket
from domain.usecases.unit_day import commit_records, mutate, service_day, ticket_day

FOLLOW_UP_STATUSES = frozenset({Status.CALLED.value, Status.IN_SERVICE.value, Status.DONE.value})


@dataclass(frozen=True)
class Booking:
    appointment_id: str
    token: str
    starts_at: datetime
    ends_at: datetime


def scheduling_settings(unit: UnitConfig) -> SchedulingConfig:
    if not unit.scheduling.enabled:
        raise NotFoundError("Esta unidade não oferece agendamento pelo Balcão Virtual.")
    return unit.scheduling


def find_slot(ctx: Context, unit: UnitConfig, starts_at: datetime, now: datetime, *, for_clerk: bool) -> Slot:
    """The unit's slot starting at `starts_at`, or SlotUnavailableError (outside the hours, on a closed
    day, too soon, too far ahead, or not on the slot grid)."""
    settings = scheduling_settings(unit)
    if starts_at.tzinfo is None:
        raise InvalidInputError(
            "Informe o horário com o fuso (ISO 8601).", fields={"startsAt": "data e hora com fuso"}
        )
    local = starts_at.astimezone(ZoneInfo(unit.timezone))
    first, last = slot_window(unit, now)
    earliest = now if for_clerk else now + timedelta(minutes=settings.min_notice_minutes)
    if first <= local.date() <= last:
        grid = slot_grid(ctx.calendars(unit), settings.slot_minutes, local.date(), local.date(), earliest)
        for slot in grid:
            if slot.start == local:
                return slot
    raise SlotUnavailableError(
        "Este horário não está na agenda da unidade. Escolha um dos horários oferecidos."
    )


@dataclass(frozen=True)
class SelfBooking:
    """Whether a citizen may book on their own now under the unit's policy, and why (pt-BR)."""

    policy: str  # the unit's scheduling.self_booking: never | when_unavailable (closed or full) | always
    allowed: bool
    message: str


def self_booking(ctx: Context, unit: UnitConfig, now: datetime) -> SelfBooking:
    policy = unit.scheduling.self_booking
    if not unit.active:
        return SelfBooking(policy, False, "Esta unidade não está atendendo pelo Balcão Virtual.")
    if policy == "never":
        why = "Nesta unidade, o retorno é agendado pelo(a) servidor(a) durante o atendimento."
        return SelfBooking(policy, False, why)
    if policy == "always":
        return SelfBooking(policy, True, "Escolha um dos horários disponíveis.")
    open_now = ctx.always_open or ctx.calendars(unit).is_open(now)
    state = ctx.store.peek(unit.id, service_day(unit, now), max_age_s=5.0)
    if not open_now or state.closed:
        return SelfBooking(policy, True, "A unidade está fechada agora: você pode agendar um horário.")
    if state.waiting_count() >= unit.limits.max_waiting:
        return SelfBooking(policy, True, "A fila está cheia agora: você pode agendar um horário.")
    why = "A unidade está atendendo agora: entre na fila para ser atendido(a) hoje."
    return SelfBooking(policy, False, why)


def book(ctx: Context, unit_id: str, data: JoinInput, starts_at: datetime, now: datetime) -> Booking:
    """A citizen books a slot (when the unit's policy allows it now). Returns the appointment's token."""
    unit = ctx.unit(unit_id)
    scheduling_settings(unit)
    request = validate_join(unit, data, offered_channels(ctx, unit), ctx.push_hosts)
    verdict = self_booking(ctx, unit, now)
    if not verdict.allowed:
        raise InvalidTransitionError(verdict.message)
    slot = find_slot(ctx, unit, starts_at, now, for_clerk=False)
    key = person_key(ctx.keys, unit.id, request.person)
    day = f"{slot.day:%Y%m%d}"
    records = ctx.appointments
    booked = records.query(
        unit.id, f"a.{day}.", f"a.{day}.~", where={"status": AppointmentStatus.BOOKED.value}
    )
    if any(r.fields.get("person") == key for r in booked):
        raise ConflictError("Você já tem um horário agendado nesta unidade para este dia.")
    tid = TicketId.new(unit.id, slot.day)
    person = {
        **record_of(request.person),
        "category": request.category,
        "grounds": json.dumps(list(request.grounds)),
        "companions": request.companions,
        "person": key,
    }
    contacts = contacts_fields(request.contacts)
    fields = appointment_fields(
        unit.id, tid, slot, person, now, source="citizen", bookedBy="citizen", **contacts
    )
    reserve(ctx, unit, slot, tid, fields)
    ctx.bus.send(APPOINTMENT_QUEUE, {"appointmentId": str(tid)})
    return booking_of(ctx, tid, slot)


def offer_follow_up(
    ctx: Context, unit_id: str, ticket_id: str, clerk: Principal, starts_at: datetime, now: datetime
) -> Booking:
    """The clerk books a follow-up for the citizen being attended (or just attended): the citizen's
    details come from the ticket, and the citizen's page shows the appointment (`follow_up_view`)."""
    unit, tid = clerk_ticket(ctx, unit_id, ticket_id, clerk)
    scheduling_settings(unit)
    stored = ctx.store.get_ticket(ticket_id)
    if stored is None:
        raise TicketNotFoundError()
    if stored.get("status") not in FOLLOW_UP_STATUSES:
        raise InvalidTransitionError("O retorno é agendado durante o atendimento (ou logo após finalizá-lo).")
    records = ctx.appointments
    previous = stored.get("followUpId")
    if previous:
        row = records.get(unit.id, appointment_key(previous)[1])
        if row is not None and row.fields.get("status") == AppointmentStatus.BOOKED.value:
            raise ConflictError(
                "Este atendimento já tem um retorno agendado; o(a) cidadão(ã) pode remarcá-lo."
            )
    slot = find_slot(ctx, unit, starts_at, now, for_clerk=True)
    new = TicketId.new(unit.id, slot.day)
    person = {k: stored.get(k, "") for k in PERSON_KEYS}
    person["grounds"] = stored.get("grounds") or "[]"
    contacts = contacts_fields(ctx.store.get_contacts(ticket_id))  # told as during the attendance
    fields = appointment_fields(
        unit.id,
        new,
        slot,
        person,
        now,
        **contacts,
        source="clerk",
        bookedBy=clerk.email,
        followUpOf=ticket_id,
    )
    reserve(ctx, unit, slot, new, fields)

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        current = ctx.store.get_ticket(ticket_id) or stored
        event = AttendanceEvent(
            ticket_id,
            AttendanceAction.FOLLOW_UP,
            Status(current["status"]),
            now,
            clerk.email,
            "retorno agendado",
            data={"appointmentId": str(new), "startsAt": iso_utc(slot.start)},
        )
        return None, [
            TicketWrite(ticket_id, {"followUpId": str(new), "followUpAt": iso_utc(slot.start)}, event=event)
        ]

    mutate(ctx, unit.id, ticket_day(tid), change)
    ctx.bus.send(APPOINTMENT_QUEUE, {"appointmentId": str(new)})
    return booking_of(ctx, new, slot)


def reserve(ctx: Context, unit: UnitConfig, slot: Slot, tid: TicketId, fields: dict[str, Any]) -> None:
    """Take a place in the slot and store the appointment, in one transaction (again when someone
    else booked in between)."""
    records = ctx.appointments
    commit_records(
        ctx,
        records,
        unit.id,
        lambda: [
            take_place(records, unit.id, unit.scheduling.capacity, slot, tid.short),
            RowWrite(f"a.{slot.day:%Y%m%d}.{tid.short}", fields, "create"),
        ],
    )


def is_booked(ctx: Context, appointment_id: str) -> bool:
    """Whether an appointment still holds its place (booked, not yet admitted, cancelled, moved or
    missed): what the cap on a client's active bookings counts (functions/limits.py)."""
    try:
        tid, key = appointment_key(appointment_id)
    except DomainError:  # a malformed id: nothing held
        return False
    row = ctx.appointments.get(tid.unit_id, key)
    return row is not None and status_of(row.fields) == AppointmentStatus.BOOKED


def cancel(ctx: Context, appointment_id: str, token: str, now: datetime) -> None:
    """The citizen cancels (with the token) until the appointment starts; the place goes back on offer."""
    tid, _ = appointment_key(appointment_id)
    ctx.keys.verify(appointment_id, token)
    ctx.unit(tid.unit_id)
    records = ctx.appointments

    def build() -> list[RowWrite]:
        row = get_appointment(records, appointment_id)
        require_changeable(row, now, AppointmentAction.CANCEL)
        writes = [transition(row, AppointmentAction.CANCEL, now)]
        release = give_back(records, tid.unit_id, str(row.fields["slot"]), tid.short)
        return [*writes, release] if release else writes

    commit_records(ctx, records, tid.unit_id, build)


def reschedule(ctx: Context, appointment_id: str, token: str, starts_at: datetime, now: datetime) -> Booking:
    """The citizen moves the appointment to another free slot (a new appointment id and token; the old
    one points to it). Allowed whoever booked it, as long as the unit still schedules."""
    old, _ = appointment_key(appointment_id)
    ctx.keys.verify(appointment_id, token)
    unit = ctx.unit(old.unit_id)
    slot = find_slot(ctx, unit, starts_at, now, for_clerk=False)
    new = TicketId.new(unit.id, slot.day)
    new_key = f"a.{slot.day:%Y%m%d}.{new.short}"
    records = ctx.appointments

    def build() -> list[RowWrite]:
        row = get_appointment(records, appointment_id)
        require_changeable(row, now, AppointmentAction.RESCHEDULE)
        if row.fields.get("slot") == slot.key:
            raise SlotUnavailableError("Escolha um horário diferente do atual.")
        person = {k: row.fields.get(k, "") for k in PERSON_KEYS}
        kept = ("source", "bookedBy", "followUpOf", "contacts")
        extra = {k: row.fields[k] for k in kept if row.fields.get(k)}
        fields = appointment_fields(unit.id, new, slot, person, now, rescheduledFrom=appointment_id, **extra)
        writes = [
            take_place(records, unit.id, unit.scheduling.capacity, slot, new.short),
            RowWrite(new_key, fields, "create"),
            transition(row, AppointmentAction.RESCHEDULE, now, rescheduledTo=str(new)),
        ]
        release = give_back(records, unit.id, str(row.fields["slot"]), old.short)
        return [*writes, release] if release else writes

    commit_records(ctx, records, unit.id, build)
    ctx.bus.send(APPOINTMENT_QUEUE, {"appointmentId": str(new)})
    return booking_of(ctx, new, slot)


def require_changeable(row: Row, now: datetime, action: AppointmentAction) -> None:
    """Only a booked appointment that has not started yet can be cancelled or rescheduled."""
    next_appointment_status(status_of(row.fields), action)
    if now >= when(row.fields["startsAt"]):
        raise InvalidTransitionError(
            f"O horário agendado já começou; não é possível {ACTION_VERBS[action]}. "
            "Acompanhe pela página da senha."
        )


def booking_of(ctx: Context, tid: TicketId, slot: Slot) -> Booking:
    appointment_id = str(tid)
    return Booking(appointment_id, ctx.keys.sign(appointment_id), slot.start, slot.end)
