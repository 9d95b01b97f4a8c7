"""Closed units in the browser: units follow their real hours (no "always open"), with the clock set to
a Sunday afternoon, when every demo unit is closed. The directory and the unit's own page show the next
opening in the unit's time zone, and the join form is not offered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, expect

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

SUNDAY = datetime(2026, 6, 14, 15, 0, tzinfo=UTC)  # 12h in Manaus, 10h in Rio Branco


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system(always_open=False, clock=lambda: SUNDAY) as running:
        yield running


def test_directory_shows_closed_units_with_their_next_opening(system: System, chromium: Browser) -> None:
    api_units = {u["id"]: u for u in system.client.get("/api/units").json()["units"]}
    assert not any(u["openNow"] for u in api_units.values())
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#lista-unidades > li")).to_have_count(7)
    expect(page.locator("#resultado-unidades")).to_contain_text("0 abertas agora")

    manaus = page.locator('li[data-unidade="trf1-sjam-01vf"]')
    expect(manaus).to_contain_text("Fechada agora")
    assert api_units["trf1-sjam-01vf"]["nextOpening"] == "2026-06-15T09:00:00-04:00"
    expect(manaus).to_contain_text("Próxima abertura")
    expect(manaus).to_contain_text("segunda-feira, 15/06/2026 às 09h00 (horário de Manaus, UTC−4)")
    expect(manaus).not_to_contain_text("Entrar na fila")

    # Acre: Monday 15 June is a state holiday there, so the next opening is on Tuesday, in UTC−5.
    acre = page.locator('li[data-unidade="trf1-sjac-01vf"]')
    assert api_units["trf1-sjac-01vf"]["nextOpening"] == "2026-06-16T09:00:00-05:00"
    expect(acre).to_contain_text("terça-feira, 16/06/2026 às 09h00 (horário de Rio Branco, UTC−5)")
    expect(acre).to_contain_text("E-mail: 01vara.ac@trf1.jus.br")  # other ways to reach the unit

    inactive = page.locator('li[data-unidade="trf1-coger"]')
    expect(inactive).to_contain_text("Não atende pelo Balcão Virtual")
    expect(inactive).not_to_contain_text("Próxima abertura")
    screenshot(page, "closed-01-directory")
    assert_accessible(page, "closed-directory")
    context.close()


def test_deep_link_to_a_closed_unit_shows_the_next_opening_instead_of_the_form(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system, viewport=PHONE)
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto("/?unidade=trf1-sjac-01vf")
    notice = page.locator("#entrada-fechada")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("A unidade está fechada agora.")
    expect(notice).to_contain_text(
        "Próxima abertura: terça-feira, 16/06/2026 às 09h00 (horário de Rio Branco, UTC−5)."
    )
    expect(notice).to_contain_text("Telefone: (68) 3214-2000")
    expect(page.locator("#form-entrada")).to_be_hidden()
    assert_fits(page)
    screenshot(page, "closed-02-unit-page-phone")
    assert_accessible(page, "closed-unit-page")
    assert posts == []
    context.close()
