"""Indicators end to end: the dev host, Azurite, a clock the test moves. A served attendance reaches
the metrics API through the rollup timer running on the host; the CSV opens in a pt-BR spreadsheet;
only the unit's clerks, the court's managers and administrators read the numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from devhost.clock import FakeClock
from tests.support.system import System, running_system

UNIT = "trf1-sjac-01vf"
ANA = "ana.souza@trf1.jus.br"  # clerk of trf1-sjac-01vf and trf1-sjac-02vf
MANAGER = "fabio.nunes@trf1.jus.br"  # court manager of trf1
ADMIN = "gestao@balcao.jus.br"
START = datetime(2026, 11, 30, 15, 0, 0, 500_000, tzinfo=UTC)  # a Monday, 10:00 in Rio Branco


@pytest.fixture(scope="module")
def system(clock: FakeClock) -> Iterator[System]:
    with running_system(clock=clock) as running:
        yield running


def advance(system: System, clock: FakeClock, seconds: int, keep_alive: Callable[[], object]) -> None:
    """Move the clock in steps of 30 s, the citizen's page polling in between (or the upkeep timer
    would mark them absent); the host fires the timers that fell due (the rollup at second 10)."""
    for _ in range(seconds // 30):
        keep_alive()
        clock.advance(30)
        assert system.host.wait_idle(15)


def get(system: System, path: str, who: str | None = ADMIN, **params: str) -> Any:
    headers = system.clerk(who) if who else {}
    return system.client.get(f"/api/metrics/{path}", params=params, headers=headers)


def rows_of(answer: Any) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    assert answer.headers["content-disposition"].endswith('.csv"')
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets look for
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture(scope="module")
def served(system: System, clock: FakeClock) -> dict[str, Any]:
    """One attendance: joins at 10:00:00, called 90 s later, finished 150 s after that, survey 4."""
    join = {
        "name": "Maria da Silva",
        "role": "parte",
        "reason": "orientacao",
        "consent": True,
        "category": "partes",
    }
    ticket: dict[str, Any] = system.client.post(f"/api/units/{UNIT}/tickets", json=join).json()
    auth = {"Authorization": f"Bearer {ticket['token']}"}

    def poll() -> str:
        status: str = system.client.get(f"/api/tickets/{ticket['ticketId']}", headers=auth).json()["status"]
        return status

    system.wait(lambda: poll() == "waiting")
    advance(system, clock, 90, poll)
    called = system.client.post(f"/api/clerk/units/{UNIT}/call", headers=system.clerk(ANA))
    assert called.status_code == 200 and called.json()["ticketId"] == ticket["ticketId"]
    advance(system, clock, 150, poll)
    done = system.client.post(
        f"/api/clerk/units/{UNIT}/tickets/{ticket['ticketId']}/finish", headers=system.clerk(ANA)
    )
    assert done.status_code == 200, done.text
    survey = system.client.post(f"/api/tickets/{ticket['ticketId']}/survey", json={"score": 4}, headers=auth)
    assert survey.status_code == 201
    advance(system, clock, 60, poll)
    assert system.host.invocations("roll_up_metrics") >= 3
    return ticket


def test_a_served_attendance_appears_in_the_summary(system: System, served: dict[str, Any]) -> None:
    answer = get(system, "summary", period="today")
    assert answer.status_code == 200, answer.text
    s = answer.json()
    assert (s["period"], s["from"], s["to"]) == ("today", "2026-11-30", "2026-11-30")
    assert s["totals"] == {
        "requests": 1,
        "admitted": 1,
        "served": 1,
        "notServed": {"left": 0, "expired": 0, "no_show": 0, "closed": 0, "transferred": 0, "rejected": 0},
    }
    assert s["averagePerDay"] == 1.0
    assert s["waitMinutes"]["mean"] == 1.5 and s["serviceMinutes"]["mean"] == 2.5
    assert s["survey"] == {"count": 1, "mean": 4.0}
    assert (s["activeAgents"], s["unitsWithAttendance"], s["activeUnits"], s["inactiveUnits"]) == (1, 1, 6, 5)
    assert s["queueNow"] == 0
    assert get(system, "summary", period="30").json()["totals"]["served"] == 1


def test_the_tables_and_their_csv_for_pt_br_spreadsheets(system: System, served: dict[str, Any]) -> None:
    units = {u["id"]: u for u in get(system, "units", period="7").json()["units"]}
    assert units[UNIT]["today"] == 1 and units[UNIT]["averageWaitMinutes"] == 1.5
    assert units[UNIT]["court"] == {"id": "trf1", "name": "Tribunal Regional Federal da 1ª Região"}

    table = rows_of(get(system, "units", period="7", format="csv"))
    assert table[0] == [
        "Código",
        "Unidade",
        "Seção",
        "Tribunal",
        "Solicitações",
        "Atendimentos",
        "Atendimentos hoje",
        "Fila agora",
        "Espera média (min)",
        "Nota média da pesquisa",
    ]
    row = next(r for r in table if r[0] == UNIT)
    assert row[4:] == ["1", "1", "1", "0", "1,5", "4"]  # decimal comma

    daily = rows_of(get(system, "daily", days="7", format="csv"))
    assert daily[0] == ["Data", "Solicitações", "Atendimentos", "Espera média (min)"]
    assert daily[-1] == ["30/11/2026", "1", "1", "1,5"] and len(daily) == 8

    heat = rows_of(get(system, "heatmap", period="7", format="csv"))
    assert heat[0][:3] == ["Dia da semana", "00h", "01h"] and len(heat[0]) == 25
    assert heat[1][0] == "segunda-feira" and heat[1][1 + 10] == "1"  # Monday, 10h in Rio Branco

    compliance = rows_of(get(system, "compliance", period="today", unit=UNIT, format="csv"))
    assert compliance[0][:9] == [
        "Código",
        "Unidade",
        "Tribunal",
        "Minutos de funcionamento",
        "Minutos com servidor(a) on-line",
        "Cobertura (%)",
        "Mediana da espera até a chamada (min)",
        "Chamadas",
        "Chamadas fora da ordem",
    ]
    assert compliance[1][0] == UNIT and int(compliance[1][3]) >= 3 and compliance[1][7:9] == ["1", "0"]

    drop = get(system, "dropoff", period="7").json()["buckets"]
    assert drop[0]["label"] == "1" and drop[0]["admitted"] == 1 and drop[0]["notServed"] == 0


def test_who_reads_what(system: System, served: dict[str, Any]) -> None:
    nobody = get(system, "summary", who=None)
    assert nobody.status_code == 401 and nobody.headers["content-type"].startswith("application/problem+json")
    assert get(system, "units", who="helena.libras@trf1.jus.br").status_code == 403  # interpreter
    assert get(system, "units", who="alguem@exemplo.com").status_code == 403

    mine = {u["id"] for u in get(system, "units", who=ANA).json()["units"]}
    assert mine == {"trf1-sjac-01vf", "trf1-sjac-02vf"}
    assert get(system, "summary", who=ANA, period="today").json()["activeUnits"] == 2
    assert get(system, "summary", who=ANA, unit="tjac-rbr-1vce").status_code == 403
    assert get(system, "daily", who="bruno.lima@trf1.jus.br", unit="trf1-sjac-02vf").status_code == 403

    court = {u["id"] for u in get(system, "units", who=MANAGER).json()["units"]}
    assert court == {"trf1-sjac-01vf", "trf1-sjac-02vf", "trf1-sjam-01vf", "trf1-sjam-02vf", "trf1-coger"}
    assert get(system, "compliance", who=MANAGER, court="tjac").status_code == 403
    assert len(get(system, "units").json()["units"]) == 7


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("summary", {"period": "90"}, "period"),
        ("daily", {"days": "today"}, "days"),
        ("units", {"format": "xml"}, "format"),
        ("summary", {"format": "csv"}, "format"),
    ],
)
def test_bad_parameters_are_refused_in_portuguese(
    system: System, path: str, params: dict[str, str], field: str
) -> None:
    answer = get(system, path, **params)
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("application/problem+json")
    assert field in answer.json()["errors"] and answer.json()["detail"]
