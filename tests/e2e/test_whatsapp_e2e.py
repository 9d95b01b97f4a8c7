"""Issue 18 end to end: WhatsApp messages posted to the dev host's Event Grid webhook as Event Grid
delivers them (CloudEvents), the conversation over Azurite, the replies and the "called" notice sent by
the real `azure-communication-messages` SDK to the local fake ACS server (which checks the HMAC
signature): "oi" → unit → questions → "Ok! Você já está na fila" → "posição" → called with the link on
the same number → finished → the survey question → "5" → thanks, the survey stored; a replayed event
changes nothing; media refused with the art. 4 notice; the delivery
reports of the notices, shuffled and replayed, recorded on them (the console's "avisado por WhatsApp");
the number in no log line."""

from __future__ import annotations

import base64
import logging
import os
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from adapters.notice_acs import acs_channels
from domain.ports import CitizenChannel
from functions import bootstrap
from functions.settings import Settings
from tests.adapters.test_notice_acs import REGISTERED
from tests.fakes.fake_acs import FakeAcs, make_certificate
from tests.support.spans import recorded_spans, span_text
from tests.support.system import System, principal_header, running_system

UNIT = "trf1-sjac-02vf"  # the 2nd unit of the demo configuration; local meetings (links made at once)
PHONE = "+5568999123456"
DIGITS = "5568999123456"
CLERK = "ana.souza@trf1.jus.br"
WEBHOOK = "/runtime/webhooks/eventgrid?functionName=whatsapp_events"


@pytest.fixture(scope="module")
def acs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAcs]:
    certificate = make_certificate(tmp_path_factory.mktemp("acs-tls"))
    key = base64.b64encode(os.urandom(32)).decode()
    with FakeAcs(access_key=key, certificate=certificate, templates=dict(REGISTERED)) as fake:
        yield fake


@contextmanager
def acs_system(acs: FakeAcs, **options: Any) -> Iterator[System]:
    """The system with the real ACS adapters pointed at the fake (`options`: running_system's)."""
    cert = str(Path(acs.certificate[0]))

    def channels(s: Settings) -> dict[str, CitizenChannel]:  # the real ACS adapters, trusting the fake
        return acs_channels(s.env, connection_verify=cert)

    settings = {
        "ACS_CONNECTION_STRING": acs.connection_string(),
        "ACS_WHATSAPP_CHANNEL_ID": acs.whatsapp_channel,
    }
    with (
        bootstrap.replaced(channels=(channels,)),
        running_system(extra_settings=settings, **options) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    with recorded_spans() as memory:
        yield memory


@pytest.fixture(scope="module")
def system(acs: FakeAcs, spans: InMemorySpanExporter) -> Iterator[System]:
    with acs_system(acs) as running:
        yield running


def event(
    acs: FakeAcs,
    text: str = "",
    *,
    message_id: str = "",
    media: bool = False,
    sender: str = DIGITS,
    at: datetime | None = None,
) -> dict[str, Any]:
    """An `AdvancedMessageReceived` CloudEvent as the ACS system topic sends it."""
    data: dict[str, Any] = {
        "channelType": "whatsapp",
        "from": sender,
        "to": acs.whatsapp_channel,
        "receivedTimestamp": (at or datetime.now(UTC)).isoformat(),
        "messageId": message_id or str(uuid.uuid4()),
        "messageType": "image" if media else "text",
    }
    if media:
        data["media"] = {"mimeType": "image/jpeg", "id": str(uuid.uuid4())}
    else:
        data["content"] = text
    return cloud_event("Microsoft.Communication.AdvancedMessageReceived", data)


def cloud_event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A CloudEvent 1.0 of the ACS resource's system topic, as Event Grid posts it."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/"
        + "a",
        "type": kind,
        "time": data["receivedTimestamp"],
        "data": data,
    }


def status_event(acs: FakeAcs, message_id: str, status: str) -> dict[str, Any]:
    """An `AdvancedMessageDeliveryStatusUpdated` CloudEvent (what became of a message the court sent)."""
    data = {
        "channelKind": "whatsapp",
        "messageId": message_id,
        "status": status,
        "from": acs.whatsapp_channel,
        "to": DIGITS,
        "receivedTimestamp": datetime.now(UTC).isoformat(),
    }
    return cloud_event("Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated", data)


def acs_id(acs: FakeAcs, template: str) -> str:
    """The ACS message id of the notice sent with this template."""
    record = next(r for r in acs.sent if (r.body.get("template") or {}).get("name") == template)
    return str(record.answer["receipts"][0]["messageId"])


def post(system: System, body: dict[str, Any]) -> int:
    answer = system.client.post(
        WEBHOOK,
        json=body,
        headers={"aeg-event-type": "Notification", "content-type": "application/cloudevents+json"},
    )
    return int(answer.status_code)


def texts(acs: FakeAcs) -> list[str]:
    """The free-form texts the fake ACS accepted for the number, in order."""
    return [
        str(r.body.get("content"))
        for r in acs.sent
        if r.path == "/messages/notifications:send"
        and r.body.get("kind") == "text"
        and r.body.get("to") == [PHONE]
    ]


def test_the_subscription_handshakes(system: System) -> None:
    code = str(uuid.uuid4())
    validation = [
        {
            "id": "v",
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "data": {"validationCode": code},
        }
    ]
    answer = system.client.post(
        WEBHOOK, json=validation, headers={"aeg-event-type": "SubscriptionValidation"}
    )
    assert answer.status_code == 200 and answer.json() == {"validationResponse": code}
    options = system.client.request(
        "OPTIONS", WEBHOOK, headers={"WebHook-Request-Origin": "eventgrid.azure.net"}
    )
    assert options.status_code == 200 and options.headers["WebHook-Allowed-Origin"] == "eventgrid.azure.net"
    unknown = system.client.post("/runtime/webhooks/eventgrid?functionName=nope", json=[])
    assert unknown.status_code == 404


def test_a_whole_attendance_over_whatsapp(
    system: System, acs: FakeAcs, spans: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for line in ["oi", "2", "Maria da Silva", "1", "0", "2", "0", "0"]:
        assert post(system, event(acs, line)) == 202
    last = event(acs, "0")
    assert post(system, last) == 202
    assert "Ok! Você já está na fila de atendimento." in texts(acs)[-2]
    sent = len(acs.sent)
    assert post(system, last) == 202  # Event Grid delivered it again: nothing changes, nothing is sent
    assert len(acs.sent) == sent
    system.wait(
        lambda: (
            "Maria da Silva"
            in system.client.get(f"/api/clerk/units/{UNIT}/queue", headers=principal_header(CLERK)).text
        )
    )
    assert post(system, event(acs, "posição")) == 202
    assert "Sua senha é" in texts(acs)[-1] and "Na sua frente: ninguém." in texts(acs)[-1]
    assert post(system, event(acs, media=True)) == 202
    assert "Resolução CNJ nº 372/2021, art. 4º" in texts(acs)[-1]
    called = system.client.post(f"/api/clerk/units/{UNIT}/call", json={}, headers=principal_header(CLERK))
    assert called.status_code == 200, called.text

    def called_notice() -> dict[str, Any] | None:
        return next(
            (r.body for r in acs.sent if (r.body.get("template") or {}).get("name") == "called"), None
        )

    notice = system.wait(called_notice, timeout=20)
    assert notice["to"] == [PHONE]
    link = notice["template"]["values"][2]["text"]
    assert called.json()["ticketId"] in link  # the meeting of the ticket called (local meetings)
    assert post(system, event(acs, "posicao")) == 202
    assert texts(acs)[-1] == f"Chegou a sua vez! Entre no atendimento: {link}"

    # The delivery reports of the "called" notice, shuffled, each delivered twice: the status never moves
    # back (read is final); then the "joined" notice failed: WhatsApp no longer counts as a channel.
    reports = [status_event(acs, acs_id(acs, "called"), s) for s in ("Sent", "Delivered", "Read")] * 2
    random.Random(18).shuffle(reports)
    for report in [*reports, status_event(acs, acs_id(acs, "called"), "Delivered")]:
        # a 500 (the report came before the notice was recorded) is delivered again, as Event Grid does
        system.wait(lambda report=report: post(system, report) == 202)

    def mine() -> dict[str, Any]:
        queue = system.client.get(f"/api/clerk/units/{UNIT}/queue", headers=principal_header(CLERK)).json()
        return next(c for c in queue["called"] if c["ticketId"] == called.json()["ticketId"])

    assert mine()["noticed"].startswith("avisado por WhatsApp às ") and mine()["noticed"].endswith(", lido")
    assert mine()["noticeChannels"] == ["whatsapp"]
    failed = status_event(acs, acs_id(acs, "joined"), "Failed")
    assert post(system, failed) == 202 and post(system, failed) == 202
    system.wait(lambda: mine()["noticeChannels"] == [])  # the console reads the shared state (≤ 1 s old)
    assert mine()["noticed"].endswith(", lido")

    # The attendance ends: the conversation asks the survey at once (she wrote a moment ago: text), and
    # her answer goes through the same survey use case as the page's.
    ticket_id = called.json()["ticketId"]
    done = system.client.post(
        f"/api/clerk/units/{UNIT}/tickets/{ticket_id}/finish", headers=principal_header(CLERK)
    )
    assert done.status_code == 200, done.text
    question = "Como foi o seu atendimento? Dê uma nota de 1 a 5."
    system.wait(lambda: texts(acs)[-1].startswith(question), timeout=20)
    assert post(system, event(acs, "5")) == 202
    assert "comentário" in texts(acs)[-1]
    assert post(system, event(acs, "0")) == 202
    assert texts(acs)[-1] == "Obrigado pela sua avaliação!"
    joined = next(r.body for r in acs.sent if (r.body.get("template") or {}).get("name") == "joined")
    token = joined["template"]["values"][2]["text"].split(f"&t={ticket_id}.", 1)[1]  # entrar.html#u=…&t=…
    view = system.client.get(f"/api/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"})
    assert view.json()["status"] == "done" and view.json()["surveyAnswered"] is True
    assert (
        texts(acs).count(
            question + "\n1 — Muito insatisfeito\n2 — Insatisfeito\n3 — Regular\n4 — Satisfeito\n"
            "5 — Muito satisfeito"
        )
        == 1
    )
    lines = [record.getMessage() for record in caplog.records]
    assert lines and not [line for line in lines if "99123456" in line]
    assert system.host.wait_idle(10)
    emitted = [span_text(span) for span in spans.get_finished_spans()]
    assert any(text.startswith("NotificationMessagesClient") for text in emitted)  # the ACS SDK's spans too
    assert not [text for text in emitted if "99123456" in text]  # nor in any span (name, attributes, events)
