"""Admission (the `join-requests` queue): join requests are placed in their unit's line in batches, per
unit-day, in entity-group transactions (≤ 49 tickets each, plus the state). A replay is recognised by
the ticket already existing (in the line, called, or stored: `DuplicateTicketError`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.arrivals import Arrival
from domain.config import UnitConfig
from domain.errors import AlreadyInQueueError, QueueFullError
from domain.ordering import Entry, PriorityClass
from domain.ports import DuplicateTicketError
from domain.queue import QueueState, Reach, display_number
from domain.tickets import Action, Status, TicketId, TicketWrite, move, status_of
from domain.times import iso_utc
from domain.usecases.citizen_notices import mark_near_front, queue_citizen_notice, tell_near
from domain.usecases.context import Context
from domain.usecases.unit_day import mutate, ticket_day

CHUNK = 49
UNIT_CLOSED = "unidade-fechada"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Placed:
    """Where an arrival entered the line."""

    entry: Entry
    write: TicketWrite


def admit(ctx: Context, requests: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, str]:
    """Admit join requests (queue messages). Returns ticket id → its status, or "duplicate"."""
    groups: dict[tuple[str, str], list[Arrival]] = defaultdict(list)
    for message in requests:
        arrival = Arrival.from_message(message)
        tid = TicketId.parse(arrival.ticket_id)
        groups[(tid.unit_id, ticket_day(tid))].append(arrival)
    outcome: dict[str, str] = {}
    for (unit_id, day), arrivals in groups.items():
        arrivals.sort(key=lambda a: (a.arrived_ms, a.ticket_id))
        for i in range(0, len(arrivals), CHUNK):
            outcome.update(admit_chunk(ctx, unit_id, day, arrivals[i : i + CHUNK], now))
    return outcome


def admit_chunk(
    ctx: Context, unit_id: str, day: str, arrivals: list[Arrival], now: datetime
) -> dict[str, str]:
    unit = ctx.config().unit(unit_id)
    already: set[str] = set()
    near: list[str] = []

    def change(state: QueueState) -> tuple[dict[str, str], list[TicketWrite]]:
        near.clear()  # of an attempt that lost to another writer
        known = {e.short for e in state.line} | set(state.called)
        persons = state.persons()
        writes: list[TicketWrite] = []
        result: dict[str, str] = {}
        for arrival in arrivals:
            short = TicketId.parse(arrival.ticket_id).short
            if short in known or arrival.ticket_id in already:
                result[arrival.ticket_id] = DUPLICATE
                continue
            if unit is None or state.closed:
                writes.append(reject(arrival, UNIT_CLOSED, now))
            elif arrival.person_key in persons:
                writes.append(reject(arrival, AlreadyInQueueError.code, now))
            elif state.waiting_count() >= unit.limits.max_waiting:
                writes.append(reject(arrival, QueueFullError.code, now))
            else:
                placed = place(state, unit, arrival, arrival.klass, now)
                persons.add(placed.entry.person)
                writes.append(placed.write)
            result[arrival.ticket_id] = status_of(writes[-1]).value
        if unit is not None:
            near.extend(mark_near_front(ctx, state, unit, now))
        return result, writes

    while True:
        try:
            result = mutate(ctx, unit_id, day, change)
            break
        except DuplicateTicketError as dup:  # a replay: this one was admitted by an earlier delivery
            already.add(dup.ticket_id)
    for arrival in arrivals:  # a replay queues it again: the delivery sends each dedup key once
        if arrival.channels and result.get(arrival.ticket_id) in (Status.WAITING.value, DUPLICATE):
            queue_citizen_notice(ctx, "joined", arrival.ticket_id)
    tell_near(ctx, near)
    return result


def place(
    state: QueueState,
    unit: UnitConfig,
    arrival: Arrival,
    klass: PriorityClass,
    now: datetime,
    reason: str = "",
    **fields: Any,
) -> Placed:
    """Put an arrival in the line with the next order number, and the write that creates its ticket."""
    short = TicketId.parse(arrival.ticket_id).short
    entry = state.admit(
        Entry(
            short=short,
            klass=klass,
            arrived_ms=arrival.arrived_ms,
            seq=0,
            category=arrival.category,
            companions=arrival.companions,
            person=arrival.person_key,
        )
    )
    if arrival.channels:
        state.reach[short] = Reach(channels=list(arrival.channels))
    write = move(
        arrival.ticket_id,
        Status.PENDING,
        Action.ADMIT,
        now,
        "system",
        reason,
        data={
            "klass": int(entry.klass),
            "role": arrival.person.role,
            "reason": arrival.person.reason,
            "position": state.positions(unit.ordering.policy()).get(short, 0),
        },
        fields={
            **arrival.ticket_fields(),
            "seq": entry.seq,
            "display": display_number(entry),
            "priorityClass": int(entry.klass),
            "admittedAt": iso_utc(now),
            **fields,
        },
        create=True,
    )
    return Placed(entry, write)


def reject(arrival: Arrival, why: str, now: datetime) -> TicketWrite:
    """The write of a refused admission (the citizen's page says why)."""
    return move(
        arrival.ticket_id,
        Status.PENDING,
        Action.REJECT,
        now,
        "system",
        why,
        fields={**arrival.ticket_fields(), "rejectedReason": why, "display": ""},
        create=True,
    )
