"""Ports: the protocols the use cases talk to. Adapters implement them; tests use in-memory fakes.

Every port is synchronous. Adapters over async SDKs (msgraph-sdk) run their own event loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from domain.calendar import OpenInterval


@dataclass(frozen=True)
class MeetingRequest:
    """What a provider needs to open one private meeting for one attendance."""

    ticket_id: str  # also the idempotency key (Graph `externalId`): a retry yields the same meeting
    unit_id: str
    unit_name: str
    display_number: str
    provider: str  # "teams" | "jitsi" | "local"
    organizer: str | None = None  # the unit's service account (Teams)
    starts_at: datetime | None = None


@dataclass(frozen=True)
class Meeting:
    join_url: str  # what the citizen opens
    provider: str
    meeting_id: str
    clerk_join_url: str | None = None  # when the clerk needs a different link (Jitsi moderator JWT)


class MeetingProvider(Protocol):
    """Creates (or returns the already created) meeting for one attendance.

    Must be idempotent on `request.ticket_id`. Raises `TransientProviderError` for failures worth
    retrying (429, 5xx, timeouts) and `ProviderError` for the rest.
    """

    def create(self, request: MeetingRequest) -> Meeting: ...


@dataclass(frozen=True)
class Notification:
    """A message for the clerks of one unit (rendered as an Adaptive Card by the adapter)."""

    kind: str  # "citizen_called" | "no_clerk_online" | "meeting_failed" | "poison_message" | ...
    unit_id: str
    unit_name: str
    data: Mapping[str, Any] = field(default_factory=dict)
    dedup_key: str = ""  # the same key twice is sent once


class ClerkNotifier(Protocol):
    """Delivers notifications to the unit's Teams channel. Never raises for a delivery failure of
    one batch beyond `TransientProviderError` (the queue retries) ."""

    def send(self, webhook_url: str, notifications: Sequence[Notification]) -> None: ...


@dataclass(frozen=True)
class TicketWrite:
    """A ticket entity change committed together with the queue state.

    `create` fails if the ticket exists (that is how a replayed admission is recognised);
    `merge` sets the given fields. `event` is appended to the audit/metrics log in the same commit.
    """

    ticket_id: str
    fields: Mapping[str, Any]
    create: bool = False
    event: Any = None  # domain.tickets.TicketEvent | None


class DuplicateTicketError(Exception):
    """A `create` TicketWrite found the ticket already stored (the admission was replayed)."""

    def __init__(self, ticket_id: str) -> None:
        super().__init__(ticket_id)
        self.ticket_id = ticket_id


class QueueStore(Protocol):
    """Unit-day queue state and its tickets (one partition per unit and service day)."""

    def load(self, unit_id: str, day: str) -> tuple[Any, str | None]:
        """Fresh read: (QueueState, etag); etag None when the day has no state yet."""
        ...

    def peek(self, unit_id: str, day: str, max_age_s: float = 1.0) -> Any:
        """Shared, possibly stale (≤ max_age_s) QueueState for reads that do not change it."""
        ...

    def commit(self, state: Any, etag: str | None, writes: Sequence[TicketWrite] = ()) -> None:
        """One entity-group transaction. Raises ConcurrentUpdateError if the state changed since `etag`,
        DuplicateTicketError if a `create` write found its ticket."""
        ...

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None: ...

    def list_tickets(self, unit_id: str, day: str) -> list[dict[str, Any]]: ...

    def merge_ticket(self, ticket_id: str, fields: Mapping[str, Any]) -> None: ...

    def add_survey(self, ticket_id: str, fields: Mapping[str, Any]) -> None:
        """Raises ConflictError if the ticket already has a survey."""
        ...

    def claim_once(self, unit_id: str, day: str, key: str, now_ms: int, stale_after_ms: int) -> str:
        """Claim the side effect `key` of the partition before doing it (dedup across workers):
        "claimed" (do it, then `settle_once`), "done" (already done), or "busy" (another worker
        claimed it less than `stale_after_ms` ago; a claim older than that is taken over)."""
        ...

    def settle_once(self, unit_id: str, day: str, key: str, done: bool) -> None:
        """After a claim: record the side effect as done, or release the claim so a retry does it."""
        ...

    def write_heartbeat(self, unit_id: str, day: str, worker: str, seen: Mapping[str, int]) -> None: ...

    def read_heartbeats(self, unit_id: str, day: str) -> list[dict[str, int]]: ...


class MessageBus(Protocol):
    """Storage Queues: at-least-once, unordered. Payloads are JSON objects."""

    def send(self, queue: str, payload: Mapping[str, Any], delay_s: int = 0) -> None: ...


class Calendar(Protocol):
    """A unit's opening hours (domain/calendar.py implements it)."""

    def is_open(self, t: datetime) -> bool: ...

    def next_opening(self, t: datetime) -> datetime | None: ...

    def hours_text(self) -> str: ...

    def intervals_on(self, day: date) -> tuple[OpenInterval, ...]:
        """The effective openings of a local date (weekly hours minus holidays and closures)."""
        ...

    def add_opening_time(self, t: datetime, duration: timedelta) -> datetime | None:
        """The instant `duration` of opening time after `t` (a deadline counted in opening hours)."""
        ...

    def opening_minutes_between(self, a: datetime, b: datetime) -> float: ...

    def format_instant(self, t: datetime) -> str:
        """pt-BR: "segunda-feira, 30/11/2026, às 08h00 (horário de Rio Branco)"."""
        ...


@dataclass(frozen=True)
class Row:
    """One stored record of a unit (see `UnitRecords`), with the ETag it was read with."""

    key: str
    fields: Mapping[str, Any]
    etag: str


@dataclass(frozen=True)
class RowWrite:
    """A change to one row of a unit, committed with the others of the same `commit` or not at all.

    `create` fails if the row exists; `replace` and `merge` with an `etag` fail if the row changed since
    it was read (both failures are a ConcurrentUpdateError: read again and retry)."""

    key: str
    fields: Mapping[str, Any]
    mode: Literal["create", "replace", "merge"] = "merge"
    etag: str | None = None


class UnitRecords(Protocol):
    """Records of one unit kept together (one partition per unit): appointments and their slots
    (domain/scheduling.py), asynchronous messages, protocol counters and daily counts
    (domain/async_channel.py). Row keys are chosen by the use cases; they sort as text."""

    def get(self, unit_id: str, key: str) -> Row | None: ...

    def query(
        self, unit_id: str, first: str, last: str, where: Mapping[str, str | bool] | None = None
    ) -> list[Row]:
        """Rows with first <= key <= last (and the given field values), in key order."""
        ...

    def commit(self, unit_id: str, writes: Sequence[RowWrite]) -> None:
        """One entity-group transaction (at most 100 writes). ConcurrentUpdateError on a stale ETag or
        a `create` that found its row."""
        ...
