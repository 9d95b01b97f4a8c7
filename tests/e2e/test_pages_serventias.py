"""The Serventias page (the Teams app's "Serventias" tab) in Chromium against the dev host: the units the
staff member can see with Fluxo, Hoje and Fila agora, searchable (accents and case ignored) and
sortable, a ★ per person kept by the API, "Mostrar atendimento" to the unit's console for its clerks,
and the unit's configuration shown read-only with how to change it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.pages_support import (
    PHONE,
    assert_accessible,
    assert_fits,
    join,
    new_context,
    screenshot,
    wait_status,
)
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

ANA, ADMIN = "ana.souza@trf1.jus.br", "gestao@balcao.jus.br"
SJAC1 = "TRF1 - SJAC - 01ª Vara Federal Cível e Criminal"
SJAC2 = "TRF1 - SJAC - 02ª Vara Federal Cível e Criminal"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def test_serventias_asks_to_sign_in(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto("/serventias.html")
    expect(page.locator("#link-entrar")).to_have_attribute(
        "href", "/.auth/login/aad?post_login_redirect_uri=/serventias.html"
    )
    expect(page.locator("#serventias")).to_be_hidden()
    context.close()


def test_a_clerk_finds_stars_and_opens_their_units(system: System, chromium: Browser) -> None:
    waiting = join(system, "trf1-sjac-02vf", "Pessoa Aguardando")
    wait_status(system, waiting, "waiting")
    context = new_context(chromium, system, clerk=ANA)
    page = context.new_page()
    page.goto("/serventias.html")
    rows = page.locator("#tabela tbody tr")
    expect(rows).to_have_count(2)  # Ana's units only (the API scopes them)
    second = rows.filter(has_text=SJAC2)
    expect(second.locator("td").nth(2)).to_have_text("1")  # Fila agora
    expect(page.locator("#resumo")).to_contain_text("2 de 2 serventias · atualizado às")

    # Search: accents and case do not matter.
    page.fill("#busca", "sjac 02ª")
    expect(rows).to_have_count(1)
    page.fill("#busca", "CIVEL")
    expect(rows).to_have_count(2)
    page.fill("#busca", "nenhuma assim")
    expect(page.locator("#nenhuma")).to_have_text("Nenhuma serventia com esses critérios.")
    page.fill("#busca", "")

    # Sort by name, descending.
    name_header = page.locator("#tabela thead th", has_text="Serventia")
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    name_header.get_by_role("button").click()
    expect(name_header).to_have_attribute("aria-sort", "descending")
    expect(rows.first.locator("th")).to_have_text(SJAC2)

    # A star, kept by the API for Ana; "Só as favoritas" keeps only it.
    page.get_by_role("button", name=f"Favorita: {SJAC1}").click()
    expect(page.get_by_role("button", name=f"Favorita: {SJAC1}")).to_have_attribute("aria-pressed", "true")
    page.check("#so-favoritas")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text(SJAC1)
    assert system.client.get("/api/clerk/favorites", headers=system.clerk(ANA)).json() == {
        "units": ["trf1-sjac-01vf"]
    }
    page.uncheck("#so-favoritas")

    # "Mostrar atendimento" opens the unit's queue in the console.
    link = second.get_by_role("link", name=re.compile("Mostrar atendimento"))
    expect(link).to_have_attribute("href", "servidor.html?unidade=trf1-sjac-02vf")
    screenshot(page, "serventias-01-clerk")
    assert_accessible(page, "serventias-clerk")

    # "Configurações": read-only, with how to change it; the focus comes back to the button.
    button = second.get_by_role("button", name=re.compile("Configurações"))
    button.click()
    dialog = page.locator("#dialogo-config")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Como alterar")
    expect(dialog).to_contain_text("infra/config/balcao.json")
    expect(dialog).to_contain_text("azd provision")
    expect(dialog).to_contain_text("Ana Souza")
    expect(dialog.locator("input, select, textarea")).to_have_count(0)  # nothing to edit here
    screenshot(page, "serventias-02-configuration")
    assert_accessible(page, "serventias-configuration")
    page.click("#config-fechar")
    expect(button).to_be_focused()

    page.set_viewport_size(PHONE)
    assert_fits(page)
    context.close()
    system.client.delete("/api/clerk/favorites/trf1-sjac-01vf", headers=system.clerk(ANA))


def test_an_administrator_sees_every_unit_without_a_console_link(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system, clerk=ADMIN)
    page = context.new_page()
    page.goto("/serventias.html")
    rows = page.locator("#tabela tbody tr")
    expect(rows).to_have_count(len(system.client.get("/api/units").json()["units"]))
    expect(page.locator("#tabela").get_by_role("link", name=re.compile("Mostrar atendimento"))).to_have_count(
        0
    )
    page.select_option("#periodo-fluxo", "30")
    expect(page.locator("#tabela caption")).to_contain_text("últimos 30 dias")
    context.close()
