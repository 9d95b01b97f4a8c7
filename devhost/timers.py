"""Timer triggers: each timer function gets a scheduler thread that fires it on its NCRONTAB schedule.

Schedules are evaluated in UTC against an injectable clock. With the real clock (or any plain
callable) the thread sleeps until the next occurrence, re-reading the clock at least every second so
that a clock jump or a hand-moved clock is noticed; with an `ObservableClock` such as `FakeClock` it
sleeps until the clock moves.

With several instances against one storage account, only the instance that holds the timer's listener
lease fires it (`devhost.timer_lease`), as the Functions host does; the others follow the schedule
without firing. Like the Functions host, a timer never overlaps itself and missed occurrences are not
replayed: when
the scheduler wakes after one or more occurrences, it fires once, with `past_due` true if that was
more than a second late, and then waits for the next occurrence after "now". `runOnStartup` fires
once when the host starts (on the listener). An exception in a timer function is logged; the timer
goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from azure.functions.timer import TimerRequest

from devhost.clock import Clock, ObservableClock
from devhost.config import Settings
from devhost.errors import CronSyntaxError
from devhost.indexing import TIMER_TRIGGER, FunctionSpec
from devhost.invoker import Invoker
from devhost.listener import Listener
from devhost.ncrontab import CronSchedule
from devhost.timer_lease import ListenerLease

log = logging.getLogger("devhost.timers")

PAST_DUE_TOLERANCE = timedelta(seconds=1)
_MAX_SLEEP = 1.0  # seconds: re-read a non-observable clock at least this often (jumps, fakes)


class TimerScheduler(Listener):
    """Fires one timer function on its schedule, on its own thread."""

    def __init__(
        self,
        function: FunctionSpec,
        schedule: CronSchedule,
        clock: Clock,
        invoker: Invoker,
        *,
        on_change: Callable[[], None] = lambda: None,
        lease: ListenerLease | None = None,
    ) -> None:
        super().__init__(function, invoker, on_change, f"devhost-timer-{function.name}")
        self.lease = lease
        self.schedule = schedule
        self._clock = clock
        self._observed: datetime | None = None  # the clock time of the last evaluation
        self._last: datetime | None = None
        self._next: datetime | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def next_due(self) -> datetime | None:
        with self._state:
            return self._next

    @property
    def listening(self) -> bool:
        """Whether this instance fires the timer (it holds the listener lease, or needs none)."""
        return self.lease is None or self.lease.held

    def start(self) -> None:
        if self.lease is not None:
            self.lease.start()
        if isinstance(self._clock, ObservableClock):
            self._unsubscribe = self._clock.subscribe(self._wake.set)
        super().start()

    def _interrupt(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _close(self) -> None:
        if self.lease is not None:
            self.lease.stop()

    def idle_at(self, when: datetime) -> bool:
        """Whether the scheduler has evaluated the clock at `when` or later and is not running.

        With a real clock only the second half is checked (it evaluates the clock when it is due).
        """
        with self._state:
            if self._in_flight:
                return False
            if not isinstance(self._clock, ObservableClock):
                return True
            return self._observed is not None and self._observed >= when

    def _run(self) -> None:
        try:
            due = self.schedule.next_occurrence(self._clock())
        except CronSyntaxError as exc:
            log.error("Timer %r will never fire: %s", self.function.name, exc)
            return
        with self._state:
            self._next = due
        if self.function.trigger.get("runOnStartup") and self.listening:
            self._fire(self._clock(), past_due=False)
        while not self._stopping.is_set():
            self._wake.clear()
            now = self._clock()
            if now >= due:
                if self.listening:  # a standby instance lets the occurrence pass
                    self._fire(due, past_due=now - due > PAST_DUE_TOLERANCE)
                try:
                    due = self.schedule.next_occurrence(max(now, self._clock()))
                except CronSyntaxError as exc:
                    log.error("Timer %r stops: %s", self.function.name, exc)
                    return
                with self._state:
                    self._next = due
                continue
            with self._state:
                self._observed = now
            self._on_change()
            if isinstance(self._clock, ObservableClock):
                self._wake.wait()
            else:
                self._wake.wait(min((due - now).total_seconds(), _MAX_SLEEP))

    def _fire(self, scheduled: datetime, *, past_due: bool) -> None:
        with self._state:
            self._in_flight += 1
            last, following = self._last, self._next
        status = {
            "Last": last.isoformat() if last else None,
            "Next": following.isoformat() if following else None,
            "LastUpdated": scheduled.isoformat(),
        }
        request = TimerRequest(past_due=past_due, schedule_status=status, schedule={"AdjustForDST": True})
        invocation = self._invoker.begin(self.function)
        try:
            self._invoker.call(invocation, request)
        except Exception as exc:
            self._invoker.fail(invocation, exc, f"schedule={self.schedule} past_due={past_due}")
        else:
            self._invoker.succeed(invocation, f"schedule={self.schedule} past_due={past_due}")
        finally:
            with self._state:
                self._last = scheduled
            self._finished()


def build_schedulers(
    functions: Iterable[FunctionSpec],
    settings: Settings,
    clock: Clock,
    invoker: Invoker,
    on_change: Callable[[], None],
    leases: Callable[[str], ListenerLease] | None = None,
) -> list[TimerScheduler]:
    """One scheduler per timer function; `%SETTING%` schedules are resolved, then parsed. With `leases`
    (function name -> its listener lease) each fires only while this instance holds its lease."""
    schedulers = []
    for function in functions:
        if function.trigger_type != TIMER_TRIGGER:
            continue
        expression = settings.resolve(str(function.trigger.get("schedule", "")))
        schedulers.append(
            TimerScheduler(
                function,
                CronSchedule.parse(expression),
                clock,
                invoker,
                on_change=on_change,
                lease=leases(function.name) if leases is not None else None,
            )
        )
    return schedulers
