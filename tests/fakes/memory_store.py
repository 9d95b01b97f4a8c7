"""In-memory `QueueStore`: one partition per unit and service day, as the Table Storage adapter keeps
them (state, tickets, events, surveys, side-effect markers, heartbeats), with the same commit rules.

- Every state write gets a new ETag from a counter; a commit with a stale ETag (or creating a state that
  exists) raises `ConcurrentUpdateError`, a `create` ticket write that finds its ticket raises
  `DuplicateTicketError`, and a failed commit leaves nothing written.
- A commit holds at most 100 operations (state, tickets, events) of its own partition (`ValueError`).
- `load` returns a copy: what a use case changes is not stored until it commits; `peek` returns one
  copy shared until the next commit.

tests/contract/ports runs the same suite against this and `adapters.tables.TableQueueStore`.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.errors import ConcurrentUpdateError, ConflictError
from domain.ports import DuplicateTicketError
from domain.queue import QueueState
from domain.tickets import TicketId, TicketWrite, event_row

ETAGS = itertools.count(1)


def new_etag() -> str:
    return f'W/"{next(ETAGS)}"'


@dataclass
class Partition:
    state: QueueState | None = None
    etag: str | None = None
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)  # by short id
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # by row key e.{ms}.{short}.{action}
    surveys: dict[str, dict[str, Any]] = field(default_factory=dict)  # by short id
    markers: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (state, claimed at ms)
    survey_slots: set[str] = field(default_factory=set)  # short ids of finished tickets not yet surveyed
    heartbeats: dict[str, dict[str, int]] = field(default_factory=dict)  # by worker
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by short id: {"contacts": json}


class MemoryQueueStore:
    """`QueueStore` in memory (see the module docstring)."""

    def __init__(self) -> None:
        self.partitions: dict[tuple[str, str], Partition] = {}
        self.commits = 0  # successful commits
        self.conflicts = 0  # commits refused for a stale ETag
        self._peeked: dict[tuple[str, str], tuple[str | None, QueueState]] = {}
        self._lock = threading.RLock()

    def partition(self, unit_id: str, day: str) -> Partition:
        with self._lock:
            return self.partitions.setdefault((unit_id, day), Partition())

    # --- state -------------------------------------------------------------------------------

    def load(self, unit_id: str, day: str) -> tuple[QueueState, str | None]:
        with self._lock:
            found = self.partition(unit_id, day)
            if found.state is None:
                return QueueState(unit_id=unit_id, day=day), None
            return copy.deepcopy(found.state), found.etag

    def load_for_change(self, unit_id: str, day: str) -> tuple[QueueState, str | None]:
        """A fresh copy: this one store is every worker's storage and memory at once, so what a worker
        last saw is what was last committed (the adapter's copy may be stale; the contract suite shows
        both refuse a commit made under a stale etag)."""
        return self.load(unit_id, day)

    def peek(self, unit_id: str, day: str, max_age_s: float = 1.0) -> QueueState:
        """The committed state, one copy shared by every reader until the next commit (as the adapter
        shares one per `max_age_s`): readers must not change it."""
        with self._lock:
            part = self.partition(unit_id, day)
            shared = self._peeked.get((unit_id, day))
            if shared is None or shared[0] != part.etag:
                shared = (part.etag, self.load(unit_id, day)[0])
                self._peeked[(unit_id, day)] = shared
            return shared[1]

    def commit(self, state: QueueState, etag: str | None, writes: Sequence[TicketWrite] = ()) -> None:
        with self._lock:
            part = self.partition(state.unit_id, state.day)
            operations = 1 + len(writes) + sum((w.event is not None) + w.opens_survey for w in writes)
            if operations > 100:
                raise ValueError(f"a transaction holds at most 100 operations, got {operations}")
            if etag != part.etag or (etag is None and part.state is not None):
                self.conflicts += 1
                raise ConcurrentUpdateError()
            tickets = copy.deepcopy(part.tickets)
            events = dict(part.events)
            for write in writes:
                tid = TicketId.parse(write.ticket_id)
                if (tid.unit_id, f"{tid.day:%Y%m%d}") != (state.unit_id, state.day):
                    raise ValueError(
                        f"ticket {write.ticket_id} is not in partition {state.unit_id}.{state.day}"
                    )
                if write.create:
                    if tid.short in tickets:
                        raise DuplicateTicketError(write.ticket_id)
                    tickets[tid.short] = {"ticketId": write.ticket_id, **write.fields}
                else:
                    if tid.short not in tickets:
                        raise LookupError(f"ticket {write.ticket_id} does not exist")
                    tickets[tid.short].update(write.fields)
                if write.event is not None:
                    key, row = event_row(write.event)
                    events[key] = row
            part.state = copy.deepcopy(state)
            part.survey_slots |= {TicketId.parse(w.ticket_id).short for w in writes if w.opens_survey}
            part.etag = new_etag()
            part.tickets = tickets
            part.events = events
            self.commits += 1

    # --- tickets -----------------------------------------------------------------------------

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        tid = TicketId.parse(ticket_id)
        with self._lock:
            found = self.partition(tid.unit_id, f"{tid.day:%Y%m%d}").tickets.get(tid.short)
            return copy.deepcopy(found) if found is not None else None

    def list_tickets(self, unit_id: str, day: str) -> list[dict[str, Any]]:
        with self._lock:
            tickets = self.partition(unit_id, day).tickets
            return [copy.deepcopy(tickets[k]) for k in sorted(tickets)]

    def list_events(self, unit_id: str, day: str) -> list[dict[str, Any]]:
        with self._lock:
            events = self.partition(unit_id, day).events
            return [{"RowKey": k, **events[k]} for k in sorted(events)]

    def merge_ticket(self, ticket_id: str, fields: Mapping[str, Any]) -> None:
        tid = TicketId.parse(ticket_id)
        with self._lock:
            tickets = self.partition(tid.unit_id, f"{tid.day:%Y%m%d}").tickets
            if tid.short not in tickets:
                raise LookupError(f"ticket {ticket_id} does not exist")
            tickets[tid.short].update(fields)

    def get_contacts(self, ticket_id: str) -> dict[str, str]:
        tid = TicketId.parse(ticket_id)
        with self._lock:
            row = self.partition(tid.unit_id, f"{tid.day:%Y%m%d}").contacts.get(tid.short) or {}
            return {str(k): str(v) for k, v in json.loads(row.get("contacts") or "{}").items()}

    def put_contacts(self, ticket_id: str, contacts: Mapping[str, str]) -> None:
        tid = TicketId.parse(ticket_id)
        with self._lock:
            part = self.partition(tid.unit_id, f"{tid.day:%Y%m%d}")
            part.contacts[tid.short] = {"ticketId": ticket_id, "contacts": json.dumps(dict(contacts))}

    def add_survey(
        self, ticket_id: str, fields: Mapping[str, Any], ticket_fields: Mapping[str, Any] | None = None
    ) -> None:
        tid = TicketId.parse(ticket_id)
        with self._lock:
            part = self.partition(tid.unit_id, f"{tid.day:%Y%m%d}")
            if tid.short in part.surveys:
                raise ConflictError("A pesquisa desta senha já foi respondida. Obrigado!")
            if ticket_fields and tid.short not in part.tickets:
                raise LookupError(f"ticket {ticket_id} does not exist")
            part.surveys[tid.short] = {"ticketId": ticket_id, **fields}
            if ticket_fields:
                part.tickets[tid.short].update(ticket_fields)

    def answer_survey(
        self, ticket_id: str, fields: Mapping[str, Any], ticket_fields: Mapping[str, Any]
    ) -> bool:
        tid = TicketId.parse(ticket_id)
        with self._lock:
            part = self.partition(tid.unit_id, f"{tid.day:%Y%m%d}")
            if tid.short not in part.survey_slots:
                return False
            part.survey_slots.discard(tid.short)
            part.surveys[tid.short] = {"ticketId": ticket_id, **fields}
            part.tickets[tid.short].update(ticket_fields)
            return True

    # --- side effects and presence -----------------------------------------------------------

    def claim_once(self, unit_id: str, day: str, key: str, now_ms: int, stale_after_ms: int) -> str:
        with self._lock:
            markers = self.partition(unit_id, day).markers
            state, at = markers.get(key, ("", 0))
            if state == "done":
                return "done"
            if state == "claimed" and now_ms - at < stale_after_ms:
                return "busy"
            markers[key] = ("claimed", now_ms)
            return "claimed"

    def settle_once(self, unit_id: str, day: str, key: str, done: bool) -> None:
        with self._lock:
            markers = self.partition(unit_id, day).markers
            if done:
                markers[key] = ("done", 0)
            else:
                markers.pop(key, None)

    def write_heartbeat(self, unit_id: str, day: str, worker: str, seen: Mapping[str, int]) -> None:
        with self._lock:
            self.partition(unit_id, day).heartbeats[worker] = dict(seen)

    def read_heartbeats(self, unit_id: str, day: str) -> list[dict[str, int]]:
        with self._lock:
            return [dict(b) for b in self.partition(unit_id, day).heartbeats.values()]

    # --- for tests ---------------------------------------------------------------------------

    def all_tickets(self) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(t) for p in self.partitions.values() for t in p.tickets.values()]
