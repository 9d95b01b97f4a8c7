"""Privacy by the law in the browser (issue 16, observation 7): the legal basis is the public service
(LGPD art. 7 III and art. 23), not consent; the pages name the controller and the data protection
officer (encarregado) from the configuration (infra/config/balcao.json, each court's `privacy`).

The privacy page lists every court's controller and encarregado; the join form states the basis and the
unit's court's contacts, has no consent box, and a join sent without ticking anything is accepted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.pages_support import (
    assert_accessible,
    chromium,
    fill_join_form,
    new_context,
    no_page_errors,
    playwright,
)
from tests.support.system import CONFIG_FILE, System, running_system

__all__ = ["chromium", "no_page_errors", "playwright"]  # fixtures from pages_support

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "tjac-rbr-1vce"  # a unit of TJAC
BASIS = "art. 7º, inciso III, e art. 23"
COURTS = json.loads(CONFIG_FILE.read_bytes())["courts"]  # what the court declared is what must show


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def test_the_privacy_page_names_each_courts_controller_and_encarregado(
    system: System, chromium: Browser
) -> None:
    page = new_context(chromium, system).new_page()
    page.goto("/sobre.html#privacidade")
    expect(page.locator("#base-legal")).to_contain_text(BASIS)
    expect(page.locator("#base-legal")).to_contain_text("não precisa marcar que concorda")
    people = page.locator("#responsaveis")
    for court in COURTS:
        officer, controller = court["privacy"]["encarregado"], court["privacy"]["controller"]
        expect(people).to_contain_text(f"Responsável pelos dados (controlador): {controller}")
        expect(people).to_contain_text(f"Encarregado(a) de proteção de dados: {officer['name']}")
        expect(people).to_contain_text(officer["email"])
        expect(people).to_contain_text(officer["phone"])
    assert_accessible(page, "privacy-page")
    page.context.close()


def test_the_join_form_states_the_basis_and_asks_for_no_consent(system: System, chromium: Browser) -> None:
    tjac = next(c for c in COURTS if c["id"] == "tjac")["privacy"]
    page = new_context(chromium, system).new_page()
    page.goto(f"/?unidade={UNIT}")
    notice = page.locator("#form-entrada #aviso-privacidade")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(BASIS)
    expect(notice).to_contain_text(f"Responsável pelos dados (controlador): {tjac['controller']}")
    expect(notice).to_contain_text(f"Encarregado(a) de proteção de dados: {tjac['encarregado']['name']}")
    expect(notice).to_contain_text(tjac["encarregado"]["email"])
    expect(notice.get_by_role("link", name="Saiba mais sobre privacidade")).to_have_attribute(
        "href", "sobre.html#privacidade"
    )
    expect(page.locator("#form-entrada input[type=checkbox]:required")).to_have_count(0)
    expect(page.get_by_text("Concordo com o uso")).to_have_count(0)
    assert_accessible(page, "join-form-privacy")

    fill_join_form(page, "Clara Sem Caixinha")  # nothing ticked
    page.click("#botao-entrar")
    expect(page.locator("#espera-posicao")).to_have_text("1")
    ticket = page.evaluate("JSON.parse(localStorage.getItem('balcao.senha') || 'null')")
    assert ticket is not None and ticket["ticketId"].startswith(f"{UNIT}.")
    page.context.close()
