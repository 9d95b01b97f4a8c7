"""Invoking functions: arguments by binding name, sync or async, counters and one log line each.

Synchronous functions run on the thread that triggered them (an HTTP connection's thread, a queue
worker, a timer's thread). Coroutine functions run on one shared event loop in a background thread,
as the Python worker runs them on its single loop: an `async def` that blocks, blocks its peers too.

Each invocation is logged once at INFO by the `devhost.invocations` logger, Core Tools style:
`Executed 'Functions.name' (Succeeded, Id=…, Duration=3ms) GET /api/x -> 200`. A failure is logged at
ERROR with its traceback.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import azure.functions as func
from azure.functions._abc import RetryContext, TraceContext

from devhost.indexing import RETURN, BindingSpec, FunctionSpec

log = logging.getLogger("devhost.invocations")
host_log = logging.getLogger("devhost")

T = TypeVar("T")

OutputHandler = Callable[[BindingSpec, Any], None]


class AsyncRunner:
    """One event loop in a daemon thread, for coroutine functions."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        loop = self._ensure_loop()
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()
                    loop.close()

                self._thread = threading.Thread(target=serve, name="devhost-async", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def stop(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)


class _Out(func.Out[Any]):
    """An output binding parameter (`func.Out[...]`)."""

    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$")


# The contexts below are frozen dataclasses whose fields stand for the base classes' abstract read-only
# properties (a slot shadows the property). A field without a default says `= field()`: a bare
# annotation would take the inherited property object as its default. `eq=False`: a context is itself,
# compared and hashed by identity, as the Functions worker's are.


@dataclass(frozen=True, slots=True, eq=False)
class _TraceContext(TraceContext):
    """The W3C trace context of one invocation (made by `_trace_context`)."""

    trace_parent: str = field()
    trace_state: str = field()
    attributes: dict[str, str] = field(default_factory=dict)


def _trace_context(trigger_value: Any) -> _TraceContext:
    """The invocation's trace context, as the host gives it: for an HTTP request that carries a W3C
    `traceparent`, a new span in the caller's trace (the host's request span); else a new trace."""
    headers = getattr(trigger_value, "headers", None) if isinstance(trigger_value, func.HttpRequest) else None
    found = _TRACEPARENT.match(str(headers.get("traceparent") or "").strip().lower()) if headers else None
    valid = found is not None and found[1] != "0" * 32
    trace_id = found[1] if found is not None and valid else secrets.token_hex(16)
    flags = found[2] if found is not None and valid else "01"
    state = str(headers.get("tracestate") or "") if headers and valid else ""
    return _TraceContext(f"00-{trace_id}-{secrets.token_hex(8)}-{flags}", state)


class _NoRetry(RetryContext):
    """No retry policy is emulated: every invocation is the first and only try."""

    retry_count = 0
    max_retry_count = 0
    exception: Any = None


@dataclass(frozen=True, slots=True, eq=False)
class InvocationContext(func.Context):
    """The `context` argument (`func.Context`)."""

    invocation_id: str = field()
    function_name: str = field()
    trace_context: TraceContext = field()
    retry_context: RetryContext = field(default_factory=_NoRetry)
    function_directory: str = field(default_factory=os.getcwd)
    thread_local_storage: Any = field(default_factory=threading.local)


@dataclass(frozen=True)
class FunctionStats:
    """Counters for one function."""

    invocations: int = 0
    succeeded: int = 0
    failed: int = 0
    in_flight: int = 0


@dataclass
class Invocation:
    """One running invocation; `call` fills `value` (the return) and `outputs` (Out parameters)."""

    id: str
    function: FunctionSpec
    started: float
    value: Any = None
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000


class Invoker:
    """Calls functions and keeps their counters; `begin` → `call` → `succeed` or `fail`."""

    def __init__(self, output_handlers: Mapping[str, OutputHandler] | None = None) -> None:
        self._runner = AsyncRunner()
        self._handlers = dict(output_handlers or {})
        self._stats: dict[str, FunctionStats] = {}
        self._changed = threading.Condition()
        self._warned: set[tuple[str, str]] = set()

    def set_output_handler(self, binding_type: str, handler: OutputHandler) -> None:
        self._handlers[binding_type] = handler

    def begin(self, function: FunctionSpec) -> Invocation:
        with self._changed:
            stats = self._stats.get(function.name, FunctionStats())
            self._stats[function.name] = replace(
                stats, invocations=stats.invocations + 1, in_flight=stats.in_flight + 1
            )
        return Invocation(str(uuid.uuid4()), function, time.perf_counter())

    def call(self, invocation: Invocation, trigger_value: Any) -> Any:
        """Run the function with its arguments; send its non-HTTP outputs; return its return value."""
        function = invocation.function
        kwargs: dict[str, Any] = {function.trigger.name: trigger_value}
        outs: dict[str, _Out] = {}
        for binding in function.inputs:
            kwargs[binding.name] = None  # input bindings other than the trigger are not emulated
        for binding in function.outputs:
            if binding.name != RETURN:
                outs[binding.name] = kwargs[binding.name] = _Out()
        if function.context_param:
            kwargs[function.context_param] = InvocationContext(
                invocation.id, function.name, _trace_context(trigger_value)
            )
        result = function.func(**kwargs)
        if inspect.isawaitable(result):
            result = self._runner.run(_awaited(result))
        invocation.value = result
        invocation.outputs = {name: out.get() for name, out in outs.items()}
        for binding in function.outputs:
            value = result if binding.name == RETURN else invocation.outputs.get(binding.name)
            if binding.type == "http" or value is None:
                continue
            handler = self._handlers.get(binding.type)
            if handler is None:
                self._warn_once(function.name, binding.type)
                continue
            handler(binding, value)
        return result

    def succeed(self, invocation: Invocation, detail: str = "") -> None:
        log.info(
            "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%.0fms)%s",
            invocation.function.name,
            invocation.id,
            invocation.duration_ms,
            f" {detail}" if detail else "",
        )
        self._finish(invocation, ok=True)  # after the log line: waiters may read the log

    def fail(self, invocation: Invocation, error: BaseException, detail: str = "") -> None:
        log.error(
            "Executed 'Functions.%s' (Failed, Id=%s, Duration=%.0fms)%s",
            invocation.function.name,
            invocation.id,
            invocation.duration_ms,
            f" {detail}" if detail else "",
            exc_info=(type(error), error, error.__traceback__),
        )
        self._finish(invocation, ok=False)

    def stats(self) -> dict[str, FunctionStats]:
        with self._changed:
            return dict(self._stats)

    def wait_for(self, predicate: Callable[[Mapping[str, FunctionStats]], bool], timeout: float) -> bool:
        """Block until `predicate(stats)` holds (re-checked after every invocation), or time out."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._stats), timeout)

    def close(self) -> None:
        self._runner.stop()

    def _finish(self, invocation: Invocation, *, ok: bool) -> None:
        with self._changed:
            stats = self._stats[invocation.function.name]
            self._stats[invocation.function.name] = replace(
                stats,
                succeeded=stats.succeeded + ok,
                failed=stats.failed + (not ok),
                in_flight=stats.in_flight - 1,
            )
            self._changed.notify_all()

    def _warn_once(self, function_name: str, binding_type: str) -> None:
        key = (function_name, binding_type)
        if key not in self._warned:
            self._warned.add(key)
            host_log.warning(
                "Function %r sets a %r output binding, which the dev host does not emulate; value dropped",
                function_name,
                binding_type,
            )


async def _awaited(awaitable: Any) -> Any:
    return await awaitable
