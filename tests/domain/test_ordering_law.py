"""The order of service checked against the law, with an oracle that owes nothing to the code.

`LAW` below is written from the statutes: each priority ground a citizen may declare, its legal rank
(lower is served first) and where the law says so. The expectations of every test are derived from
that table and from the order of arrival only; nothing here calls the code's own ordering
(`sort_line`, `call_order`, `PriorityClass`, `GROUND_CLASS`).

The system is driven as it is used: citizens join with their declared grounds (`accept_join`), the
join requests are admitted in whatever order the queue delivers them (`admit`), a clerk calls next
again and again (`call_next`) and each waiting citizen reads their position (`ticket_view`), over
in-memory fakes of the storage and bus ports (tests/fakes/).

The properties are stated over the whole table, so that each of them notices a ground given the wrong
rank in either direction (a 60+ given the 80+ rank, donors swapped with the other groups):

- nobody is called while someone of a better legal rank waits (80+ before every other priority group,
  donors after every other group, anyone with a ground before anyone without under `priority_first`);
- nobody passes an earlier arrival without a better legal rank (arrival order within a rank: the eight
  grounds of Lei 10.048/2000 other than donation share one rank);
- the position each citizen reads is the number of people the law puts ahead of them, plus one;
  companions take no place; and the calls then come in that order;
- under `interleave`, the people with a ground keep the legal order among themselves, the others keep
  their order of arrival, and positions are the order of calls.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.config import Configuration, parse_configuration
from domain.ordering import PriorityGround
from domain.ports import JOIN_QUEUE
from domain.usecases import admission, clerk_actions, joining
from tests.fakes.context import fake_context
from tests.support.flows import ticket_json

# --- the law ------------------------------------------------------------------------------------

EIGHTY_PLUS, PRIORITY, DONOR, NONE = 0, 1, 2, 3  # the test's own ranks: lower is served first
L10048 = "Lei 10.048/2000 art. 1º (redação da Lei 14.626/2023)"


@dataclass(frozen=True)
class Rule:
    rank: int
    source: str


LAW: dict[str, Rule] = {
    # Estatuto da Pessoa Idosa (Lei 10.741/2003) art. 3º §2º, added by Lei 13.466/2017: priority among
    # the elderly to those aged 80+. Ahead of *every* other group is the documented policy choice of
    # DESIGN §6 (the statute alone gives no total order).
    "idoso_80": Rule(EIGHTY_PLUS, "Estatuto da Pessoa Idosa art. 3º §2º (Lei 13.466/2017)"),
    "idoso_60": Rule(PRIORITY, f"{L10048}; Estatuto da Pessoa Idosa art. 3º §1º I"),
    "deficiencia": Rule(PRIORITY, L10048),
    "tea": Rule(PRIORITY, f"{L10048}, autism added by Lei 14.626/2023"),
    "gestante": Rule(PRIORITY, L10048),
    "lactante": Rule(PRIORITY, L10048),
    "crianca_de_colo": Rule(PRIORITY, L10048),
    "obeso": Rule(PRIORITY, L10048),
    "mobilidade_reduzida": Rule(PRIORITY, f"{L10048}, reduced mobility added by Lei 14.626/2023"),
    # Lei 14.626/2023 added blood donors, served after all the other beneficiaries.
    "doador_de_sangue": Rule(DONOR, f"{L10048}: doadores de sangue após os demais (Lei 14.626/2023)"),
}
ARRIVAL = "Lei 13.460/2017 art. 5º III (ordem de chegada)"
# Companions: Lei 10.048/2000 art. 1º, paragraph added by Lei 14.364/2022: served "junta e
# acessoriamente" with the person they accompany, so they never take a place of their own.


@dataclass(frozen=True)
class Citizen:
    n: int  # order of arrival, 0 = first
    grounds: tuple[str, ...]
    companions: int

    @property
    def rank(self) -> int:
        """Several grounds: each entitles the citizen on its own, so the most favourable one counts."""
        return min((LAW[g].rank for g in self.grounds), default=NONE)

    @property
    def has_ground(self) -> bool:
        return bool(self.grounds)

    def __str__(self) -> str:
        if not self.grounds:
            return f"citizen #{self.n} (no ground: {ARRIVAL})"
        best = min(self.grounds, key=lambda g: LAW[g].rank)
        return f"citizen #{self.n} ({'+'.join(self.grounds)}: legal rank {self.rank}, {LAW[best].source})"


def law_ahead(x: Citizen, y: Citizen) -> bool:
    """Does the law serve `x` before `y` when both wait (priority_first)? Better rank, else arrival."""
    return (x.rank, x.n) < (y.rank, y.n)


def why_first(x: Citizen, y: Citizen) -> str:
    """Why the law serves `x` before `y`, for a failure message."""
    return "better legal rank" if x.rank < y.rank else "same legal rank, arrived earlier"


def test_the_table_covers_every_ground_a_citizen_can_declare() -> None:
    assert set(LAW) == {g.value for g in PriorityGround}


# --- the system, driven as it is used -----------------------------------------------------------

UNIT = "trf1-sjam-01vf"  # no service categories
CLERK = "carla.mendes@trf1.jus.br"
T0 = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # 09:00 in Manaus, one service day
CONFIG_FILE = Path(__file__).resolve().parents[2] / "infra" / "config" / "balcao.json"


@functools.cache
def config_with(mode: str, priority_calls: int = 2, normal_calls: int = 1) -> Configuration:
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        if unit["id"] == UNIT:
            unit["ordering"] = {
                "mode": mode,
                "priorityCalls": priority_calls,
                "normalCalls": normal_calls,
                "dedicatedPriorityDesk": mode == "interleave",
            }
            unit["limits"] = {**unit.get("limits", {}), "maxWaiting": 5000}
    return parse_configuration(json.dumps(raw))


@dataclass
class Snapshot:
    waiting: list[Citizen]  # who the test knows to be waiting
    positions: dict[Citizen, int]  # what each of them read
    views: dict[Citizen, dict[str, Any]]
    calls_after: list[Citizen] = field(default_factory=list)  # the calls until the next arrivals


@dataclass
class Call:
    called: Citizen
    waiting: list[Citizen]  # who was waiting (the called citizen included), by the test's bookkeeping


@dataclass
class Trace:
    calls: list[Call] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)


class UnitCounter:
    """One unit's virtual counter over in-memory ports; the clock moves a second per action."""

    def __init__(self, config: Configuration) -> None:
        self.ctx, self.fakes = fake_context(config)  # always open
        self.clerk = self.ctx.principal(CLERK)
        self.now = T0
        self.tickets: dict[str, Citizen] = {}
        self.tokens: dict[Citizen, tuple[str, str]] = {}

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def join(self, citizen: Citizen) -> None:
        data = joining.JoinInput(
            name=f"Pessoa {citizen.n}",
            role="parte",
            reason="orientacao",
            consent=True,
            priority=citizen.grounds,
            companions=citizen.companions,
        )
        accepted = joining.accept_join(self.ctx, UNIT, data, self.tick())
        self.tickets[accepted.ticket_id] = citizen
        self.tokens[citizen] = (accepted.ticket_id, accepted.token)

    def admit(self, delivery: Sequence[int]) -> None:
        """Deliver the pending join requests in the given order, one at a time (as the queue may)."""
        requests = self.fakes.bus.take(JOIN_QUEUE)
        for i in delivery:
            assert admission.admit(self.ctx, [requests[i]], self.tick()) == {
                requests[i]["ticketId"]: "waiting"
            }

    def call_next(self) -> Citizen:
        return self.tickets[clerk_actions.call_next(self.ctx, UNIT, self.clerk, self.tick()).ticket_id]

    def view(self, citizen: Citizen) -> dict[str, Any]:
        ticket_id, token = self.tokens[citizen]
        return ticket_json(self.ctx, (ticket_id, token), self.now)


Step = tuple[list[Citizen], list[int], int]  # arrivals, their delivery order, calls after them

# A third declare nothing, a third one ground, a third two: every ground is in about 1 in 10 citizens.
ground = st.sampled_from(sorted(LAW))
grounds = st.one_of(
    st.just(()),
    ground.map(lambda g: (g,)),
    st.lists(ground, min_size=2, max_size=2, unique=True).map(tuple),
)


@st.composite
def scripts(draw: st.DrawFn) -> list[Step]:
    """Arrivals in batches, each delivered to admission in a random order, with calls in between."""
    steps: list[Step] = []
    n = 0
    for _ in range(draw(st.integers(1, 6))):
        size = draw(st.integers(0, 8))
        batch = [Citizen(n + i, draw(grounds), draw(st.integers(0, 3))) for i in range(size)]
        n += size
        steps.append((batch, draw(st.permutations(range(size))), draw(st.integers(0, 4))))
    return steps


def run(script: list[Step], config: Configuration) -> Trace:
    """Play the script, then call until nobody waits; record every call and every reading."""
    counter = UnitCounter(config)
    trace = Trace()
    waiting: list[Citizen] = []
    steps = [*script, ([], [], 10_000)]
    for arrivals, delivery, calls in steps:
        for citizen in arrivals:
            counter.join(citizen)
        counter.admit(delivery)
        waiting += arrivals
        views = {c: counter.view(c) for c in waiting}
        snapshot = Snapshot(list(waiting), {c: v["position"] for c, v in views.items()}, views)
        trace.snapshots.append(snapshot)
        for _ in range(min(calls, len(waiting))):
            called = counter.call_next()
            assert called in waiting, f"{called} was called but was not waiting (called twice?)"
            trace.calls.append(Call(called, list(waiting)))
            snapshot.calls_after.append(called)
            waiting.remove(called)
    assert not waiting
    assert sorted(c.called.n for c in trace.calls) == list(range(len(trace.calls)))  # each once
    return trace


PRIORITY_FIRST = config_with("priority_first")
INTERLEAVES = [config_with("interleave", p, n) for p, n in ((2, 1), (1, 1), (3, 2), (1, 2))]
EXAMPLES = settings(max_examples=60, deadline=None)


# --- priority_first (the default: Decreto 5.296/2004 art. 6 §2, a waiting priority person is next) --


@EXAMPLES
@given(scripts())
def test_nobody_is_called_while_someone_of_a_better_legal_rank_waits(script: list[Step]) -> None:
    """80+ before every other priority group; the grounds of Lei 10.048/2000 before donors; any
    ground before no ground. A citizen with several grounds counts with the most favourable one."""
    for call in run(script, PRIORITY_FIRST).calls:
        better = [w for w in call.waiting if w.rank < call.called.rank]
        assert not better, f"{call.called} was called while {better[0]} waited"


@EXAMPLES
@given(scripts())
def test_nobody_passes_an_earlier_arrival_without_a_better_legal_rank(script: list[Step]) -> None:
    """Arrival order within a rank: the eight grounds other than 80+ and donation are one rank (60+
    has no edge over a pregnant woman who came first), donors among themselves, no ground among
    themselves; and nobody overtakes an earlier arrival of a better rank."""
    for call in run(script, PRIORITY_FIRST).calls:
        passed = [w for w in call.waiting if w.n < call.called.n and w.rank <= call.called.rank]
        assert not passed, f"{call.called} was called ahead of {passed[0]}, who arrived earlier"


@EXAMPLES
@given(scripts())
def test_each_citizen_reads_the_place_the_law_gives_them_and_companions_take_none(
    script: list[Step],
) -> None:
    """Position = 1 + the people the law serves first (companions not counted, Lei 14.364/2022);
    people waiting counts people, not companions; and the calls then come in that order."""
    for snap in run(script, PRIORITY_FIRST).snapshots:
        for c in snap.waiting:
            ahead = [y for y in snap.waiting if law_ahead(y, c)]
            view = snap.views[c]
            names = ", ".join(map(str, ahead)) or "nobody"
            assert (view["position"], view["peopleAhead"], view["peopleWaiting"]) == (
                len(ahead) + 1,
                len(ahead),
                len(snap.waiting),
            ), f"{c} read position {view['position']}; the law puts ahead: {names}"
        by_position = sorted(snap.waiting, key=snap.positions.__getitem__)
        assert snap.calls_after == by_position[: len(snap.calls_after)]


# --- interleave (a court's choice: p priority calls, then n others, while both wait) -------------


@settings(max_examples=80, deadline=None)
@given(scripts(), st.sampled_from(INTERLEAVES))
def test_interleave_keeps_the_legal_order_among_priority_people(
    script: list[Step], config: Configuration
) -> None:
    """Interleaving decides only when a priority person is called, not which one: among people with a
    ground nobody is called while one of a better rank waits, nor ahead of an earlier arrival of the
    same rank; people with no ground keep their order of arrival; positions are the order of calls."""
    trace = run(script, config)
    for call in trace.calls:
        rivals = [w for w in call.waiting if w.has_ground == call.called.has_ground and w != call.called]
        if call.called.has_ground:
            for w in rivals:
                why = why_first(w, call.called)
                assert not law_ahead(w, call.called), f"{call.called} was called while {w} waited ({why})"
        else:
            earlier = [w for w in rivals if w.n < call.called.n]
            assert not earlier, f"{call.called} was called ahead of {earlier[0]}, who arrived earlier"
    for snap in trace.snapshots:
        assert sorted(snap.positions.values()) == list(range(1, len(snap.waiting) + 1))
        by_position = sorted(snap.waiting, key=snap.positions.__getitem__)
        assert snap.calls_after == by_position[: len(snap.calls_after)]
        for x in snap.waiting:
            for y in snap.waiting:
                if x.has_ground and y.has_ground and law_ahead(x, y):
                    assert snap.positions[x] < snap.positions[y], f"{x} reads a place behind {y}"
