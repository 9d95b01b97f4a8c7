"""Timers on the dev host, firing by their real NCRONTAB schedules on a controlled clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devhost.clock import FakeClock
from tests.support.system import System, running_system

MANAUS = "trf1-sjam-02vf"  # 09-18 in Manaus (UTC-4), close_queue
RIO_BRANCO = "trf1-sjac-02vf"  # 08-12 and 14-18 in Rio Branco (UTC-5)
START = datetime(2026, 12, 7, 12, 59, 30, tzinfo=UTC)  # Monday: 07:59:30 in Rio Branco, 08:59:30 in Manaus


@pytest.fixture(scope="module")
def system(clock: FakeClock) -> Iterator[System]:
    with running_system(always_open=False, clock=clock) as running:
        yield running


def units(system: System) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in system.client.get("/api/units").json()["units"]}


def join(system: System, unit: str, name: str) -> Any:
    return system.client.post(
        f"/api/units/{unit}/tickets",
        json={"name": name, "role": "parte", "reason": "orientacao", "consent": True},
    )


def status(system: System, ticket: dict[str, Any]) -> dict[str, Any]:
    r = system.client.get(
        f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
    )
    result: dict[str, Any] = r.json()
    return result


def test_units_open_by_their_own_clocks_and_timers_close_the_line(system: System, clock: FakeClock) -> None:
    listing = units(system)
    assert not listing[RIO_BRANCO]["openNow"] and not listing[MANAUS]["openNow"]
    assert listing[RIO_BRANCO]["nextOpening"] == "2026-12-07T08:00:00-05:00"
    refused = join(system, MANAUS, "Cedo Demais")
    assert refused.status_code == 409 and "09h00" in refused.json()["detail"]

    clock.set(START + timedelta(seconds=30))  # 13:00 UTC: 09:00 in Manaus, 08:00 in Rio Branco
    assert system.host.wait_idle(10)
    listing = units(system)
    assert listing[RIO_BRANCO]["openNow"] and listing[MANAUS]["openNow"]

    clock.set(datetime(2026, 12, 7, 21, 58, 0, tzinfo=UTC))  # 17:58 in Manaus
    first = join(system, MANAUS, "Ana Lima")
    assert first.status_code == 202
    ticket = first.json()
    system.wait(lambda: status(system, ticket)["status"] == "waiting")
    assert system.host.wait_idle(10)  # the timers caught up with the last jump
    upkeep_runs = system.host.invocations("queue_upkeep")

    clock.set(datetime(2026, 12, 7, 22, 0, 0, tzinfo=UTC))  # 18:00 in Manaus: the minute timer fires
    assert system.host.wait_for_invocations("queue_upkeep", upkeep_runs + 1, timeout=10)
    assert system.host.wait_idle(10)
    closed = status(system, ticket)
    assert closed["status"] == "closed" and closed["alternatives"] is not None
    assert "encerrou" in closed["message"]


def line_entry(system: System, unit: str, day: str, ticket: dict[str, Any]) -> Any:
    """The ticket's entry in the stored line (read from Table Storage: a poll would be a sign of life)."""
    from adapters.storage import table_service
    from adapters.tables import TableQueueStore

    state, _ = TableQueueStore(table_service(system.settings)).load(unit, day)
    return state.find(ticket["ticketId"].rsplit(".", 1)[1])


def upkeep_at(system: System, clock: FakeClock, at: datetime) -> None:
    """Move the clock to `at` (a minute boundary) and wait for the minute timer's pass."""
    runs = system.host.invocations("queue_upkeep")
    clock.set(at)
    assert system.host.wait_for_invocations("queue_upkeep", runs + 1, timeout=10)
    assert system.host.wait_idle(10)


def test_a_silent_page_becomes_absent_after_five_minutes_and_returns(
    system: System, clock: FakeClock
) -> None:
    joined_at = datetime(2026, 12, 9, 13, 30, 0, tzinfo=UTC)  # Wednesday 08:30 in Rio Branco (8 Dec: holiday)
    clock.set(joined_at)
    ticket = join(system, RIO_BRANCO, "Beto Souza").json()
    system.wait(lambda: status(system, ticket)["status"] == "waiting")
    assert system.host.wait_idle(10)
    upkeep_at(system, clock, joined_at + timedelta(minutes=4))  # a throttled phone: not absent yet
    assert not line_entry(system, RIO_BRANCO, "20261209", ticket).absent_since_ms
    upkeep_at(system, clock, joined_at + timedelta(minutes=6))  # past the 5-minute default
    assert line_entry(system, RIO_BRANCO, "20261209", ticket).absent_since_ms  # absent, place kept
    back = status(system, ticket)  # the page polls again
    assert back["status"] == "waiting" and back["position"] == 1


def refuse_poll(system: System, ticket: dict[str, Any], token: str) -> int:
    """Poll `ticket` from one client address until its limit refuses a poll (bounded); the status of the
    last poll, sent with `token` once the client's bucket is empty."""
    client = {"X-Forwarded-For": "203.0.113.9"}
    for _ in range(20):
        for _ in range(400):  # 60 at once, then 20 a second: a tight loop empties the bucket
            flood = system.client.get(
                f"/api/tickets/{ticket['ticketId']}", headers={**client, "Authorization": "Bearer x.y"}
            )
            if flood.status_code == 429:
                break
        last = system.client.get(
            f"/api/tickets/{ticket['ticketId']}", headers={**client, "Authorization": f"Bearer {token}"}
        )
        if last.status_code == 429:
            return 429
    return last.status_code


def test_a_poll_refused_by_a_rate_limit_still_counts_as_a_sign_of_life(
    system: System, clock: FakeClock
) -> None:
    joined_at = datetime(2026, 12, 9, 15, 0, 0, tzinfo=UTC)  # 10:00 in Rio Branco
    clock.set(joined_at)
    there = join(system, RIO_BRANCO, "Carla Presente").json()
    silent = join(system, RIO_BRANCO, "Davi Calado").json()
    system.wait(lambda: status(system, there)["status"] == "waiting")
    system.wait(lambda: status(system, silent)["status"] == "waiting")
    assert system.host.wait_idle(10)
    upkeep_at(system, clock, joined_at + timedelta(minutes=4))
    # A phone that polls too fast: refused (429), but with its own valid token.
    assert refuse_poll(system, there, there["token"]) == 429
    # The same refusal with someone else's token is no sign of life for the ticket polled.
    assert refuse_poll(system, silent, there["token"]) == 429
    upkeep_at(system, clock, joined_at + timedelta(minutes=7))  # 7 min after the last served poll
    assert not line_entry(system, RIO_BRANCO, "20261209", there).absent_since_ms
    assert line_entry(system, RIO_BRANCO, "20261209", silent).absent_since_ms
    upkeep_at(system, clock, joined_at + timedelta(minutes=10))  # 6 min after the refused poll
    assert line_entry(system, RIO_BRANCO, "20261209", there).absent_since_ms
