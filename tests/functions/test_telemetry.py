"""Telemetry: Azure Monitor is configured only when its connection string is set (with the managed
identity when Application Insights wants Entra ID), one trace follows a request through the queues, and
no span attribute or log message carries the citizen's name, OAB or process number.

The flow test captures what the app emits in this process (the dev host runs the functions in threads
here) with the OpenTelemetry SDK's in-memory exporter, Azure SDK spans included, as in Azure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from adapters import telemetry
from domain.validation import cnj_check_digits
from tests.fakes.fake_webhook import FakeWebhook
from tests.support.spans import recorded_spans, span_text
from tests.support.system import System, principal_header, running_system

UNIT = "trf1-sjac-01vf"
CLERK = "bruno.lima@trf1.jus.br"
NAME = "Zulmira Quitéria Teles"
OAB = "98761"
PROCESS = f"0007351-{cnj_check_digits('0007351', '2025', '4', '01', '3000')}.2025.4.01.3000"
SECRETS = (NAME, "Zulmira", "Quitéria", OAB, PROCESS, PROCESS.replace("-", "").replace(".", ""))
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


# --- configuration -----------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.credentials: list[str | None] = []

    def configure(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def credential(self, client_id: str | None) -> str:
        self.credentials.append(client_id)
        return f"credential:{client_id}"


def test_nothing_is_configured_without_a_connection_string() -> None:
    fake = Recorder()
    assert telemetry.configure({}, configure_monitor=fake.configure) is False
    assert (
        telemetry.configure({"APPLICATIONINSIGHTS_CONNECTION_STRING": " "}, configure_monitor=fake.configure)
        is False
    )
    assert fake.calls == []


def test_entra_id_ingestion_uses_the_managed_identity_of_the_authentication_string() -> None:
    fake = Recorder()
    env = {
        "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-000000000000",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=AAD;ClientId=11111111-2222",
        "AZURE_CLIENT_ID": "other",
    }
    assert telemetry.configure(env, configure_monitor=fake.configure, credential_factory=fake.credential)
    assert fake.credentials == ["11111111-2222"]
    assert fake.calls == [
        {
            "connection_string": env["APPLICATIONINSIGHTS_CONNECTION_STRING"],
            "logger_name": "balcao",
            "credential": "credential:11111111-2222",
        }
    ]


def test_aad_without_client_id_falls_back_to_azure_client_id_and_no_aad_means_no_credential() -> None:
    fake = Recorder()
    base = {"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x", "AZURE_CLIENT_ID": "uami"}
    telemetry.configure(
        {**base, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=AAD"},
        configure_monitor=fake.configure,
        credential_factory=fake.credential,
    )
    telemetry.configure(base, configure_monitor=fake.configure, credential_factory=fake.credential)
    assert fake.credentials == ["uami"]
    assert "credential" in fake.calls[0] and "credential" not in fake.calls[1]


def test_the_real_credential_is_a_managed_identity_credential() -> None:
    from azure.identity import ManagedIdentityCredential

    fake = Recorder()
    env = {
        "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=AAD;ClientId=abc",
    }
    telemetry.configure(env, configure_monitor=fake.configure)
    assert isinstance(fake.calls[0]["credential"], ManagedIdentityCredential)


# --- trace context through queue messages ------------------------------------------------------


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    with recorded_spans() as memory:
        yield memory


def test_a_message_carries_the_context_of_the_span_that_sends_it(exporter: InMemorySpanExporter) -> None:
    assert telemetry.with_trace({"ticketId": "x"}) == {"ticketId": "x"}  # no span, nothing added
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("sender") as span:
        payload = telemetry.with_trace({"ticketId": "u.20260302.abcdefghij"})
    traceparent = payload[telemetry.TRACE_KEY]["traceparent"]
    assert traceparent.split("-")[1] == format(span.get_span_context().trace_id, "032x")
    with telemetry.function_span("create_meeting", payload, delivery_count=1) as child:
        assert child.get_span_context().trace_id == span.get_span_context().trace_id


class HostTrace:
    """What the Functions host hands an invocation (`func.Context.trace_context`)."""

    def __init__(self, traceparent: str, tracestate: str = "") -> None:
        self.trace_parent, self.trace_state, self.attributes = traceparent, tracestate, {}


class Invocation:
    def __init__(self, traceparent: str) -> None:
        self.trace_context = HostTrace(traceparent)


HOST_SPAN = "b7ad6b7169203331"


def test_a_request_span_is_the_child_of_the_hosts_invocation_and_not_a_second_request(
    exporter: InMemorySpanExporter,
) -> None:
    invocation = telemetry.invocation_parent(Invocation(f"00-{CALLER_TRACE}-{HOST_SPAN}-01"))
    caller = {"traceparent": "00-11111111111111111111111111111111-2222222222222222-01"}
    with telemetry.http_span("GET", "units", caller, {}, invocation=invocation) as span:
        pass
    assert span.kind == SpanKind.INTERNAL  # the host records the request (OpenTelemetry mode)
    assert span.parent is not None and format(span.parent.span_id, "016x") == HOST_SPAN
    assert trace_of(span) == CALLER_TRACE
    # A host that gives no invocation context: the app's span is the request, continuing the caller.
    with telemetry.http_span("GET", "units", caller, {}) as alone:
        pass
    assert alone.kind == SpanKind.SERVER and trace_of(alone) == "1" * 32


def test_a_timer_span_is_the_child_of_its_invocation_and_a_message_span_links_to_it(
    exporter: InMemorySpanExporter,
) -> None:
    invocation = telemetry.invocation_parent(Invocation(f"00-{CALLER_TRACE}-{HOST_SPAN}-01"))
    with telemetry.function_span("roll_up_metrics", invocation=invocation) as timer:
        pass
    assert timer.parent is not None and format(timer.parent.span_id, "016x") == HOST_SPAN
    sender = {"_trace": {"traceparent": "00-33333333333333333333333333333333-4444444444444444-01"}}
    with telemetry.function_span("admit", sender, delivery_count=1, invocation=invocation) as message:
        pass
    assert trace_of(message) == "3" * 32  # the attendance stays one trace
    assert [format(link.context.span_id, "016x") for link in message.links] == [HOST_SPAN]
    for nothing in (None, Invocation(""), Invocation("00-" + "0" * 32 + "-" + "0" * 16 + "-01")):
        assert telemetry.invocation_parent(nothing) is None


@pytest.fixture(scope="module")
def webhook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as hook:
        yield hook


@pytest.fixture(scope="module")
def system(exporter: InMemorySpanExporter, webhook: FakeWebhook) -> Iterator[System]:
    with running_system(extra_settings={"TEAMS_WEBHOOK_TRF1_SJAC_01VF": webhook.url("/sjac01")}) as running:
        yield running


def trace_of(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.trace_id, "032x")


def spans_named(spans: tuple[ReadableSpan, ...], name: str, ticket: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name and (s.attributes or {}).get("balcao.ticket_id") == ticket]


def test_one_trace_from_the_request_through_the_queues_and_no_personal_data(
    system: System, exporter: InMemorySpanExporter, webhook: FakeWebhook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="balcao")
    exporter.clear()
    joined = system.client.post(
        f"/api/units/{UNIT}/tickets",
        json={
            "name": NAME,
            "role": "advogado",
            "oabNumber": OAB,
            "oabState": "AC",
            "processNumber": PROCESS,
            "reason": "informacao-processual",
            "consent": True,
            "category": "advogados",
        },
        headers={"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"},
    )
    assert joined.status_code == 202, joined.text
    ticket = joined.json()
    tid, auth = ticket["ticketId"], {"Authorization": f"Bearer {ticket['token']}"}
    system.wait(lambda: system.client.get(f"/api/tickets/{tid}", headers=auth).json()["status"] == "waiting")
    called = system.client.post(
        f"/api/clerk/units/{UNIT}/call", json={"category": "advogados"}, headers=principal_header(CLERK)
    )
    assert called.status_code == 200 and called.json()["ticketId"] == tid, called.text
    system.wait(lambda: system.client.get(f"/api/tickets/{tid}", headers=auth).json()["meeting"]["joinUrl"])
    assert webhook.wait_for(lambda got: any(tid in r.raw.decode("utf-8", "replace") for r in got), timeout=10)
    assert system.host.wait_idle(10)

    spans = exporter.get_finished_spans()
    # The dev host hands each invocation a context as the Functions host does: the app's request spans
    # are its children (INTERNAL: the host records the request itself).
    join_span = next(
        s
        for s in spans
        if s.name == "POST /units/{unit}/tickets" and (s.attributes or {}).get("balcao.unit_id") == UNIT
    )
    call_span = next(s for s in spans if s.name == "POST /clerk/units/{unit}/call")
    for request_span in (join_span, call_span):
        assert request_span.kind == SpanKind.INTERNAL
        assert request_span.parent is not None and request_span.parent.is_remote
    assert join_span.parent is not None and format(join_span.parent.span_id, "016x") != "00f067aa0ba902b7"
    admit = spans_named(spans, "admit_join_requests process", tid) or spans_named(
        spans, "join-requests batched", tid
    )
    # The unit's rooms are local (made without the network): the call makes the meeting itself and no
    # meeting request is queued (issue 17); Graph's meetings still go through the queue (test_meetings_e2e).
    assert spans_named(spans, "create_meeting process", tid) == []
    meeting: list[Any] = []
    cards = spans_named(spans, "notify_clerks process", tid) or spans_named(
        spans, "notifications batched", tid
    )
    assert admit and cards, sorted({s.name for s in spans})

    # The join request continues the caller's trace; its admission is in that trace.
    assert trace_of(join_span) == CALLER_TRACE
    assert {trace_of(s) for s in admit} == {CALLER_TRACE}
    # The clerk's call, the meeting and the card are one trace.
    assert {trace_of(s) for s in meeting + cards} == {trace_of(call_span)}
    assert all(s.parent is not None for s in admit + meeting + cards)
    # Both traces name the attendance.
    for span in (*admit, *meeting, *cards):
        assert (span.attributes or {}).get("balcao.ticket_id") == tid
        assert (span.attributes or {}).get("balcao.unit_id") == UNIT
    assert (call_span.attributes or {}).get("balcao.unit_id") == UNIT

    # No personal data anywhere in what was emitted (our spans and the Azure SDK's, and the logs).
    emitted = [line for span in spans for line in span_text(span).splitlines()]
    emitted += [record.getMessage() for record in caplog.records]
    assert any("azure" in line.lower() or "az." in line for line in emitted)  # the SDK spans were captured
    leaks = [line for line in emitted for secret in SECRETS if secret.lower() in line.lower()]
    assert not leaks, leaks[:5]
    assert NAME not in webhook.delivered()[-1].raw.decode("utf-8")  # nor the card (issue 16)
