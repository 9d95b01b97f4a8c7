"""The order of service by Brazilian law (DESIGN §6), as properties over random lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ordering import Entry, Policy, PriorityClass, call_order, classify, sort_line
from domain.queue import QueueState

classes = st.sampled_from(list(PriorityClass))


@st.composite
def lines(draw: st.DrawFn, max_size: int = 40) -> list[Entry]:
    n = draw(st.integers(0, max_size))
    arrivals = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n))
    klasses = draw(st.lists(classes, min_size=n, max_size=n))
    absent = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return sort_line(
        Entry(
            short=f"t{i:04d}", klass=k, arrived_ms=a, seq=i + 1, absent_since_ms=5 if ab and i % 3 == 0 else 0
        )
        for i, (a, k, ab) in enumerate(zip(arrivals, klasses, absent, strict=True))
    )


def _drain(line: list[Entry], policy: Policy) -> list[Entry]:
    """Call everyone, one at a time, the way the engine does."""
    state = QueueState(unit_id="u", day="20261130", line=list(line))
    called = []
    while state.waiting_count():
        entry = state.next_to_call(policy)
        state.call(entry.short, "clerk@x", 0, policy, "")
        called.append(entry)
    return called


@settings(max_examples=200, deadline=None)
@given(lines())
def test_priority_first_never_serves_a_later_lower_class_first(line: list[Entry]) -> None:
    called = _drain(line, Policy())
    for i, earlier in enumerate(called):
        for later in called[i + 1 :]:
            # whoever is served first is of a better class, or of the same class and arrived first
            assert (earlier.klass, earlier.arrived_ms, earlier.seq) < (
                later.klass,
                later.arrived_ms,
                later.seq,
            )


@settings(max_examples=200, deadline=None)
@given(lines())
def test_super_priority_then_priority_then_donors_then_normal(line: list[Entry]) -> None:
    called = _drain(line, Policy())
    ranks = [int(e.klass) for e in called]
    assert ranks == sorted(ranks)


@settings(max_examples=200, deadline=None)
@given(
    lines(),
    st.sampled_from(
        [Policy(), Policy("interleave", 2, 1), Policy("interleave", 1, 1), Policy("interleave", 3, 2)]
    ),
)
def test_reported_position_is_the_order_of_calls(line: list[Entry], policy: Policy) -> None:
    state = QueueState(unit_id="u", day="20261130", line=list(line))
    positions = state.positions(policy)
    called = _drain(line, policy)
    assert [e.short for e in called] == sorted(positions, key=positions.__getitem__)
    assert sorted(positions.values()) == list(range(1, len(called) + 1))


@settings(max_examples=200, deadline=None)
@given(lines(), st.sampled_from([Policy("interleave", 2, 1), Policy("interleave", 1, 2)]))
def test_interleave_keeps_arrival_order_within_each_kind(line: list[Entry], policy: Policy) -> None:
    called = _drain(line, policy)
    priority = [e for e in called if e.is_priority]
    normal = [e for e in called if not e.is_priority]
    assert priority == sort_line(priority)
    assert [(e.arrived_ms, e.seq) for e in normal] == sorted((e.arrived_ms, e.seq) for e in normal)


def test_interleave_two_priority_then_one_normal() -> None:
    line = sort_line(
        [Entry(f"n{i}", PriorityClass.NORMAL, i, i) for i in range(3)]
        + [Entry(f"p{i}", PriorityClass.PRIORITY, 10 + i, 10 + i) for i in range(4)]
    )
    order = [e.short for e in call_order(line, Policy("interleave", 2, 1))]
    assert order == ["p0", "p1", "n0", "p2", "p3", "n1", "n2"]


def test_absent_citizens_keep_their_place_but_are_not_called() -> None:
    line = sort_line(
        [Entry("a", PriorityClass.NORMAL, 1, 1, absent_since_ms=99), Entry("b", PriorityClass.NORMAL, 2, 2)]
    )
    state = QueueState(unit_id="u", day="d", line=line)
    assert state.next_to_call(Policy()).short == "b"
    assert [e.short for e in state.line] == ["a", "b"]


def test_classify_takes_the_most_favourable_ground() -> None:
    assert classify([]) == PriorityClass.NORMAL
    assert classify(["doador_de_sangue"]) == PriorityClass.DONOR
    assert classify(["doador_de_sangue", "gestante"]) == PriorityClass.PRIORITY
    assert classify(["idoso_60", "idoso_80"]) == PriorityClass.SUPER
