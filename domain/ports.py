"""Ports: the protocols the use cases talk to. Adapters implement them; tests/fakes implements each in
memory, and tests/contract/ports runs one suite against both.

Every port is synchronous. Adapters over async SDKs (msgraph-sdk) run their own event loop. What a
worker keeps in memory (the sightings of polls, its turns at a partition, how long it waits before a
retry, how it runs independent tasks side by side) is a port too, so that the domain holds no thread,
lock or sleep of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

from domain.calendar import OpenInterval
from domain.config import Configuration
from domain.metric_events import CourtDay, DayRow, EventPage, HourRow, UnitDay
from domain.queue import QueueState
from domain.tickets import TicketWrite

T = TypeVar("T")
R = TypeVar("R")
ETag = str | None  # the version a record was read with (None: not stored yet)
Hours = Collection[int]  # local hours (0-23) of a day

# The Storage Queues the use cases send to (the queue triggers of functions/ read them).
JOIN_QUEUE = "join-requests"
MEETING_QUEUE = "meeting-requests"
NOTIFY_QUEUE = "notifications"
APPOINTMENT_QUEUE = "appointment-requests"
CITIZEN_NOTICE_QUEUE = "citizen-notices"


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
    retrying (429, 5xx, timeouts) and `ProviderError` for the rest. `offline`: `create` makes no network
    call (the link is computed from the request), so a call may make the meeting in its own transaction.
    """

    offline: bool

    def create(self, request: MeetingRequest) -> Meeting: ...


class MeetingProviders(Protocol):
    """The providers by kind ("teams", "jitsi", "local"); None for a kind that is not configured."""

    def get(self, kind: str) -> MeetingProvider | None: ...


@dataclass(frozen=True)
class Notification:
    """A message for the clerks of one unit (rendered as an Adaptive Card by the adapter)."""

    kind: str  # "citizen_called" | "no_clerk_online" | "meeting_failed" | "poison_message" | ...
    unit_id: str
    unit_name: str
    data: Mapping[str, Any] = field(default_factory=dict)
    dedup_key: str = ""  # the same key twice is sent once


class ClerkNotifier(Protocol):
    """Posts to a unit's Teams channel each `dedup_key` once, whatever worker sends it; returns how many
    it posted. Failures raise TransientProviderError (the queue retries; reason IN_FLIGHT for a key
    another worker is posting now, after the rest is sent) or ProviderError."""

    def send(self, webhook_url: str, notifications: Sequence[Notification]) -> int: ...


# The channels a citizen can be told on when away from the page (issue 13).
NoticeChannelName = Literal["push", "whatsapp", "sms", "email"]
NOTICE_CHANNELS: tuple[NoticeChannelName, ...] = ("push", "whatsapp", "sms", "email")


@dataclass(frozen=True)
class CitizenNotice:
    """One notice to one citizen on one channel, already rendered: the adapter only sends it.

    `contact` is personal data (an E.164 number, an e-mail address, or a Web Push subscription as JSON):
    it comes from the ticket at delivery time, never from a queue message, and adapters never log it.
    `link` opens the citizen's own status page with the token in the URL fragment (`#t=...`).
    """

    kind: str  # "joined" | "near_front" | "called" | "meeting_retry" | "put_back" | "reminder" | "reply"
    channel: NoticeChannelName
    contact: str
    title: str  # short pt-BR heading (push title, e-mail subject)
    text: str  # the pt-BR body (push body, SMS text, e-mail text, WhatsApp free-form text)
    link: str
    dedup_key: str  # the same key twice is sent once
    template: str = ""  # WhatsApp template name (outside the 24-hour window)
    template_values: tuple[str, ...] = ()  # the template's variables, in order
    actions: tuple[tuple[str, str], ...] = ()  # (action id, pt-BR label), e.g. ("here", "Estou aqui")


class CitizenChannel(Protocol):
    """Sends notices on one channel ("push", "whatsapp", "sms", "email").

    Returns the provider's message id. Raises `TransientProviderError` for failures worth retrying
    (429, 5xx, timeouts: the delivery retries with back-off), `ContactGoneError` when the contact can no
    longer be reached (Web Push 404/410: the subscription is dropped), `ProviderError` for the rest.
    """

    name: NoticeChannelName

    def send(self, notice: CitizenNotice) -> str: ...


class CitizenChannels(Protocol):
    """The channels configured in this deployment by name; None for one that is not set up."""

    def get(self, name: str) -> CitizenChannel | None: ...


class DuplicateTicketError(Exception):
    """A `create` TicketWrite found the ticket already stored (the admission was replayed)."""

    def __init__(self, ticket_id: str) -> None:
        super().__init__(ticket_id)
        self.ticket_id = ticket_id


class QueueStore(Protocol):
    """Unit-day queue state and its tickets (one partition per unit and service day)."""

    def load(self, unit_id: str, day: str) -> tuple[QueueState, str | None]:
        """Fresh read: (QueueState, etag); etag None when the day has no state yet."""
        ...

    def peek(self, unit_id: str, day: str, max_age_s: float = 1.0) -> QueueState:
        """Shared, possibly stale (≤ max_age_s) QueueState for reads that do not change it."""
        ...

    def load_for_change(self, unit_id: str, day: str) -> tuple[QueueState, str | None]:
        """A copy of the state to change and commit: the copy this worker last read or committed, with
        its etag, without a read (a fresh read when it has none). Possibly stale: a commit under a stale
        etag raises ConcurrentUpdateError, and the caller then reads fresh (`load`)."""
        ...

    def commit(self, state: QueueState, etag: str | None, writes: Sequence[TicketWrite] = ()) -> None:
        """One entity-group transaction. Raises ConcurrentUpdateError if the state changed since `etag`,
        DuplicateTicketError if a `create` write found its ticket."""
        ...

    def get_ticket(self, ticket_id: str) -> dict[str, Any] | None: ...

    def list_tickets(self, unit_id: str, day: str) -> list[dict[str, Any]]: ...

    def list_events(self, unit_id: str, day: str) -> list[dict[str, Any]]:
        """The unit-day's event log (the audit trail), in RowKey order."""
        ...

    def merge_ticket(self, ticket_id: str, fields: Mapping[str, Any]) -> None: ...

    # A ticket's notice contacts, channel → contact (personal data: domain/contacts.py), in a row beside
    # the ticket (written before admission creates it); `put_contacts` replaces them all.
    def get_contacts(self, ticket_id: str) -> dict[str, str]: ...

    def put_contacts(self, ticket_id: str, contacts: Mapping[str, str]) -> None: ...

    def add_survey(
        self, ticket_id: str, fields: Mapping[str, Any], ticket_fields: Mapping[str, Any] | None = None
    ) -> None:
        """Store the ticket's survey and merge `ticket_fields` into the ticket, in one transaction.
        Raises ConflictError (and writes nothing) if the ticket already has a survey."""
        ...

    def answer_survey(
        self, ticket_id: str, fields: Mapping[str, Any], ticket_fields: Mapping[str, Any]
    ) -> bool:
        """`add_survey` through the slot the attendance's end opened (`TicketWrite.opens_survey`), closed in
        the same transaction: True when done; False, writing nothing, when no slot is open (not finished,
        already answered, or finished before slots existed: the caller reads the ticket to tell which)."""
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

    def discard(self, queue: str, field: str, value: str) -> int:
        """Delete the messages of `queue` whose payload has `field` == `value` (the holder's erasure
        reaching copies kept in a poison queue, which holds few); how many were deleted."""
        ...


@dataclass(frozen=True)
class QueuedMessage:
    payload: dict[str, Any]
    dequeue_count: int


class Batch(Protocol):
    """Messages taken from a queue; `complete()` deletes them once their work is committed."""

    @property
    def items(self) -> Sequence[QueuedMessage]: ...

    def complete(self) -> None: ...


class BatchBus(MessageBus, Protocol):
    """A bus that can also hand a queue function more of what is waiting, to process as a batch
    (the Python worker gives a queue function one message at a time)."""

    def drain(
        self, queue: str, max_messages: int, visibility_timeout_s: int = 30, max_dequeue: int = 5
    ) -> Batch:
        """Take up to `max_messages` more messages; those tried `max_dequeue` times are left for the
        host to move to the poison queue."""
        ...


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
    (domain/appointments.py), asynchronous messages, protocol counters and daily counts
    (domain/messages.py). Row keys are chosen by the use cases; they sort as text."""

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


class MetricsStore(Protocol):
    """Where rollups live. Unit-days, their hours and their court's days are written together, in one
    transaction guarded by the ETags of the unit-day and the court-day."""

    def load_unit_day(self, court_id: str, unit_id: str, day: str) -> tuple[UnitDay, str | None]:
        """The unit-day with its hours and tracks (an empty one, etag None, if there is none yet)."""
        ...

    def load_court_day(self, court_id: str, day: str) -> tuple[CourtDay, str | None]: ...

    def read_events(self, unit_id: str, day: str, after_ms: int, *, with_state: bool) -> Iterator[EventPage]:
        """Events of the unit-day at or after `after_ms`, in pages of at most 1,000."""
        ...

    def save(
        self, unit_day: UnitDay, unit_etag: ETag, court_day: CourtDay, court_etag: ETag, hours: Hours
    ) -> None:
        """Write both days and the given `hours` of each atomically (each guarded by its ETag, None
        for a day not stored yet), or raise ConcurrentUpdateError."""
        ...

    def forget(self, court_id: str, unit_id: str, day: str) -> None:
        """Drop what is cached of this unit-day and its court-day (after a conflict)."""
        ...

    def unit_days(self, court_id: str, unit_id: str, first: str, last: str) -> list[DayRow]: ...

    def court_days(self, court_id: str, first: str, last: str) -> list[DayRow]: ...

    def unit_hours(self, court_id: str, unit_id: str, first: str, last: str) -> list[HourRow]: ...

    def court_hours(self, court_id: str, first: str, last: str) -> list[HourRow]: ...


class RetentionStore(Protocol):
    """Where the personal data is stored (domain/retention.py says what counts as such)."""

    def expired_partitions(self, cutoff: str) -> list[tuple[str, str]]:
        """(unit, day) of the unit-day partitions before `cutoff` not purged yet."""
        ...

    def purge_partition(self, unit_id: str, day: str, now: datetime) -> tuple[int, int]:
        """Purge one unit-day partition; (entities changed, entities deleted). Marks it purged last."""
        ...

    def purge_records(self, table: str, prefixes: tuple[str, ...], cutoff: str, now: datetime) -> int:
        """Purge the records of days before `cutoff`; how many rows changed."""
        ...

    def erase_ticket(self, ticket_id: str, now: datetime) -> None:
        """Purge one ticket: its entity, its survey's comment and the reasons typed in its events."""

    def forget_markers(self, scope: str, cutoff: str) -> int: ...  # claim_once's `{scope}.{day}` < cutoff


class ConfigFile(Protocol):
    """The configuration file as deployed (a blob): its bytes and version, when it changed."""

    def fetch(self, known_etag: str | None) -> tuple[bytes, str] | None:
        """(bytes, etag) when the file's etag is not `known_etag`; None when unchanged."""
        ...


class ConfigStore(Protocol):
    """The configuration in force (the last valid file), and the outcome of the last check."""

    def current(self) -> tuple[str, str] | None:
        """(configuration JSON, etag of the file it came from), or None before the first one."""
        ...

    def save(self, text: str, source_etag: str, now: datetime) -> None: ...

    def record(self, source_etag: str, outcome: str, now: datetime) -> None: ...

    def status(self) -> dict[str, Any] | None: ...


class Configurations(Protocol):
    """The configuration in force, as read by a worker (cached; `invalidate` reads it again)."""

    def __call__(self) -> Configuration: ...

    def invalidate(self) -> None: ...


class Sightings(Protocol):
    """The polls and console refreshes a worker has seen, written down as heartbeats now and then."""

    def seen(self, unit_id: str, day: str, key: str, now_ms: int) -> Mapping[str, int] | None:
        """Record a sighting; the unit-day's sightings when they are due to be written down."""
        ...


class Turns(Protocol):
    """Requests of one worker to the same unit-day take turns: the ETag guards against other workers,
    and turns keep a worker's own threads from wasting round trips on conflicts."""

    def hold(self, unit_id: str, day: str) -> AbstractContextManager[object]: ...


class Backoff(Protocol):
    """Waits before the next try after a lost optimistic update (`attempt` counts from 0)."""

    def pause(self, attempt: int) -> None: ...


class TaskRunner(Protocol):
    """Runs independent tasks (side by side where it can) and returns their results in order."""

    def map(self, task: Callable[[T], R], items: Sequence[T]) -> list[R]: ...


class FavoriteStore(Protocol):
    """A staff member's favourite unit ids (★), one row per favourite: adding and removing never race
    with each other (no read-modify-write of a list); both are idempotent."""

    def units(self, email: str) -> list[str]:
        """The person's favourite unit ids, sorted."""
        ...

    def add(self, email: str, unit_id: str, at: datetime) -> None: ...

    def remove(self, email: str, unit_id: str) -> None:
        """Removing a unit that is not a favourite changes nothing."""
        ...


class RoomCensus(Protocol):
    """How many people are in a meeting provider's room now; None when it cannot be known."""

    def participants(self, meeting_id: str) -> int | None: ...
