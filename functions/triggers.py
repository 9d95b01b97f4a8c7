"""How the app declares its functions: one decorator per function, naming it and its trigger, and
wrapping it in what every function of that kind needs (`endpoint` for HTTP: authorization, errors,
limits, CORS, telemetry; `measured` for queues and timers: storage attribution and spans)."""

from __future__ import annotations

import json
import threading
import time
import typing
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import azure.functions as func
from azure.functions.decorators.function_app import FunctionBuilder

from functions import openapi
from functions.bodies import Body, parse_body, require_json
from functions.http_common import Handler, MediaCheck, endpoint, measured
from functions.operations import Operation, method_and_route

Register = Callable[[Callable[..., Any]], FunctionBuilder]


def http_route(
    bp: func.Blueprint, request: str, doc: Operation, *, media_check: MediaCheck = require_json
) -> Register:
    """An HTTP function named after its handler, for `request` ("METHOD route", e.g. "GET units/{unit}")
    (anonymous at the host: `endpoint` applies the authorization table), with its declaration for the
    OpenAPI description. A handler with a `body` parameter gets the request's body parsed into the
    model it annotates (functions/bodies.py: 400 with the fields, 413), which is also the documented
    body. A write must be JSON (`media_check`); a route may refuse some types with its own words first."""
    method, route = method_and_route(request)

    def register(handler: Callable[..., func.HttpResponse]) -> FunctionBuilder:
        model = typing.get_type_hints(handler).get("body")
        declared = replace(doc, body=model) if model else doc
        openapi.document(method, route, declared)
        served = with_body(handler, model, declared.body_required) if model else handler
        trigger = bp.route(route=route, methods=[method], auth_level=func.AuthLevel.ANONYMOUS)
        built: FunctionBuilder = bp.function_name(handler.__name__)(trigger(endpoint(served, media_check)))
        return built

    return register


class Blueprint(func.Blueprint):
    """A blueprint whose HTTP functions are declared with `@bp.http("METHOD route", Operation(...))`."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # the library's __init__ is not annotated

    def http(self, request: str, doc: Operation, *, media_check: MediaCheck = require_json) -> Register:
        """`http_route` on this blueprint."""
        return http_route(self, request, doc, media_check=media_check)


def with_body(handler: Callable[..., func.HttpResponse], model: type[Body], required: bool) -> Handler:
    """`handler(req, body)` as a handler of the request alone. Not `functools.wraps`: the host reads the
    wrapped signature, and `body` is no binding of the host."""

    def parsed(req: func.HttpRequest) -> func.HttpResponse:
        return handler(req, parse_body(req, model, optional=not required))

    parsed.__name__ = parsed.__qualname__ = handler.__name__
    parsed.__module__, parsed.__doc__ = handler.__module__, handler.__doc__
    return parsed


def timer(bp: func.Blueprint, name: str, schedule: str, *, run_on_startup: bool = False) -> Register:
    """A timer function (NCRONTAB with seconds first, UTC)."""

    def register(handler: Callable[[func.TimerRequest], None]) -> FunctionBuilder:
        trigger = bp.timer_trigger(arg_name="timer", schedule=schedule, run_on_startup=run_on_startup)
        built: FunctionBuilder = bp.function_name(name)(trigger(measured(handler)))
        return built

    return register


def queue(bp: func.Blueprint, name: str, queue_name: str) -> Register:
    """A Storage Queue function (host.json sets batch size, visibility and the poison threshold)."""

    def register(handler: Callable[[func.QueueMessage], None]) -> FunctionBuilder:
        trigger = bp.queue_trigger(arg_name="msg", queue_name=queue_name, connection="AzureWebJobsStorage")
        built: FunctionBuilder = bp.function_name(name)(trigger(measured(handler)))
        return built

    return register


MAX_DEQUEUE = 5  # host.json extensions.queues.maxDequeueCount


def payload(msg: func.QueueMessage) -> dict[str, Any]:
    """The JSON object a queue message carries (anything else fails: the message goes to poison)."""
    data = json.loads(msg.get_body())
    if not isinstance(data, dict):
        raise ValueError("a queue message carries a JSON object")
    return data


def last_try(msg: func.QueueMessage) -> bool:
    """Whether this delivery is the last before the message goes to the poison queue."""
    return (msg.dequeue_count or 1) >= MAX_DEQUEUE


class Recent:
    """Whether a queue function of this worker ran a moment ago: a burst is under way, and waiting
    messages are worth draining into its batch. Outside a burst the function takes its own message
    only, and saves the request that would find nothing more. A cost heuristic of one worker, not a
    rule: a worker that drains nothing leaves the rest to the host, which delivers every message."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._window_s = window_s
        self._clock = clock
        self._last = float("-inf")
        self._lock = threading.Lock()

    def busy(self) -> bool:
        """Whether the previous run was within the window (and this run counts as the latest)."""
        now = self._clock()
        with self._lock:
            busy, self._last = now - self._last < self._window_s, now
        return busy
