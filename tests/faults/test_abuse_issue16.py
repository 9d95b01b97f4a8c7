"""One caller cannot deny the counter to others (issue 16, observations 1-4), over HTTP against the dev
host. The unit is `tjam-tefe-vu` (a line of 50: `maxWaiting`), as in the observations.

Who the client is: Azure's front end appends the address it saw to `X-Forwarded-For`, so a request sent
here with `X-Forwarded-For: <anything>, 203.0.113.5` is what a caller at 203.0.113.5 who wrote
`<anything>` in the header looks like after the front end. Each flood stays under 500 requests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "tjam-tefe-vu"
JOIN = {"role": "parte", "reason": "orientacao", "consent": True}
BOT = "203.0.113.5"  # the address the front end saw for the flooding caller


@pytest.fixture
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def join(client: httpx.Client, name: str, forwarded: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(f"/api/units/{UNIT}/tickets", json={**JOIN, "name": name}, headers=headers)


def test_rotating_what_the_caller_writes_does_not_make_new_clients(system: System) -> None:
    """Observation 1: 70 joins from one caller rotating the first X-Forwarded-For entry; 5 at most get
    in without a proof (half its bucket), and a real citizen at another address still joins."""
    forged = [f"198.51.{i // 200}.{i % 200}, {BOT}" for i in range(70)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda i: join(system.client, f"Robô Número {i}", forged[i]), range(70)))
    statuses = [a.status_code for a in answers]
    # its bucket holds 10; past half of them a proof of work is asked (428, functions/proof.py)
    assert statuses.count(202) <= 5 and set(statuses) <= {202, 428, 429}, statuses
    assert join(system.client, "Outra Tentativa", f"198.51.100.99, {BOT}").status_code == 429
    assert join(system.client, "Sem Disfarce", BOT).status_code == 429
    citizen = join(system.client, "Cidadã De Verdade", "192.0.2.44")
    assert citizen.status_code == 202, citizen.text
    # not addresses: one client together, however they are spelled
    odd = [
        join(system.client, f"Estranho {i}", raw).status_code
        for i, raw in enumerate(["203.0.113.005", "not-an-ip"] * 6)
    ]
    assert odd.count(202) <= 10 and 429 in odd, odd


def test_invalid_joins_do_not_spend_the_units_budget(system: System) -> None:
    """Observation 4: 420 refused joins (no name) from anyone, then a valid join is accepted."""
    bad = {**JOIN, "name": ""}
    with ThreadPoolExecutor(4) as pool:
        statuses = list(
            pool.map(
                lambda _i: system.client.post(f"/api/units/{UNIT}/tickets", json=bad).status_code, range(420)
            )
        )
    assert set(statuses) == {400}, sorted(set(statuses))
    valid = join(system.client, "Cidadão Depois Do Ataque")
    assert valid.status_code == 202, valid.text


def test_a_fake_token_flood_does_not_refuse_a_real_citizens_polls(system: System) -> None:
    """Observation 2: polls with a made-up token from rotating addresses spend no unit budget: the
    real citizen's polls, interleaved, all succeed."""
    mine = join(system.client, "Cidadã Que Espera", "192.0.2.10")
    assert mine.status_code == 202, mine.text
    ticket: dict[str, Any] = mine.json()
    real = {"Authorization": f"Bearer {ticket['token']}", "X-Forwarded-For": "192.0.2.10"}

    def fake(i: int) -> int:
        headers = {"Authorization": "Bearer k1.garbage", "X-Forwarded-For": f"198.18.{i // 250}.{i % 250}"}
        return system.client.get(f"/api/tickets/{ticket['ticketId']}", headers=headers).status_code

    with ThreadPoolExecutor(6) as pool:
        flood = pool.map(fake, range(440))
        polls = []
        for _ in range(40):  # while the flood runs, within the client's own 20 polls a second
            polls.append(system.client.get(f"/api/tickets/{ticket['ticketId']}", headers=real).status_code)
            time.sleep(0.05)
        faked = list(flood)
    assert set(faked) <= {401, 429} and 401 in faked, sorted(set(faked))
    assert polls.count(200) == len(polls), polls


def test_bookings_and_messages_are_limited_per_client(system: System) -> None:
    """Observation 3: 35 bookings and 25 messages from one address; a few pass, the rest are 429."""
    headers = {"X-Forwarded-For": BOT}
    offered = system.client.get(f"/api/units/{UNIT}/slots").json()
    free = [str(s["startsAt"]) for d in offered["days"] for s in d["slots"] if s["free"] > 0][:35]
    assert len(free) == 35, "the test needs 35 free slots"
    booked = [
        system.client.post(
            f"/api/units/{UNIT}/appointments",
            json={**JOIN, "name": f"Robô Agenda {i}", "startsAt": start},
            headers=headers,
        ).status_code
        for i, start in enumerate(free)
    ]
    assert booked.count(201) <= 3 and set(booked) <= {201, 429}, booked
    sent = [
        system.client.post(
            f"/api/units/{UNIT}/messages",
            json={**JOIN, "name": f"Robô Mensagem {i}", "text": "Quero saber do meu processo."},
            headers=headers,
        ).status_code
        for i in range(25)
    ]
    assert sent.count(201) <= 5 and set(sent) <= {201, 429}, sent
    other = system.client.post(
        f"/api/units/{UNIT}/appointments",
        json={**JOIN, "name": "Cidadã Que Agenda", "startsAt": free[-1]},
        headers={"X-Forwarded-For": "192.0.2.77"},
    )
    assert other.status_code == 201, other.text
