"""Metric rollups: the arithmetic of the indicators (issue 7). See domain/metric_events.py for how the
ticket events become rollups exactly once, and domain/usecases/metrics_*.py for the pass and the reports.

Rollups (everything in them adds up, so a period is the sum of its days and a court of its units)
    Rollup      counts, fixed histograms, tallies, hashed clerk ids and unit ids. No citizen data.
    Rollups     a total and its 24 hour parts (the hour in the unit's own time zone).

Percentiles come from a fixed histogram (`DURATION_EDGES_S`, seconds; the last bucket is open), by
linear interpolation inside the bucket that holds the rank; the open bucket answers its lower edge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain.hours import WEEKDAY_NAMES

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
    "chat": "h",  # an attendance event, not a transition: an attendance that went on by chat
}
ACTIONS_BY_CODE = {code: action for action, code in ACTION_CODES.items()}
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

PASSING_RULES: tuple[str, ...] = ("intercalacao", "categoria", "servidor")
"""The rules under which a call can pass a waiting priority person (ORDER_REASONS keys)."""

LAG_MS = 5 * 60_000
"""Each pass reads the log again from this far behind the latest event merged (see module doc)."""

SEAL_AFTER = timedelta(hours=2)
"""A day stays live (re-read each minute, surveys and late events merged) until this long after its
local midnight; then its tracks are dropped and it takes no more events."""

PERIODS: dict[str, int] = {"today": 1, "7": 7, "30": 30, "60": 60}
DAILY_DAYS: dict[str, int] = {"7": 7, "30": 30, "60": 60}
WEEKDAYS: tuple[str, ...] = WEEKDAY_NAMES
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
    """The category of a call's out-of-order reason (see `domain.queue.order_reason`)."""
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
    "chats",
)
_TALLIES = ("not_served", "by_class", "by_role", "by_reason", "out_of_order", "passed_priority", "dropoff")


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
    chats: int = 0  # attendances by chat
    out_of_order: dict[str, int] = field(default_factory=dict)  # ORDER_REASONS key → calls
    # calls that passed a waiting priority person ("prioridade preterida"), by the rule that did
    passed_priority: dict[str, int] = field(default_factory=dict)  # ORDER_REASONS key → calls
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
            "chats": self.chats,
            "outOfOrder": self.out_of_order,
            "passedPriority": self.passed_priority,
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
            chats=int(data.get("chats", 0)),
            out_of_order=tally(data.get("outOfOrder")),
            passed_priority=tally(data.get("passedPriority")),
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
