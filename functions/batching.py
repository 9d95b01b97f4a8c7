"""Group commit of one worker's concurrent queue invocations.

The host hands a queue function up to `batchSize` messages at once, each to its own invocation (a
thread). Admitting each alone makes as many transactions on the same unit-day state, taken in turns
(domain/ports.py `Turns`): in a burst the invocations queue behind each other with a message or two
each, and the last waits for every commit before it. `GroupCommit` makes one invocation (the leader)
do the work of every invocation waiting at that moment, in one call (admission: one transaction per
chunk of ≤ 49 tickets, each guarded by the state's ETag), and hands each its own outcome; an
invocation that arrives while the leader works is taken by its next round. An error reaches every
invocation of the round, whose messages are then delivered again (the work is idempotent).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Out = TypeVar("Out")


@dataclass
class _Waiter(Generic[Item, Out]):
    items: list[Item]
    finished: bool = False
    outcome: list[Out] = field(default_factory=list)
    error: BaseException | None = None


class GroupCommit(Generic[Item, Out]):
    """`submit(items)` runs `work` over these items and those of every invocation waiting with them.
    `work` gets the items of a round in arrival order and returns one outcome per item. A round takes
    at most `max_items` (an invocation's items are never split). The leader leads until its own items
    are done; then a waiting invocation takes over, so that no invocation works for others forever."""

    def __init__(self, work: Callable[[list[Item]], Sequence[Out]], max_items: int) -> None:
        self._work = work
        self._max_items = max_items
        self._cond = threading.Condition()
        self._waiting: list[_Waiter[Item, Out]] = []
        self._leading = False

    def submit(self, items: Sequence[Item]) -> list[Out]:
        mine: _Waiter[Item, Out] = _Waiter(list(items))
        with self._cond:
            self._waiting.append(mine)
            while self._leading and not mine.finished:
                self._cond.wait()
            lead = not mine.finished
            if lead:
                self._leading = True
        if lead:
            try:
                while not mine.finished:
                    self._run(self._round())
            finally:
                with self._cond:
                    self._leading = False
                    self._cond.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.outcome

    def _round(self) -> list[_Waiter[Item, Out]]:
        with self._cond:
            round_: list[_Waiter[Item, Out]] = []
            size = 0
            while self._waiting and (not round_ or size + len(self._waiting[0].items) <= self._max_items):
                waiter = self._waiting.pop(0)
                round_.append(waiter)
                size += len(waiter.items)
            return round_

    def _run(self, round_: list[_Waiter[Item, Out]]) -> None:
        items = [item for waiter in round_ for item in waiter.items]
        outcome: list[Out] = []
        error: BaseException | None = None
        try:
            outcome = list(self._work(items))
            if len(outcome) != len(items):
                raise RuntimeError("group commit: one outcome per item expected")
        except Exception as exc:  # every invocation of the round fails with it
            error = exc
        with self._cond:
            start = 0
            for waiter in round_:
                waiter.error = error
                waiter.outcome = outcome[start : start + len(waiter.items)] if error is None else []
                start += len(waiter.items)
                waiter.finished = True
            self._cond.notify_all()
