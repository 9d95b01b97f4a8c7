"""The appointment day (Res. 372/2021 art. 4).

The appointment id is a ticket id of the appointment's service day (`{unit}.{YYYYMMDD}.{short}`), and
its token is that ticket's token. The meeting is created ahead of time through the same
`MeetingProvider` port with that id (queue `appointment-requests`), so when the citizen is called the
attendance's meeting is the very same one (providers are idempotent on the id). The clerks' Teams
channel gets a reminder `reminderMinutes` before; the citizen's page shows it too. At the appointment
time (the minute timer, or the citizen's own page, whichever comes first) the appointment is claimed and
the citizen enters that day's line in the `SCHEDULED` class: straight to the front (domain/ordering.py),
and the call records "atendimento agendado" as its reason. From then on the ticket follows the queue's
rules: absent, expired or no-show as anyone else. An appointment whose day ends before it could enter
the line is "missed".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.appointments import (
    AppointmentAction,
    AppointmentStatus,
    appointment_key,
    transition,
    when,
)
from domain.arrivals import Arrival
from domain.config import UnitConfig
from domain.errors import ConcurrentUpdateError
from domain.hours import zone_label
from domain.ordering import PriorityClass
from domain.people import reason_label
from domain.ports import DuplicateTicketError, Row, RowWrite
from domain.queue import SCHEDULED_REASON, QueueState
from domain.slots import DAY, hhmm
from domain.tickets import TicketId, TicketWrite
from domain.times import iso_utc, ms
from domain.usecases.admission import place
from domain.usecases.citizen_notices import offered_channels, queue_citizen_notice
from domain.usecases.context import Context
from domain.usecases.meetings import FAILED, GONE, READY, MeetingFailure, meeting_fields, open_meeting
from domain.usecases.notice_subjects import record_contacts
from domain.usecases.notices import send_notice
from domain.usecases.unit_day import NoChange, mutate, service_day, ticket_day

ADMITTED, MISSED, REMINDED = "admitted", "missed", "reminded"


def prepare_meeting(ctx: Context, appointment_id: str, last_try: bool) -> str:
    """Create the appointment's meeting ahead of time (idempotent: providers key it on the id).

    A transient failure is retried by the queue; a lasting one is recorded ("failed") and the meeting
    is created again when the citizen is called, as for anyone in line."""
    tid, key = appointment_key(appointment_id)
    unit = ctx.unit(tid.unit_id)
    records = ctx.appointments
    row = records.get(unit.id, key)
    if row is None or row.fields.get("status") not in (AppointmentStatus.BOOKED, AppointmentStatus.ADMITTED):
        return GONE
    if row.fields.get("meetingStatus") == READY:
        return READY
    starts = when(row.fields["startsAt"])
    display = f"agendada {hhmm(starts.astimezone(ZoneInfo(unit.timezone)))}"
    meeting = open_meeting(ctx, unit, appointment_id, display, starts, last_try)
    if isinstance(meeting, MeetingFailure):
        records.commit(unit.id, [RowWrite(key, {"meetingStatus": FAILED, "meetingError": meeting.reason})])
        return FAILED
    records.commit(unit.id, [RowWrite(key, meeting_fields(meeting))])
    return READY


def run_appointments(ctx: Context, now: datetime) -> dict[str, int]:
    """For every unit that schedules: remind the clerks of the appointments about to start, admit those
    whose time has come, and close those of days gone by. Returns counts by outcome."""
    counts: dict[str, int] = {}
    for unit in ctx.config().units:
        if not (unit.active and unit.scheduling.enabled):
            continue
        zone = ZoneInfo(unit.timezone)
        today = now.astimezone(zone).date()
        horizon = (now + timedelta(minutes=unit.scheduling.reminder_minutes)).astimezone(zone).date()
        pending = ctx.appointments.query(unit.id, f"a.{today - DAY:%Y%m%d}.", f"a.{horizon:%Y%m%d}.~")
        for row in pending:
            outcome = due(ctx, unit, row, now)
            if outcome:
                counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def due(ctx: Context, unit: UnitConfig, row: Row, now: datetime) -> str:
    status = row.fields.get("status")
    starts = when(row.fields["startsAt"])
    if status == AppointmentStatus.BOOKED.value and now >= starts:
        return admit_appointment(ctx, unit, row, now)
    if status == AppointmentStatus.ADMITTED.value and not row.fields.get("inLine"):
        return admit_appointment(ctx, unit, row, now)
    reminder_from = starts - timedelta(minutes=unit.scheduling.reminder_minutes)
    if status == AppointmentStatus.BOOKED.value and now >= reminder_from and not row.fields.get("reminded"):
        return REMINDED if remind(ctx, unit, row, now) else ""
    return ""


def remind(ctx: Context, unit: UnitConfig, row: Row, now: datetime) -> bool:
    f = row.fields
    zone = ZoneInfo(unit.timezone)
    starts = when(f["startsAt"]).astimezone(zone)
    # The card first, then the mark: a crash in between sends the card again, and its dedup key
    # keeps the channel from showing it twice.
    send_notice(
        ctx,
        "appointment_reminder",
        unit.id,
        f"remind.{row.key}",
        starts_at_text=f"{hhmm(starts)} (horário de {zone_label(zone)})",
        appointment_kind="Retorno agendado pelo(a) servidor(a)"
        if f.get("source") == "clerk"
        else "Agendado pelo(a) cidadão(ã)",
        reason=reason_label(unit, f.get("reason"), otherwise=""),
        join_url=f.get("joinUrl", ""),
        clerk_join_url=f.get("clerkJoinUrl", ""),
    )
    if record_contacts(f):  # the citizen's own reminder, once per appointment (its dedup key)
        queue_citizen_notice(ctx, "reminder", str(f["appointmentId"]))
    try:
        ctx.appointments.commit(
            unit.id, [RowWrite(row.key, {"reminded": True, "remindedAt": iso_utc(now)}, "merge", row.etag)]
        )
    except ConcurrentUpdateError:
        return False  # changed meanwhile (cancelled, admitted): the next pass decides again
    return True


def admit_appointment(ctx: Context, unit: UnitConfig, row: Row, now: datetime) -> str:
    """Claim the appointment (ETag), then put the citizen at the front of the day's line. Idempotent:
    a second run finds the claim, and the ticket's creation recognises a replay."""
    f = row.fields
    appointment_id = str(f["appointmentId"])
    tid, key = appointment_key(appointment_id)
    day = ticket_day(tid)
    records = ctx.appointments
    if f.get("status") == AppointmentStatus.BOOKED.value:
        state = ctx.store.peek(unit.id, day, max_age_s=0.0)
        late = service_day(unit, now) != day or state.closed == "closed"
        action = AppointmentAction.MISS if late else AppointmentAction.ADMIT
        try:
            records.commit(unit.id, [transition(row, action, now)])
        except ConcurrentUpdateError:
            fresh = records.get(unit.id, key)
            if fresh is None or fresh.fields.get("status") != AppointmentStatus.ADMITTED.value:
                return ""  # cancelled or rescheduled at the last moment
            f = fresh.fields
        if action == AppointmentAction.MISS:
            return MISSED
    elif f.get("status") != AppointmentStatus.ADMITTED.value or f.get("inLine"):
        return ""
    enter_line(ctx, unit, appointment_id, f, now)
    records.commit(unit.id, [RowWrite(key, {"inLine": True})])
    return ADMITTED


def enter_line(
    ctx: Context, unit: UnitConfig, appointment_id: str, f: Mapping[str, Any], now: datetime
) -> None:
    """The citizen enters the appointment day's line, in front, with the appointment's id."""
    tid = TicketId.parse(appointment_id)
    contacts = record_contacts(f)
    channels = tuple(c for c in offered_channels(ctx, unit) if c in contacts)
    if channels:  # told in line as the appointment was: the ticket (same id) gets the contacts
        ctx.store.put_contacts(appointment_id, {c: contacts[c] for c in channels})
    arrival = replace(Arrival.from_record(f, appointment_id, ms(when(f["startsAt"]))), channels=channels)

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        if state.find(tid.short) is not None or tid.short in state.called:
            raise NoChange()
        placed = place(
            state,
            unit,
            arrival,
            PriorityClass.SCHEDULED,
            now,
            SCHEDULED_REASON,
            appointmentId=appointment_id,
            scheduledFor=str(f["startsAt"]),
        )
        return None, [placed.write]

    try:
        mutate(ctx, unit.id, ticket_day(tid), change)
    except DuplicateTicketError:
        pass  # entered on an earlier run
