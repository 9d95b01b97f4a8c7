"""The whole flow over real HTTP against the dev host and a real Azurite (issue: walking skeleton).

list units → join (202, via the join-requests queue) → position → clerk calls next → meeting through
the provider port (this unit's provider, local, makes its links offline: in the call's own transaction,
the clerks' notice queued at once; Teams goes through the meeting-requests queue, tests/e2e/
test_meetings_e2e.py) → join URL on the citizen's poll → finish → survey.
Every queue message is then delivered a second time: nothing changes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.storage.queue import BinaryBase64EncodePolicy, QueueServiceClient

from adapters.queues import StorageQueueBus
from adapters.storage import table_service
from adapters.tables import TableQueueStore
from tests.support.system import System, running_system

UNIT = "trf1-sjac-01vf"
CLERK = "ana.souza@trf1.jus.br"
JOIN = {
    "name": "Maria <b>da</b> Silva",
    "role": "parte",
    "reason": "orientacao",
    "consent": True,
    "category": "partes",
}


@pytest.fixture(scope="module")
def sent() -> list[tuple[str, dict[str, Any]]]:
    return []


@pytest.fixture(scope="module")
def system(sent: list[tuple[str, dict[str, Any]]]) -> Iterator[System]:
    original = StorageQueueBus.send

    def recording_send(self: StorageQueueBus, queue: str, payload: Any, delay_s: int = 0) -> None:
        sent.append((queue, dict(payload)))
        original(self, queue, payload, delay_s)

    StorageQueueBus.send = recording_send  # type: ignore[method-assign]
    try:
        with running_system() as running:
            yield running
    finally:
        StorageQueueBus.send = original  # type: ignore[method-assign]


def poll(system: System, ticket: dict[str, Any], until: str, timeout: float = 10) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {ticket['token']}"}

    def check() -> dict[str, Any] | None:
        view: dict[str, Any] = system.client.get(f"/api/tickets/{ticket['ticketId']}", headers=headers).json()
        return view if view["status"] == until else None

    result: dict[str, Any] = system.wait(check, timeout=timeout)
    return result


def store_of(system: System) -> TableQueueStore:
    return TableQueueStore(table_service(system.settings))


def test_units_are_listed_with_hours_and_queue(system: System) -> None:
    units = system.client.get("/api/units").json()["units"]
    names = {u["name"] for u in units}
    assert "TRF1 - SJAC - 01ª Vara Federal Cível e Criminal" in names
    unit = next(u for u in units if u["id"] == UNIT)
    assert unit["openNow"] is True and unit["hoursText"].startswith("Segunda a sexta")
    assert next(u for u in units if u["id"] == "trf1-coger")["active"] is False
    filtered = system.client.get("/api/units", params={"q": "criminal", "court": "trf1"}).json()["units"]
    assert {u["id"] for u in filtered} == {"trf1-sjac-01vf", "trf1-sjac-02vf", "trf1-sjam-02vf"}


def test_the_whole_attendance(system: System, sent: list[tuple[str, dict[str, Any]]]) -> None:
    answer = system.client.post(f"/api/units/{UNIT}/tickets", json=JOIN)
    assert answer.status_code == 202, answer.text
    ticket = answer.json()
    assert ticket["statusUrl"].endswith(f"/api/tickets/{ticket['ticketId']}")
    assert answer.headers["Location"] == ticket["statusUrl"]
    assert answer.headers["Cache-Control"] == "no-store"  # the ticket's token: never kept by a cache

    waiting = poll(system, ticket, "waiting")
    assert waiting["position"] == 1 and waiting["peopleAhead"] == 0 and waiting["peopleWaiting"] == 1
    followed = system.client.get(
        f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
    )
    etag = followed.headers["ETag"]
    assert followed.headers["Cache-Control"] == "no-cache"  # kept, but asked again with If-None-Match
    unchanged = system.client.get(
        f"/api/tickets/{ticket['ticketId']}",
        headers={"Authorization": f"Bearer {ticket['token']}", "If-None-Match": etag},
    )
    assert unchanged.status_code == 304

    assert system.client.post(f"/api/clerk/units/{UNIT}/call").status_code == 401  # no principal
    assert (
        system.client.post(
            f"/api/clerk/units/{UNIT}/call", headers=system.clerk("diego.rocha@tjac.jus.br")
        ).status_code
        == 403
    )
    called = system.client.post(f"/api/clerk/units/{UNIT}/call", headers=system.clerk(CLERK))
    assert called.status_code == 200, called.text
    assert called.json()["ticketId"] == ticket["ticketId"]
    started = time.monotonic()
    view = poll(system, ticket, "called")
    while not view["meeting"]["joinUrl"]:
        assert time.monotonic() - started < 2.0, "the join URL must reach the citizen within 2 seconds"
        view = poll(system, ticket, "called")
    assert view["meeting"]["joinUrl"].endswith(ticket["ticketId"])

    answered = system.client.get(f"/api/clerk/units/{UNIT}/queue", headers=system.clerk(CLERK))
    assert answered.headers["Cache-Control"] == "no-store"  # names and reasons of the people waiting
    queue = answered.json()
    assert queue["called"][0]["name"] == JOIN["name"]  # JSON carries it as typed; pages escape it

    done = system.client.post(
        f"/api/clerk/units/{UNIT}/tickets/{ticket['ticketId']}/finish", headers=system.clerk(CLERK)
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert poll(system, ticket, "done")["surveyAnswered"] is False

    auth = {"Authorization": f"Bearer {ticket['token']}"}
    survey = {"score": 5, "comment": "Atendimento rápido e cordial."}
    assert (
        system.client.post(f"/api/tickets/{ticket['ticketId']}/survey", json=survey, headers=auth).status_code
        == 201
    )
    again = system.client.post(f"/api/tickets/{ticket['ticketId']}/survey", json=survey, headers=auth)
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    stored = store_of(system).table.get_entity(
        f"{UNIT}.{ticket['ticketId'].split('.')[1]}", f"s.{ticket['ticketId'].split('.')[2]}"
    )
    assert stored["score"] == 5 and stored["comment"] == survey["comment"]

    # Deliver every queue message a second time: one admission, one meeting, state unchanged.
    assert {q for q, _ in sent} == {"join-requests", "notifications"}
    assert system.host.wait_idle(10)
    store = store_of(system)
    day = ticket["ticketId"].split(".")[1]
    before_state, _ = store.load(UNIT, day)
    before_ticket = store.get_ticket(ticket["ticketId"])
    queues = QueueServiceClient.from_connection_string(system.settings["AzureWebJobsStorage"])
    replayed = list(sent)
    for queue_name, payload in replayed:
        queues.get_queue_client(queue_name, message_encode_policy=BinaryBase64EncodePolicy()).send_message(
            json.dumps(payload).encode()
        )
    time.sleep(0.3)
    assert system.host.wait_idle(10)
    after_state, _ = store.load(UNIT, day)
    after_ticket = store.get_ticket(ticket["ticketId"])
    assert after_state.seq == before_state.seq == 1
    assert after_state.line == before_state.line == [] and after_state.called == before_state.called == {}
    assert after_ticket == before_ticket
    assert len(store.list_tickets(UNIT, day)) == 1


def _nothing_written(system: System) -> tuple[int, int]:
    queues = QueueServiceClient.from_connection_string(system.settings["AzureWebJobsStorage"])
    props = queues.get_queue_client("join-requests").get_queue_properties()
    tickets = sum(1 for _ in store_of(system).table.list_entities())
    return props.approximate_message_count, tickets


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        (f"/api/units/{UNIT}/tickets", {**JOIN, "name": ""}, 400, "name"),
        (f"/api/units/{UNIT}/tickets", {k: v for k, v in JOIN.items() if k != "name"}, 400, "name"),
        (f"/api/units/{UNIT}/tickets", {**JOIN, "role": "juiz"}, 400, "role"),
        (
            f"/api/units/{UNIT}/tickets",
            {**JOIN, "processNumber": "0000001-00.2026.4.01.3000"},
            400,
            "processNumber",
        ),
        (f"/api/units/{UNIT}/tickets", {**JOIN, "surprise": 1}, 400, "surprise"),
        ("/api/units/nao-existe/tickets", JOIN, 404, None),
    ],
)
def test_bad_join_requests_are_refused_in_portuguese_and_write_nothing(
    system: System, path: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    assert system.host.wait_idle(10)
    before = _nothing_written(system)
    answer = system.client.post(path, json=body)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["status"] == status and problem["detail"]
    if field:
        assert field in problem["errors"]
    assert _nothing_written(system) == before


def test_malformed_json_is_refused(system: System) -> None:
    before = _nothing_written(system)
    answer = system.client.post(
        f"/api/units/{UNIT}/tickets", content=b"{name: 'x'", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400 and "JSON" in answer.json()["detail"]
    assert _nothing_written(system) == before


def test_unit_embed_snippet_for_the_courts_site(system: System) -> None:
    answer = system.client.get(f"/api/units/{UNIT}/embed")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "01ª Vara Federal Cível e Criminal" in answer.text and "Segunda a sexta" in answer.text
    assert f"?unidade={UNIT}" in answer.text
