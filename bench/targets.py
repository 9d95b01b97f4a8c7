"""The count targets `python -m bench` enforces, in one table (issues 20 and 17).

Each benchmark records what it measured under a figure's name (`Figures.record`); after the run every
target is checked against the figures it names, the verdicts are printed, and the run exits non-zero
naming each target missed. A target none of whose figures was recorded is missed too: the benchmark
did not get that far, or a figure was renamed.

Only counts are enforced (storage transactions, order numbers, tickets, errors): they do not change from
one machine to the next. The adaptive-polling latency is a count too: simulated seconds, on a simulated
clock, the same on every machine. Times are printed by the benchmarks and never enforced, because the
machine is shared and a time says more about it than about the app.

"Flat in queue length" for call next: the figure at the longest line measured (5,000 waiting) may
exceed the figure at the shortest (~100) by at most `FLAT_TOLERANCE`, one transaction among the ten
calls measured at each length. The counts are exact (each call is measured alone, after the previous
call's meeting and card were handled), so a cost that grows with the line shows as at least one more
transaction per call (+1.0); the tolerance admits one stray request, not a trend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

FLAT_TOLERANCE = 0.1

Record = Callable[[str, float], None]


@dataclass(frozen=True)
class Target:
    figure: str  # a figure's name, or a pattern (`*`) that every matching figure must meet
    at_most: float
    says: str
    section: str = ""  # the benchmark that records it (`python -m bench <section>`: bench/__main__.py)


TARGETS: tuple[Target, ...] = (
    Target(
        "call next tx at * waiting",
        3,
        "call next: at most 3 storage transactions (read the state, commit it, ask for a meeting)",
        section="queue",
    ),
    Target(
        "call next growth",
        FLAT_TOLERANCE,
        "call next is flat in queue length (5,000 waiting against ~100)",
        section="queue",
    ),
    Target(
        "poll tx with 100 citizens",
        0.1,
        "a poll: at most 0.1 storage transactions (100 citizens)",
        section="queue",
    ),
    Target(
        "poll tx at * waiting",
        0.1,
        "a poll: at most 0.1 storage transactions, at every queue length",
        section="queue",
    ),
    Target(
        "burst order numbers given twice or never",
        0,
        "1,000 joins at once: order numbers gapless (1..N, each once)",
        section="queue",
    ),
    Target(
        "burst joins not admitted", 0, "1,000 joins at once: every accepted join admitted", section="queue"
    ),
    Target(
        "tx per attendance",
        10,
        "one attendance, join to survey: at most 10 storage transactions",
        section="attendance",
    ),
    Target(
        "queue messages per attendance",
        4,
        "one attendance, join to survey: at most 4 queue messages",
        section="attendance",
    ),
    Target(
        "cards per attendance beyond one",
        0,
        "one attendance: its card sent exactly once",
        section="attendance",
    ),
    Target("load tickets called twice on * instances", 0, "load run: no ticket called twice", section="load"),
    Target("load errors on * instances", 0, "load run: no error", section="load"),
    Target(
        "load citizens lost on * instances",
        0,
        "load run: every citizen who joined is in line",
        section="load",
    ),
    Target(
        "adaptive polling executions per citizen-hour",
        300,
        "adaptive polling: at most 300 function executions per waiting citizen-hour (joins, admissions, "
        "polls; 100 citizens over a simulated 30-minute wait; ~2,400 at the former fixed 1.5 s)",
        section="polling",
    ),
    Target(
        "adaptive polling turn seen p95 s",
        2,
        "adaptive polling: a visible page sees its call within 2 simulated seconds (p95), 3 s with the "
        "<= 1 s age of the shared state",
        section="polling",
    ),
    Target(
        "adaptive polling citizens marked absent",
        0,
        "adaptive polling: no page that follows it is absent",
        section="polling",
    ),
    Target(
        "push called notices lost",
        0,
        "Web Push: every called citizen who chose push gets the call",
        section="push",
    ),
    Target(
        "push called notices sent twice", 0, "Web Push: the call is pushed once per citizen", section="push"
    ),
    Target(
        "push requests failing the VAPID check",
        0,
        "Web Push: every request signed (RFC 8292)",
        section="push",
    ),
    Target(
        "abuse real citizen not admitted",
        0,
        "bots filling a unit: the real citizen is admitted",
        section="abuse",
    ),
    Target(
        "abuse real citizen polls failed %",
        1,
        "a fake-token flood: at least 99 % of the real citizen's polls answered",
        section="abuse",
    ),
)


@dataclass(frozen=True)
class Verdict:
    target: Target
    figure: str
    value: float | None  # None: never measured

    @property
    def met(self) -> bool:
        return self.value is not None and self.value <= self.target.at_most

    def __str__(self) -> str:
        mark = "ok    " if self.met else "MISSED"
        shown = "not measured" if self.value is None else f"{self.value:g}"
        return f"  {mark} {self.figure} = {shown} (target <= {self.target.at_most:g}): {self.target.says}"


class Figures:
    """What the benchmarks measured, by name."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def record(self, name: str, value: float) -> None:
        self.values[name] = round(float(value), 6)

    def check(self, targets: tuple[Target, ...] = TARGETS, sections: Sequence[str] = ()) -> list[Verdict]:
        """A verdict per figure each target names (one "not measured" when none was recorded); only the
        targets of `sections` when some are named (a run of some benchmarks alone)."""
        verdicts = []
        for target in targets:
            if sections and target.section not in sections:
                continue
            names = [n for n in self.values if fnmatchcase(n, target.figure)]
            if not names:
                verdicts.append(Verdict(target, target.figure, None))
            verdicts += [Verdict(target, n, self.values[n]) for n in names]
        return verdicts
