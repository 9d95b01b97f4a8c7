"""The citizen pages built phone-first (issue 14, point 3), in Chromium at 360 × 740 as a citizen uses them.

- the directory: the seed's welcome line, the petition notice once and folded, the first unit on the
  first screen, and an honest estimate when no clerk is connected;
- the join form: a tap that leaves a field is never lost to an error line appearing under it;
- the waiting screen: the tab's title says the position, a visible line says when someone with legal
  priority enters ahead, "Aguardando um servidor ficar disponível" while no clerk is online, the petition
  notice is not repeated, and the screen reader is told about the meeting link when it exists, not before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.pages_support import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits,
    clerk_post,
    fill_join_form,
    join,
    new_context,
    screenshot,
    wait_status,
)
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "trf1-sjac-02vf"  # no service categories; clerk Ana
ANA = "ana.souza@trf1.jus.br"
NO_CLERK = "Aguardando um servidor ficar disponível"

# Every text the urgent live region receives, with whether the meeting link was on the screen then.
ANNOUNCEMENTS = """
window.__said = [];
document.addEventListener("DOMContentLoaded", () => {
  const region = document.getElementById("anuncio-urgente");
  if (!region) return;
  new MutationObserver(() => {
    if (!region.textContent) return;
    const link = document.getElementById("entrar-atendimento");
    window.__said.push({ text: region.textContent, linkShown: !!link && !link.hidden && !!link.href });
  }).observe(region, { childList: true, characterData: true, subtree: true });
});
"""


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def tap(page: Page, selector: str) -> tuple[Any, Any]:
    """Press and release the mouse on the middle of `selector`, as a finger would; the element's box
    when pressed and when released."""
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    pressed = page.locator(selector).bounding_box()
    page.mouse.up()
    return box, pressed


def test_the_directory_shows_units_on_the_first_screen_with_an_honest_estimate(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system, viewport=PHONE)
    page = context.new_page()
    page.goto("/")
    expect(page.locator(".boas-vindas")).to_have_text("Bem vindo(a) ao nosso canal de atendimento on-line.")
    first = page.locator("#lista-unidades > li").first
    expect(first).to_be_visible()
    top = page.evaluate("document.querySelector('#lista-unidades > li h2').getBoundingClientRect().bottom")
    assert top <= PHONE["height"], f"the first unit's name ends at {top}px, below the first screen"
    notice = page.locator("details#aviso-peticoes")
    expect(notice).to_have_count(1)
    expect(notice).not_to_have_attribute("open", "")
    expect(notice.locator("summary")).to_have_text("O Balcão Virtual não recebe petições")
    # No clerk has come online anywhere yet: no unit promises a wait it cannot keep.
    card = page.locator(f'li[data-unidade="{UNIT}"]')
    expect(card).to_contain_text(f"Espera estimada{NO_CLERK}")
    assert_fits(page)
    screenshot(page, "phone-first-01-directory-360")
    assert_accessible(page, "phone-first-directory")
    notice.locator("summary").click()
    expect(notice).to_contain_text("sistema do processo eletrônico")
    expect(notice).to_contain_text("art. 4º")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "phone-first-02-directory-1280")
    context.close()


def test_a_tap_that_leaves_a_field_lands_where_it_was_pressed(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system, viewport=PHONE)
    page = context.new_page()
    page.goto(f"/?unidade={UNIT}")
    expect(page.locator("#nome")).to_be_visible()
    page.click("#botao-entrar")  # everything missing: error lines under the fields and a summary
    expect(page.locator("#nome-erro")).to_be_visible()

    page.fill("#nome", "Maria Toque")
    before, pressed = tap(page, "label.opcao:has(#papel-parte)")
    assert before == pressed, f"'Parte ou interessado' moved between press and release: {before} → {pressed}"
    expect(page.locator("#papel-parte")).to_be_checked()

    # An incomplete process number is said wrong when the field is left — after the tap, not during it.
    page.fill("#processo", "123")
    before, pressed = tap(page, "#prio-idoso_60")
    assert before == pressed, f"the priority box moved between press and release: {before} → {pressed}"
    expect(page.locator("#prio-idoso_60")).to_be_checked()
    expect(page.locator("#processo-erro")).to_contain_text("Número incompleto")
    context.close()


def test_waiting_title_priority_line_honest_estimate_and_the_link_announced_when_ready(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system, viewport=PHONE, probe=True)
    context.add_init_script(ANNOUNCEMENTS)
    page = context.new_page()
    hold_link = {"on": True}

    def without_link_until_released(route: Route) -> None:
        """The meeting takes its time: the page sees the call before the link exists."""
        response = route.fetch()
        body = response.text()
        if hold_link["on"] and route.request.method == "GET" and body:
            view = json.loads(body)
            if view.get("status") == "called":
                view["meeting"] = {"status": "pending", "joinUrl": None}
                route.fulfill(
                    response=response, body=json.dumps(view), headers={**response.headers, "etag": '"h"'}
                )
                return
        route.fulfill(response=response)

    page.route(re.compile(r"/api/tickets/[^/]+$"), without_link_until_released)
    page.goto(f"/?unidade={UNIT}")
    fill_join_form(page, "Rosa Espera")
    page.click("#botao-entrar")
    expect(page.locator("#espera-posicao")).to_have_text("1")
    expect(page).to_have_title("Posição 1 — Balcão Virtual")
    expect(page.locator("#espera-tempo")).to_have_text(NO_CLERK)
    expect(page.locator("#aviso-peticoes")).to_be_hidden()
    expect(page.locator("#espera-mudanca")).to_be_hidden()

    # A person aged 80+ joins after her and is placed ahead, as the law says: she is told, visibly.
    elder = join(system, UNIT, "Senhor Prioridade", priority=["idoso_80"])
    wait_status(system, elder, "waiting")
    expect(page.locator("#espera-posicao")).to_have_text("2")
    expect(page).to_have_title("Posição 2 — Balcão Virtual")
    change = page.locator("#espera-mudanca")
    expect(change).to_be_visible()
    expect(change).to_contain_text("prioridade legal")
    expect(change).to_contain_text("Sua posição agora: 2")
    screenshot(page, "phone-first-03-priority-ahead-360")
    assert_accessible(page, "phone-first-waiting")

    # A clerk comes online: now there is an estimate in minutes.
    online = system.client.put(
        f"/api/clerk/units/{UNIT}/presence", json={"status": "online"}, headers=system.clerk(ANA)
    )
    assert online.status_code in (200, 204), online.text
    expect(page.locator("#espera-tempo")).to_contain_text("minuto")
    assert clerk_post(system, ANA, f"{UNIT}/call").status_code == 200  # the elder first
    expect(page.locator("#espera-posicao")).to_have_text("1")
    expect(change).to_be_hidden()  # the line goes once the position moves again

    assert clerk_post(system, ANA, f"{UNIT}/tickets/{elder['ticketId']}/finish").status_code == 200
    assert clerk_post(system, ANA, f"{UNIT}/call").status_code == 200
    expect(page.locator("#titulo-chamada")).to_have_text("Próximo! Agora é sua vez")
    page.wait_for_function("() => window.__said.length >= 1")
    expect(page.locator("#entrar-atendimento")).to_be_hidden()
    hold_link["on"] = False
    expect(page.locator("#entrar-atendimento")).to_be_visible()
    page.wait_for_function("() => window.__said.some((s) => s.text.includes('Entrar no atendimento'))")
    said = page.evaluate("window.__said")
    assert said[0]["text"] == "Próximo! Agora é sua vez.", said
    for item in said:  # the button is never announced before it is there
        assert "Entrar no atendimento" not in item["text"] or item["linkShown"], said
    assert page.evaluate("document.title") in ("Sua vez! — Balcão Virtual",)
    context.close()


def test_search_by_state_and_court_the_other_court_hint_and_the_art_5_card(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system, viewport=PHONE)
    page = context.new_page()
    page.goto("/")
    cards = page.locator("#lista-unidades > li")
    expect(cards).to_have_count(7)
    # The demo units: Acre has the two TRF1 units of SJAC and TJAC's; Amazonas, TRF1's SJAM and TJAM's.
    for query, expected in (("acre", 3), ("Amazonas", 3), ("tjac", 1), ("tribunal regional federal", 5)):
        page.fill("#busca", query)
        expect(cards).to_have_count(expected)
    # Art. 5: every card says the counter serves only in its hours; the unit's phone and e-mail as links.
    page.fill("#busca", "corregedoria")
    inactive = page.locator('li[data-unidade="trf1-coger"]')
    expect(inactive).to_contain_text("O Balcão Virtual atende somente no horário de expediente")
    expect(inactive.get_by_role("link", name="(61) 3314-5225")).to_have_attribute("href", "tel:6133145225")
    expect(inactive.get_by_role("link", name="coger@trf1.jus.br")).to_have_attribute(
        "href", "mailto:coger@trf1.jus.br"
    )
    screenshot(page, "phone-first-04-search-inactive-360")

    card = system.client.get("/api/units/trf1-coger/embed").text
    assert "O Balcão Virtual atende somente durante o horário de expediente." in card
    assert "Telefone: (61) 3314-5225" in card and "E-mail: coger@trf1.jus.br" in card
    assert "Entrar no Balcão Virtual" not in card  # an inactive unit offers its contacts, not the line
    open_card = system.client.get(f"/api/units/{UNIT}/embed").text
    assert "somente durante o horário de expediente" in open_card and "Entrar no Balcão Virtual" in open_card

    # A São Paulo state court number typed for a TRF1 unit: a hint, not a refusal.
    digits = 98 - int("000000120258260100" + "00") % 97
    page.goto(f"/?unidade={UNIT}")
    page.fill("#processo", f"0000001{digits:02d}2025826" + "0100")
    page.locator("#nome").focus()
    status = page.locator("#processo-status")
    expect(status).to_contain_text("Número de processo válido")
    expect(status).to_contain_text(
        "processo da Justiça Estadual (SP), e esta unidade é do Tribunal Regional Federal"
    )
    expect(page.locator("#processo")).not_to_have_attribute("aria-invalid", "true")
    context.close()
