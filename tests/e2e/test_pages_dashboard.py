"""The administrator dashboard in a real browser.

It must show exactly what the metrics API answers, formatted in pt-BR, and a clear "indisponível"
state (no numbers at all) when an endpoint answers 404 or 5xx. The tests check the page three ways:
against whatever the real backend answers, against fixed answers served through Playwright's routing
(to check formatting, charts and tables), and against failing answers. Issue 15: one period drives
every section, the page refreshes itself ("atualizado às"), the heatmap and the drop-off are drawn, the
units table sorts and carries the staff member's stars, and its key columns fit at 360 px.
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


HEATMAP = {
    "period": "30",
    "from": "2026-05-16",
    "to": "2026-06-14",  # a Sunday
    "weekdays": [
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ],
    "hours": list(range(24)),
    "served": [[(d * 3 + h) % 5 if 8 <= h < 18 else 0 for h in range(24)] for d in range(7)],
}
DROPOFF = {
    "buckets": [
        {
            "label": label,
            "admitted": admitted,
            "notServed": lost,
            "share": round(lost / admitted, 3) if admitted else None,
        }
        for label, admitted, lost in (
            ("1", 100, 2),
            ("2 a 3", 80, 4),
            ("4 a 5", 60, 6),
            ("6 a 10", 40, 8),
            ("11 a 20", 20, 10),
            ("21 a 50", 10, 5),
            ("51 ou mais", 0, 0),
        )
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
        elif url.path.endswith("/heatmap"):
            route.fulfill(json={**HEATMAP, "period": query.get("period", "7")})
        elif url.path.endswith("/dropoff"):
            route.fulfill(json=DROPOFF)
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
        shown = {}
        for row in rows.all():
            cells = row.locator("th, td").all_inner_texts()  # ★, unit, today, queue, flow, served, wait...
            shown[cells[1]] = cells
        for unit in units:
            cells = shown[unit["name"]]
            assert cells[2:7] == [
                ptbr(unit["today"]),
                ptbr(unit["queue"]),
                ptbr(unit["requests"]),
                ptbr(unit["served"]),
                ptbr(unit["averageWaitMinutes"], decimals=True),
            ], unit["name"]
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

    # The period drives the charts too: 30 days (inline SVG with a name), the same numbers in a table.
    assert "/api/metrics/daily?days=30" in seen
    expect(page.locator("#graficos svg[role=img]")).to_have_count(2)
    expect(page.locator("#graficos rect.barra-dado")).to_have_count(30)
    expect(page.locator("#graficos circle.ponto-dado")).to_have_count(30)
    expect(page.locator("#graficos table tbody tr")).to_have_count(30)
    expect(page.locator("#graficos table tbody tr").last).to_contain_text("14/06/2026")
    expect(page.locator("#graficos table tbody tr").last).to_contain_text("24,5")  # 10 + 29/2
    expect(page.locator("#csv-diario")).to_have_attribute("href", "/api/metrics/daily?days=30&format=csv")

    # Weekday × hour: one cell per hour of each day, shaded where something was served; a table too.
    cells = page.locator("#mapa svg rect")
    expect(cells).to_have_count(7 * 24)
    served = sum(1 for row in HEATMAP["served"] for v in row if v > 0)
    expect(page.locator("#mapa svg rect.celula-dado")).to_have_count(served)
    expect(page.locator("#mapa table tbody tr")).to_have_count(7)
    expect(page.locator("#mapa table tbody tr").first).to_contain_text("seg")
    assert "/api/metrics/heatmap?period=30" in seen

    # Drop-off by position in line: a bar per position band (none where nobody was admitted), a table.
    expect(page.locator("#desistencia rect.barra-dado")).to_have_count(6)
    expect(page.locator("#desistencia table tbody tr")).to_have_count(7)
    expect(page.locator("#desistencia table tbody tr").nth(4)).to_contain_text("50")  # 10 of 20
    assert "/api/metrics/dropoff?period=30" in seen

    rows = page.locator("#unidades-tabela tbody tr")
    expect(rows).to_have_count(2)
    first = rows.filter(has_text="TRF1 - SJAC")
    expect(first).to_contain_text("1.020")
    expect(first).to_contain_text("11,4")
    expect(rows.filter(has_text="1ª Vara Cível")).to_contain_text("—")  # missing, never zero
    expect(page.locator("#csv-unidades")).to_have_attribute("href", "/api/metrics/units?period=30&format=csv")
    page.locator("#graficos details summary").click()
    screenshot(page, "dashboard-02-metrics")
    assert_accessible(page, "dashboard-metrics")

    page.select_option("#periodo", "60")
    expect(page.locator("#graficos rect.barra-dado")).to_have_count(60)
    assert any(s.startswith("/api/metrics/daily?days=60") for s in seen)

    page.select_option("#tribunal", "tjac")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("1ª Vara Cível e Empresarial")
    assert "/api/metrics/summary?period=60&court=tjac" in seen
    assert "/api/metrics/units?period=60&court=tjac" in seen
    assert "/api/metrics/daily?days=60&court=tjac" in seen
    expect(page.locator("#csv-unidades")).to_have_attribute(
        "href", "/api/metrics/units?period=60&court=tjac&format=csv"
    )

    # "Hoje": the chart is today's hours (from the day's heatmap); there is no daily series to export.
    page.select_option("#periodo", "today")
    expect(page.locator("#graficos figcaption").first).to_have_text("Atendimentos por hora — hoje")
    expect(page.locator("#graficos rect.barra-dado")).to_have_count(
        sum(1 for v in HEATMAP["served"][6] if v is not None)
    )
    expect(page.locator("#csv-diario")).to_be_hidden()
    assert "/api/metrics/heatmap?period=today&court=tjac" in seen
    sunday = HEATMAP["served"][6]  # "to" is a Sunday: the heatmap's last line
    hour_rows = page.locator("#graficos table tbody tr")
    expect(hour_rows).to_have_count(24)
    for hour in (8, 9, 17, 18):
        expect(hour_rows.nth(hour)).to_have_text(re.compile(rf"^{hour}h\s*{sunday[hour]}$"))

    page.set_viewport_size(PHONE)
    assert_fits(page)
    screenshot(page, "dashboard-03-phone")
    context.close()


def test_dashboard_refreshes_itself_and_says_when(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system, clerk=ADMIN)
    page = context.new_page()
    page.clock.install()
    seen: list[str] = []
    serve_metrics(page, seen)
    page.goto("/painel.html")
    expect(page.locator("#atualizado")).to_contain_text(re.compile(r"^Atualizado às \d{2}:\d{2}:\d{2}\."))
    summaries = sum(1 for s in seen if "/summary" in s)
    page.clock.run_for(61_000)
    page.wait_for_timeout(50)  # let the answers of the refresh be handled (the clock is the page's)
    expect(page.locator("#kpis > div")).to_have_count(11)  # "Atendimentos por chat" (issue 14) among them
    assert sum(1 for s in seen if "/summary" in s) == summaries + 1
    for section in ("/units?", "/heatmap?", "/dropoff?", "/daily?"):
        assert sum(1 for s in seen if section in s) == 2, section
    context.close()


def test_the_units_table_sorts_keeps_stars_and_fits_a_phone(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system, clerk=MANAGER)
    page = context.new_page()
    serve_metrics(page, [])
    page.goto("/painel.html")
    rows = page.locator("#unidades-tabela tbody tr")
    expect(rows).to_have_count(1)  # the manager's court only (trf1)
    context.close()

    context = new_context(chromium, system, clerk=ADMIN)
    page = context.new_page()
    serve_metrics(page, [])
    page.goto("/painel.html")
    rows = page.locator("#unidades-tabela tbody tr")
    expect(rows).to_have_count(2)
    names = lambda: [r.locator("th").inner_text() for r in rows.all()]  # noqa: E731
    assert names() == ["1ª Vara Cível e Empresarial", "TRF1 - SJAC - 01ª Vara Federal Cível e Criminal"]

    today = page.locator("#unidades-tabela thead th", has_text="Hoje")
    today.get_by_role("button").click()
    expect(today).to_have_attribute("aria-sort", "ascending")
    assert names()[0] == "1ª Vara Cível e Empresarial"  # 9 today
    today.get_by_role("button").click()
    expect(today).to_have_attribute("aria-sort", "descending")
    assert names()[0].startswith("TRF1")  # 35 today
    expect(today.get_by_role("button")).to_be_focused()

    # A star, kept for this person by the API (the dev host, not the routed metrics).
    star = page.get_by_role("button", name="Favorita: 1ª Vara Cível e Empresarial")
    expect(star).to_have_attribute("aria-pressed", "false")
    with page.expect_response(lambda r: r.url.endswith("/api/clerk/favorites/tjac-rbr-1vce")) as put:
        star.click()
    assert put.value.request.method == "PUT" and put.value.status == 200
    expect(page.get_by_role("button", name="Favorita: 1ª Vara Cível e Empresarial")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.locator("#unidades-tabela thead th").first.get_by_role("button").click()  # sort by ★
    assert names()[0] == "1ª Vara Cível e Empresarial"
    page.reload()
    expect(page.get_by_role("button", name="Favorita: 1ª Vara Cível e Empresarial")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert system.client.get("/api/clerk/favorites", headers=system.clerk(ADMIN)).json() == {
        "units": ["tjac-rbr-1vce"]
    }
    assert_accessible(page, "dashboard-units-table")

    # At 360 px the unit, "Hoje" and "Fila agora" are on screen without scrolling sideways.
    page.set_viewport_size(PHONE)
    page.locator("#unidades-tabela").scroll_into_view_if_needed()
    for label in ("Unidade", "Hoje", "Fila agora"):
        box = page.locator("#unidades-tabela thead th", has_text=label).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (label, box)
    assert_fits(page)
    screenshot(page, "dashboard-05-units-phone")
    # Leave no star behind for other tests of this module.
    system.client.delete("/api/clerk/favorites/tjac-rbr-1vce", headers=system.clerk(ADMIN))
    context.close()


def test_dashboard_says_unavailable_and_shows_no_numbers_when_the_api_fails(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system, clerk=ADMIN)
    page = context.new_page()
    serve_metrics(page, [], status=503)
    page.goto("/painel.html")
    for name in ("resumo", "serie", "unidades", "mapa", "desistencia"):
        state = page.locator(f"#{name}-estado")
        expect(state).to_contain_text("Indicadores indisponíveis")
        expect(state).to_contain_text("503")
    expect(page.locator("#kpis > div")).to_have_count(0)
    expect(page.locator("#graficos > *")).to_have_count(0)
    expect(page.locator("#unidades-tabela > *")).to_have_count(0)
    expect(page.locator("#mapa > *")).to_have_count(0)
    expect(page.locator("#desistencia > *")).to_have_count(0)
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
