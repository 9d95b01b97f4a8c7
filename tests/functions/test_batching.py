"""Group commit (functions/batching.py): invocations waiting while one works are done together in the
next round, each gets its own outcomes, an error fails exactly its round, and a round never splits an
invocation's items nor exceeds its size."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from functions.batching import GroupCommit

BOUND_S = 10.0  # every wait is bounded


class Work:
    """Doubles each item; the first round blocks until `release` is set, so that others queue up."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.rounds: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[int]) -> list[int]:
        self.rounds.append(list(items))
        if len(self.rounds) == 1:
            self.started.set()
            assert self.release.wait(BOUND_S)
        if self.fail_on is not None and self.fail_on in items:
            raise ValueError(f"round with {self.fail_on}")
        return [2 * item for item in items]


def queued(group: GroupCommit[int, int], count: int) -> Callable[[], bool]:
    return lambda: len(group._waiting) >= count


def wait_until(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(int(BOUND_S / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition not met")


def test_invocations_waiting_while_one_works_are_done_together_each_with_its_own_outcomes() -> None:
    work = Work()
    group: GroupCommit[int, int] = GroupCommit(work, max_items=100)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(group.submit, [1])
        assert work.started.wait(BOUND_S)
        others = [pool.submit(group.submit, [10 * n, 10 * n + 1]) for n in range(1, 6)]
        wait_until(queued(group, 5))
        work.release.set()
        assert first.result(BOUND_S) == [2]
        assert [f.result(BOUND_S) for f in others] == [[20 * n, 20 * n + 2] for n in range(1, 6)]
    assert len(work.rounds) == 2  # not six: the five waiting invocations made one round
    assert sorted(work.rounds[1]) == sorted(i for n in range(1, 6) for i in (10 * n, 10 * n + 1))


def test_a_round_holds_at_most_max_items_and_never_splits_an_invocation() -> None:
    work = Work()
    group: GroupCommit[int, int] = GroupCommit(work, max_items=5)
    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(group.submit, [0])
        assert work.started.wait(BOUND_S)
        others = [pool.submit(group.submit, [n] * 3) for n in range(1, 5)]  # 4 x 3 items
        wait_until(queued(group, 4))
        work.release.set()
        first.result(BOUND_S)
        assert [f.result(BOUND_S) for f in others] == [[2 * n] * 3 for n in range(1, 5)]
    assert [len(r) for r in work.rounds[1:]] == [3, 3, 3, 3]  # 3 + 3 > 5: one invocation per round


def test_an_error_fails_every_invocation_of_its_round_and_no_other() -> None:
    work = Work(fail_on=20)
    group: GroupCommit[int, int] = GroupCommit(work, max_items=2)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(group.submit, [1])
        assert work.started.wait(BOUND_S)
        failing: list[Future[list[int]]] = [pool.submit(group.submit, [20])]
        wait_until(queued(group, 1))
        failing.append(pool.submit(group.submit, [21]))  # the same round (max 2 items)
        wait_until(queued(group, 2))
        later = pool.submit(group.submit, [30, 31])  # the next round
        wait_until(queued(group, 3))
        work.release.set()
        assert first.result(BOUND_S) == [2]
        for future in failing:
            with pytest.raises(ValueError, match="round with 20"):
                future.result(BOUND_S)
        assert later.result(BOUND_S) == [60, 62]
    assert work.rounds[1:] == [[20, 21], [30, 31]]


def test_a_leader_stops_once_its_own_items_are_done_and_another_takes_over() -> None:
    work = Work()
    group: GroupCommit[int, int] = GroupCommit(work, max_items=1)
    leaders: list[int] = []
    original = work.__call__

    def recording(items: list[int]) -> list[int]:
        leaders.append(threading.get_ident())
        return original(items)

    group._work = recording
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(group.submit, [1])
        assert work.started.wait(BOUND_S)
        others = [pool.submit(group.submit, [n]) for n in (2, 3, 4)]
        wait_until(queued(group, 3))
        work.release.set()
        assert first.result(BOUND_S) == [2]
        assert [f.result(BOUND_S) for f in others] == [[4], [6], [8]]
    assert len(work.rounds) == 4
    assert leaders.count(leaders[0]) == 1  # the first stopped after its own round: others led the rest
