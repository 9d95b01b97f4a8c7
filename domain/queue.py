"""The state of one unit's queue for one service day, and the pure operations on it.

One `QueueState` is stored as one entity (DESIGN §4): the line in call order, the called tickets with
their meeting links, the clerks' presence and a moving average of service time. Every operation that
changes it is committed together with the ticket entities it touches, guarded by the state's ETag.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field, replace

from domain.errors import NothingToCallError, TicketNotFoundError
from domain.ordering import Entry, Policy, PriorityClass, call_order, next_cycle


@dataclass
class Called:
    """A ticket that has been called and not finished. Keeps its line entry, so a requeue restores
    the original place without reading the ticket."""

    entry: Entry
    clerk: str
    called_ms: int
    display: str
    started_ms: int = 0
    join_url: str = ""
    meeting: str = "pending"  # pending | ready | failed


@dataclass
class Clerk:
    status: str  # online | paused | offline
    since_ms: int
    seen_ms: int


CLERK_STATUSES = ("online", "paused", "offline")


@dataclass
class Reach:
    """How a ticket's citizen is told off the page (issue 13): the channel names only (the contacts,
    personal data, are kept with the ticket: domain/contacts.py), and what was told and confirmed."""

    channels: list[str] = field(default_factory=list)
    lost: str = ""  # a channel dropped because it answered "gone" (Web Push 404/410)
    near_ms: int = 0  # when the "near the front" notice was queued
    here_ms: int = 0  # when the citizen confirmed "Estou aqui"
    put_back: int = 0  # times put back in line after not joining a call in time

    @property
    def reachable(self) -> bool:
        return bool(self.channels)


@dataclass
class QueueState:
    unit_id: str
    day: str  # YYYYMMDD, the unit's local service day
    seq: int = 0  # last order number given (display numbers are gapless per unit-day)
    cycle: int = 0  # interleave position (ordering.next_cycle)
    line: list[Entry] = field(default_factory=list)  # kept sorted by Entry.key
    called: dict[str, Called] = field(default_factory=dict)
    clerks: dict[str, Clerk] = field(default_factory=dict)
    service_avg_s: float = 0.0  # exponential moving average of recent service durations
    service_n: int = 0
    version: int = 0
    closed: str = ""  # "" while the day runs; "serving" after closing (serve_waiting); "closed"
    closed_at_ms: int = 0  # when the unit closed for the day (start of the overtime)
    unattended_since_ms: int = 0  # open with nobody online since then (0: someone is online)
    unattended_alerted: bool = False  # the coverage alert for this episode went out
    reach: dict[str, Reach] = field(default_factory=dict)  # by short id, tickets with channels or marks

    # --- reading -------------------------------------------------------------------------------

    def find(self, short: str) -> Entry | None:
        for entry in self.line:
            if entry.short == short:
                return entry
        return None

    def reach_of(self, short: str) -> Reach:
        """The ticket's channels and marks (an empty `Reach` when it has none)."""
        return self.reach.get(short) or Reach()

    def reachable(self, short: str) -> bool:
        found = self.reach.get(short)
        return found is not None and found.reachable

    def persons(self) -> set[str]:
        return {e.person for e in self.line if e.person} | {
            c.entry.person for c in self.called.values() if c.entry.person
        }

    def waiting_count(self) -> int:
        return sum(1 for e in self.line if not e.absent_since_ms)

    def clerks_online(self) -> int:
        return sum(1 for c in self.clerks.values() if c.status == "online")

    def order(self, policy: Policy) -> list[Entry]:
        return call_order(self.line, policy, self.cycle)

    def positions(self, policy: Policy) -> dict[str, int]:
        """1-based position of each present waiting ticket, equal to the order of calls to come."""
        return {e.short: i for i, e in enumerate(self.order(policy), start=1)}

    # --- changing ------------------------------------------------------------------------------

    def admit(self, entry: Entry) -> Entry:
        """Put a new ticket in line with the next order number."""
        self.seq += 1
        placed = replace(entry, seq=self.seq)
        self._insert(placed)
        return placed

    def restore(self, entry: Entry) -> None:
        """Put an entry back at the place its arrival gives it (requeue, return after absence)."""
        self._insert(Entry(**{**entry.__dict__, "absent_since_ms": 0}))

    def mark_absent(self, short: str, now_ms: int) -> None:
        """The citizen stopped following the line: the place is kept, but they are not called."""
        entry = self.remove(short)
        self._insert(Entry(**{**entry.__dict__, "absent_since_ms": now_ms}))

    def _insert(self, entry: Entry) -> None:
        bisect.insort(self.line, entry, key=lambda e: e.key)

    def remove(self, short: str) -> Entry:
        for i, entry in enumerate(self.line):
            if entry.short == short:
                return self.line.pop(i)
        raise TicketNotFoundError()

    def next_to_call(self, policy: Policy, category: str = "") -> Entry:
        for entry in self.order(policy):
            if not category or entry.category == category:
                return entry
        raise NothingToCallError()

    def call(self, short: str, clerk: str, now_ms: int, policy: Policy, display: str) -> Called:
        entry = self.find(short)
        if entry is None:
            raise TicketNotFoundError()
        self.cycle = next_cycle(self.cycle, entry, self.line, policy)
        self.remove(short)
        called = Called(entry=entry, clerk=clerk, called_ms=now_ms, display=display)
        self.called[short] = called
        return called

    def take_called(self, short: str) -> Called:
        called = self.called.pop(short, None)
        if called is None:
            raise TicketNotFoundError()
        return called

    def record_service(self, duration_s: float, alpha: float = 0.2) -> None:
        """Moving average of service durations (the ETA's basis). Outliers are clipped."""
        duration_s = max(30.0, min(duration_s, 3600.0))
        if self.service_n == 0:
            self.service_avg_s = duration_s
        else:
            self.service_avg_s = (1 - alpha) * self.service_avg_s + alpha * duration_s
        self.service_n += 1

    def set_clerk(self, email: str, status: str, now_ms: int) -> None:
        current = self.clerks.get(email)
        since = current.since_ms if current and current.status == status else now_ms
        self.clerks[email] = Clerk(status=status, since_ms=since, seen_ms=now_ms)


@dataclass(frozen=True)
class WaitRange:
    min_minutes: int
    max_minutes: int


@dataclass(frozen=True)
class WaitEstimate(WaitRange):
    basis: str  # "history" | "default"


def service_seconds(state: QueueState, default_service_s: float) -> float:
    """The average service time: measured once three attendances are done, else the unit's default."""
    return state.service_avg_s if state.service_n >= 3 else default_service_s


def estimate_wait(ahead: int, state: QueueState, default_service_s: float) -> WaitEstimate:
    """A range, not a promise: people ahead x average service time / clerks online, ±30 %.

    With nobody online the estimate assumes one clerk: the unit is open, so someone must answer.
    """
    if ahead <= 0:
        return WaitEstimate(0, 0, "history" if state.service_n else "default")
    per_person = service_seconds(state, default_service_s)
    basis = "history" if state.service_n >= 3 else "default"
    clerks = max(1, state.clerks_online())
    minutes = ahead * per_person / clerks / 60.0
    return WaitEstimate(max(0, math.floor(minutes * 0.7)), max(1, math.ceil(minutes * 1.3)), basis)


def put_back(entry: Entry, places: int, order: list[Entry]) -> Entry:
    """A called citizen who did not join in time, put back `places` places behind the head of the
    line's call `order` among the people of its own class (the law's classes still apply: a priority
    citizen stays ahead of the others; with fewer people of its class, behind the last of them). Its
    arrival time becomes one millisecond after the one it goes behind; its order number, and so its
    display number, are kept."""
    same = [e for e in order if e.klass == entry.klass and e.short != entry.short]
    if not same:
        return replace(entry, absent_since_ms=0)
    behind = same[min(places, len(same)) - 1]
    return replace(entry, arrived_ms=behind.arrived_ms + 1, absent_since_ms=0)


SCHEDULED_REASON = "atendimento agendado"


def display_number(entry: Entry) -> str:
    """Gapless per unit and day; prefixed by the service category's initial when the unit has several."""
    return f"{entry.category[:1].upper()}{entry.seq:03d}"


PASSED_PRIORITY = "prioridade preterida"
"""Written after the rule's reason when a call passes a waiting priority person (interleave, a call by
service category, a clerk's pick): the compliance report counts these calls by rule (issue 16)."""


def passes_priority(state: QueueState, entry: Entry) -> bool:
    """Whether calling `entry` passes someone present in the line with a better legal priority class
    (80+, the groups of Lei 10.048/2000, blood donors); an appointment is not a legal priority."""
    return any(
        PriorityClass.SCHEDULED < e.klass < entry.klass
        for e in state.line
        if not e.absent_since_ms and e.short != entry.short
    )


def order_reason(state: QueueState, entry: Entry, category: str) -> str:
    """Why calling `entry` is not calling the earliest arrival still waiting ("" when it is, and nobody
    with a better priority is passed). A citizen with an appointment (domain/appointments.py) is always
    recorded as such; a call that passes a priority person says so after the rule that caused it."""
    if entry.klass == PriorityClass.SCHEDULED:
        return SCHEDULED_REASON
    passed = passes_priority(state, entry)
    earlier = [
        e
        for e in state.line
        if not e.absent_since_ms and (e.arrived_ms, e.seq) < (entry.arrived_ms, entry.seq)
    ]
    if not earlier and not passed:
        return ""
    if not passed and entry.klass != PriorityClass.NORMAL and any(e.klass > entry.klass for e in earlier):
        return "prioridade legal"
    rule = f"categoria de atendimento: {category}" if category else "política de intercalação"
    return f"{rule} — {PASSED_PRIORITY}" if passed else rule
