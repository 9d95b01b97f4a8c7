"""The ordering engine's own consistency (domain/ordering.py, domain/queue.py), over its own classes.

These tests build lines from `PriorityClass` values and `sort_line` (the invariant `QueueState.line`
keeps), so they do not check the law: tests/domain/test_ordering_law.py does, against a table written
from the statutes. What is checked here is what that module does not reach: absent citizens keep their
place without being called, the positions a state reports match the calls it then makes under every
policy, the interleave pattern, and that several grounds give the most favourable class.
"""

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
@given(
    lines(),
    st.sampled_from(
        [Policy(), Policy("interleave", 2, 1), Policy("interleave", 1, 1), Policy("interleave", 3, 2)]
    ),
)
def test_reported_position_is_the_order_of_calls(line: list[Entry], policy: Policy) -> None:
    """Consistency, not law: the positions of a state (absent entries left out) are its next calls."""
    state = QueueState(unit_id="u", day="20261130", line=list(line))
    positions = state.positions(policy)
    called = _drain(line, policy)
    assert [e.short for e in called] == sorted(positions, key=positions.__getitem__)
    assert sorted(positions.values()) == list(range(1, len(called) + 1))


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
