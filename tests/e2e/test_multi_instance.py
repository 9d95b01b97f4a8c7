"""Three dev host instances (processes) of the app against one Azurite, as Flex Consumption runs them,
with every request going to whichever instance the test picks (issue 19, "What it must show"):

- 300 joins (100 in each of three units), the citizens' polls and the clerks' calls spread over the
  instances: no ticket lost, none called twice, every citizen sees their call and its meeting link;
- each unit's Teams webhook (a fake that records arrival times) gets at most 4 requests in any second
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

from tests.fakes.fake_webhook import FakeWebhook, Received
from tests.support.cluster import ClusterSystem, running_cluster
from tests.support.system import CONFIG_FILE, principal_header

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

INSTANCES = 3
# Three units (one service category each): three unit-day states, so the instances' writers contend per
# unit, as a court's clerks would, not all on one entity.
UNITS = {
    "tjac-rbr-1vce": "TJAC_RBR_1VCE",
    "trf1-sjac-02vf": "TRF1_SJAC_02VF",
    "trf1-sjam-01vf": "TRF1_SJAM_01VF",
}
FLOOD_UNIT = "trf1-sjam-02vf"
CITIZENS = 300
CLERKS_PER_UNIT = 1  # one clerk per unit: calls contend with admissions and meetings, not each other
FLOODER = "203.0.113.66"  # documentation range (RFC 5737), only in a header
# functions/limits.py, as documented: per client 10 joins at once then one every 6 s (across instances);
# 60 polls at once then 20 a second (per instance).
JOIN_BURST, JOIN_EVERY_S = 10, 6.0
POLL_BURST, POLL_PER_S = 60, 20.0
DEADLINE_S = 150.0  # a bound for a loaded machine; the run prints how long it took


def clerk_of(unit: str, i: int) -> str:
    return f"clerk{i}.{unit}@balcao.jus.br"


def hook_of(unit: str) -> str:
    return f"/workflows/{unit}"


def config() -> bytes:
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        unit["limits"] = {**unit.get("limits", {}), "maxWaiting": 1000}
    for unit_id in UNITS:
        for i in range(CLERKS_PER_UNIT):
            role = {"role": "clerk", "units": [unit_id]}
            raw["staff"].append({"email": clerk_of(unit_id, i), "name": f"Servidor {i}", "roles": [role]})
    return json.dumps(raw).encode()


@pytest.fixture(scope="module")
def webhook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as hook:
        yield hook


@pytest.fixture(scope="module")
def cluster(webhook: FakeWebhook) -> Iterator[ClusterSystem]:
    settings = {f"TEAMS_WEBHOOK_{name}": webhook.url(hook_of(unit)) for unit, name in UNITS.items()}
    with running_cluster(INSTANCES, config=config(), extra_settings=settings) as running:
        yield running


class Spread:
    """Round-robin over the instances; counts requests per instance."""

    def __init__(self, cluster: ClusterSystem) -> None:
        self.cluster = cluster
        self._next = itertools.count()
        self.sent: Counter[int] = Counter()
        self._lock = threading.Lock()

    def client(self) -> Any:
        with self._lock:
            index = next(self._next) % INSTANCES
            self.sent[index] += 1
        return self.cluster.client(index)


def test_300_joins_polls_and_calls_over_three_instances(cluster: ClusterSystem, webhook: FakeWebhook) -> None:
    spread = Spread(cluster)
    started = time.monotonic()
    deadline = started + DEADLINE_S
    units = list(UNITS)

    def join(i: int) -> dict[str, Any]:
        body = {"name": f"Pessoa {i}", "role": "parte", "reason": "orientacao", "consent": True}
        answer = spread.client().post(f"/api/units/{units[i % len(units)]}/tickets", json=body)
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    with ThreadPoolExecutor(24) as pool:
        tickets = list(pool.map(join, range(CITIZENS)))
    by_id = {t["ticketId"]: t for t in tickets}
    joined = time.monotonic()
    assert len(by_id) == CITIZENS

    def view(ticket_id: str) -> dict[str, Any]:
        token = {"Authorization": f"Bearer {by_id[ticket_id]['token']}"}
        answer = spread.client().get(f"/api/tickets/{ticket_id}", headers=token)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    calls: list[tuple[str, str, str]] = []  # (unit, ticket id, display number), one per successful call
    lock = threading.Lock()

    def clerk(unit: str, i: int) -> None:
        headers, idle = principal_header(clerk_of(unit, i)), 0
        while time.monotonic() < deadline:
            answer = spread.client().post(f"/api/clerk/units/{unit}/call", headers=headers)
            if answer.status_code == 409:  # nobody waiting (yet: admissions may still be running)
                with lock:
                    if sum(1 for u, _, _ in calls if u == unit) >= CITIZENS // len(units):
                        return
                idle += 1
                time.sleep(min(0.5, 0.05 * idle))
                continue
            assert answer.status_code == 200, answer.text
            idle = 0
            with lock:
                calls.append((unit, answer.json()["ticketId"], answer.json()["displayNumber"]))

    def citizen(ticket_id: str) -> None:
        """The citizen's page polls (any instance) until it shows the call and the meeting link."""
        while True:
            seen = view(ticket_id)
            if seen["status"] == "called" and (seen.get("meeting") or {}).get("joinUrl"):
                return
            assert time.monotonic() < deadline, f"{ticket_id}: no meeting link in time"
            time.sleep(1.0)

    with ThreadPoolExecutor(len(units) * CLERKS_PER_UNIT) as clerks, ThreadPoolExecutor(16) as pages:
        working = [clerks.submit(clerk, u, i) for u in units for i in range(CLERKS_PER_UNIT)]
        watching: dict[str, Any] = {}
        while any(not f.done() for f in working) or len(watching) < len(calls):
            with lock:
                new = [t for _, t, _ in calls if t not in watching]
            for ticket_id in new:
                watching[ticket_id] = pages.submit(citizen, ticket_id)
            time.sleep(0.1)
        for future in [*working, *watching.values()]:
            future.result()
    worked = time.monotonic()

    called = [t for _, t, _ in calls]
    twice = [t for t, n in Counter(called).items() if n > 1]
    assert twice == [], f"called twice: {twice}"
    assert set(called) == set(by_id), f"never called: {sorted(set(by_id) - set(called))[:5]}"
    assert min(spread.sent.values()) > 0.3 * max(spread.sent.values())  # the load really was spread

    # The cards: one per call, whatever instance sent it; at most 4 requests to a webhook in any second.
    def cards_of(unit: str, received: list[Received]) -> Counter[str]:
        texts = [r.raw.decode("utf-8") for r in received if r.path == hook_of(unit) and 200 <= r.status < 300]
        return Counter(n for text in texts for n in re.findall(r'"Senha (\S+) chamada"', text))

    expected = {unit: Counter(n for u, _, n in calls if u == unit) for unit in units}
    arrived = webhook.wait_for(
        lambda got: all(cards_of(u, got).keys() >= expected[u].keys() for u in units), timeout=60
    )
    assert arrived, "some call's card never arrived"
    time.sleep(1.0)  # a duplicate would arrive within the notifier's retry window
    busiest = 0
    for unit in units:
        assert cards_of(unit, webhook.delivered()) == expected[unit], f"{unit}: a card missing or twice"
        arrivals = sorted(r.at for r in webhook.delivered(hook_of(unit)))
        most = max(sum(1 for b in arrivals[i:] if b - a < 1.0) for i, a in enumerate(arrivals))
        assert most <= 4, f"{unit}: {most} requests to its webhook within one second"
        busiest = max(busiest, most)
    posts = sum(len(webhook.delivered(hook_of(u))) for u in units)
    print(
        f"\n{CITIZENS} citizens over {INSTANCES} instances: joined in {joined - started:.1f} s, called and "
        f"seen by their pages in {worked - joined:.1f} s; requests per instance "
        f"{sorted(spread.sent.items())}, "
        f"{posts} webhook requests for {len(calls)} cards, at most {busiest} in one second per webhook"
    )


def test_a_flooding_client_is_limited_whichever_instance_it_reaches(cluster: ClusterSystem) -> None:
    headers = {"X-Forwarded-For": FLOODER}
    body = {"role": "parte", "reason": "orientacao", "consent": True}
    started = time.monotonic()
    joins: list[tuple[int, int]] = []
    for i in range(30):  # round-robin: every instance sees a third of the flood
        named = {**body, "name": f"Robô {i}"}  # not "the same person" twice (that is a 409 of its own)
        answer = cluster.client(i).post(f"/api/units/{FLOOD_UNIT}/tickets", json=named, headers=headers)
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

    ticket = cluster.client(0).post(f"/api/units/{FLOOD_UNIT}/tickets", json={**body, "name": "Outra Pessoa"})
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
