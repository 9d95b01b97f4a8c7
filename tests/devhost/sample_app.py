"""A small function app for the dev host's tests: a FunctionApp with one blueprint per trigger kind.

`build_app()` makes a fresh app each time, because `get_functions()` may be called once per app.
Everything the functions see is written to a `Recorder`, which the tests read.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func


@dataclass
class Recorder:
    """What the functions saw, guarded by a lock (functions run on many threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    arrived: int = 0
    release_at: int = 1  # `slow` handlers are held until `release_at` of them have arrived together
    holding: threading.Event = field(default_factory=threading.Event)  # `held_then_fails` is running
    let_go: threading.Event = field(default_factory=threading.Event)  # ... and may now fail

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def record(self, name: str, **data: Any) -> None:
        with self.changed:
            self.calls.append((name, data))
            self.changed.notify_all()

    def of(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [data for called, data in self.calls if called == name]


def _json(data: Any, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(data), status_code=status, mimetype="application/json")


def http_blueprint(rec: Recorder) -> func.Blueprint:
    bp = func.Blueprint()  # type: ignore[no-untyped-call]

    @bp.route(route="units/{unit}/items/{id:int}", methods=["GET"])
    def get_item(req: func.HttpRequest) -> func.HttpResponse:
        return _json(
            {
                "route": dict(req.route_params),
                "params": dict(req.params),
                "method": req.method,
                "url": req.url,
                "x_test": req.headers.get("x-test"),
            }
        )

    @bp.route(route="units/{unit}/items/new", methods=["GET"])
    def new_item_form(req: func.HttpRequest) -> func.HttpResponse:
        return _json({"form": req.route_params["unit"]})

    @bp.route(route="units/{unit}/items", methods=["POST", "PUT"])
    def create_item(req: func.HttpRequest) -> func.HttpResponse:
        return _json({"received": req.get_json(), "unit": req.route_params["unit"]}, 201)

    @bp.route(route="pages/{page?}", methods=["GET"])
    def pages(req: func.HttpRequest) -> func.HttpResponse:
        return _json({"page": req.route_params.get("page")})

    @bp.route(route="boom")
    def boom(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("this traceback must reach the log, not the client")

    @bp.route(route="greet/{name:alpha}", methods=["GET"])
    async def greet(req: func.HttpRequest) -> func.HttpResponse:
        await asyncio.sleep(0)
        return func.HttpResponse(f"Olá, {req.route_params['name']}!", charset="utf-8")

    @bp.route(route="whoami", methods=["GET"])
    def whoami(req: func.HttpRequest) -> func.HttpResponse:
        return _json(
            {
                "principal": req.headers.get("x-ms-client-principal"),
                "name": req.headers.get("x-ms-client-principal-name"),
            }
        )

    @bp.route(route="cookies", methods=["GET"])
    def cookies(req: func.HttpRequest) -> func.HttpResponse:
        response = func.HttpResponse("<p>ok</p>", mimetype="text/html", charset="iso-8859-1")
        response.headers.add("Set-Cookie", "a=1; Path=/")
        response.headers.add("Set-Cookie", "b=2; Path=/")
        response.headers["X-Custom"] = "yes"
        return response

    @bp.route(route="plain", methods=["GET"])
    def plain(req: func.HttpRequest, context: func.Context) -> str:
        return f"invocation {context.invocation_id}"

    @bp.route(route="context", methods=["GET"])
    def context_seen(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        trace, retry = context.trace_context, context.retry_context
        seen = {
            "function": context.function_name,
            "traceparent": trace.trace_parent,
            "tracestate": trace.trace_state,
            "retries": [retry.retry_count, retry.max_retry_count],
        }
        return func.HttpResponse(json.dumps(seen), mimetype="application/json")

    return bp


def queue_blueprint(rec: Recorder) -> func.Blueprint:
    bp = func.Blueprint()  # type: ignore[no-untyped-call]

    @bp.queue_trigger(arg_name="msg", queue_name="%Q_OK%", connection="AzureWebJobsStorage")
    def process_ok(msg: func.QueueMessage) -> None:
        rec.record(
            "process_ok",
            body=msg.get_body(),
            id=msg.id,
            dequeue_count=msg.dequeue_count,
            insertion_time=msg.insertion_time,
            pop_receipt=msg.pop_receipt,
        )

    @bp.queue_trigger(arg_name="msg", queue_name="%Q_FAIL%", connection="AzureWebJobsStorage")
    def always_fails(msg: func.QueueMessage) -> None:
        rec.record("always_fails", body=msg.get_body(), dequeue_count=msg.dequeue_count)
        raise ValueError("always fails")

    @bp.queue_trigger(arg_name="msg", queue_name="%Q_SLOW%", connection="AzureWebJobsStorage")
    def slow(msg: func.QueueMessage) -> None:
        with rec.changed:
            rec.arrived += 1
            rec.active += 1
            rec.max_active = max(rec.max_active, rec.active)
            rec.changed.notify_all()
            # Hold each group of `release_at` arrivals until the whole group runs (bounded wait).
            group_end = ((rec.arrived - 1) // rec.release_at + 1) * rec.release_at
            rec.changed.wait_for(lambda: rec.arrived >= group_end, 5)
            rec.calls.append(("slow", {"body": msg.get_body()}))
            rec.active -= 1
            rec.changed.notify_all()

    @bp.queue_trigger(arg_name="msg", queue_name="%Q_HELD%", connection="AzureWebJobsStorage")
    def held_then_fails(msg: func.QueueMessage) -> None:
        """The first try waits for `let_go` (the test stops storage meanwhile), then fails."""
        rec.record("held_then_fails", dequeue_count=msg.dequeue_count)
        if msg.dequeue_count == 1:
            rec.holding.set()
            rec.let_go.wait(20)
            raise RuntimeError("failed while storage was away")

    @bp.route(route="fan-out/{count:int}", methods=["POST"])
    @bp.queue_output(arg_name="out", queue_name="%Q_OK%", connection="AzureWebJobsStorage")
    def fan_out(req: func.HttpRequest, out: func.Out[list[str]]) -> func.HttpResponse:
        out.set([f"fan-{i}" for i in range(int(req.route_params["count"]))])
        return func.HttpResponse(status_code=202)

    return bp


def timer_blueprint(rec: Recorder) -> func.Blueprint:
    bp = func.Blueprint()  # type: ignore[no-untyped-call]

    @bp.schedule(schedule="0 */5 * * * *", arg_name="timer")
    def every_five_minutes(timer: func.TimerRequest) -> None:
        rec.record("every_five_minutes", past_due=timer.past_due)

    @bp.schedule(schedule="%FLAKY_SCHEDULE%", arg_name="timer", run_on_startup=True)
    def flaky_timer(timer: func.TimerRequest) -> None:
        rec.record("flaky_timer", past_due=timer.past_due)
        raise RuntimeError("a timer failure is logged, not fatal")

    return bp


def build_app(
    rec: Recorder, *, http: bool = True, queues: bool = False, timers: bool = False
) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    if http:
        app.register_functions(http_blueprint(rec))
    if queues:
        app.register_functions(queue_blueprint(rec))
    if timers:
        app.register_functions(timer_blueprint(rec))
    return app
