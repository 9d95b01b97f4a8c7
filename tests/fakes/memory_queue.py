"""In-memory stand-ins for the `QueueStore` and `MessageBus` ports (domain/ports.py), so that the use
cases (joining, admission, calling, the citizen's view) run in the fast domain tier.

Kept to the behaviour the use cases rely on: `load` returns a private copy of the unit-day state and its
ETag (a counter), `commit` refuses a stale ETag (`ConcurrentUpdateError`) and a `create` of a ticket that
exists (`DuplicateTicketError`) and writes nothing in either case, `peek` shares one copy per committed
version. Single-process; the Azurite adapter (adapters/tables.py) is what the integration tier checks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from domain.errors import ConcurrentUpdateError, ConflictError
from domain.ports import DuplicateTicketError, TicketWrite
from domain.queue import QueueState


def _copy(state: QueueState) -> QueueState:
    """A copy that shares nothing mutable with `state` (entries are frozen; called tickets are not)."""
    return dataclasses.replace(
        state,
        line=list(state.line),
        called={k: dataclasses.replace(v) for k, v in state.called.items()},
        clerks={k: dataclasses.replace(v) for k, v in state.clerks.items()},
    )


class InMemoryQueueStore:
    def __init__(self) -> None:
        self._states: dict[tuple[str, str], tuple[QueueState, str]] = {}
        self._shared: dict[tuple[str, str], QueueState] = {}
        self._etags = 0
        self.tickets: dict[str, dict[str, Any]] = {}
        self.events: list[Any] = []
        self.commits = 0
        self._marks: dict[tuple[str, str], set[str]] = {}
        self._heartbeats: dict[tuple[str, str, str], dict[str, int]] = {}

    def load(self, unit_id: str, day: str) -> tuple[QueueState, str | None]:
        stored = self._states.get((unit_id, day))
        if stored is None:
            return QueueState(unit_id=unit_id, day=day), None
        return _copy(stored[0]), stored[1]

    def peek(self, unit_id: str, day: str, max_age_s: float = 1.0) -> QueueState:
        key = (unit_id, day)
        if key not in self._shared:
            self._shared[key] = self.load(unit_id, day)[0]
        return self._shared[key]

    def commit(self, state: QueueState, etag: str | None, writes: Sequence[TicketWrite] = ()) -> None:
        key = (state.unit_id, state.day)
        current = self._states.get(key)
        if (current[1] if current else None) != etag:
            raise ConcurrentUpdateError()
        for write in writes:
            if write.create and write.ticket_id in self.tickets:
                raise DuplicateTicketError(write.ticket_id)
        self._etags += 1
        self._states[key] = (_copy(state), f'W/"{self._etags}"')
        self._shared.pop(key, None)
        for write in writes:
            ticket = {} if write.create else self.tickets.setdefault(write.ticket_id, {})
            self.tickets[write.ticket_id] = {**ticket, "ticketId": write.ticket_id, **write.fields}
            if write.event is not None:
                self.events.append(write.event)
        self.commits += 1

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        ticket = self.tickets.get(ticket_id)
        return dict(ticket) if ticket is not None else None

    def list_tickets(self, unit_id: str, day: str) -> list[dict[str, Any]]:
        prefix = f"{unit_id}.{day}."
        return [dict(t) for tid, t in self.tickets.items() if tid.startswith(prefix)]

    def merge_ticket(self, ticket_id: str, fields: Mapping[str, Any]) -> None:
        self.tickets.setdefault(ticket_id, {"ticketId": ticket_id}).update(fields)

    def add_survey(self, ticket_id: str, fields: Mapping[str, Any]) -> None:
        ticket = self.tickets.setdefault(ticket_id, {"ticketId": ticket_id})
        if "survey" in ticket:
            raise ConflictError()
        ticket["survey"] = dict(fields)

    def mark_once(self, unit_id: str, day: str, key: str) -> bool:
        marks = self._marks.setdefault((unit_id, day), set())
        if key in marks:
            return False
        marks.add(key)
        return True

    def seen(self, unit_id: str, day: str, key: str) -> bool:
        return key in self._marks.get((unit_id, day), set())

    def write_heartbeat(self, unit_id: str, day: str, worker: str, seen: Mapping[str, int]) -> None:
        self._heartbeats[(unit_id, day, worker)] = dict(seen)

    def read_heartbeats(self, unit_id: str, day: str) -> list[dict[str, int]]:
        return [dict(v) for (u, d, _), v in self._heartbeats.items() if (u, d) == (unit_id, day)]


class RecordingBus:
    """MessageBus that keeps what was sent, per queue, for the test to deliver (or not)."""

    def __init__(self) -> None:
        self.sent: dict[str, list[dict[str, Any]]] = {}

    def send(self, queue: str, payload: Mapping[str, Any], delay_s: int = 0) -> None:
        self.sent.setdefault(queue, []).append(dict(payload))

    def take(self, queue: str) -> list[dict[str, Any]]:
        """Everything sent to `queue` since the last take (the messages are then gone)."""
        return self.sent.pop(queue, [])
