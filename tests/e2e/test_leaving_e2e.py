"""Leaving always works (issue 16, observation 5), over HTTP against the dev host and Azurite.

A citizen who leaves (`DELETE /api/tickets/{id}`) or erases their data (`DELETE /api/tickets/{id}/data`)
right after joining, while the join request still waits in the `join-requests` queue, is never admitted:
the clerk never calls a ghost and the people behind see positions without ghosts. Each join request is
sent here with a visibility delay (the queue's own `visibility_timeout`), so the deletions surely come
before the admission, as they did by chance in the observation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.queues import StorageQueueBus
from domain.ports import JOIN_QUEUE
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "trf1-sjac-01vf"
CLERK = "ana.souza@trf1.jus.br"
ADMISSION_DELAY_S = 3  # the deletions below take milliseconds


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    original = StorageQueueBus.send

    def delayed(self: StorageQueueBus, queue: str, payload: Any, delay_s: int = 0) -> None:
        original(self, queue, payload, ADMISSION_DELAY_S if queue == JOIN_QUEUE else delay_s)

    StorageQueueBus.send = delayed  # type: ignore[method-assign]
    try:
        with running_system() as running:
            yield running
    finally:
        StorageQueueBus.send = original  # type: ignore[method-assign]


def join(system: System, name: str) -> dict[str, Any]:
    body = {"name": name, "role": "parte", "reason": "orientacao", "category": "partes", "consent": True}
    answer = system.client.post(f"/api/units/{UNIT}/tickets", json=body)
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def view(system: System, ticket: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {ticket['token']}"}
    result: dict[str, Any] = system.client.get(f"/api/tickets/{ticket['ticketId']}", headers=headers).json()
    return result


def delete(system: System, ticket: dict[str, Any], path: str = "") -> int:
    headers = {"Authorization": f"Bearer {ticket['token']}"}
    return system.client.delete(f"/api/tickets/{ticket['ticketId']}{path}", headers=headers).status_code


def test_a_ticket_left_or_erased_before_admission_is_never_admitted(system: System) -> None:
    ghost = join(system, "Fantasma Que Saiu Logo")
    erased = join(system, "Fantasma Que Apagou Os Dados")
    first = join(system, "Primeira Pessoa Real")
    second = join(system, "Segunda Pessoa Real")
    assert view(system, ghost)["status"] == "pending", "the test needs the deletion before the admission"

    assert delete(system, ghost) == 204  # observation 5: 404 "Senha não encontrada" on main
    assert delete(system, ghost) == 204, "leaving twice is the same as leaving once"
    assert delete(system, erased, "/data") == 204
    assert delete(system, erased, "/data") == 204

    system.wait(lambda: view(system, second)["status"] == "waiting", timeout=20)
    assert system.host.wait_idle(10)
    assert view(system, ghost)["status"] == "left"
    assert view(system, erased)["status"] == "left"
    assert [view(system, t)["position"] for t in (first, second)] == [1, 2], "positions count no ghost"

    queue = system.client.get(f"/api/clerk/units/{UNIT}/queue", headers=system.clerk(CLERK)).json()
    listed = str(queue)
    assert ghost["ticketId"] not in listed and erased["ticketId"] not in listed, listed
    called = system.client.post(f"/api/clerk/units/{UNIT}/call", headers=system.clerk(CLERK))
    assert called.status_code == 200, called.text
    assert called.json()["ticketId"] == first["ticketId"], called.json()
    assert view(system, ghost)["status"] == "left"
