"""Three dev host instances (processes) of the app against one Azurite, as Flex Consumption runs them,
with every request going to whichever instance the test picks (issue 19, "What it must show"):

- 300 joins, the citizens' polls and the clerks' calls, starts and finishes spread over the instances:
  no ticket lost, none called twice, every one done in the end;
- the unit's Teams webhook (a fake that records arrival times) gets at most 4 requests in any second
  and each call's card once, although three instances send cards at the same time;
- a flooding client is limited as functions/limits.py documents whichever instance it reaches: its
  joins by the shared bucket (10 at once, then one every 6 s, across the app), its polls by each
  instance's own bucket (60 at once, then 20 a second, per instance).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.fakes.fake_webhook import FakeWebhook
from tests.support.cluster import ClusterSystem, running_cluster
from tests.support.system import CONFIG_FILE, principal_header

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

INSTANCES = 3
UNIT = "tjac-rbr-1vce"
FLOOD_UNIT = "trf1-sjac-02vf"
CITIZENS = 300
CLERKS = 8
HOOK = "/workflows/rbr"
FLOODER = "203.0.113.66"  # documentation range (RFC 5737), only in a header
# functions/limits.py, as documented: per client 10 joins at once then one every 6 s (across instances);
# 60 polls at once then 20 a second (per instance).
JOIN_BURST, JOIN_EVERY_S = 10, 6.0
POLL_BURST, POLL_PER_S = 60, 20.0
DEADLINE_S = 90.0


def config() -> bytes:
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        unit["limits"] = {**unit.get("limits", {}), "maxWaiting": 1000}
    for i in range(CLERKS):
        raw["staff"].append(
            {
                "email": f"clerk{i}@tjac.jus.br",
                "name": f"Servidor {i}",
                "roles": [{"role": "clerk", "units": [UNIT]}],
            }
        )
    return json.dumps(raw).encode()


@pytest.fixture(scope="module")
def webhook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as hook:
        yield hook


@pytest.fixture(scope="module")
def cluster(webhook: FakeWebhook) -> Iterator[ClusterSystem]:
    settings = {"TEAMS_WEBHOOK_TJAC_RBR_1VCE": webhook.url(HOOK)}
    with running_cluster(INSTANCES, config=config(), extra_settings=settings) as running:
        yield running


class Spread:
    """Round-robin over the instances; counts requests per instance."""

    def __init__(self, cluster: ClusterSystem) -> None:
        self.cluster = cluster
        self._next = itertools.count()
        self.sent: Counter[int] = Counter()
        self._lock = threading.Lock()

    def pick(self) -> tuple[int, Any]:
        with self._lock:
            index = next(self._next) % INSTANCES
            self.sent[index] += 1
        return index, self.cluster.client(index)


def test_300_joins_polls_and_calls_over_three_instances(cluster: ClusterSystem, webhook: FakeWebhook) -> None:
    spread = Spread(cluster)
    started = time.monotonic()

    def join(i: int) -> dict[str, Any]:
        _, client = spread.pick()
        body = {"name": f"Pessoa {i}", "role": "parte", "reason": "orientacao", "consent": True}
        answer = client.post(f"/api/units/{UNIT}/tickets", json=body)
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    with ThreadPoolExecutor(24) as pool:
        tickets = list(pool.map(join, range(CITIZENS)))
    by_id = {t["ticketId"]: t for t in tickets}
    joined = time.monotonic()
    assert len(by_id) == CITIZENS

    def view(ticket_id: str) -> dict[str, Any]:
        _, client = spread.pick()
        answer = client.get(
            f"/api/tickets/{ticket_id}", headers={"Authorization": f"Bearer {by_id[ticket_id]['token']}"}
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    calls: list[tuple[str, str]] = []  # (ticket id, display number), one per successful call
    lock = threading.Lock()
    deadline = started + DEADLINE_S

    def clerk(i: int) -> None:
        headers = principal_header(f"clerk{i}@tjac.jus.br")
        idle = 0
        while time.monotonic() < deadline:
            _, client = spread.pick()
            answer = client.post(f"/api/clerk/units/{UNIT}/call", headers=headers)
            if answer.status_code == 409:  # nobody waiting (yet: admissions may still be running)
                with lock:
                    if len(calls) >= CITIZENS:
                        return
                idle += 1
                time.sleep(min(0.5, 0.05 * idle))
                continue
            assert answer.status_code == 200, answer.text
            idle = 0
            with lock:
                calls.append((answer.json()["ticketId"], answer.json()["displayNumber"]))

    def attend(ticket_id: str) -> str:
        """The citizen's page polls until the meeting link is there; the clerk starts and finishes."""
        headers = principal_header("clerk0@tjac.jus.br")
        while not (view(ticket_id).get("meeting") or {}).get("joinUrl"):
            assert time.monotonic() < deadline, f"{ticket_id}: no meeting link in time"
            time.sleep(0.3)
        for action in ("start", "finish"):
            _, client = spread.pick()
            answer = client.post(f"/api/clerk/units/{UNIT}/tickets/{ticket_id}/{action}", headers=headers)
            assert answer.status_code == 200, answer.text
        return ticket_id

    with ThreadPoolExecutor(CLERKS) as clerks, ThreadPoolExecutor(16) as attendants:
        running = [clerks.submit(clerk, i) for i in range(CLERKS)]
        attended: dict[str, Any] = {}
        while any(not f.done() for f in running) or len(attended) < len(calls):
            with lock:
                new = [t for t, _ in calls if t not in attended]
            for ticket_id in new:
                attended[ticket_id] = attendants.submit(attend, ticket_id)
            time.sleep(0.1)
        for future in running:
            future.result()
        for future in attended.values():
            future.result()
    worked = time.monotonic()

    called = [t for t, _ in calls]
    assert len(called) == len(set(called)), (
        f"called twice: {[t for t, n in Counter(called).items() if n > 1]}"
    )
    assert set(called) == set(by_id), f"never called: {sorted(set(by_id) - set(called))[:5]}"
    # Every one done, seen from any instance (each serves its own shared state, at most 1 s old).
    pending = set(by_id)
    while pending and time.monotonic() < deadline:
        pending = {t for t in pending if view(t)["status"] != "done"}
    assert not pending, f"not done: {sorted(pending)[:5]}"
    assert min(spread.sent.values()) > 0.3 * max(spread.sent.values())  # the load really was spread

    # The cards: one per call, whatever instance sent it, at most 4 requests in any second.
    displays = [number for _, number in calls]
    texts = lambda: [r.raw.decode("utf-8") for r in webhook.delivered(HOOK)]  # noqa: E731
    assert webhook.wait_for(
        lambda _: all(any(f'"Senha {n} chamada"' in t for t in texts()) for n in displays), timeout=60
    ), "some call's card never arrived"
    time.sleep(1.0)  # a duplicate would arrive within the notifier's retry window
    cards = Counter(n for t in texts() for n in re.findall(r'"Senha (\S+) chamada"', t))
    assert {n: c for n, c in cards.items() if c != 1} == {}, "a card arrived twice"
    arrivals = sorted(r.at for r in webhook.delivered(HOOK))
    busiest = max(sum(1 for b in arrivals[i:] if b - a < 1.0) for i, a in enumerate(arrivals))
    assert busiest <= 4, f"{busiest} requests to one webhook within one second"
    print(
        f"\n{CITIZENS} citizens over {INSTANCES} instances: joined in {joined - started:.1f} s, "
        f"called and attended in {worked - joined:.1f} s: "
        f"{len(called)} called once each; requests per instance {dict(sorted(spread.sent.items()))}; "
        f"{len(arrivals)} webhook requests for {len(displays)} cards, at most {busiest} in one second"
    )


def test_a_flooding_client_is_limited_whichever_instance_it_reaches(cluster: ClusterSystem) -> None:
    headers = {"X-Forwarded-For": FLOODER}
    body = {"name": "Robô", "role": "parte", "reason": "orientacao", "consent": True}
    started = time.monotonic()
    joins: list[tuple[int, int]] = []
    for i in range(30):  # round-robin: every instance sees a third of the flood
        answer = cluster.client(i).post(f"/api/units/{FLOOD_UNIT}/tickets", json=body, headers=headers)
        joins.append((i % INSTANCES, answer.status_code))
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) >= 1
            assert answer.headers["content-type"].startswith("application/problem+json")
    elapsed = time.monotonic() - started
    accepted = [i for i, status in joins if status == 202]
    allowed = JOIN_BURST + math.floor(elapsed / JOIN_EVERY_S)
    assert JOIN_BURST <= len(accepted) <= allowed, (len(accepted), allowed, joins)
    refused_by = {i for i, status in joins if status == 429}
    assert refused_by == set(range(INSTANCES)), "every instance refuses the flood"

    ticket = cluster.client(0).post(f"/api/units/{FLOOD_UNIT}/tickets", json={**body, "name": "Outra"})
    assert ticket.status_code == 202  # another client (no address) is not affected
    token = {"Authorization": f"Bearer {ticket.json()['token']}", **headers}
    per_instance: dict[int, tuple[int, int, float]] = {}
    for index in range(INSTANCES):
        began = time.monotonic()
        statuses = [
            cluster.client(index).get(f"/api/tickets/{ticket.json()['ticketId']}", headers=token).status_code
            for _ in range(POLL_BURST + 60)
        ]
        took = time.monotonic() - began
        per_instance[index] = (statuses.count(200), statuses.count(429), took)
        assert set(statuses) <= {200, 429}
        assert statuses.count(429) > 0, f"instance {index} let the whole flood through"
        assert statuses.count(200) <= POLL_BURST + POLL_PER_S * took + 1, per_instance[index]
    print(f"\nflood: joins accepted {len(accepted)}/30 in {elapsed:.1f} s; polls (ok, 429, s) {per_instance}")
