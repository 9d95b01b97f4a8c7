"""Telemetry: Azure Monitor through OpenTelemetry, and one trace per request across the queues.

- `configure(env)` calls `configure_azure_monitor()` only when APPLICATIONINSIGHTS_CONNECTION_STRING is
  set (the distro raises without it, so a local run or a test never tries). Application Insights has local
  authentication disabled: when APPLICATIONINSIGHTS_AUTHENTICATION_STRING says `Authorization=AAD`, the
  exporter authenticates with the managed identity (its `ClientId`, or AZURE_CLIENT_ID).
- host.json puts the Functions host in OpenTelemetry mode: the host records each HTTP request itself
  (continuing the caller's `traceparent`) and hands the invocation's trace context to the worker
  (`func.Context.trace_context`). The app's span of a request is the child of that context and of kind
  INTERNAL, so a request is recorded once (by the host), and the host's logs, our spans and the Azure
  SDK's calls share one operation. Without an invocation context (a host that gives none) the span is
  the SERVER span and continues the caller's `traceparent` itself.
- A queue message sent while a span is current carries its context in its payload (`_trace`), and the
  queue handler's span is its child (the host records no request for Storage queue triggers and starts
  no trace from a message, so the attendance stays one trace), linked to the invocation's context; a
  timer's span is the child of its invocation's context. A
  message taken into another message's batch (`Drain`) gets a short span in its own trace, linked to the
  batch's span. So the join request, its admission, the clerk's call, the meeting and the card are one
  trace per request, and every span names the ticket and the unit: querying `balcao.ticket_id` in
  Application Insights follows one attendance from start to end.
- No personal data: spans carry ids only (`SAFE_ATTRIBUTES`), never names, OAB or process numbers,
  comments or e-mails; exceptions are recorded by type, not by message; only the `balcao` loggers are
  exported, and they log ids and counts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode

from domain.tickets import TicketId

TRACE_KEY = "_trace"
LOGGER_NAME = "balcao"  # the loggers whose records are exported (app code only)
_tracer = trace.get_tracer("balcao")
log = logging.getLogger("balcao.telemetry")

# What a span of ours may carry: identifiers, routes, statuses and counts. Nothing a person typed.
SAFE_ATTRIBUTES = frozenset(
    {
        "balcao.unit_id",
        "balcao.ticket_id",
        "balcao.function",
        "balcao.batch_size",
        "http.route",
        "http.request.method",
        "http.response.status_code",
        "messaging.system",
        "messaging.operation.type",
        "messaging.message.id",
        "messaging.message.delivery_count",
        "error.type",
    }
)

Configure = Callable[..., None]


def auth_client_id(auth_string: str) -> str | None:
    """`Authorization=AAD;ClientId=<id>` → "<id>" ("" for a system-assigned identity); None if not AAD."""
    parts = dict(
        (k.strip().lower(), v.strip())
        for k, _, v in (item.partition("=") for item in auth_string.split(";") if "=" in item)
    )
    if parts.get("authorization", "").lower() != "aad":
        return None
    return parts.get("clientid", "")


def configure(
    env: Mapping[str, str],
    *,
    configure_monitor: Configure | None = None,
    credential_factory: Callable[[str | None], Any] | None = None,
) -> bool:
    """Send traces and the `balcao` logs to Application Insights when the app settings say where.

    Returns whether it configured anything. `configure_monitor` and `credential_factory` default to the
    Azure Monitor distro and azure-identity's ManagedIdentityCredential (tests pass fakes)."""
    connection_string = (env.get("APPLICATIONINSIGHTS_CONNECTION_STRING") or "").strip()
    if not connection_string:
        return False
    kwargs: dict[str, Any] = {"connection_string": connection_string, "logger_name": LOGGER_NAME}
    client_id = auth_client_id(env.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING") or "")
    if client_id is not None:
        if credential_factory is None:
            from azure.identity import ManagedIdentityCredential

            def credential_factory(cid: str | None) -> Any:
                return ManagedIdentityCredential(client_id=cid) if cid else ManagedIdentityCredential()

        kwargs["credential"] = credential_factory(client_id or env.get("AZURE_CLIENT_ID") or None)
    if configure_monitor is None:
        from azure.monitor.opentelemetry import configure_azure_monitor

        configure_monitor = configure_azure_monitor
    configure_monitor(**kwargs)
    return True


_configured: bool | None = None
_configure_lock = threading.Lock()


def configure_once(env: Mapping[str, str]) -> bool:
    """`configure` at most once per process (the distro installs global providers)."""
    global _configured
    if _configured is None:
        with _configure_lock:
            if _configured is None:
                try:
                    _configured = configure(env)
                except Exception:  # telemetry must never stop the app from serving
                    log.exception("telemetry could not be configured; continuing without it")
                    _configured = False
    return _configured


# --- trace context through queue messages ---------------------------------------------------------


def with_trace(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The payload plus the current W3C trace context under `_trace` (unchanged without a span)."""
    if not trace.get_current_span().get_span_context().is_valid:
        return payload
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {**payload, TRACE_KEY: carrier} if carrier else payload


def context_of(payload: Mapping[str, Any]) -> otel_context.Context | None:
    carrier = payload.get(TRACE_KEY)
    if not isinstance(carrier, Mapping):
        return None
    clean = {str(k): str(v) for k, v in carrier.items() if k in ("traceparent", "tracestate")}
    return propagate.extract(clean) if clean else None


def ids_of(payload: Mapping[str, Any]) -> dict[str, str]:
    """The identifiers a message names (ticket and unit), as span attributes."""
    out: dict[str, str] = {}
    ticket_id = str(payload.get("ticketId") or "")
    if ticket_id:
        try:
            tid = TicketId.parse(ticket_id)
        except Exception:  # a malformed id is the handler's problem, not telemetry's
            tid = None
        if tid is not None:
            out["balcao.ticket_id"] = str(tid)
            out["balcao.unit_id"] = tid.unit_id
    unit_id = str(payload.get("unitId") or "")
    if unit_id and "balcao.unit_id" not in out:
        out["balcao.unit_id"] = unit_id[:64]
    return out


def set_attributes(span: Span, attributes: Mapping[str, Any]) -> None:
    """Set only attributes of the allowed (identifier) kinds; anything else is dropped."""
    for key, value in attributes.items():
        if key in SAFE_ATTRIBUTES and value not in (None, ""):
            span.set_attribute(key, value)


# --- spans -----------------------------------------------------------------------------------------


def invocation_parent(invocation: Any) -> otel_context.Context | None:
    """The trace context the Functions host gave this invocation (`func.Context.trace_context`), or None
    when there is none (no context argument, or no valid `traceparent`)."""
    trace_context = getattr(invocation, "trace_context", None)
    traceparent = str(getattr(trace_context, "trace_parent", "") or "")
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    tracestate = str(getattr(trace_context, "trace_state", "") or "")
    if tracestate:
        carrier["tracestate"] = tracestate
    extracted = propagate.extract(carrier)
    return extracted if trace.get_current_span(extracted).get_span_context().is_valid else None


@contextmanager
def http_span(
    method: str,
    route: str,
    headers: Mapping[str, str],
    ids: Mapping[str, str],
    *,
    invocation: otel_context.Context | None = None,
) -> Iterator[Span]:
    """The app's span of one HTTP request: the child of the host's invocation (INTERNAL: the host
    records the request), or, without one, the SERVER span continuing the caller's `traceparent`."""
    kind = SpanKind.INTERNAL if invocation is not None else SpanKind.SERVER
    parent = invocation
    if parent is None:
        carrier = {k: v for k, v in headers.items() if k.lower() in ("traceparent", "tracestate")}
        parent = propagate.extract({k.lower(): v for k, v in carrier.items()}) if carrier else None
    with _tracer.start_as_current_span(
        f"{method} /{route}",
        context=parent,
        kind=kind,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        set_attributes(span, {"http.request.method": method, "http.route": route, **ids})
        try:
            yield span
        except BaseException as exc:
            _failed(span, exc)
            raise


def record_status(span: Span, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


@contextmanager
def function_span(
    function: str,
    payload: Mapping[str, Any] | None = None,
    *,
    delivery_count: int | None = None,
    invocation: otel_context.Context | None = None,
) -> Iterator[Span]:
    """The span of a queue (payload given) or timer invocation: a queue message's span is the child of
    the span that sent it and linked to the invocation; otherwise the child of the invocation."""
    sender = context_of(payload) if payload is not None else None
    parent = sender or invocation
    links = []
    if sender is not None and invocation is not None:
        links = [Link(trace.get_current_span(invocation).get_span_context())]
    kind = SpanKind.CONSUMER if payload is not None else SpanKind.INTERNAL
    with _tracer.start_as_current_span(
        f"{function} process" if payload is not None else function,
        context=parent,
        kind=kind,
        links=links,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        attributes: dict[str, Any] = {"balcao.function": function}
        if payload is not None:
            attributes.update(ids_of(payload))
            attributes["messaging.system"] = "azure_storage_queues"
            attributes["messaging.operation.type"] = "process"
            attributes["messaging.message.delivery_count"] = delivery_count
        set_attributes(span, attributes)
        try:
            yield span
        except BaseException as exc:
            _failed(span, exc)
            raise


def batched(queue: str, payloads: list[Mapping[str, Any]]) -> None:
    """Messages taken into the current invocation's batch: a short span in each message's own trace,
    linked to the batch's span, so the trace of every request shows where it was processed."""
    current = trace.get_current_span().get_span_context()
    links = [Link(current)] if current.is_valid else []
    for payload in payloads:
        parent = context_of(payload)
        if parent is None:
            continue
        span = _tracer.start_span(f"{queue} batched", context=parent, kind=SpanKind.CONSUMER, links=links)
        set_attributes(span, {**ids_of(payload), "messaging.system": "azure_storage_queues"})
        span.set_attribute("messaging.operation.type", "receive")
        span.end()
    if current.is_valid:
        trace.get_current_span().set_attribute("balcao.batch_size", len(payloads) + 1)


def _failed(span: Span, exc: BaseException) -> None:
    # The type only: messages of provider and validation errors can quote what a person typed.
    span.set_attribute("error.type", type(exc).__qualname__)
    span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
