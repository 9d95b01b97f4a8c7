"""A call that passes a waiting priority person says so (issue 16, observation 13), over HTTP against
the dev host with a clock the test moves: under the `interleave` policy, and when a clerk calls by
service category, the call is recorded as "prioridade preterida" with the rule that caused it (the audit
trail), and the compliance report counts it by rule once the rollup timer has run.

The expectations come from the law (DESIGN §6: with no dedicated desk, a waiting priority person is the
next one called, Decreto 5.296/2004 art. 6 §2), not from the code: a normal citizen called while a
priority citizen waits is a call out of the law's order, whoever arrived first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from devhost.clock import FakeClock
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

INTERLEAVE_UNIT = "trf1-sjac-02vf"  # interleave 2 priority calls, 1 normal (a dedicated priority desk)
CATEGORY_UNIT = "trf1-sjac-01vf"  # service categories "advogados" and "partes"
ANA = "ana.souza@trf1.jus.br"  # clerk of both units
ADMIN = "gestao@balcao.jus.br"
START = datetime(2026, 11, 30, 15, 0, 0, 500_000, tzinfo=UTC)  # a Monday, 10:00 in Rio Branco
PERSON = {"role": "parte", "reason": "orientacao", "consent": True}
ELDERLY = ["idoso_60"]


@pytest.fixture(scope="module")
def system(clock: FakeClock) -> Iterator[System]:
    with running_system(clock=clock) as running:
        yield running


def join(system: System, unit: str, name: str, **extra: Any) -> str:
    answer = system.client.post(f"/api/units/{unit}/tickets", json={**PERSON, "name": name, **extra})
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = answer.json()
    auth = {"Authorization": f"Bearer {ticket['token']}"}
    path = f"/api/tickets/{ticket['ticketId']}"
    system.wait(lambda: system.client.get(path, headers=auth).json()["status"] == "waiting")
    return str(ticket["ticketId"])


def call(system: System, unit: str, **body: str) -> dict[str, Any]:
    answer = system.client.post(f"/api/clerk/units/{unit}/call", json=body, headers=system.clerk(ANA))
    assert answer.status_code == 200, answer.text
    called: dict[str, Any] = answer.json()
    done = system.client.post(
        f"/api/clerk/units/{unit}/tickets/{called['ticketId']}/finish", json={}, headers=system.clerk(ANA)
    )
    assert done.status_code == 200, done.text
    return called


def call_reasons(system: System, unit: str) -> dict[str, str]:
    """ticket id → the reason the audit trail records for its call."""
    answer = system.client.get("/api/gestao/audit", params={"unit": unit}, headers=system.clerk(ADMIN))
    assert answer.status_code == 200, answer.text
    return {e["ticketId"]: e["reason"] for e in answer.json()["entries"] if e["action"] == "call"}


def compliance_row(system: System, clock: FakeClock, unit: str) -> dict[str, Any]:
    for _ in range(3):  # the rollup timer runs at second 10 of each minute
        clock.advance(30)
        assert system.host.wait_idle(15)
    answer = system.client.get(
        "/api/metrics/compliance", params={"period": "today", "unit": unit}, headers=system.clerk(ADMIN)
    )
    assert answer.status_code == 200, answer.text
    row: dict[str, Any] = answer.json()["units"][0]
    return row


def test_interleave_passing_a_priority_person_is_recorded_and_counted(
    system: System, clock: FakeClock
) -> None:
    normal = join(system, INTERLEAVE_UNIT, "Nilo Normal")  # arrived first
    priority = [join(system, INTERLEAVE_UNIT, f"Pri {n}", priority=ELDERLY) for n in ("Um", "Dois", "Tres")]
    called = [call(system, INTERLEAVE_UNIT)["ticketId"] for _ in range(4)]
    assert called == [priority[0], priority[1], normal, priority[2]]  # 2 priority, 1 normal, ...
    reasons = call_reasons(system, INTERLEAVE_UNIT)
    assert "prioridade preterida" in reasons[normal] and "intercalação" in reasons[normal], reasons
    assert "prioridade preterida" not in reasons[priority[2]], reasons
    row = compliance_row(system, clock, INTERLEAVE_UNIT)
    assert row["passedPriorityCalls"] == 1, row
    by_rule = {r["reason"]: r["count"] for r in row["passedPriorityRules"]}
    assert by_rule == {"intercalacao": 1, "categoria": 0, "servidor": 0}, by_rule


def test_a_call_by_category_passing_a_priority_person_is_recorded_and_counted(
    system: System, clock: FakeClock
) -> None:
    waiting_priority = join(system, CATEGORY_UNIT, "Paula Prioridade", priority=ELDERLY, category="partes")
    lawyer = join(
        system,
        CATEGORY_UNIT,
        "Otto Advogado",
        role="advogado",
        oabNumber="12345",
        oabState="AC",
        category="advogados",
    )
    assert call(system, CATEGORY_UNIT, category="advogados")["ticketId"] == lawyer
    reasons = call_reasons(system, CATEGORY_UNIT)
    assert "prioridade preterida" in reasons[lawyer] and "categoria" in reasons[lawyer], reasons
    row = compliance_row(system, clock, CATEGORY_UNIT)
    assert row["passedPriorityCalls"] == 1, row
    by_rule = {r["reason"]: r["count"] for r in row["passedPriorityRules"]}
    assert by_rule == {"intercalacao": 0, "categoria": 1, "servidor": 0}, by_rule
    assert call(system, CATEGORY_UNIT)["ticketId"] == waiting_priority
