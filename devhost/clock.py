"""Clocks for the timer scheduler: the real UTC clock, and a `FakeClock` that tests move by hand.

A clock is any `Callable[[], datetime]` returning an aware UTC datetime. A clock that also has
`subscribe(callback)` (see `ObservableClock`) tells the scheduler when it moves, so the scheduler sleeps
until it is told instead of sleeping on the wall clock: that is how tests fire timers without waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


@runtime_checkable
class ObservableClock(Protocol):
    """A clock that calls its subscribers whenever its time changes."""

    def __call__(self) -> datetime: ...

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Register `callback`; returns a function that unregisters it."""
        ...


class FakeClock:
    """A clock that stands still until `advance()` or `set()` moves it, and then wakes its subscribers."""

    def __init__(self, start: datetime) -> None:
        self._now = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[], None]] = []

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by `delta` (a timedelta or seconds) and return the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += step
            now = self._now
        self._notify()
        return now

    def set(self, when: datetime) -> None:
        """Jump to `when` (naive means UTC)."""
        with self._lock:
            self._now = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        self._notify()

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _notify(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback()
