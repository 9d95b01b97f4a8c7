"""Abuse limits (issue 10): per-client and per-unit token buckets on joining and polling, a cap on
active tickets per client, 429 with Retry-After, and CORS only for the configured site origins."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from domain.errors import RateLimitedError
from domain.ratelimit import Buckets, Rate, TokenBucket, retry_after
from functions import limits
from tests.support.services import demo_config
from tests.support.system import System, api_client, running_system

UNIT = "trf1-sjac-01vf"
JOIN = {"role": "parte", "reason": "orientacao", "consent": True, "category": "partes"}
A = {"X-Forwarded-For": "10.0.0.4, 203.0.113.7:50123"}  # the flooding client (behind Azure's front end)
B = {"X-Forwarded-For": "198.51.100.9"}  # a citizen minding their own business


# --- the buckets ------------------------------------------------------------------------------------


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    rate = Rate(3, 0.5)
    bucket = TokenBucket(rate.capacity, 0.0)
    assert [bucket.take(rate, 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(rate, 0.0) == pytest.approx(2.0)  # one token every 2 s
    assert bucket.take(rate, 2.0) == 0.0
    assert retry_after(0.2) == 1 and retry_after(2.01) == 3


def test_buckets_forget_the_least_recent_keys() -> None:
    buckets = Buckets(max_keys=100)
    for i in range(1000):
        buckets.take(f"k{i}", Rate(1, 1), 0.0)
    assert len(buckets) == 100


def test_the_client_is_the_address_the_front_end_appended() -> None:
    """Issue 16: the last entry (Azure's front end appends the address it saw), normalised."""
    assert limits.client_address({"x-forwarded-for": "203.0.113.7:50123, 10.0.0.4"}) == "10.0.0.4"
    assert limits.client_address({"x-forwarded-for": "198.51.100.99, 203.0.113.5:443"}) == "203.0.113.5"
    assert limits.client_address({"x-forwarded-for": "[2001:db8::1]:443"}) == "2001:db8::/64"
    assert limits.client_address({"x-forwarded-for": "2001:db8::2"}) == "2001:db8::/64"
    assert limits.client_address({"x-forwarded-for": "2001:db8:0:1::2"}) == "2001:db8:0:1::/64"
    assert limits.client_address({"x-forwarded-for": "::ffff:203.0.113.9"}) == "203.0.113.9"
    assert limits.client_address({"x-forwarded-for": "203.0.113.005"}) == limits.UNPARSED
    assert limits.client_address({"x-forwarded-for": "not-an-ip"}) == limits.UNPARSED
    assert limits.client_address({}) is None


def test_per_unit_limits_and_the_active_ticket_cap() -> None:
    now = [0.0]
    limiter = limits.Limiter(clock=lambda: now[0])
    unit = demo_config().unit(UNIT)
    assert unit is not None
    rate = limits.per_unit(limits.JOIN, unit)
    assert rate is not None
    burst = int(rate.capacity)
    for i in range(burst):
        limiter.check(limits.JOIN, f"10.1.{i // 250}.{i % 250}", unit, lambda _t: True)
    with pytest.raises(RateLimitedError) as refused:
        limiter.check(limits.JOIN, "10.9.9.9", unit, lambda _t: True)
    assert refused.value.retry_after >= 1

    live: set[str] = set()
    for i in range(limits.MAX_ACTIVE_PER_CLIENT):
        now[0] += 10.0  # within the client's join rate
        limiter.accepted("10.2.0.1", f"t{i}")
        live.add(f"t{i}")
    now[0] += 120.0
    with pytest.raises(RateLimitedError, match="senhas ativas"):
        limiter.check(limits.JOIN, "10.2.0.1", None, lambda t: t in live)
    live.discard("t0")  # one was served: room for another
    limiter.check(limits.JOIN, "10.2.0.1", None, lambda t: t in live)


def test_a_worker_without_shared_limits_counts_a_clients_active_bookings_itself() -> None:
    """Issue 16: at most MAX_ACTIVE_BOOKINGS_PER_CLIENT appointments booked and not yet come; the
    in-memory record of a worker that has no shared storage (the count's other home is tested across
    instances)."""
    limiter = limits.Limiter()
    future = time.time() + 3600
    booked = {f"a{i}" for i in range(limits.MAX_ACTIVE_BOOKINGS_PER_CLIENT)}
    for appointment in sorted(booked):
        limiter.check_bookings("10.3.0.1", lambda a: a in booked)
        limiter.booked("10.3.0.1", appointment, future)
    with pytest.raises(RateLimitedError, match="agendamentos marcados"):
        limiter.check_bookings("10.3.0.1", lambda a: a in booked)
    limiter.check_bookings("10.3.0.2", lambda a: a in booked)  # another client: its own count
    booked.discard("a0")  # one cancelled: room for another
    limiter.check_bookings("10.3.0.1", lambda a: a in booked)
    limiter.booked("10.3.0.4", "past", time.time() - 1)  # an appointment whose time has come counts no more
    limiter.check_bookings("10.3.0.4", lambda a: True)


# --- over HTTP ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


@pytest.mark.e2e
@pytest.mark.azurite
def test_a_flooding_client_gets_429_and_others_are_not_slowed(system: System) -> None:
    joins = [
        system.client.post(f"/api/units/{UNIT}/tickets", json={**JOIN, "name": f"Robô {i}"}, headers=A)
        for i in range(14)
    ]
    statuses = [r.status_code for r in joins]
    # 10 at once per client; past half of them a proof of work is asked (428, functions/proof.py)
    assert statuses[:5] == [202] * 5 and set(statuses[5:10]) == {428} and set(statuses[10:]) == {429}, (
        statuses
    )
    refused = joins[-1]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["Retry-After"]) >= 1 and refused.json()["status"] == 429
    mine = system.client.post(f"/api/units/{UNIT}/tickets", json={**JOIN, "name": "Cidadã B"}, headers=B)
    assert mine.status_code == 202, mine.text
    ticket: dict[str, Any] = mine.json()
    bot: dict[str, Any] = joins[0].json()

    stop = threading.Event()
    flood: list[int] = []

    def flooding() -> None:
        with api_client(system.base_url, timeout=10) as client:
            while not stop.is_set() and len(flood) < 3000:
                r = client.get(
                    f"/api/tickets/{bot['ticketId']}",
                    headers={**A, "Authorization": f"Bearer {bot['token']}"},
                )
                flood.append(r.status_code)

    def citizen() -> list[tuple[int, float]]:
        out = []
        for _ in range(40):
            started = time.perf_counter()
            r = system.client.get(
                f"/api/tickets/{ticket['ticketId']}",
                headers={**B, "Authorization": f"Bearer {ticket['token']}"},
            )
            out.append((r.status_code, (time.perf_counter() - started) * 1000))
            time.sleep(0.02)
        return out

    quiet = citizen()
    with ThreadPoolExecutor(4) as pool:
        floods = [pool.submit(flooding) for _ in range(3)]
        during = pool.submit(citizen).result()
        stop.set()
        for f in floods:
            f.result()
    assert all(status == 200 for status, _ in quiet + during), [s for s, _ in during if s != 200]
    limited = sum(1 for s in flood if s == 429)
    assert limited > 0 and set(flood) <= {200, 429}
    print(
        f"\nflood: {len(flood)} polls from one client, {limited} answered 429; the other citizen's polls "
        f"all 200, p50 {statistics.median(ms for _, ms in quiet):.1f} ms alone, "
        f"{statistics.median(ms for _, ms in during):.1f} ms during the flood"
    )


@pytest.mark.e2e
@pytest.mark.azurite
def test_cors_only_for_the_configured_site_origins(system: System) -> None:
    site = system.settings["BALCAO_SITE_ORIGINS"]
    allowed = system.client.get("/api/units", headers={"Origin": site})
    assert allowed.headers["Access-Control-Allow-Origin"] == site
    assert "ETag" in allowed.headers["Access-Control-Expose-Headers"]
    assert "Origin" in allowed.headers["Vary"]
    foreign = system.client.get("/api/units", headers={"Origin": "https://golpe.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers
    refused = system.client.get("/api/tickets/x.20260101.abc", headers={"Origin": site})
    assert refused.status_code in (400, 401, 404) and refused.headers["Access-Control-Allow-Origin"] == site
