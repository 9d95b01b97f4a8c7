"""Teams meetings and clerk cards end to end: dev host + Azurite + the real msgraph-sdk against a fake
Graph server + the real webhook client against a local webhook receiver."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from azure.storage.queue import BinaryBase64EncodePolicy, QueueServiceClient

from adapters.meetings_teams import GraphRetries, TeamsMeetingProvider
from adapters.storage import table_service
from adapters.tables import TableQueueStore
from functions import bootstrap
from tests.adapters.test_meetings_teams import FixedTokenCredential
from tests.fakes.fake_graph import FakeGraph
from tests.fakes.fake_webhook import FakeWebhook
from tests.support.system import CONFIG_FILE, System, running_system

UNIT = "tjac-rbr-1vce"
CLERK = "diego.rocha@tjac.jus.br"
ORGANIZER = "balcao.1vce@tjac.jus.br"


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture(scope="module")
def webhook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as fake:
        yield fake


@pytest.fixture(scope="module")
def system(graph: FakeGraph, webhook: FakeWebhook) -> Iterator[System]:
    raw = json.loads(CONFIG_FILE.read_bytes())
    unit = next(u for u in raw["units"] if u["id"] == UNIT)
    unit["meeting"] = {"provider": "teams", "organizer": ORGANIZER}
    fake_graph = lambda s: TeamsMeetingProvider(  # noqa: E731
        credential=FixedTokenCredential(),
        base_url=graph.base_url,
        retries=GraphRetries(max_retries=1, backoff_factor=0.05),
    )
    with (
        bootstrap.replaced(meetings={"teams": fake_graph}),
        running_system(
            config=json.dumps(raw).encode(), extra_settings={unit["webhookSetting"]: webhook.url()}
        ) as running,
    ):
        yield running


def join(system: System, name: str) -> dict[str, Any]:
    answer = system.client.post(
        f"/api/units/{UNIT}/tickets",
        json={
            "name": name,
            "role": "advogado",
            "oabNumber": "1234",
            "oabState": "AC",
            "reason": "orientacao",
            "consent": True,
        },
    )
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def view(system: System, ticket: dict[str, Any]) -> dict[str, Any]:
    r = system.client.get(
        f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
    )
    result: dict[str, Any] = r.json()
    return result


def cards_for(webhook: FakeWebhook, text: str) -> list[dict[str, Any]]:
    return [c for c in webhook.cards() if text in json.dumps(c, ensure_ascii=False)]


def mentions(text: str) -> Any:
    """A predicate for FakeWebhook.wait_for (which holds its lock: use the list it passes)."""
    return lambda received: any(text in json.dumps(r.body, ensure_ascii=False) for r in received)


def test_call_creates_one_teams_meeting_and_one_card(
    system: System, graph: FakeGraph, webhook: FakeWebhook
) -> None:
    ticket = join(system, "Joana *Advogada* [link](http://x)")
    system.wait(lambda: view(system, ticket)["status"] == "waiting")
    # a running system has warmed its Graph client up at start (functions/bootstrap.py)
    teams = bootstrap.get().context.meetings.get("teams")
    assert teams.warmed.wait(20)
    called = system.client.post(f"/api/clerk/units/{UNIT}/call", headers=system.clerk(CLERK))
    assert called.status_code == 200
    url = system.wait(lambda: view(system, ticket).get("meeting", {}).get("joinUrl"), timeout=5)
    stored = TableQueueStore(table_service(system.settings)).get_ticket(ticket["ticketId"])
    assert stored is not None
    latency = datetime.fromisoformat(stored["meetingReadyAt"]) - datetime.fromisoformat(stored["calledAt"])
    assert latency.total_seconds() <= 2.0, "the join URL must be on the ticket within 2 seconds of the call"
    meetings = graph.meetings_for(ticket["ticketId"])
    assert len(meetings) == 1 and url == meetings[0]["joinWebUrl"]
    create = graph.requests_to("POST", "createOrGet")[-1]
    assert create.body["externalId"] == ticket["ticketId"] and ORGANIZER.replace("@", "%40") in create.path
    assert graph.requests_to("PATCH")[-1].body["lobbyBypassSettings"]["isDialInBypassEnabled"] is False
    assert webhook.wait_for(mentions(url), timeout=5)
    card = cards_for(webhook, url)[0]
    text = json.dumps(card, ensure_ascii=False)
    assert "1234" not in text and "[link](http://x)" not in text  # no citizen data (issue 16), no markdown

    # the same meeting request delivered again: still one meeting, still one card
    queues = QueueServiceClient.from_connection_string(system.settings["AzureWebJobsStorage"])
    queues.get_queue_client(
        "meeting-requests", message_encode_policy=BinaryBase64EncodePolicy()
    ).send_message(json.dumps({"ticketId": ticket["ticketId"]}).encode())
    time.sleep(0.5)
    assert system.host.wait_idle(10)
    assert len(graph.meetings_for(ticket["ticketId"])) == 1
    assert len(cards_for(webhook, url)) == 1


def test_graph_failing_leaves_a_visible_meeting_failed_and_tells_the_clerk(
    system: System, graph: FakeGraph, webhook: FakeWebhook
) -> None:
    graph.fail_always(500, "POST", "createOrGet")
    ticket = join(system, "Paulo Falha")
    system.wait(lambda: view(system, ticket)["status"] == "waiting")
    assert system.client.post(f"/api/clerk/units/{UNIT}/call", headers=system.clerk(CLERK)).status_code == 200
    # the queue retries (maxDequeueCount 5, visibility 1 s in the test host), then gives up visibly
    system.wait(lambda: view(system, ticket).get("meeting", {}).get("status") == "failed", timeout=30)
    queue = system.client.get(f"/api/clerk/units/{UNIT}/queue", headers=system.clerk(CLERK)).json()
    assert (
        next(c for c in queue["called"] if c["ticketId"] == ticket["ticketId"])["meeting"]["status"]
        == "failed"
    )
    assert webhook.wait_for(
        mentions(ticket["ticketId"].split(".")[2]), timeout=10
    )  # ids are markdown-escaped
    graph.heal()
    retry = system.client.post(
        f"/api/clerk/units/{UNIT}/tickets/{ticket['ticketId']}/retry-meeting", headers=system.clerk(CLERK)
    )
    assert retry.status_code == 200
    assert system.wait(lambda: view(system, ticket).get("meeting", {}).get("joinUrl"), timeout=10)
    assert len(graph.meetings_for(ticket["ticketId"])) == 1
