"""Indicators: incremental rollups of the ticket events, and the reports read from them (issue 7).

Sources
    - The event log of each unit-day partition (`e.{ms}.{short}.{action}`, written in the same
      transaction as every ticket transition; the survey answer writes a `survey` event too).
    - One sample per minute of each unit's current day: is the unit open by its own calendar, is a
      clerk online, how many people wait (the unit-day state).

Rollups (everything in them adds up, so a period is the sum of its days and a court of its units)
    Rollup      counts, fixed histograms, tallies, hashed clerk ids and unit ids. No citizen data.
    Rollups     a total and its 24 hour parts (the hour in the unit's own time zone).
    UnitDay     a unit's service day: Rollups + the tracks that make merging exact + the read cursor.
    CourtDay    the sum of its units' days (updated in the same transaction as each unit-day).

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

Percentiles come from a fixed histogram (`DURATION_EDGES_S`, seconds; the last bucket is open), by
linear interpolation inside the bucket that holds the rank; the open bucket answers its lower edge.

Pure: no SDK, no clock. `roll_up` and the reports are use cases over the `MetricsStore` port.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from domain.auth import Principal
from domain.config import Configuration, UnitConfig
from domain.errors import (
    ConcurrentUpdateError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnitNotFoundError,
)
from domain.ordering import CLASS_LABELS, PriorityClass
from domain.services import ROLES, Services, service_day

# ------------------------------------------------------------------------------------------------
# Constants


DURATION_EDGES_S: tuple[int, ...] = (
    30,
    60,
    120,
    180,
    300,
    420,
    600,
    900,
    1200,
    1800,
    2700,
    3600,
    5400,
    7200,
    10800,
    14400,
)
"""Upper edges (exclusive, seconds) of the wait and service histograms: bucket 0 is [0, 30 s),
bucket i is [edge[i-1], edge[i]), the last bucket is [4 h, ∞). Changing them needs a new
`ROLLUP_VERSION` (stored rollups would not merge with new ones)."""

ROLLUP_VERSION = 1

POSITION_EDGES: tuple[int, ...] = (1, 3, 5, 10, 20, 50)
"""Drop-off buckets by position in line at admission: 1, 2-3, 4-5, 6-10, 11-20, 21-50, 51+."""

POSITION_LABELS: tuple[str, ...] = ("1", "2 a 3", "4 a 5", "6 a 10", "11 a 20", "21 a 50", "51 ou mais")

NOT_SERVED: tuple[str, ...] = ("left", "expired", "no_show", "closed", "transferred", "rejected")
LOST: tuple[str, ...] = NOT_SERVED[:-1]  # outcomes of admitted tickets that were not served

NOT_SERVED_LABELS: dict[str, str] = {
    "left": "Desistência",
    "expired": "Expirada (ausência)",
    "no_show": "Não compareceu",
    "closed": "Encerrada no fechamento",
    "transferred": "Transferida",
    "rejected": "Recusada na entrada",
}

TERMINAL_OUTCOME: dict[str, str] = {
    "finish": "served",
    "leave": "left",
    "expire": "expired",
    "close": "closed",
    "transfer": "transferred",
    "reject": "rejected",
}

# One character per action in the stored tracks. Events with other actions are ignored.
ACTION_CODES: dict[str, str] = {
    "admit": "a",
    "reject": "j",
    "call": "c",
    "start": "s",
    "finish": "f",
    "leave": "l",
    "mark_absent": "m",
    "return": "r",
    "expire": "x",
    "no_show": "n",
    "requeue": "q",
    "transfer": "t",
    "close": "z",
    "survey": "v",
}
_ACTIONS_BY_CODE = {code: action for action, code in ACTION_CODES.items()}
SURVEY = "survey"

ORDER_REASONS: dict[str, str] = {
    "prioridade": "Prioridade legal",
    "categoria": "Categoria de atendimento",
    "intercalacao": "Política de intercalação",
    "servidor": "Escolha do(a) servidor(a), com motivo registrado",
    "agendamento": "Atendimento agendado",
    "outro": "Outro motivo",
}
"""Categories of the reasons recorded on calls out of arrival order. The clerk's own words are not
kept in rollups (they might name someone): only their category."""

LAG_MS = 5 * 60_000
"""Each pass reads the log again from this far behind the latest event merged (see module doc)."""

SEAL_AFTER = timedelta(hours=2)
"""A day stays live (re-read each minute, surveys and late events merged) until this long after its
local midnight; then its tracks are dropped and it takes no more events."""

PERIODS: dict[str, int] = {"today": 1, "7": 7, "30": 30, "60": 60}
DAILY_DAYS: dict[str, int] = {"7": 7, "30": 30, "60": 60}
WEEKDAYS: tuple[str, ...] = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)
QUEUE_FRESH_MINUTES = 5  # a queue length sampled longer ago than this is not "now"


def bucket_of(seconds: int) -> int:
    for i, edge in enumerate(DURATION_EDGES_S):
        if seconds < edge:
            return i
    return len(DURATION_EDGES_S)


def position_bucket(position: int) -> int:
    for i, edge in enumerate(POSITION_EDGES):
        if position <= edge:
            return i
    return len(POSITION_EDGES)


def order_reason_category(reason: str) -> str:
    """The category of a call's out-of-order reason (see `domain.services._order_reason`)."""
    text = reason.strip().lower()
    if text.startswith("prioridade"):
        return "prioridade"
    if text.startswith("categoria"):
        return "categoria"
    if "intercala" in text:
        return "intercalacao"
    if text.startswith("servidor"):
        return "servidor"
    if text.startswith("atendimento agendado"):
        return "agendamento"
    return "outro"


def clerk_id(email: str) -> str:
    """A clerk's id in rollups: enough to count distinct clerks, not to print an address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------------
# Histogram and Rollup


def _zeros() -> list[int]:
    return [0] * (len(DURATION_EDGES_S) + 1)


@dataclass
class Histogram:
    """Counts of durations (seconds) in the fixed buckets, and their exact sum."""

    counts: list[int] = field(default_factory=_zeros)
    total: int = 0

    @property
    def count(self) -> int:
        return sum(self.counts)

    def add(self, seconds: int, n: int = 1) -> None:
        self.counts[bucket_of(seconds)] += n
        self.total += seconds * n

    def merge(self, other: Histogram, sign: int = 1) -> None:
        for i, c in enumerate(other.counts):
            self.counts[i] += sign * c
        self.total += sign * other.total

    def mean(self) -> float | None:
        n = self.count
        return self.total / n if n > 0 else None

    def percentile(self, q: float) -> float | None:
        """The q-quantile (0 < q <= 1), interpolated inside its bucket; None when empty."""
        n = self.count
        if n <= 0:
            return None
        rank = q * n
        seen = 0
        for i, c in enumerate(self.counts):
            if c > 0 and seen + c >= rank:
                low = 0 if i == 0 else DURATION_EDGES_S[i - 1]
                if i == len(DURATION_EDGES_S):
                    return float(low)
                high = DURATION_EDGES_S[i]
                return low + (high - low) * max(0.0, rank - seen) / c
            seen += c
        return float(DURATION_EDGES_S[-1])


_COUNTERS = (
    "requests",
    "admitted",
    "served",
    "survey_count",
    "survey_sum",
    "minutes_open",
    "minutes_uncovered",
    "calls",
)
_TALLIES = ("not_served", "by_class", "by_role", "by_reason", "out_of_order", "dropoff")


def _tally(target: dict[str, int], other: Mapping[str, int], sign: int) -> None:
    for key, value in other.items():
        new = target.get(key, 0) + sign * value
        if new:
            target[key] = new
        else:
            target.pop(key, None)


@dataclass
class Rollup:
    """What a unit (or a court) did in a day or an hour. Adds up; no personal data of citizens.

    `dropoff` keys are `"{bucket}:admitted"` and `"{bucket}:{outcome}"` (outcomes of `LOST`).
    `clerks` holds `clerk_id`s; `units` the ids of units that finished at least one attendance.
    """

    requests: int = 0  # reached admission: admitted + rejected
    admitted: int = 0
    served: int = 0
    not_served: dict[str, int] = field(default_factory=dict)
    wait: Histogram = field(default_factory=Histogram)  # joining → first call
    service: Histogram = field(default_factory=Histogram)  # call or start → finish
    by_class: dict[str, int] = field(default_factory=dict)  # PriorityClass value → admitted
    by_role: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)
    survey_count: int = 0
    survey_sum: int = 0
    peak_queue: int = 0
    minutes_open: int = 0
    minutes_uncovered: int = 0  # open with no clerk online
    calls: int = 0
    out_of_order: dict[str, int] = field(default_factory=dict)  # ORDER_REASONS key → calls
    dropoff: dict[str, int] = field(default_factory=dict)
    clerks: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)

    def merge(self, other: Rollup, sign: int = 1) -> None:
        """Add `other` (sign 1) or take it away (sign -1). Sets and the peak only ever grow: the
        contributions taken away (see the module doc) never carry them."""
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + sign * getattr(other, name))
        for name in _TALLIES:
            _tally(getattr(self, name), getattr(other, name), sign)
        self.wait.merge(other.wait, sign)
        self.service.merge(other.service, sign)
        if sign > 0:
            self.peak_queue = max(self.peak_queue, other.peak_queue)
            self.clerks |= other.clerks
            self.units |= other.units

    def is_empty(self) -> bool:
        return self == Rollup()

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": ROLLUP_VERSION,
            "requests": self.requests,
            "admitted": self.admitted,
            "served": self.served,
            "notServed": self.not_served,
            "wait": self.wait.counts,
            "waitTotal": self.wait.total,
            "service": self.service.counts,
            "serviceTotal": self.service.total,
            "byClass": self.by_class,
            "byRole": self.by_role,
            "byReason": self.by_reason,
            "surveyCount": self.survey_count,
            "surveySum": self.survey_sum,
            "peakQueue": self.peak_queue,
            "minutesOpen": self.minutes_open,
            "minutesUncovered": self.minutes_uncovered,
            "calls": self.calls,
            "outOfOrder": self.out_of_order,
            "dropoff": self.dropoff,
            "clerks": sorted(self.clerks),
            "units": sorted(self.units),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Rollup:
        def hist(counts: Any, total: Any) -> Histogram:
            values = [int(c) for c in (counts or [])]
            values += [0] * (len(DURATION_EDGES_S) + 1 - len(values))
            return Histogram(values[: len(DURATION_EDGES_S) + 1], int(total or 0))

        def tally(raw: Any) -> dict[str, int]:
            return {str(k): int(v) for k, v in (raw or {}).items() if int(v)}

        return Rollup(
            requests=int(data.get("requests", 0)),
            admitted=int(data.get("admitted", 0)),
            served=int(data.get("served", 0)),
            not_served=tally(data.get("notServed")),
            wait=hist(data.get("wait"), data.get("waitTotal")),
            service=hist(data.get("service"), data.get("serviceTotal")),
            by_class=tally(data.get("byClass")),
            by_role=tally(data.get("byRole")),
            by_reason=tally(data.get("byReason")),
            survey_count=int(data.get("surveyCount", 0)),
            survey_sum=int(data.get("surveySum", 0)),
            peak_queue=int(data.get("peakQueue", 0)),
            minutes_open=int(data.get("minutesOpen", 0)),
            minutes_uncovered=int(data.get("minutesUncovered", 0)),
            calls=int(data.get("calls", 0)),
            out_of_order=tally(data.get("outOfOrder")),
            dropoff=tally(data.get("dropoff")),
            clerks=set(data.get("clerks") or ()),
            units=set(data.get("units") or ()),
        )


@dataclass
class Rollups:
    """A total and its parts per local hour (0-23). Both always change together."""

    total: Rollup = field(default_factory=Rollup)
    hours: dict[int, Rollup] = field(default_factory=dict)

    def add(self, hour: int, part: Rollup, sign: int = 1) -> None:
        self.total.merge(part, sign)
        self.hours.setdefault(hour, Rollup()).merge(part, sign)

    def merge(self, other: Rollups, sign: int = 1) -> None:
        self.total.merge(other.total, sign)
        for hour, part in other.hours.items():
            self.hours.setdefault(hour, Rollup()).merge(part, sign)

    def is_empty(self) -> bool:
        return self.total.is_empty() and all(h.is_empty() for h in self.hours.values())

    def changed_hours(self) -> set[int]:
        return {h for h, part in self.hours.items() if not part.is_empty()}

    def canonical(self) -> Rollups:
        """Without empty hours (what storage keeps), for comparisons."""
        return Rollups(self.total, {h: r for h, r in sorted(self.hours.items()) if not r.is_empty()})


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
            lifecycle = [(ms, a) for ms, a in self.seen if a != SURVEY]
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
        seen = {(int(k[:-1], 36), _ACTIONS_BY_CODE[k[-1]]) for k in keys.split(",") if k}
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
# The port


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
        self,
        unit_day: UnitDay,
        unit_etag: str | None,
        court_day: CourtDay,
        court_etag: str | None,
        hours: Collection[int],
    ) -> None:
        """Write both days and the given hours of each atomically, or raise ConcurrentUpdateError."""
        ...

    def forget(self, court_id: str, unit_id: str, day: str) -> None:
        """Drop what is cached of this unit-day and its court-day (after a conflict)."""
        ...

    def unit_days(self, court_id: str, unit_id: str, first: str, last: str) -> list[DayRow]: ...

    def court_days(self, court_id: str, first: str, last: str) -> list[DayRow]: ...

    def unit_hours(self, court_id: str, unit_id: str, first: str, last: str) -> list[HourRow]: ...

    def court_hours(self, court_id: str, first: str, last: str) -> list[HourRow]: ...


# ------------------------------------------------------------------------------------------------
# The rollup pass (timer, every minute)


@dataclass
class PassReport:
    unit_days: int = 0
    events_read: int = 0
    events_new: int = 0
    writes: int = 0
    conflicts: int = 0
    failed: list[str] = field(default_factory=list)


def _previous(day: str) -> str:
    d = date(int(day[:4]), int(day[4:6]), int(day[6:])) - timedelta(days=1)
    return f"{d:%Y%m%d}"


def roll_up(
    svc: Services, store: MetricsStore, now: datetime, attempts: int = 5, workers: int = 8
) -> PassReport:
    """Merge the new events of every active unit's current day (and, until it is sealed, of the day
    before) into the rollups, and take this minute's sample.

    Courts are rolled up side by side (`workers` threads); the units of a court one after another,
    since they all write the court-day."""
    courts: dict[str, list[UnitConfig]] = defaultdict(list)
    for unit in svc.config().units:
        if unit.active:
            courts[unit.court].append(unit)

    def court_pass(units: list[UnitConfig]) -> PassReport:
        report = PassReport()
        for unit in units:
            today = service_day(unit, now)
            for day, is_today in ((_previous(today), False), (today, True)):
                try:
                    _roll_unit_day(svc, store, unit, day, now, is_today, report, attempts)
                except ConcurrentUpdateError:
                    report.failed.append(f"{unit.id}.{day}")  # the next pass takes it up again
        return report

    if workers <= 1 or len(courts) <= 1:
        reports = [court_pass(units) for units in courts.values()]
    else:
        with ThreadPoolExecutor(min(workers, len(courts))) as pool:
            # each task runs in a copy of the caller's context (its storage-meter attribution)
            futures = [
                pool.submit(contextvars.copy_context().run, court_pass, units) for units in courts.values()
            ]
            reports = [f.result() for f in futures]
    total = PassReport()
    for r in reports:
        total.unit_days += r.unit_days
        total.events_read += r.events_read
        total.events_new += r.events_new
        total.writes += r.writes
        total.conflicts += r.conflicts
        total.failed += r.failed
    return total


def _roll_unit_day(
    svc: Services,
    store: MetricsStore,
    unit: UnitConfig,
    day: str,
    now: datetime,
    is_today: bool,
    report: PassReport,
    attempts: int,
) -> None:
    clock = DayClock(unit.timezone, day)
    seal = not is_today and now >= clock.end() + SEAL_AFTER
    for _ in range(attempts):
        unit_day, unit_etag = store.load_unit_day(unit.court, unit.id, day)
        if unit_day.sealed or (seal and unit_etag is None):
            return  # sealed, or a past day on which the rollup never saw anything
        report.unit_days += 1
        delta = Rollups()
        changed = False
        waiting: int | None = None
        clerks: int | None = None
        for page in store.read_events(unit.id, day, unit_day.read_from_ms(), with_state=is_today):
            part, new = unit_day.apply(page.events, clock)
            delta.merge(part)
            changed = changed or new > 0
            report.events_read += len(page.events)
            report.events_new += new
            if page.waiting is not None:
                waiting, clerks = page.waiting, page.clerks_online
        if is_today:
            open_now = unit.active and (svc.always_open or svc.calendar_for(unit).is_open(now))
            if open_now or waiting is not None:
                now_ms = int(now.timestamp() * 1000)
                part, sampled = unit_day.sample(
                    now_ms // 60_000, clock.hour(now_ms), open_now, clerks or 0, waiting or 0
                )
                delta.merge(part)
                changed = changed or sampled
        if seal:
            unit_day.seal()
            changed = True
        if not changed:
            return
        court_day, court_etag = store.load_court_day(unit.court, day)
        court_day.rollups.merge(delta)
        try:
            store.save(unit_day, unit_etag, court_day, court_etag, delta.changed_hours())
            report.writes += 1
            return
        except ConcurrentUpdateError:
            report.conflicts += 1
            store.forget(unit.court, unit.id, day)
    raise ConcurrentUpdateError()


# ------------------------------------------------------------------------------------------------
# Reports


@dataclass(frozen=True)
class Scope:
    """The units a principal asked for and may read; `courts` are those read whole (every unit
    of the court is in scope), whose court rollups can stand for the sum of their units."""

    units: tuple[UnitConfig, ...]
    courts: tuple[str, ...]


def scope_for(config: Configuration, who: Principal, court: str = "", unit: str = "") -> Scope:
    """Admins read everything, court managers their courts, clerks their units; others nothing."""
    if not (who.admin or who.manager_courts or who.clerk_units):
        raise ForbiddenError("Você não tem acesso aos indicadores do Balcão Virtual.")
    if court and config.court(court) is None:
        raise NotFoundError("Tribunal não encontrado.")
    if unit:
        found = config.unit(unit)
        if found is None or (court and found.court != court):
            raise UnitNotFoundError()
        if not who.can_read_unit(found.id, found.court):
            raise ForbiddenError("Você não tem acesso aos indicadores desta unidade.")
        return Scope((found,), ())
    candidates = [u for u in config.units if not court or u.court == court]
    readable = tuple(u for u in candidates if who.can_read_unit(u.id, u.court))
    if not readable:
        raise ForbiddenError("Você não tem acesso aos indicadores deste tribunal.")
    whole = tuple(
        c.id
        for c in config.courts
        if (not court or c.id == court) and (who.admin or c.id in who.manager_courts)
    )
    return Scope(readable, whole)


@dataclass(frozen=True)
class Period:
    key: str
    days: int
    first: str  # YYYYMMDD
    last: str

    def dates(self) -> list[str]:
        start = _date(self.first)
        return [f"{start + timedelta(days=i):%Y%m%d}" for i in range(self.days)]

    def as_json(self) -> dict[str, Any]:
        return {"period": self.key, "from": _iso_date(self.first), "to": _iso_date(self.last)}


def _date(day: str) -> date:
    return date(int(day[:4]), int(day[4:6]), int(day[6:]))


def _iso_date(day: str) -> str:
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"


def period_for(
    scope: Scope, key: str, now: datetime, choices: Mapping[str, int] = PERIODS, param: str = "period"
) -> Period:
    """The last N service days, ending on the latest local date among the units in scope (units
    west of it may not have reached that date yet: they just have no row for it)."""
    key = (key or "").strip() or "30"
    if key not in choices:
        options = ", ".join(choices)
        raise InvalidInputError(f"Período inválido: use {options}.", fields={param: f"use {options}"})
    days = choices[key]
    last = max((service_day(u, now) for u in scope.units), default=f"{now:%Y%m%d}")
    first = f"{_date(last) - timedelta(days=days - 1):%Y%m%d}"
    return Period(key, days, first, last)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _mean(total: int, count: int, digits: int = 2) -> float | None:
    return round(total / count, digits) if count > 0 else None


class _Read:
    """The unit rows of a scope over a period: one query per unit (≤ 60 rows each), a few at a time."""

    def __init__(self, store: MetricsStore, scope: Scope, period: Period, workers: int = 8) -> None:
        def read(u: UnitConfig) -> list[DayRow]:
            return store.unit_days(u.court, u.id, period.first, period.last)

        if len(scope.units) > 1 and workers > 1:
            with ThreadPoolExecutor(min(workers, len(scope.units))) as pool:
                futures = [pool.submit(contextvars.copy_context().run, read, u) for u in scope.units]
                self.rows = {u.id: f.result() for u, f in zip(scope.units, futures, strict=True)}
        else:
            self.rows = {u.id: read(u) for u in scope.units}
        self.units: dict[str, Rollup] = {}
        for uid, rows in self.rows.items():
            self.units[uid] = Rollup()
            for row in rows:
                self.units[uid].merge(row.rollup)

    def total(self, unit_id: str | None = None) -> Rollup:
        if unit_id is not None:
            return self.units.get(unit_id) or Rollup()
        out = Rollup()
        for part in self.units.values():
            out.merge(part)
        return out

    def on(self, unit_id: str, day: str) -> DayRow | None:
        return next((r for r in self.rows.get(unit_id, []) if r.day == day), None)


def _queue_now(row: DayRow | None, now: datetime) -> int:
    if row is None or not row.sampled_minute:
        return 0
    fresh = int(now.timestamp()) // 60 - row.sampled_minute <= QUEUE_FRESH_MINUTES
    return row.queue_now if fresh else 0


def _totals(r: Rollup) -> dict[str, Any]:
    return {
        "requests": r.requests,
        "admitted": r.admitted,
        "served": r.served,
        "notServed": {k: r.not_served.get(k, 0) for k in NOT_SERVED},
    }


def summary(
    svc: Services,
    store: MetricsStore,
    who: Principal,
    period_key: str,
    now: datetime,
    court: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """The dashboard's headline numbers. `activeUnits`: units switched on in scope;
    `unitsWithAttendance`: those that finished at least one attendance in the period;
    `inactiveUnits`: switched-on units that did not; `activeAgents`: distinct clerks who called,
    served or finished someone; `queueNow`: people waiting now (sampled each minute)."""
    scope = scope_for(svc.config(), who, court, unit)
    period = period_for(scope, period_key, now)
    read = _Read(store, scope, period)
    total = read.total()
    with_attendance = {u.id for u in scope.units if read.total(u.id).served > 0}
    active = [u for u in scope.units if u.active]
    return {
        **period.as_json(),
        "totals": _totals(total),
        "averagePerDay": round(total.served / period.days, 1),
        "waitMinutes": {
            "mean": _minutes(total.wait.mean()),
            "p50": _minutes(total.wait.percentile(0.5)),
            "p90": _minutes(total.wait.percentile(0.9)),
        },
        "serviceMinutes": {
            "mean": _minutes(total.service.mean()),
            "p90": _minutes(total.service.percentile(0.9)),
        },
        "survey": {"count": total.survey_count, "mean": _mean(total.survey_sum, total.survey_count)},
        "activeAgents": len(total.clerks),
        "unitsWithAttendance": len(with_attendance),
        "inactiveUnits": sum(1 for u in active if u.id not in with_attendance),
        "activeUnits": len(active),
        "queueNow": sum(_queue_now(read.on(u.id, service_day(u, now)), now) for u in scope.units),
    }


def _day_series(store: MetricsStore, scope: Scope, period: Period) -> dict[str, Rollup]:
    """Per date, the sum over the scope: court rollups for courts read whole (one query per court),
    unit rollups for the rest (one query per unit)."""
    by_day: dict[str, Rollup] = {d: Rollup() for d in period.dates()}
    for court_id in scope.courts:
        for row in store.court_days(court_id, period.first, period.last):
            if row.day in by_day:
                by_day[row.day].merge(row.rollup)
    for u in scope.units:
        if u.court not in scope.courts:
            for row in store.unit_days(u.court, u.id, period.first, period.last):
                if row.day in by_day:
                    by_day[row.day].merge(row.rollup)
    return by_day


def daily(
    svc: Services,
    store: MetricsStore,
    who: Principal,
    days_key: str,
    now: datetime,
    court: str = "",
    unit: str = "",
) -> dict[str, Any]:
    scope = scope_for(svc.config(), who, court, unit)
    period = period_for(scope, days_key, now, DAILY_DAYS, param="days")
    series = _day_series(store, scope, period)
    return {
        **period.as_json(),
        "days": [
            {
                "date": _iso_date(day),
                "requests": r.requests,
                "served": r.served,
                "averageWaitMinutes": _minutes(r.wait.mean()),
            }
            for day, r in series.items()
        ],
    }


def units_report(
    svc: Services,
    store: MetricsStore,
    who: Principal,
    period_key: str,
    now: datetime,
    court: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """Per unit: requests and attendances in the period ("fluxo"), attendances today, queue now."""
    config = svc.config()
    scope = scope_for(config, who, court, unit)
    period = period_for(scope, period_key, now)
    read = _Read(store, scope, period)
    rows = []
    for u in scope.units:
        total = read.total(u.id)
        today = read.on(u.id, service_day(u, now))
        court_cfg = config.court(u.court)
        rows.append(
            {
                "id": u.id,
                "name": u.name,
                "section": u.section,
                "court": {"id": u.court, "name": court_cfg.name if court_cfg else ""},
                "active": u.active,
                "requests": total.requests,
                "served": total.served,
                "today": today.rollup.served if today else 0,
                "queue": _queue_now(today, now),
                "averageWaitMinutes": _minutes(total.wait.mean()),
                "surveyMean": _mean(total.survey_sum, total.survey_count),
            }
        )
    return {**period.as_json(), "units": rows}


def heatmap(
    svc: Services,
    store: MetricsStore,
    who: Principal,
    period_key: str,
    now: datetime,
    court: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """Attendances finished, by weekday (Monday first) and local hour."""
    scope = scope_for(svc.config(), who, court, unit)
    period = period_for(scope, period_key, now)
    rows: list[HourRow] = []
    for court_id in scope.courts:
        rows += store.court_hours(court_id, period.first, period.last)
    for u in scope.units:
        if u.court not in scope.courts:
            rows += store.unit_hours(u.court, u.id, period.first, period.last)
    matrix = [[0] * 24 for _ in range(7)]
    for row in rows:
        if period.first <= row.day <= period.last and 0 <= row.hour < 24:
            matrix[_date(row.day).weekday()][row.hour] += row.rollup.served
    return {
        **period.as_json(),
        "weekdays": list(WEEKDAYS),
        "hours": list(range(24)),
        "served": matrix,
        "max": max(max(r) for r in matrix),
    }


def dropoff(
    svc: Services,
    store: MetricsStore,
    who: Principal,
    period_key: str,
    now: datetime,
    court: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """Admitted tickets not served, by their position in line at admission."""
    scope = scope_for(svc.config(), who, court, unit)
    period = period_for(scope, period_key, now)
    total = _Read(store, scope, period).total()
    buckets = []
    for i, label in enumerate(POSITION_LABELS):
        admitted = total.dropoff.get(f"{i}:admitted", 0)
        by_reason = {k: total.dropoff.get(f"{i}:{k}", 0) for k in LOST}
        lost = sum(by_reason.values())
        buckets.append(
            {
                "label": label,
                "from": 1 if i == 0 else POSITION_EDGES[i - 1] + 1,
                "to": POSITION_EDGES[i] if i < len(POSITION_EDGES) else None,
                "admitted": admitted,
                "notServed": lost,
                "byReason": by_reason,
                "share": round(lost / admitted, 3) if admitted else None,
            }
        )
    return {**period.as_json(), "buckets": buckets}


def compliance(
    svc: Services,
    store: MetricsStore,
    who: Principal,
    period_key: str,
    now: datetime,
    court: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """Per unit, for the Corregedoria: share of opening minutes with a clerk online (sampled each
    minute), median minutes from joining to the first call, calls out of arrival order by reason."""
    config = svc.config()
    scope = scope_for(config, who, court, unit)
    period = period_for(scope, period_key, now)
    read = _Read(store, scope, period)
    rows = []
    for u in scope.units:
        t = read.total(u.id)
        covered = t.minutes_open - t.minutes_uncovered
        rows.append(
            {
                "id": u.id,
                "name": u.name,
                "section": u.section,
                "court": u.court,
                "active": u.active,
                "minutesOpen": t.minutes_open,
                "minutesWithClerk": covered,
                "coverage": round(covered / t.minutes_open, 3) if t.minutes_open else None,
                "medianWaitMinutes": _minutes(t.wait.percentile(0.5)),
                "calls": t.calls,
                "outOfOrderCalls": sum(t.out_of_order.values()),
                "outOfOrderReasons": [
                    {"reason": k, "label": label, "count": t.out_of_order.get(k, 0)}
                    for k, label in ORDER_REASONS.items()
                ],
            }
        )
    return {**period.as_json(), "units": rows}


def breakdown(
    svc: Services,
    store: MetricsStore,
    who: Principal,
    period_key: str,
    now: datetime,
    court: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """Who came and why: admissions by priority class, role and reason category; peak queue."""
    config = svc.config()
    scope = scope_for(config, who, court, unit)
    period = period_for(scope, period_key, now)
    total = _Read(store, scope, period).total()
    reasons = {r.id: r.label for u in scope.units for r in u.reasons}
    return {
        **period.as_json(),
        "byPriority": [
            {"class": int(k), "label": CLASS_LABELS[k], "count": total.by_class.get(str(int(k)), 0)}
            for k in PriorityClass
        ],
        "byRole": [
            {"role": k, "label": label, "count": total.by_role.get(k, 0)} for k, label in ROLES.items()
        ],
        "byReason": [
            {"reason": k, "label": reasons.get(k, k), "count": n}
            for k, n in sorted(total.by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "notServed": [
            {"reason": k, "label": NOT_SERVED_LABELS[k], "count": total.not_served.get(k, 0)}
            for k in NOT_SERVED
        ],
        "peakQueue": total.peak_queue,
    }
