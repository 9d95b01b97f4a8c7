"""Where the time from a clerk's call to the push goes (bench/notice_bench.py): the steps of the
`citizen-notices` queue function timed in this process while the benchmark runs, then put back.

Wrapped, each by the attribute the code looks up when it runs: the queue function's use case
(`functions.citizen_notices_queue.deliver_citizen_notice`: its start is when the message was taken
from the queue, its end when the function returns), the once-claim of the notice's key
(`domain.usecases.once.claim`), the channel's pacing slot (`adapters.notice_pacing.PacedChannel._wait`:
the window's read and write in storage, and the wait for the slot if any) and the send itself
(`adapters.notice_push.WebPushChannel.send`: the encryption and the request to the push service).
Nothing else changes: the same calls, the same storage requests (those of a step counted under its own
name, `notify_citizen.pacing` for instance, the rest under the function's)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import adapters.notice_pacing
import adapters.notice_push
import domain.usecases.once
import functions.citizen_notices_queue
from adapters.storage import operation

STEPS = ("claim", "pacing", "send")
FUNCTION = "notify_citizen"  # the queue function, as `adapters.storage.METER` names its requests


@dataclass
class Delivery:
    """One run of the queue function for one message, in `time.monotonic()` seconds."""

    ticket_id: str
    kind: str
    attempt: int
    started: float
    ended: float = 0.0
    failed: str = ""  # the exception that made the message come back, if any
    spent: dict[str, float] = field(default_factory=dict)  # seconds per step of STEPS
    began: dict[str, float] = field(default_factory=dict)  # when each step of STEPS first began


class Steps:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._current = threading.local()
        self._lock = threading.Lock()

    def of(self, ticket_id: str, kind: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.ticket_id == ticket_id and d.kind == kind]

    def _deliver(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def deliver(ctx: Any, message: Any, now: Any) -> Any:
            run = Delivery(
                str(message.get("ticketId")), str(message.get("kind")), int(message.get("attempt") or 1), 0.0
            )
            run.started = time.monotonic()
            with self._lock:
                self.deliveries.append(run)
            self._current.run = run
            try:
                return real(ctx, message, now)
            except Exception as exc:
                run.failed = type(exc).__name__
                raise
            finally:
                run.ended = time.monotonic()
                self._current.run = None

        return deliver

    def _step(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        """`real`, timed; its storage requests counted as `notify_citizen.<name>` (`METER`)."""

        def step(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                with operation(f"{FUNCTION}.{name}"):
                    return real(*args, **kwargs)
            finally:
                run: Delivery | None = getattr(self._current, "run", None)
                if run is not None:
                    run.began.setdefault(name, started)
                    run.spent[name] = run.spent.get(name, 0.0) + time.monotonic() - started

        return step


@contextmanager
def timed_steps() -> Iterator[Steps]:
    steps = Steps()
    queue_fn = functions.citizen_notices_queue
    paced, push = adapters.notice_pacing.PacedChannel, adapters.notice_push.WebPushChannel
    deliver = steps._deliver(queue_fn.deliver_citizen_notice)
    once = domain.usecases.once
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(queue_fn, "deliver_citizen_notice", deliver))
        stack.enter_context(mock.patch.object(once, "claim", steps._step("claim", once.claim)))
        stack.enter_context(mock.patch.object(paced, "_wait", steps._step("pacing", paced._wait)))
        stack.enter_context(mock.patch.object(push, "send", steps._step("send", push.send)))
        yield steps
