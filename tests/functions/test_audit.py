"""`GET /api/gestao/audit`: the clerks' actions of a unit-day (who, what, when, ticket, reason), as JSON
and as a pt-BR CSV, for the court's managers and the administrators only. Over real HTTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.usecases.audit import AuditDay, AuditEntry, AuditUnit
from functions.audit_http import trail_csv
from tests.support.system import System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "trf1-sjac-01vf"
CLERK = "bruno.lima@trf1.jus.br"
MANAGER = "fabio.nunes@trf1.jus.br"
ADMIN = "gestao@balcao.jus.br"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def join(system: System, name: str) -> dict[str, Any]:
    answer = system.client.post(
        f"/api/units/{UNIT}/tickets",
        json={"name": name, "role": "parte", "reason": "orientacao", "consent": True, "category": "partes"},
    )
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = answer.json()
    auth = {"Authorization": f"Bearer {ticket['token']}"}
    system.wait(
        lambda: (
            system.client.get(f"/api/tickets/{ticket['ticketId']}", headers=auth).json()["status"]
            == "waiting"
        )
    )
    return ticket


@pytest.fixture(scope="module")
def attended(system: System) -> dict[str, Any]:
    """Two citizens; the clerk calls the second out of order (with a reason), serves and finishes it."""
    first, second = join(system, "Primeira Pessoa"), join(system, "Segunda Pessoa")
    clerk = principal_header(CLERK)
    called = system.client.post(
        f"/api/clerk/units/{UNIT}/call",
        json={"ticketId": second["ticketId"], "reason": "retorno agendado"},
        headers=clerk,
    )
    assert called.status_code == 200, called.text
    for action in ("start", "finish"):
        done = system.client.post(
            f"/api/clerk/units/{UNIT}/tickets/{second['ticketId']}/{action}", headers=clerk
        )
        assert done.status_code == 200, done.text
    return {"first": first, "second": second, "day": second["ticketId"].split(".")[1]}


def test_the_manager_reads_who_did_what_when_and_why(system: System, attended: dict[str, Any]) -> None:
    answer = system.client.get(
        "/api/gestao/audit", params={"unit": UNIT, "day": attended["day"]}, headers=principal_header(MANAGER)
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (
        body["unit"]["id"] == UNIT
        and body["day"] == datetime.strptime(attended["day"], "%Y%m%d").date().isoformat()
    )
    entries = body["entries"]
    second = attended["second"]["ticketId"]
    mine = [(e["action"], e["who"]) for e in entries if e["ticketId"] == second]
    assert mine == [("admit", "system"), ("call", CLERK), ("start", CLERK), ("finish", CLERK)]
    call = next(e for e in entries if e["ticketId"] == second and e["action"] == "call")
    assert call["reason"] == "servidor: retorno agendado" and call["status"] == "called"
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert times == sorted(times) and all(t.utcoffset() is not None for t in times)
    assert times[0].utcoffset().total_seconds() == -5 * 3600  # type: ignore[union-attr]  # Rio Branco
    assert {e["ticketId"] for e in entries if e["action"] == "admit"} >= {
        attended["first"]["ticketId"],
        second,
    }
    assert all("Pessoa" not in str(e) for e in entries)  # no citizen data in the trail


def test_csv_for_the_spreadsheet(system: System, attended: dict[str, Any]) -> None:
    answer = system.client.get(
        "/api/gestao/audit",
        params={"unit": UNIT, "day": attended["day"], "format": "csv"},
        headers=principal_header(ADMIN),
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert f"balcao-auditoria-{UNIT}-{attended['day']}.csv" in answer.headers["content-disposition"]
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:3] == ["Data e hora (horário da unidade)", "Quem", "Ação"]
    call = next(r for r in rows if r[3] == attended["second"]["ticketId"] and r[2] == "chamada")
    assert call[1] == CLERK and call[4] == "servidor: retorno agendado"
    assert datetime.strptime(call[0], "%d/%m/%Y %H:%M:%S")
    admitted = next(r for r in rows if r[2] == "entrada na fila")
    assert admitted[1] == "sistema"


def test_today_is_the_default_day(system: System, attended: dict[str, Any]) -> None:
    answer = system.client.get("/api/gestao/audit", params={"unit": UNIT}, headers=principal_header(ADMIN))
    assert answer.status_code == 200 and answer.json()["entries"]


@pytest.mark.parametrize(
    ("who", "params", "status"),
    [
        (CLERK, {"unit": UNIT}, 403),  # clerks act; they do not read the trail
        ("diego.rocha@tjac.jus.br", {"unit": UNIT}, 403),
        (None, {"unit": UNIT}, 401),
        (MANAGER, {"unit": "tjac-rbr-1vce"}, 403),  # another court
        (MANAGER, {"unit": UNIT, "day": "2026-03-02"}, 400),
        (MANAGER, {"unit": UNIT, "day": "20261302"}, 400),
        (MANAGER, {"unit": UNIT, "format": "xml"}, 400),
        (MANAGER, {}, 400),
        (ADMIN, {"unit": "nao-existe"}, 404),
    ],
)
def test_refusals_in_portuguese(system: System, who: str | None, params: dict[str, str], status: int) -> None:
    headers = principal_header(who) if who else {}
    answer = system.client.get("/api/gestao/audit", params=params, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["detail"]


def test_an_empty_day_is_an_empty_list(system: System) -> None:
    answer = system.client.get(
        "/api/gestao/audit", params={"unit": UNIT, "day": "20200102"}, headers=principal_header(ADMIN)
    )
    assert answer.status_code == 200 and answer.json()["entries"] == []


def test_csv_cells_never_become_formulas() -> None:
    at = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    day = AuditDay(
        AuditUnit("u", "Unidade", "c"),
        date(2026, 3, 2),
        "UTC",
        (AuditEntry(at, "=cmd@x", "call", "u.20260302.abc", '=HYPERLINK("http://x")', "called"),),
    )
    rows = list(csv.reader(io.StringIO(trail_csv(day).get_body().decode("utf-8")[1:]), delimiter=";"))
    assert rows[1][1] == "'=cmd@x" and rows[1][4].startswith("'=")
