"""The citizen site in a real browser (Debian's Chromium) against the dev host and a private Azurite.

A citizen joins, watches the position change as the people ahead are served, is called while a clerk
works in the console in a second browser context, opens the meeting, answers the survey; a reload
keeps the place; an invalid CNJ number is refused before any request; the journey works with the
keyboard alone; the pages fit 360 px; axe-core finds no WCAG 2.1 AA violation on any of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from domain.validation import cnj_check_digits
from tests.e2e.pages_support import (
    PHONE,
    assert_accessible,
    assert_fits,
    chromium,
    clerk_post,
    fill_join_form,
    focused_id,
    follow_ticket,
    join,
    new_context,
    no_page_errors,
    playwright,
    requests_to,
    screenshot,
    tab_to,
    ticket_view,
    wait_status,
)
from tests.support.system import System, running_system

__all__ = ["chromium", "no_page_errors", "playwright"]  # fixtures from pages_support

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

JOURNEY_UNIT = "trf1-sjac-01vf"  # two service categories; clerks Ana and Bruno
JOURNEY_UNIT_NAME = "TRF1 - SJAC - 01ª Vara Federal Cível e Criminal"
FORM_UNIT = "trf1-sjac-02vf"  # no categories
RELOAD_UNIT = "trf1-sjam-01vf"  # clerk Carla
KEYBOARD_UNIT = "tjac-rbr-1vce"  # clerk Diego
PHONE_UNIT = "tjam-tefe-vu"  # clerk Elisa
ANA = "ana.souza@trf1.jus.br"
CARLA = "carla.mendes@trf1.jus.br"
DIEGO = "diego.rocha@tjac.jus.br"
ELISA = "elisa.prado@tjam.jus.br"

CHECK = cnj_check_digits("0001234", "2026", "4", "01", "3000")
VALID_PROCESS = f"0001234-{CHECK}.2026.4.01.3000"
INVALID_PROCESS = f"0001234-{(int(CHECK) + 1) % 100:02d}.2026.4.01.3000"  # wrong check digits


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def stored_ticket(page: Page) -> dict[str, Any] | None:
    value: dict[str, Any] | None = page.evaluate("JSON.parse(localStorage.getItem('balcao.senha') || 'null')")
    return value


# ------------------------------------------------------------------------------------------------


def test_directory_lists_units_with_search_filters_and_states(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto("/")
    cards = page.locator("#lista-unidades > li")
    expect(cards).to_have_count(7)
    expect(page.locator("#aviso-peticoes")).to_contain_text("O Balcão Virtual não recebe petições")
    expect(page.locator("#aviso-peticoes")).to_contain_text("art. 4º, parágrafo único")

    open_card = page.locator(f'li[data-unidade="{JOURNEY_UNIT}"]')
    expect(open_card).to_contain_text(JOURNEY_UNIT_NAME)
    expect(open_card).to_contain_text("Aberta agora")
    expect(open_card).to_contain_text("Pessoas na fila")
    expect(open_card).to_contain_text("Espera estimada")
    expect(open_card).to_contain_text("Segunda a sexta, das 9h às 18h")
    expect(open_card.get_by_role("link", name=re.compile("Entrar na fila"))).to_have_attribute(
        "href", f"?unidade={JOURNEY_UNIT}"
    )
    inactive = page.locator('li[data-unidade="trf1-coger"]')
    expect(inactive).to_contain_text("Não atende pelo Balcão Virtual")
    # No way into a line; only the unit's own phone and e-mail (issue 14: art. 5 contacts).
    expect(inactive.get_by_role("link")).to_have_count(2)
    expect(inactive.get_by_role("link", name=re.compile("fila|horários"))).to_have_count(0)
    screenshot(page, "citizen-01-directory")
    assert_accessible(page, "citizen-directory")

    page.fill("#busca", "criminal")
    expect(cards).to_have_count(3)
    expect(page.locator("#resultado-unidades")).to_contain_text("3 unidades encontradas")
    page.fill("#busca", "")
    expect(cards).to_have_count(7)
    page.select_option("#filtro-tribunal", "tjam")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Vara Única")
    page.select_option("#filtro-tribunal", "trf1")
    page.select_option("#filtro-secao", "SJAM")
    expect(cards).to_have_count(2)
    context.close()


def test_invalid_process_number_is_refused_in_the_form_before_any_request(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    posts = requests_to(page, r"/api/units/[^/]+/tickets")
    page.goto(f"/?unidade={FORM_UNIT}")
    expect(page.locator("#titulo-entrada")).to_contain_text("TRF1 - SJAC - 02ª Vara Federal")
    fill_join_form(page, "Joana Pereira", process=INVALID_PROCESS)

    # Live validation, before submitting: the field is marked invalid and says why.
    expect(page.locator("#processo-erro")).to_be_visible()
    expect(page.locator("#processo-erro")).to_contain_text("dígitos verificadores")
    expect(page.locator("#processo")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#processo")).to_have_attribute("aria-describedby", re.compile("processo-erro"))

    page.click("#botao-entrar")
    expect(page.locator("#resumo-erros")).to_be_visible()
    expect(page.locator("#resumo-erros")).to_contain_text("Número do processo")
    assert focused_id(page) == "processo"
    assert posts == [], posts
    screenshot(page, "citizen-02-join-form-invalid-process")
    assert_accessible(page, "citizen-join-form-with-errors")

    page.fill("#processo", VALID_PROCESS.replace("-", "").replace(".", ""))
    expect(page.locator("#processo-status")).to_have_text("Número de processo válido.")
    expect(page.locator("#processo")).not_to_have_attribute("aria-invalid", "true")
    assert posts == []
    page.click("#botao-entrar")
    expect(page.locator("#vista-espera")).to_be_visible()
    expect(page.locator("#titulo-espera")).to_contain_text("Você está em: TRF1 - SJAC - 02ª Vara Federal")
    assert len(posts) == 1 and posts[0].startswith("POST ")
    ticket = stored_ticket(page)
    assert ticket is not None
    # The number went to the backend in its canonical form and was accepted.
    assert wait_status(system, ticket, "waiting")["status"] == "waiting"
    assert (
        system.client.delete(
            f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
        ).status_code
        == 204
    )
    context.close()


def test_join_form_marks_missing_fields_and_shows_the_servers_problems(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto(f"/?unidade={JOURNEY_UNIT}")
    expect(page.locator("#campo-categoria")).to_be_visible()
    page.click("#botao-entrar")  # everything missing: an error next to each required field
    for field in ("nome", "papel", "assunto", "categoria"):
        expect(page.locator(f"#{field}-erro")).to_be_visible()
    assert focused_id(page) == "nome"
    expect(page.locator("#nome")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#nome")).to_have_attribute("aria-describedby", "nome-erro")
    expect(page.locator("#papel-parte")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "citizen-join-form-empty-errors")
    page.check("#papel-advogado")
    expect(page.locator("#grupo-oab")).to_be_visible()

    # Field errors in a problem+json answer land next to their fields (the answer is simulated here,
    # since the form already refuses what the backend would).
    page.route(
        re.compile(r"/api/units/[^/]+/tickets$"),
        lambda route: route.fulfill(
            status=400,
            content_type="application/problem+json",
            json={
                "title": "Dados inválidos",
                "status": 400,
                "detail": "Verifique os dados informados (oabNumber).",
                "errors": {"oabNumber": "inscrição não encontrada", "name": "nome não aceito"},
            },
        ),
    )
    page.fill("#nome", "Rui Advogado")
    page.fill("#oab-numero", "123456")
    page.select_option("#oab-uf", "AM")
    page.select_option("#assunto", "certidao")
    page.select_option("#categoria", "advogados")
    page.click("#botao-entrar")
    expect(page.locator("#resumo-erros")).to_contain_text("Verifique os dados informados (oabNumber).")
    expect(page.locator("#oab-numero-erro")).to_have_text("inscrição não encontrada")
    expect(page.locator("#nome-erro")).to_have_text("nome não aceito")
    assert focused_id(page) == "nome"  # the first field with an error, in the form's order
    page.unroute_all(behavior="wait")
    context.close()

    # A real refusal: the same person already waiting in the unit (409, detail only).
    waiting = join(system, FORM_UNIT, "Lúcia Repetida")
    wait_status(system, waiting, "waiting")
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto(f"/?unidade={FORM_UNIT}")
    fill_join_form(page, "Lúcia Repetida")
    page.click("#botao-entrar")
    summary = page.locator("#resumo-erros")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    detail = system.client.post(
        f"/api/units/{FORM_UNIT}/tickets",
        json={"name": "Lúcia Repetida", "role": "parte", "reason": "orientacao", "consent": True},
    ).json()["detail"]
    expect(summary).to_contain_text(detail)
    assert stored_ticket(page) is None
    auth = {"Authorization": f"Bearer {waiting['token']}"}
    assert system.client.delete(f"/api/tickets/{waiting['ticketId']}", headers=auth).status_code == 204
    context.close()


def test_citizen_is_served_in_turn_called_by_the_console_and_answers_the_survey(
    system: System, chromium: Browser
) -> None:
    ahead = [join(system, JOURNEY_UNIT, f"Pessoa Adiante {i}", category="partes") for i in (1, 2)]
    for ticket in ahead:
        wait_status(system, ticket, "waiting")

    citizen_context = new_context(chromium, system, probe=True)
    citizen = citizen_context.new_page()
    citizen.goto(f"/?unidade={JOURNEY_UNIT}")
    screenshot(citizen, "citizen-03-join-form")
    assert_accessible(citizen, "citizen-join-form")
    name = "Maria <b>da</b> Silva"
    fill_join_form(citizen, name, category="partes")
    citizen.click("#botao-entrar")
    expect(citizen.locator("#titulo-espera")).to_have_text(f"Você está em: {JOURNEY_UNIT_NAME}")
    expect(citizen.locator("#espera-posicao")).to_have_text("3")
    expect(citizen.locator("#espera-total")).to_have_text("3")
    # No clerk is online yet: no estimate in minutes is promised (issue 14: the honest estimate).
    expect(citizen.locator("#espera-tempo")).to_have_text("Aguardando um servidor ficar disponível")
    expect(citizen.locator("#espera-estado")).to_contain_text("2 pessoas na sua frente")
    mine = stored_ticket(citizen)
    assert mine is not None and mine["ticketId"].startswith(f"{JOURNEY_UNIT}.")
    screenshot(citizen, "citizen-04-waiting")
    assert_accessible(citizen, "citizen-waiting")

    # The clerk signs in through the dev login form, in a second browser context.
    clerk_context = new_context(chromium, system)
    console = clerk_context.new_page()
    console.goto(f"/servidor.html?unidade={JOURNEY_UNIT}")
    sign_in = console.locator("#link-entrar")
    expect(sign_in).to_be_visible()
    expect(sign_in).to_have_attribute(
        "href", f"/.auth/login/aad?post_login_redirect_uri=/servidor.html%3Funidade%3D{JOURNEY_UNIT}"
    )
    sign_in.click()
    console.fill("#email", ANA)
    console.get_by_role("button", name="Entrar").click()
    expect(console.locator("#console")).to_be_visible()
    expect(console.locator("#eu-nome")).to_have_text("Ana Souza")
    expect(console.locator("#unidade")).to_have_value(JOURNEY_UNIT)
    expect(console.locator("#fila > li")).to_have_count(3)
    expect(console.locator("#fila > li").nth(2)).to_contain_text(name)

    # First person ahead is served: the citizen moves up.
    console.get_by_role("button", name=re.compile("Chamar próximo")).click()
    expect(console.locator("#atual")).to_contain_text("Pessoa Adiante 1")
    expect(citizen.locator("#espera-posicao")).to_have_text("2")
    console.locator("#atual").get_by_role("button", name=re.compile("Finalizar")).click()
    expect(console.locator("#atual")).not_to_contain_text("Pessoa Adiante 1")

    # Second one, with the keyboard shortcuts: N calls, F finishes.
    console.locator("#chamar-proximo").focus()
    console.keyboard.press("n")
    expect(console.locator("#atual")).to_contain_text("Pessoa Adiante 2")
    expect(citizen.locator("#espera-posicao")).to_have_text("1")
    expect(citizen.locator("#espera-estado")).to_contain_text("Você é o próximo")
    console.keyboard.press("f")
    expect(console.locator("#atual")).not_to_contain_text("Pessoa Adiante 2")
    assert wait_status(system, ahead[1], "done")

    # Now the citizen: called, with the join link, a beep, a flashing title and a notification.
    console.keyboard.press("n")
    expect(citizen.locator("#titulo-chamada")).to_have_text("Próximo! Agora é sua vez")
    join_link = citizen.locator("#entrar-atendimento")
    expect(join_link).to_be_visible()
    view = ticket_view(system, mine)
    assert view["status"] == "called" and view["meeting"]["joinUrl"]
    expect(join_link).to_have_attribute("href", view["meeting"]["joinUrl"])
    expect(join_link).to_have_attribute("target", "_blank")
    citizen.wait_for_function("window.__beeps >= 1", timeout=5_000)
    citizen.wait_for_function("window.__notifications.length === 1", timeout=5_000)
    citizen.wait_for_function("document.title.includes('Sua vez')", timeout=5_000)
    screenshot(citizen, "citizen-05-called")
    assert_accessible(citizen, "citizen-called")

    # The console shows the citizen's name as typed (as text, not as markup) and the meeting link.
    current = console.locator("#atual")
    expect(current.locator(".nome")).to_have_text(name)
    assert current.locator("b").count() == 0
    expect(current.get_by_role("link", name=re.compile("Abrir sala"))).to_have_attribute(
        "href",
        view["meeting"]["joinUrl"] + "&papel=servidor",  # the clerk's own link to the same room
    )
    screenshot(console, "console-01-attending")
    assert_accessible(console, "console-attending")

    console.keyboard.press("i")
    expect(citizen.locator("#titulo-chamada")).to_have_text("Você está em atendimento")
    console.keyboard.press("f")
    expect(citizen.locator("#titulo-pesquisa")).to_be_visible()
    expect(citizen.locator("#fim-texto")).to_contain_text("Atendimento concluído")
    screenshot(citizen, "citizen-06-survey")
    assert_accessible(citizen, "citizen-survey")
    citizen.check("#nota-5")
    citizen.fill("#comentario", "Fui atendida rapidamente. <script>alert(1)</script>")
    citizen.get_by_role("button", name="Enviar avaliação").click()
    expect(citizen.locator("#pesquisa-obrigado")).to_have_text("Obrigado pela sua avaliação!")
    assert ticket_view(system, mine)["surveyAnswered"] is True
    assert stored_ticket(citizen) is None
    clerk_context.close()
    citizen_context.close()


def test_reload_and_reconnect_keep_the_place(system: System, chromium: Browser) -> None:
    first = join(system, RELOAD_UNIT, "Carlos Primeiro")
    wait_status(system, first, "waiting")
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto(f"/?unidade={RELOAD_UNIT}")
    fill_join_form(page, "Rita Segunda")
    page.click("#botao-entrar")
    expect(page.locator("#espera-posicao")).to_have_text("2")
    before = stored_ticket(page)

    page.reload()
    expect(page.locator("#titulo-espera")).to_contain_text("TRF1 - SJAM - 01ª Vara Federal Cível")
    expect(page.locator("#espera-posicao")).to_have_text("2")
    assert stored_ticket(page) == before

    # Polls are conditional: unchanged state comes back as 304 Not Modified.
    unchanged = page.wait_for_event(
        "response", lambda r: "/api/tickets/" in r.url and r.status == 304, timeout=10_000
    )
    assert unchanged.request.headers.get("if-none-match", "").startswith('"')

    # A fresh tab of the same browser (same storage) finds the place too.
    other_tab = context.new_page()
    other_tab.goto("/")
    expect(other_tab.locator("#espera-posicao")).to_have_text("2")
    other_tab.close()

    # The connection drops: the page says so and keeps the place; back online, it catches up.
    context.set_offline(True)
    expect(page.locator("#espera-conexao")).to_be_visible()
    expect(page.locator("#espera-conexao")).to_contain_text("Sua vaga continua guardada")
    assert clerk_post(system, CARLA, f"{RELOAD_UNIT}/call").status_code == 200
    context.set_offline(False)
    expect(page.locator("#espera-posicao")).to_have_text("1", timeout=15_000)
    expect(page.locator("#espera-conexao")).to_be_hidden()

    # Leaving asks for confirmation, then cancels the ticket.
    page.click("#sair-fila")
    expect(page.locator("#dialogo-sair")).to_be_visible()
    page.click("#sair-confirmar")
    expect(page.locator("#fim-texto")).to_contain_text("Você saiu da fila")
    assert stored_ticket(page) is None
    assert before is not None and ticket_view(system, before)["status"] == "left"
    context.close()


def test_the_citizen_journey_works_with_the_keyboard_alone(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#lista-unidades > li")).to_have_count(7)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Pular para o conteúdo"
    page.keyboard.press("Enter")
    assert focused_id(page) == "conteudo"

    tab_to(page, "el.id === 'busca'")
    page.keyboard.type("Empresarial")
    expect(page.locator("#lista-unidades > li")).to_have_count(1)
    tab_to(
        page,
        f"el.tagName === 'A' && el.textContent.startsWith('Entrar na fila')"
        f" && !!el.closest('li[data-unidade=\"{KEYBOARD_UNIT}\"]')",
    )
    page.keyboard.press("Enter")
    expect(page.locator("#titulo-entrada")).to_contain_text("1ª Vara Cível e Empresarial")

    tab_to(page, "el.id === 'nome'")
    page.keyboard.type("Teresa Teclado")
    tab_to(page, "el.name === 'role'")
    page.keyboard.press("Space")  # first option: parte
    expect(page.locator("#papel-parte")).to_be_checked()
    tab_to(page, "el.id === 'assunto'")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#assunto")).not_to_have_value("")
    tab_to(page, "el.id === 'prio-idoso_60'")
    page.keyboard.press("Space")
    tab_to(page, "el.id === 'botao-entrar'")
    page.keyboard.press("Enter")
    expect(page.locator("#espera-posicao")).to_have_text("1")
    expect(page.locator("#espera-prioridade")).to_contain_text("Prioridade legal")
    ticket = stored_ticket(page)
    assert ticket is not None

    # Called: the join button is reachable by keyboard and opens the meeting in a new tab.
    assert clerk_post(system, DIEGO, f"{KEYBOARD_UNIT}/call").status_code == 200
    expect(page.locator("#entrar-atendimento")).to_be_visible()
    tab_to(page, "el.id === 'entrar-atendimento'")
    with context.expect_page() as popup:
        page.keyboard.press("Enter")
    meeting = popup.value
    meeting.wait_for_load_state()
    assert meeting.url == ticket_view(system, ticket)["meeting"]["joinUrl"]
    meeting.close()

    assert (
        clerk_post(system, DIEGO, f"{KEYBOARD_UNIT}/tickets/{ticket['ticketId']}/finish").status_code == 200
    )
    expect(page.locator("#form-pesquisa")).to_be_visible()
    tab_to(page, "el.name === 'score'")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#nota-4")).to_be_checked()
    tab_to(page, "el.id === 'comentario'")
    page.keyboard.type("Tudo certo, usando só o teclado.")
    tab_to(page, "el.type === 'submit' && !!el.closest('#form-pesquisa')")
    page.keyboard.press("Enter")
    expect(page.locator("#pesquisa-obrigado")).to_be_visible()
    assert focused_id(page) == "pesquisa-obrigado"
    context.close()


def test_citizen_pages_fit_a_360px_screen(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system, viewport=PHONE)
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#lista-unidades > li")).to_have_count(7)
    assert_fits(page)
    screenshot(page, "phone-01-directory")

    page.goto(f"/?unidade={PHONE_UNIT}")
    expect(page.locator("#titulo-entrada")).to_contain_text("Vara Única")
    assert_fits(page)
    screenshot(page, "phone-02-join-form")

    fill_join_form(page, "Paulo Pequeno")
    page.click("#botao-entrar")
    expect(page.locator("#espera-posicao")).to_have_text("1")
    assert_fits(page)
    screenshot(page, "phone-03-waiting")

    assert clerk_post(system, ELISA, f"{PHONE_UNIT}/call").status_code == 200
    expect(page.locator("#entrar-atendimento")).to_be_visible()
    assert_fits(page)
    screenshot(page, "phone-04-called")
    context.close()


def test_pages_declare_the_content_security_policy_the_static_web_app_sends() -> None:
    """The <meta> CSP (dev host, any static server) and staticwebapp.config.json (Azure) agree."""
    site = Path(__file__).resolve().parents[2] / "site"
    config = json.loads((site / "staticwebapp.config.json").read_text(encoding="utf-8"))
    sent = config["globalHeaders"]["Content-Security-Policy"]
    for page in ("index.html", "servidor.html", "painel.html"):
        html = (site / page).read_text(encoding="utf-8")
        meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
        assert meta is not None, page
        assert f"{meta.group(1)}; frame-ancestors 'self'" == sent, page
        assert "'unsafe-inline'" not in meta.group(1) and "'unsafe-eval'" not in meta.group(1)
        assert "<script>" not in html and " style=" not in html and " on" + "click=" not in html, page


POLLING_UNIT = "trf1-sjam-02vf"  # clerk Carla; default limits: near the front from position 3
POLL_DELAYS = """
window.__pollDelays = [];
const schedule = window.setTimeout;
window.setTimeout = function (fn, ms, ...rest) {
  if (typeof fn === "function" && fn.name === "poll") window.__pollDelays.push(ms);
  return schedule.call(this, fn, ms, ...rest);
};
"""
HIDE = """hidden => {
  Object.defineProperty(document, "hidden", { value: hidden, configurable: true });
  const state = hidden ? "hidden" : "visible";
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def next_poll_delay(page: Page, count: int) -> int:
    """The delay of the page's `count`-th scheduled poll (its timers, recorded by POLL_DELAYS)."""
    page.wait_for_function("n => window.__pollDelays.length >= n", arg=count)
    delay: int = page.evaluate(f"window.__pollDelays[{count - 1}]")
    return delay


def test_the_page_polls_when_the_answer_says_and_slower_while_hidden(
    chromium: Browser, system: System
) -> None:
    people = [join(system, POLLING_UNIT, f"Pessoa Cadência {n}") for n in range(5)]
    me = people[-1]
    wait_status(system, me, "waiting")
    context = new_context(chromium, system)
    context.add_init_script(POLL_DELAYS)
    page = context.new_page()
    follow_ticket(page, me, POLLING_UNIT)
    expect(page.locator("#espera-posicao")).to_have_text("5")
    far = ticket_view(system, me)["pollAfterSeconds"]
    assert far == 30  # two 8-minute services from the front
    assert next_poll_delay(page, 1) == far * 1000

    page.evaluate(HIDE, True)  # another app in front: the next poll (now, back online) waits 3 × 30 s, ≤ 60 s
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert next_poll_delay(page, 3) == 60_000  # [30 s, 0 (online), then the hidden cadence]

    for _ in range(2):
        assert clerk_post(system, CARLA, f"{POLLING_UNIT}/call").status_code == 200
    page.evaluate(HIDE, False)  # back to the page: it asks at once, now third in line
    expect(page.locator("#espera-posicao")).to_have_text("3")
    delays = page.evaluate("window.__pollDelays")
    assert delays[-1] == 2_000 and ticket_view(system, me)["pollAfterSeconds"] == 2
    page.evaluate(HIDE, True)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("n => window.__pollDelays.length >= n", arg=len(delays) + 2)
    assert page.evaluate("window.__pollDelays.at(-1)") == 6_000  # near the front, hidden: 3 × 2 s
    context.close()
