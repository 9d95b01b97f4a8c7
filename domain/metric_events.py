"""The ticket events as the metric rollups see them, and a unit's service day of rollups (issue 7).

Sources
    - The event log of each unit-day partition (`e.{ms}.{short}.{action}`, written in the same
      transaction as every ticket transition; the survey answer writes a `survey` event too).
    - One sample per minute of each unit's current day: is the unit open by its own calendar, is a
      clerk online, how many people wait (the unit-day state).

Exactly once, whatever the delivery
    Every event is identified by (ticket, instant, action), its RowKey. While a day is live its
    UnitDay keeps one `TicketTrack` per ticket: the identities already merged, the drop-off bucket and
    the wait of the first call. A contribution of an event is either
      - one-shot: added when its identity is first seen (requests, priority class, role, reason,
        service time, calls and their out-of-order reasons, survey, clerks, peak position), or
      - resolved: a function of the ticket's whole track (its outcome - served or which kind of not
        served -, the wait of its first call, its drop-off bucket). When a track changes, the old
        resolved contribution is subtracted and the new one added.
    So a rollup is a function of the *set* of events merged: an event delivered twice counts once and
    the order of delivery does not matter (tests/domain/test_metrics_properties.py checks this against
    `recompute`). A ticket's outcome: its terminal event (finish, leave, expire, close, transfer,
    reject) if any; else `no_show` when that is its latest transition (a requeued no-show is not lost).

    The tracks hold ticket ids and action codes only (no name, no priority, no reason) and are dropped
    when the day is sealed, `SEAL_AFTER` past its end; a sealed day takes no more events.

Reading the log
    Each pass reads the events after `cursor - LAG`: an event committed late (its writer took its
    timestamp before a retry) is still seen, and the ones read again are recognised by their tracks.

Pure: no SDK, no clock. The rollup pass and the reports are use cases over the `MetricsStore` port
(domain/usecases/metrics_rollup.py, domain/usecases/metrics_reports.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from domain.ordering import PriorityClass
from domain.rollups import (
    ACTION_CODES,
    ACTIONS_BY_CODE,
    LAG_MS,
    LOST,
    SURVEY,
    TERMINAL_OUTCOME,
    Rollup,
    Rollups,
    clerk_id,
    order_reason_category,
    position_bucket,
)

# ------------------------------------------------------------------------------------------------
# Events and the unit-day


@dataclass(frozen=True)
class MetricEvent:
    """One event of the log, as the rollups see it."""

    ticket: str  # the ticket's short id (unique within its unit-day)
    action: str
    at_ms: int
    by: str = ""
    reason: str = ""
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def ident(self) -> tuple[int, str]:
        return (self.at_ms, self.action)


class DayClock:
    """The local hour (0-23) of instants, for one unit's service day. Events of the day that happen
    after its local midnight (late finishes, surveys) count in its last hour."""

    def __init__(self, timezone: str, day: str) -> None:
        self.zone = ZoneInfo(timezone)
        self.day = day
        self.date = date(int(day[:4]), int(day[4:6]), int(day[6:]))

    def hour(self, at_ms: int) -> int:
        local = datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(self.zone)
        d = local.date()
        if d < self.date:
            return 0
        if d > self.date:
            return 23
        return local.hour

    def end(self) -> datetime:
        """The local midnight that ends the day (aware)."""
        return datetime.combine(self.date + timedelta(days=1), datetime.min.time(), self.zone)


class Resolved(NamedTuple):
    """The resolved part of a ticket (see module doc); "" / -1 where not known yet."""

    outcome: str
    outcome_hour: int
    bucket: int
    wait_s: int
    wait_hour: int


NOTHING = Resolved("", -1, -1, -1, -1)


def resolved_contribution(r: Resolved) -> Iterator[tuple[int, Rollup]]:
    if r.outcome:
        part = Rollup()
        if r.outcome == "served":
            part.served = 1
        else:
            part.not_served = {r.outcome: 1}
            if r.bucket >= 0 and r.outcome in LOST:
                part.dropoff = {f"{r.bucket}:{r.outcome}": 1}
        yield r.outcome_hour, part
    if r.wait_s >= 0:
        part = Rollup()
        part.wait.add(r.wait_s)
        yield r.wait_hour, part


def one_shot(event: MetricEvent, unit_id: str) -> Rollup:
    """What an event adds by itself, once."""
    part = Rollup()
    data = event.data
    if event.action == "admit":
        part.requests = part.admitted = 1
        part.by_class = {str(int(data.get("klass", int(PriorityClass.NORMAL)))): 1}
        part.by_role = {str(data.get("role") or "outro"): 1}
        part.by_reason = {str(data.get("reason") or "outro"): 1}
        position = int(data.get("position") or 0)
        part.peak_queue = position
        part.dropoff = {f"{position_bucket(position)}:admitted": 1}
    elif event.action == "reject":
        part.requests = 1
    elif event.action == "call":
        part.calls = 1
        if event.reason.strip():
            part.out_of_order = {order_reason_category(event.reason): 1}
        if data.get("passedPriority"):
            part.passed_priority = {str(data["passedPriority"]): 1}
    elif event.action == "chat":
        part.chats = 1
    elif event.action == "finish":
        part.service.add(max(0, int(data.get("serviceSeconds") or 0)))
        part.units = {unit_id}
    elif event.action == SURVEY:
        score = int(data.get("score") or 0)
        if 1 <= score <= 5:
            part.survey_count, part.survey_sum = 1, score
    if event.by and event.by not in ("system", "citizen") and "@" in event.by:
        part.clerks = {clerk_id(event.by)}
    return part


@dataclass
class TicketTrack:
    """What a live unit-day remembers of one ticket to merge its events exactly once."""

    seen: set[tuple[int, str]] = field(default_factory=set)  # (at_ms, action) merged
    bucket: int = -1  # drop-off bucket from the (earliest) admission
    first_wait_s: int = -1  # wait of the earliest call

    def record(self, event: MetricEvent) -> None:
        if event.action == "admit" and event.at_ms <= min(
            (ms for ms, a in self.seen if a == "admit"), default=event.at_ms
        ):
            self.bucket = position_bucket(int(event.data.get("position") or 0))
        if event.action == "call" and event.at_ms <= min(
            (ms for ms, a in self.seen if a == "call"), default=event.at_ms
        ):
            self.first_wait_s = max(0, int(event.data.get("waitSeconds") or 0))
        self.seen.add(event.ident)

    def resolved(self, clock: DayClock) -> Resolved:
        outcome, outcome_ms = "", -1
        terminal = [(ms, a) for ms, a in self.seen if a in TERMINAL_OUTCOME]
        if terminal:
            outcome_ms, action = min(terminal)
            outcome = TERMINAL_OUTCOME[action]
        else:
            lifecycle = [(ms, a) for ms, a in self.seen if a not in (SURVEY, "chat")]
            if lifecycle:
                ms, action = max(lifecycle)
                if action == "no_show":
                    outcome, outcome_ms = "no_show", ms
        calls = [ms for ms, a in self.seen if a == "call"]
        return Resolved(
            outcome,
            clock.hour(outcome_ms) if outcome else -1,
            self.bucket,
            self.first_wait_s if calls else -1,
            clock.hour(min(calls)) if calls else -1,
        )

    def encode(self) -> str:
        keys = ",".join(f"{_b36(ms)}{ACTION_CODES[a]}" for ms, a in sorted(self.seen))
        return f"{self.bucket} {self.first_wait_s} {keys}"

    @staticmethod
    def decode(text: str) -> TicketTrack:
        bucket, wait, keys = [*text.split(" ", 2), "", ""][:3]
        seen = {(int(k[:-1], 36), ACTIONS_BY_CODE[k[-1]]) for k in keys.split(",") if k}
        return TicketTrack(seen, int(bucket or -1), int(wait or -1))


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def encode_tracks(tracks: Mapping[str, TicketTrack]) -> str:
    return ";".join(f"{short} {track.encode()}" for short, track in sorted(tracks.items()))


def decode_tracks(text: str) -> dict[str, TicketTrack]:
    out: dict[str, TicketTrack] = {}
    for item in filter(None, text.split(";")):
        short, rest = item.split(" ", 1)
        out[short] = TicketTrack.decode(rest)
    return out


@dataclass
class UnitDay:
    """A unit's service day: its rollups, and while live the tracks and read cursor."""

    unit_id: str
    court_id: str
    day: str  # YYYYMMDD, the unit's local service day
    rollups: Rollups = field(default_factory=Rollups)
    tracks: dict[str, TicketTrack] = field(default_factory=dict)
    cursor_ms: int = 0  # the latest event instant merged
    sampled_minute: int = 0  # epoch minute of the last sample
    queue_now: int = 0  # people waiting at the last sample
    sealed: bool = False

    def read_from_ms(self) -> int:
        return max(0, self.cursor_ms - LAG_MS) if self.cursor_ms else 0

    def apply(self, events: Iterable[MetricEvent], clock: DayClock) -> tuple[Rollups, int]:
        """Merge events (any order, duplicates welcome). Returns what changed and how many were new."""
        delta = Rollups()
        if self.sealed:
            return delta, 0
        fresh: dict[str, list[MetricEvent]] = defaultdict(list)
        for event in events:
            if event.action not in ACTION_CODES:
                continue
            track = self.tracks.get(event.ticket)
            if track is None or event.ident not in track.seen:
                fresh[event.ticket].append(event)
        new = 0
        for ticket, batch in fresh.items():
            track = self.tracks.setdefault(ticket, TicketTrack())
            before = track.resolved(clock)
            for event in batch:
                if event.ident in track.seen:
                    continue  # the same event twice in one page
                track.record(event)
                delta.add(clock.hour(event.at_ms), one_shot(event, self.unit_id))
                self.cursor_ms = max(self.cursor_ms, event.at_ms)
                new += 1
            after = track.resolved(clock)
            if after != before:
                for hour, part in resolved_contribution(before):
                    delta.add(hour, part, -1)
                for hour, part in resolved_contribution(after):
                    delta.add(hour, part)
        self.rollups.merge(delta)
        return delta, new

    def sample(
        self, minute: int, hour: int, open_now: bool, clerks_online: int, waiting: int
    ) -> tuple[Rollups, bool]:
        """One observation per minute (a second one in the same minute only refreshes the queue).
        Returns what changed in the rollups and whether anything stored changed."""
        delta = Rollups()
        changed = waiting != self.queue_now
        self.queue_now = waiting
        if minute > self.sampled_minute:
            self.sampled_minute = minute
            part = Rollup()
            if open_now:
                part.minutes_open = 1
                part.minutes_uncovered = 1 if clerks_online <= 0 else 0
            if waiting > self.rollups.total.peak_queue:
                part.peak_queue = waiting
            if not part.is_empty():
                delta.add(hour, part)
        self.rollups.merge(delta)
        return delta, changed or not delta.is_empty()

    def seal(self) -> None:
        self.tracks.clear()
        self.sealed = True


@dataclass
class CourtDay:
    court_id: str
    day: str
    rollups: Rollups = field(default_factory=Rollups)


def recompute(events: Iterable[MetricEvent], clock: DayClock, unit_id: str) -> Rollups:
    """The rollups straight from a set of raw events, ticket by ticket (no tracks, no deltas):
    what the incremental merge must always equal."""
    distinct: dict[tuple[str, int, str], MetricEvent] = {}
    for e in events:
        if e.action in ACTION_CODES:
            distinct.setdefault((e.ticket, e.at_ms, e.action), e)
    tickets: dict[str, list[MetricEvent]] = defaultdict(list)
    for e in distinct.values():
        tickets[e.ticket].append(e)
    out = Rollups()
    for evs in tickets.values():
        evs.sort(key=lambda e: e.ident)
        for e in evs:
            out.add(clock.hour(e.at_ms), one_shot(e, unit_id))
        admits = [e for e in evs if e.action == "admit"]
        bucket = position_bucket(int(admits[0].data.get("position") or 0)) if admits else -1
        terminal = [e for e in evs if e.action in TERMINAL_OUTCOME]
        lifecycle = [e for e in evs if e.action != SURVEY]
        outcome_event = (
            terminal[0]
            if terminal
            else (lifecycle[-1] if lifecycle and lifecycle[-1].action == "no_show" else None)
        )
        if outcome_event is not None:
            outcome = TERMINAL_OUTCOME.get(outcome_event.action, "no_show")
            part = Rollup()
            if outcome == "served":
                part.served = 1
            else:
                part.not_served[outcome] = 1
                if bucket >= 0 and outcome in LOST:
                    part.dropoff[f"{bucket}:{outcome}"] = 1
            out.add(clock.hour(outcome_event.at_ms), part)
        calls = [e for e in evs if e.action == "call"]
        if calls:
            part = Rollup()
            part.wait.add(max(0, int(calls[0].data.get("waitSeconds") or 0)))
            out.add(clock.hour(calls[0].at_ms), part)
    return out


# ------------------------------------------------------------------------------------------------
# What the store reads (domain.ports.MetricsStore)


@dataclass(frozen=True)
class EventPage:
    """Up to 1,000 events of a unit-day, in RowKey order; the last page of a read that asked for it
    also carries the unit-day state's people waiting and clerks online."""

    events: Sequence[MetricEvent]
    waiting: int | None = None
    clerks_online: int | None = None


class DayRow(NamedTuple):
    day: str
    rollup: Rollup
    queue_now: int = 0
    sampled_minute: int = 0


class HourRow(NamedTuple):
    day: str
    hour: int
    rollup: Rollup
