"""Timer triggers on a FakeClock: fired on schedule without waiting on the wall clock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest

from devhost import DevHost, FakeClock
from tests.devhost.sample_app import Recorder, build_app

HostFactory = Callable[..., DevHost]
START = datetime(2025, 3, 10, 12, 0, 1, tzinfo=UTC)
SETTINGS = {"FLAKY_SCHEDULE": "0 0 3 * * *"}  # 03:00 UTC every day


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    """The dev host's error lines from before it starts to the end of the test: the startup run fires
    from the timer's own thread once it holds the listener lease, which may fall between pytest's
    setup and call phases (caplog keeps one list per phase and nothing in between)."""
    handler = _Errors()
    logger = logging.getLogger("devhost")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.fixture
def host(
    make_host: HostFactory, recorder: Recorder, clock: FakeClock, errors: list[logging.LogRecord]
) -> DevHost:
    app = build_app(recorder, http=False, timers=True)
    return make_host(app, settings=SETTINGS, clock=clock, http=False, queues=False)


def test_timer_fires_on_its_schedule(host: DevHost, clock: FakeClock, recorder: Recorder) -> None:
    assert host.wait_idle(5)
    assert recorder.of("every_five_minutes") == []

    clock.advance(timedelta(minutes=4, seconds=58))  # 12:04:59
    assert host.wait_idle(5)
    assert recorder.of("every_five_minutes") == []

    clock.advance(timedelta(seconds=1))  # 12:05:00 exactly
    assert host.wait_for_invocations("every_five_minutes", 1, timeout=5)
    assert recorder.of("every_five_minutes") == [{"past_due": False}]

    clock.advance(timedelta(minutes=5))  # 12:10:00
    assert host.wait_for_invocations("every_five_minutes", 2, timeout=5)
    assert host.wait_idle(5)
    assert host.invocations("every_five_minutes") == 2


def test_missed_occurrences_fire_once_as_past_due(
    host: DevHost, clock: FakeClock, recorder: Recorder
) -> None:
    assert host.wait_idle(5)

    clock.advance(timedelta(minutes=17))  # past 12:05, 12:10 and 12:15

    assert host.wait_for_invocations("every_five_minutes", 1, timeout=5)
    assert host.wait_idle(5)
    assert recorder.of("every_five_minutes") == [{"past_due": True}]

    clock.advance(timedelta(minutes=3))  # 12:20:01: the next one after "now"
    assert host.wait_for_invocations("every_five_minutes", 2, timeout=5)
    assert recorder.of("every_five_minutes")[-1] == {"past_due": False}  # 1 s late is within tolerance


def test_run_on_startup_and_a_failing_timer_is_not_fatal(
    host: DevHost, clock: FakeClock, recorder: Recorder, errors: list[logging.LogRecord]
) -> None:
    assert host.wait_for_invocations("flaky_timer", 1, timeout=5)  # runOnStartup
    clock.set(datetime(2025, 3, 11, 3, 0, 0, tzinfo=UTC))  # its schedule, from a %SETTING%
    assert host.wait_for_invocations("flaky_timer", 2, timeout=5)

    assert recorder.of("flaky_timer") == [{"past_due": False}, {"past_due": False}]
    assert host.stats()["flaky_timer"].failed == 2
    assert sum("Functions.flaky_timer" in r.getMessage() for r in errors) == 2
    # The other timer still runs.
    assert host.wait_for_invocations("every_five_minutes", 1, timeout=5)


def test_a_timer_is_not_idle_while_its_run_has_not_returned(make_host: HostFactory) -> None:
    started, release = threading.Event(), threading.Event()
    app = func.FunctionApp()

    @app.function_name("held")
    @app.timer_trigger(arg_name="timer", schedule="* * * * * *")
    def held(timer: func.TimerRequest) -> None:
        started.set()
        release.wait(10)

    host = make_host(app, http=False, queues=False)  # the real clock: idle means "not running"
    assert started.wait(5)
    assert not host.wait_idle(0.3)
    release.set()
    assert host.wait_idle(5)
