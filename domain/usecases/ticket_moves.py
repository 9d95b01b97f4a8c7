"""One transition of one ticket, from wherever it stands (the line, the called, or only the stored
ticket): start, finish, no-show, requeue, transfer, leave, return. The new status comes from the table
(domain/tickets.py); the queue state changes with it in the same transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.arrivals import Arrival, arrived_ms
from domain.auth import Principal
from domain.config import UnitConfig
from domain.errors import TicketNotFoundError
from domain.ordering import Entry, PriorityClass
from domain.ports import JOIN_QUEUE, DuplicateTicketError
from domain.queue import QueueState
from domain.tickets import Action, Status, TicketId, TicketWrite, move, next_status, status_of
from domain.times import iso_utc, ms
from domain.usecases.citizen_notices import carry_contacts, drop_contacts
from domain.usecases.context import Context
from domain.usecases.unit_day import NoChange, mutate, service_day, ticket_day
from domain.usecases.whatsapp_survey import on_whatsapp, queue_survey


def current_status(ctx: Context, state: QueueState, tid: TicketId, stored: dict[str, Any] | None) -> Status:
    called = state.called.get(tid.short)
    if called is not None:
        return Status.IN_SERVICE if called.started_ms else Status.CALLED
    entry = state.find(tid.short)
    if entry is not None:
        return Status.ABSENT if entry.absent_since_ms else Status.WAITING
    found = stored if stored is not None else ctx.store.get_ticket(str(tid))
    if found is None:
        raise TicketNotFoundError()
    return Status(found["status"])


def transition_ticket(
    ctx: Context,
    tid: TicketId,
    action: Action,
    by: str,
    now: datetime,
    *,
    reason: str = "",
    target_unit: str = "",
) -> Status:
    """Apply `action` to the ticket; a transfer also sends the citizen to `target_unit`'s line."""
    unit = ctx.unit(tid.unit_id)
    ticket_id = str(tid)
    stored: dict[str, Any] | None = None
    if action in (Action.REQUEUE, Action.TRANSFER):
        stored = ctx.store.get_ticket(ticket_id)  # needed to rebuild a no-show's place or to transfer
    new_ticket = ""

    survey = False

    def change(state: QueueState) -> tuple[Status, list[TicketWrite]]:
        nonlocal new_ticket, survey
        survey = False
        current = current_status(ctx, state, tid, stored)
        next_status(current, action)  # refused by the table before anything changes
        called = state.called.get(tid.short)
        entry = state.find(tid.short)
        fields: dict[str, Any] = {}
        data: dict[str, Any] = {}
        if action == Action.START and called is not None:
            called.started_ms = ms(now)
            fields["startedAt"] = iso_utc(now)
        elif action == Action.FINISH and called is not None:
            duration = (ms(now) - (called.started_ms or called.called_ms)) / 1000
            state.record_service(duration)
            fields.update(finishedAt=iso_utc(now), serviceSeconds=int(duration))
            data["serviceSeconds"] = int(duration)
            survey = on_whatsapp(state, tid.short)  # asked on WhatsApp (issue 18)
        elif action == Action.REQUEUE:
            fields.update(requeuedAt=iso_utc(now), requeueReason=reason)
        elif action == Action.TRANSFER:
            target_day = service_day(ctx.unit(target_unit), now)
            new_ticket = str(TicketId.new(target_unit, datetime.strptime(target_day, "%Y%m%d").date()))
            fields.update(transferredTo=new_ticket, transferReason=reason)
            data["targetUnit"] = target_unit
        elif action in (Action.NO_SHOW, Action.LEAVE):
            fields[f"{action.value}At"] = iso_utc(now)
        write = move(ticket_id, current, action, now, by, reason, data, fields=fields)
        if called is not None and action != Action.START:
            state.take_called(tid.short)
        elif entry is not None and action == Action.RETURN:
            state.remove(tid.short)
            state.restore(entry)  # same place, present again
        elif entry is not None and action != Action.CALL:
            state.remove(tid.short)
        if action == Action.REQUEUE:
            state.restore(called.entry if called is not None else entry_of(stored))
        return status_of(write), [write]

    status = mutate(ctx, unit.id, ticket_day(tid), change)
    if survey:
        queue_survey(ctx, ticket_id)
    if action == Action.TRANSFER and stored is not None:
        arrival = Arrival.from_record(stored, new_ticket, arrived_ms(stored), transferred_from=ticket_id)
        channels = carry_contacts(ctx, ticket_id, new_ticket, ctx.unit(target_unit))
        ctx.bus.send(JOIN_QUEUE, replace(arrival, channels=channels).to_message())
        drop_contacts(ctx, ticket_id)
    return status


def entry_of(stored: dict[str, Any] | None) -> Entry:
    """A no-show's place in line, rebuilt from its stored ticket (to requeue it)."""
    if stored is None or "seq" not in stored:
        raise TicketNotFoundError()
    return Entry(
        short=TicketId.parse(stored["ticketId"]).short,
        klass=PriorityClass(int(stored["priorityClass"])),
        arrived_ms=arrived_ms(stored),
        seq=int(stored["seq"]),
        category=stored.get("category", ""),
        companions=int(stored.get("companions", 0)),
        person=stored.get("person", ""),
    )


def clerk_ticket(ctx: Context, unit_id: str, ticket_id: str, clerk: Principal) -> tuple[UnitConfig, TicketId]:
    """The unit (which the clerk must serve) and a ticket of that unit, or the matching error."""
    unit = ctx.unit(unit_id)
    clerk.require_clerk(unit.id)
    tid = TicketId.parse(ticket_id)
    if tid.unit_id != unit.id:
        raise TicketNotFoundError()
    return unit, tid


def tombstone(ctx: Context, tid: TicketId, now: datetime, *, erased: bool) -> bool:
    """Create the ticket as left (and, for an erasure, erased) before its admission; False if it was
    admitted meanwhile. The admission then finds the ticket existing (`DuplicateTicketError`) and skips
    its join request, so a ticket left or erased while pending never reaches the line (DESIGN §6).

    Its status follows the table (pending → left); no event is logged: the ticket never reached the
    line, so neither the audit trail of the line nor the metrics count it."""
    ticket_id = str(tid)
    at = iso_utc(now)
    left = next_status(Status.PENDING, Action.LEAVE)
    fields: dict[str, Any] = {"status": left.value, "leftAt": at, "display": ""}
    if erased:
        fields["dataErasedAt"] = at

    def change(state: QueueState) -> tuple[bool, list[TicketWrite]]:
        if state.find(tid.short) is not None or tid.short in state.called:
            raise NoChange(False)
        return True, [TicketWrite(ticket_id, fields, create=True)]

    try:
        return bool(mutate(ctx, tid.unit_id, ticket_day(tid), change))
    except DuplicateTicketError:
        return False
