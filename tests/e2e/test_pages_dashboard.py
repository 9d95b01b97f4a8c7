"""The administrator dashboard in a real browser.

It must show exactly what the metrics API answers, formatted in pt-BR, and a clear "indisponível"
state (no numbers at all) when an endpoint answers 404 or 5xx. The metrics API is being built in its
own issue, so the tests check the page three ways: against whatever the real backend answers today,
against fixed answers served through Playwright's routing (to check formatting, charts and tables),
and against failing answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.pages_support import (
    PHONE,
    assert_accessible,
    assert_fits,
    chromium,
    new_context,
    no_page_errors,
    playwright,
    screenshot,
)
from tests.support.system import System, running_system

__all__ = ["chromium", "no_page_errors", "playwright"]  # fixtures from pages_support

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

ADMIN = "gestao@balcao.jus.br"
MANAGER = "fabio.nunes@trf1.jus.br"
METRICS = re.compile(r"/api/metrics/")

SUMMARY = {
    "period": "30",
    "from": "2026-05-16",
    "to": "2026-06-14",
    "totals": {
        "requests": 1534,
        "admitted": 1500,
        "served": 1234,
        "notServed": {
            "left": 120,
            "expired": 30,
            "no_show": 45,
            "closed": 10,
            "transferred": 50,
            "rejected": 11,
        },
    },
    "averagePerDay": 41.1,
    "waitMinutes": {"mean": 12.5, "p50": 9, "p90": 31.2},
    "serviceMinutes": {"mean": 7.3, "p90": 15},
    "survey": {"count": 321, "mean": 4.62},
    "activeAgents": 8,
    "unitsWithAttendance": 6,
    "inactiveUnits": 1,
    "activeUnits": 6,
    "queueNow": 4,
    "chatAttendances": 1042,
}
UNITS = {
    "units": [
        {
            "id": "trf1-sjac-01vf",
            "name": "TRF1 - SJAC - 01ª Vara Federal Cível e Criminal",
            "section": "SJAC",
            "court": {"id": "trf1", "name": "Tribunal Regional Federal da 1ª Região"},
            "requests": 1020,
            "served": 987,
            "today": 35,
            "queue": 3,
            "averageWaitMinutes": 11.4,
            "surveyMean": 4.7,
        },
        {
            "id": "tjac-rbr-1vce",
            "name": "1ª Vara Cível e Empresarial",
            "section": "Comarca de Rio Branco",
            "court": {"id": "tjac", "name": "Tribunal de Justiça do Estado do Acre"},
            "requests": 514,
            "served": 247,
            "today": 9,
            "queue": 1,
            "averageWaitMinutes": None,
            "surveyMean": None,
        },
    ]
}


def daily(days: int) -> dict[str, Any]:
    last = date(2026, 6, 14)
    return {
        "days": [
            {
                "date": (last - timedelta(days=days - 1 - i)).isoformat(),
                "requests": 40 + i,
                "served": 30 + i,
                "averageWaitMinutes": 10 + i / 2,
            }
            for i in range(days)
        ]
    }


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def serve_metrics(page: Page, seen: list[str], status: int = 200) -> None:
    def handle(route: Route) -> None:
        url = urlsplit(route.request.url)
        seen.append(f"{url.path}?{url.query}")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if status != 200:
            route.fulfill(
                status=status,
                content_type="application/problem+json",
                body=json.dumps(
                    {"title": "Serviço indisponível", "status": status, "detail": "Tente mais tarde."}
                ),
            )
        elif url.path.endswith("/summary"):
            route.fulfill(json={**SUMMARY, "period": query.get("period", "7")})
        elif url.path.endswith("/daily"):
            route.fulfill(json=daily(int(query.get("days", "7"))))
        else:
            court = query.get("court")
            route.fulfill(
                json={"units": [u for u in UNITS["units"] if not court or u["court"]["id"] == court]}
            )

    page.route(METRICS, handle)


def ptbr(value: float | None, *, decimals: bool = False) -> str:
    """What Intl.NumberFormat('pt-BR') writes (at most one decimal); "—" for a missing value."""
    if value is None:
        return "—"
    if not decimals:
        return f"{round(value):,}".replace(",", ".")
    text = f"{value:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text[:-2] if text.endswith(",0") else text


def kpi(page: Page, label: str) -> str:
    text: str = (
        page.locator("#kpis > div").filter(has=page.locator("dt", has_text=label)).locator("dd").inner_text()
    )
    return text


def test_dashboard_asks_to_sign_in(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto("/painel.html")
    expect(page.locator("#link-entrar")).to_have_attribute(
        "href", "/.auth/login/aad?post_login_redirect_uri=/painel.html"
    )
    expect(page.locator("#painel")).to_be_hidden()
    assert_accessible(page, "dashboard-sign-in")
    context.close()


def test_dashboard_shows_what_the_real_metrics_api_answers(system: System, chromium: Browser) -> None:
    """Whatever the backend serves today: numbers that match it, or "indisponível" and no numbers."""
    answers = {
        name: system.client.get(f"/api/metrics/{path}", headers=system.clerk(ADMIN))
        for name, path in (
            ("resumo", "summary?period=7"),
            ("serie", "daily?days=7"),
            ("unidades", "units?period=7"),
        )
    }
    context = new_context(chromium, system, clerk=ADMIN)
    page = context.new_page()
    page.goto("/painel.html")
    expect(page.locator("#painel")).to_be_visible()
    for name, answer in answers.items():
        state = page.locator(f"#{name}-estado")
        if answer.status_code != 200:
            assert answer.status_code == 404 or answer.status_code >= 500, answer.status_code
            expect(state).to_contain_text("Indicadores indisponíveis")
            expect(state).to_contain_text(str(answer.status_code))
    summary = answers["resumo"]
    if summary.status_code == 200:
        data = summary.json()
        expect(page.locator("#kpis > div")).to_have_count(11)
        assert kpi(page, "Total de atendimentos").startswith(ptbr(data["totals"]["served"]))
        assert kpi(page, "Média de atendimentos por dia") == ptbr(data["averagePerDay"], decimals=True)
        mean = data["waitMinutes"]["mean"]
        assert kpi(page, "Espera média").startswith(
            "—" if mean is None else f"{ptbr(mean, decimals=True)} min"
        )
        for label, key in (
            ("Agentes ativos", "activeAgents"),
            ("Unidades com atendimento", "unitsWithAttendance"),
            ("Unidades ativas", "activeUnits"),
            ("Unidades inativas", "inactiveUnits"),
            ("Pessoas na fila agora", "queueNow"),
        ):
            assert kpi(page, label) == ptbr(data[key]), label
        assert kpi(page, "Atendimentos por chat").startswith(ptbr(data["chatAttendances"]) + "\n")
    else:
        expect(page.locator("#kpis > div")).to_have_count(0)
    if answers["serie"].status_code == 200 and answers["serie"].json()["days"]:
        expect(page.locator("#graficos table tbody tr")).to_have_count(len(answers["serie"].json()["days"]))
    if answers["unidades"].status_code == 200:
        units = answers["unidades"].json()["units"]
        rows = page.locator("#unidades-tabela tbody tr")
        expect(rows).to_have_count(len(units))
        for row, unit in zip(rows.all(), units, strict=True):
            cells = row.locator("th, td").all_inner_texts()
            assert (
                cells[0] == unit["name"]
                and cells[3] == ptbr(unit["requests"])
                and cells[4] == ptbr(unit["served"])
            )
            assert cells[7] == ptbr(unit["averageWaitMinutes"], decimals=True)
    screenshot(page, "dashboard-01-live-backend")
    assert_accessible(page, "dashboard-live-backend")
    context.close()


def test_dashboard_formats_the_metrics_in_portuguese_with_charts_tables_and_csv(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system, clerk=ADMIN)
    page = context.new_page()
    seen: list[str] = []
    serve_metrics(page, seen)
    page.goto("/painel.html")
    page.select_option("#periodo", "30")
    expect(page.locator("#resumo-periodo")).to_contain_text("de 16/05/2026 a 14/06/2026")
    assert "/api/metrics/summary?period=30" in seen

    assert kpi(page, "Total de atendimentos").startswith("1.234")
    assert "de 1.534 solicitações; 1.500 admitidas na fila" in kpi(page, "Total de atendimentos")
    assert kpi(page, "Média de atendimentos por dia") == "41,1"
    assert kpi(page, "Espera média").startswith("12,5 min")
    assert "mediana 9 min; 90% até 31,2 min" in kpi(page, "Espera média")
    assert kpi(page, "Satisfação média").startswith("4,6")
    assert kpi(page, "Agentes ativos") == "8"
    assert kpi(page, "Unidades com atendimento") == "6"
    assert kpi(page, "Unidades inativas") == "1"
    assert kpi(page, "Pessoas na fila agora") == "4"
    assert kpi(page, "Atendimentos por chat").startswith("1.042\n")
    expect(page.locator("#nao-atendidos")).to_contain_text("Não compareceram")
    expect(page.locator("#nao-atendidos")).to_contain_text("45")

    # Charts over 7 days (inline SVG with a name), and the same numbers in a table.
    expect(page.locator("#graficos svg[role=img]")).to_have_count(2)
    expect(page.locator("#graficos rect.barra-dado")).to_have_count(7)
    expect(page.locator("#graficos circle.ponto-dado")).to_have_count(7)
    expect(page.locator("#graficos table tbody tr")).to_have_count(7)
    expect(page.locator("#graficos table tbody tr").last).to_contain_text("14/06/2026")
    expect(page.locator("#graficos table tbody tr").last).to_contain_text("13")  # 10 + 6/2
    expect(page.locator("#csv-diario")).to_have_attribute("href", "/api/metrics/daily?days=7&format=csv")

    rows = page.locator("#unidades-tabela tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("1.020")
    expect(rows.first).to_contain_text("11,4")
    expect(rows.nth(1)).to_contain_text("—")  # no average: shown as missing, never as zero
    expect(page.locator("#csv-unidades")).to_have_attribute("href", "/api/metrics/units?period=30&format=csv")
    page.locator("#graficos details summary").click()
    screenshot(page, "dashboard-02-metrics")
    assert_accessible(page, "dashboard-metrics")

    page.check("#dias-60")
    expect(page.locator("#graficos rect.barra-dado")).to_have_count(60)
    assert any(s.startswith("/api/metrics/daily?days=60") for s in seen)

    page.select_option("#tribunal", "tjac")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("1ª Vara Cível e Empresarial")
    assert "/api/metrics/summary?period=30&court=tjac" in seen
    assert "/api/metrics/units?period=30&court=tjac" in seen
    assert "/api/metrics/daily?days=60&court=tjac" in seen
    expect(page.locator("#csv-unidades")).to_have_attribute(
        "href", "/api/metrics/units?period=30&court=tjac&format=csv"
    )

    page.set_viewport_size(PHONE)
    assert_fits(page)
    screenshot(page, "dashboard-03-phone")
    context.close()


def test_dashboard_says_unavailable_and_shows_no_numbers_when_the_api_fails(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system, clerk=ADMIN)
    page = context.new_page()
    serve_metrics(page, [], status=503)
    page.goto("/painel.html")
    for name in ("resumo", "serie", "unidades"):
        state = page.locator(f"#{name}-estado")
        expect(state).to_contain_text("Indicadores indisponíveis")
        expect(state).to_contain_text("503")
    expect(page.locator("#kpis > div")).to_have_count(0)
    expect(page.locator("#graficos > *")).to_have_count(0)
    expect(page.locator("#unidades-tabela > *")).to_have_count(0)
    expect(page.locator("#csv-diario")).to_be_hidden()
    expect(page.locator("#csv-unidades")).to_be_hidden()
    screenshot(page, "dashboard-04-unavailable")
    assert_accessible(page, "dashboard-unavailable")
    context.close()


def test_a_court_manager_sees_only_the_courts_they_manage(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system, clerk=MANAGER)
    page = context.new_page()
    seen: list[str] = []
    serve_metrics(page, seen)
    page.goto("/painel.html")
    options = page.locator("#tribunal option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "trf1")
    expect(page.locator("#resumo-periodo")).to_contain_text("Tribunal Regional Federal da 1ª Região")
    assert any("court=trf1" in s for s in seen if "/summary" in s)
    context.close()
