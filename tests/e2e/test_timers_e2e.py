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
def clock() -> FakeClock:
    return FakeClock(START)


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


def test_a_silent_page_becomes_absent_on_schedule_and_returns(system: System, clock: FakeClock) -> None:
    clock.set(
        datetime(2026, 12, 9, 13, 30, 0, tzinfo=UTC)
    )  # Wednesday 08:30 in Rio Branco (8 Dec is a holiday)
    ticket = join(system, RIO_BRANCO, "Beto Souza").json()
    system.wait(lambda: status(system, ticket)["status"] == "waiting")
    assert system.host.wait_idle(10)
    runs = system.host.invocations("queue_upkeep")
    clock.set(datetime(2026, 12, 9, 13, 32, 0, tzinfo=UTC))  # two minutes of silence
    assert system.host.wait_for_invocations("queue_upkeep", runs + 1, timeout=10)
    assert system.host.wait_idle(10)
    from adapters.storage import table_service
    from adapters.tables import TableQueueStore

    state, _ = TableQueueStore(table_service(system.settings)).load(RIO_BRANCO, "20261209")
    assert state.line[0].absent_since_ms  # absent, place kept
    back = status(system, ticket)  # the page polls again
    assert back["status"] == "waiting" and back["position"] == 1
