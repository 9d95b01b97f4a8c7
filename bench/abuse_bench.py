"""Abuse benchmark (issue 16): can bots deny a unit's counter to a real citizen?

- *Fill attempt*: bot joins to `tjam-tefe-vu` (a line of 50), 20 at a time, first from one caller who
  rotates what it writes in `X-Forwarded-For` (the front end appends its real address), then from as
  many real addresses as joins (a botnet); the bots send no proof of work, so near the unit's cap they
  are answered 428 (functions/proof.py). Then a real citizen joins from another address, as the page
  does (on a 428 it solves the challenge with the ALTCHA solver, as the widget would, and sends again;
  once more after `Retry-After` on a 429; at most 3 tries), and is admitted or not; the work the citizen
  did (tries of the counter, PBKDF2 iterations, seconds on this machine) is printed.
- *Fake-token flood*: polls with a made-up token from rotating addresses while a real waiting citizen
  polls; the share of the citizen's polls answered 200.

Figures: "abuse real citizen not admitted" (0 or 1) and "abuse real citizen polls failed %" (targets in
bench/targets.py: admitted, at most 1 % failed).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.proof import solve
from bench.targets import Record
from functions.proof import COST
from tests.support.system import running_system

UNIT = "tjam-tefe-vu"
BODY = {"role": "parte", "reason": "orientacao", "consent": True}
FRONT_END_SAW = "203.0.113.5"
CITIZEN = "192.0.2.44"

Report = Any


def run(report: Report, record: Record) -> None:
    report("")
    report("== Abuse: one caller cannot deny the counter to others (issue 16) ==")
    with running_system() as system:
        ok, total, fakes = _fake_token_flood(system)
        rate = 100 * ok / total
        report(
            f"  fake-token flood: {fakes} polls with 'Bearer k1.garbage' from rotating addresses; the real "
            f"citizen's polls: {ok}/{total} answered 200 ({rate:.1f} %)"
        )
        record("abuse real citizen polls failed %", 100 - rate)
        client = system.client
        rotating = [f"198.51.{i // 200}.{i % 200}, {FRONT_END_SAW}" for i in range(70)]
        botnet = [f"198.18.{i // 250}.{i % 250}" for i in range(70)]
        for label, addresses in (
            ("1 address rotating its X-Forwarded-For", rotating),
            ("70 addresses", botnet),
        ):
            statuses = _flood(client, addresses)
            report(
                f"  {len(addresses)} bot joins from {label}: {statuses.count(202)} accepted, "
                f"{statuses.count(428)} asked for a proof of work (428), {statuses.count(429)} refused (429)"
            )
        admitted, tries, work = _real_citizen_joins(system)
        report(
            "  140 bot joins from 71 rotating addresses → real citizen admitted: "
            f"{'yes' if admitted else 'no'} ({tries} tries, as the page does)"
        )
        for counter, seconds in work:
            report(
                f"  the citizen solved one proof of work: {counter} tries × {COST} PBKDF2-SHA-256 iterations "
                f"= {counter * COST:,} in {seconds:.2f} s (Python solver, one core of this machine)"
            )
        record("abuse real citizen not admitted", 0 if admitted else 1)


def _flood(client: httpx.Client, addresses: list[str]) -> list[int]:
    def one(i: int) -> int:
        body = {**BODY, "name": f"Robô Número {i} {addresses[i][:7]}"}
        headers = {"X-Forwarded-For": addresses[i]}
        return client.post(f"/api/units/{UNIT}/tickets", json=body, headers=headers).status_code

    with ThreadPoolExecutor(20) as pool:
        return list(pool.map(one, range(len(addresses))))


Work = list[tuple[int, float]]  # (the counter found, seconds) of each proof of work solved


def _join_as_page(system: Any, name: str, address: str, work: Work) -> tuple[dict[str, Any] | None, int]:
    """Join as the page does: on a 428 solve the challenge and send again with the proof; once more
    after `Retry-After` on a 429 (at most 3 tries)."""
    headers = {"X-Forwarded-For": address}
    for tries in range(1, 4):
        answer = system.client.post(
            f"/api/units/{UNIT}/tickets", json={**BODY, "name": name}, headers=headers
        )
        if answer.status_code == 202:
            ticket: dict[str, Any] = answer.json()
            return ticket, tries
        if answer.status_code == 428:
            headers = {**headers, "X-Balcao-Proof": _solve(system, answer.json()["challenge"], work)}
            continue
        if answer.status_code != 429:
            return None, tries
        time.sleep(min(10, int(answer.headers.get("Retry-After", "1"))))
    return None, 3


def _solve(system: Any, url: str, work: Work) -> str:
    """What the widget does: fetch a challenge, find its counter, answer the base64 payload."""
    challenge = system.client.get(url).json()
    started = time.perf_counter()
    payload, counter = solve(challenge)
    assert payload, "the challenge could not be solved in 60 s"
    work.append((counter, time.perf_counter() - started))
    return payload


def _real_citizen_joins(system: Any) -> tuple[bool, int, Work]:
    work: Work = []
    ticket, tries = _join_as_page(system, "Cidadã De Verdade", CITIZEN, work)
    if ticket is None:
        return False, tries, work
    headers = {"Authorization": f"Bearer {ticket['token']}", "X-Forwarded-For": CITIZEN}

    def status() -> str:
        return str(system.client.get(f"/api/tickets/{ticket['ticketId']}", headers=headers).json()["status"])

    deadline = time.monotonic() + 15
    while status() == "pending" and time.monotonic() < deadline:
        time.sleep(0.2)
    return status() == "waiting", tries, work


def _fake_token_flood(system: Any) -> tuple[int, int, int]:
    mine, _ = _join_as_page(system, "Cidadão Que Acompanha", "192.0.2.45", [])
    assert mine is not None, "the second real citizen could not join"
    real = {"Authorization": f"Bearer {mine['token']}", "X-Forwarded-For": "192.0.2.45"}
    path = f"/api/tickets/{mine['ticketId']}"

    def fake(i: int) -> int:
        headers = {"Authorization": "Bearer k1.garbage", "X-Forwarded-For": f"198.19.{i // 250}.{i % 250}"}
        return int(system.client.get(path, headers=headers).status_code)

    with ThreadPoolExecutor(8) as pool:
        flood = pool.map(fake, range(1500))
        polls = []
        for _ in range(100):  # at 20 a second, the most one client may poll (a page polls every 1.5 s)
            polls.append(int(system.client.get(path, headers=real).status_code))
            time.sleep(0.05)
        fakes = len(list(flood))
    return polls.count(200), len(polls), fakes
