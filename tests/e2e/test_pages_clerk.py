"""The clerk console in a real browser: sign-in, the live queue with priority badges and grounds, calls
in and out of order (reason required), requeue, transfer, no-show, retry of a failed meeting, presence,
keyboard shortcuts that stay quiet while a field has the focus, axe-core and 360 px."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from domain.validation import cnj_check_digits
from tests.e2e.pages_support import (
    PHONE,
    assert_accessible,
    assert_fits,
    chromium,
    follow_ticket,
    join,
    new_context,
    no_page_errors,
    playwright,
    queue_of,
    requests_to,
    screenshot,
    ticket_view,
    wait_status,
)
from tests.support.system import System, running_system

__all__ = ["chromium", "no_page_errors", "playwright"]  # fixtures from pages_support

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "trf1-sjac-01vf"
TARGET = "trf1-sjam-01vf"
ANA = "ana.souza@trf1.jus.br"
PROCESS = f"0004567-{cnj_check_digits('0004567', '2025', '4', '01', '3000')}.2025.4.01.3000"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def cards(page: Page) -> Any:
    return page.locator("#fila > li")


def test_console_asks_to_sign_in(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto("/servidor.html")
    link = page.locator("#link-entrar")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "/.auth/login/aad?post_login_redirect_uri=/servidor.html")
    expect(page.locator("#console")).to_be_hidden()
    screenshot(page, "console-00-sign-in")
    assert_accessible(page, "console-sign-in")
    context.close()


def test_console_tells_a_non_clerk_there_is_no_unit(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system, clerk="gestao@balcao.jus.br")
    page = context.new_page()
    page.goto("/servidor.html")
    expect(page.locator("#sem-unidade")).to_be_visible()
    expect(page.locator("#console")).to_be_hidden()
    context.close()


def test_console_serves_the_queue_with_every_action(system: System, chromium: Browser) -> None:
    antonio = join(system, UNIT, "Antônio Normal", category="partes")
    beatriz = join(
        system, UNIT, "Beatriz Idosa", category="partes", priority=["idoso_80", "deficiencia"], companions=1
    )
    caio = join(
        system,
        UNIT,
        "Caio Advogado",
        role="advogado",
        oabNumber="12345",
        oabState="AC",
        category="advogados",
        processNumber=PROCESS,
        reason="informacao-processual",
    )
    for ticket in (antonio, beatriz, caio):
        wait_status(system, ticket, "waiting")

    context = new_context(chromium, system, clerk=ANA)
    page = context.new_page()
    calls = requests_to(page, r"/api/clerk/units/[^/]+/(call|tickets/.+)$")
    page.goto(f"/servidor.html?unidade={UNIT}")
    expect(page.locator("#unidade")).to_have_value(UNIT)
    expect(cards(page)).to_have_count(3)

    # Lawful order: the 80+ person first, with her badge, grounds and companion; then by arrival.
    first = cards(page).nth(0)
    expect(first).to_contain_text("Beatriz Idosa")
    expect(first.locator(".selo")).to_have_text("Prioridade especial (80+)")
    expect(first.locator(".fundamentos")).to_contain_text("Pessoa idosa com 80 anos ou mais")
    expect(first.locator(".fundamentos")).to_contain_text("Pessoa com deficiência")
    expect(first).to_contain_text("Acompanhantes")
    expect(cards(page).nth(1)).to_contain_text("Antônio Normal")
    third = cards(page).nth(2)
    expect(third).to_contain_text("Caio Advogado")
    expect(third).to_contain_text("OAB/AC 12345")
    expect(third).to_contain_text(PROCESS)
    expect(third).to_contain_text("Informação processual")
    expect(third).to_contain_text("Advogados")
    expect(page.locator("#fila-contagem")).to_have_text("(3)")
    screenshot(page, "console-02-queue")
    assert_accessible(page, "console-queue")

    # Shortcuts stay quiet while a text or selection field has the focus (the presence radios keep
    # them: tests/e2e/test_pages_console_shift.py).
    page.focus("#categoria-chamada")
    page.keyboard.press("n")
    assert calls == []

    # Calling out of order asks for a reason, and refuses an empty one without sending anything.
    third.get_by_role("button", name=re.compile("Chamar fora da ordem")).click()
    dialog = page.locator("#dialogo-motivo")
    expect(dialog).to_be_visible()
    expect(page.locator("#motivo")).to_be_focused()
    page.click("#motivo-confirmar")
    expect(page.locator("#motivo-erro")).to_have_text("Informe o motivo para chamar fora da ordem da fila.")
    expect(page.locator("#motivo")).to_have_attribute("aria-invalid", "true")
    assert calls == []
    screenshot(page, "console-03-reason-dialog")
    assert_accessible(page, "console-reason-dialog")
    page.fill("#motivo", "Audiência marcada para hoje")
    page.click("#motivo-confirmar")
    expect(dialog).to_be_hidden()
    current = page.locator("#atual")
    expect(current).to_contain_text("Caio Advogado")
    assert len(calls) == 1 and caio["ticketId"] in calls[0] and "Audiência marcada para hoje" in calls[0]
    expect(current.get_by_role("link", name=re.compile("Abrir sala"))).to_be_visible()

    # A failed meeting offers a retry (the failure is simulated on the queue view only).
    def failed_meeting(route: Route) -> None:
        response = route.fetch()
        data = response.json()
        for called in data["called"]:
            called["meeting"] = {"status": "failed", "joinUrl": None}
        route.fulfill(response=response, body=json.dumps(data))

    page.route(re.compile(r"/api/clerk/units/[^/]+/queue$"), failed_meeting)
    retry = current.get_by_role("button", name=re.compile("Tentar criar a sala novamente"))
    expect(retry).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith(f"/{caio['ticketId']}/retry-meeting")) as retried:
        retry.click()
    assert retried.value.status == 200, retried.value.text()
    assert retried.value.request.method == "POST"
    expect(page.locator("#mensagem")).to_contain_text("Nova tentativa de criar a sala")
    page.unroute_all(behavior="wait")
    expect(current.get_by_role("link", name=re.compile("Abrir sala"))).to_be_visible()

    # Requeue: back to the line, in its place by arrival.
    current.get_by_role("button", name="Devolver à fila").click()
    expect(cards(page)).to_have_count(3)
    expect(current).not_to_contain_text("Caio Advogado")
    assert ticket_view(system, caio)["status"] == "waiting"

    # Beatriz follows her ticket in her own browser (restored from storage, as after a reload).
    citizen_context = new_context(chromium, system)
    citizen = citizen_context.new_page()
    follow_ticket(citizen, beatriz, UNIT)
    expect(citizen.locator("#titulo-espera")).to_have_text(
        "Você está em: TRF1 - SJAC - 01ª Vara Federal Cível e Criminal"
    )
    expect(citizen.locator("#espera-posicao")).to_have_text("1")

    # N calls the head (Beatriz); transfer her to another unit through the dialog.
    page.focus("#chamar-proximo")
    page.keyboard.press("n")
    expect(current).to_contain_text("Beatriz Idosa")
    current.get_by_role("button", name="Transferir…").click()
    expect(page.locator("#dialogo-transferir")).to_be_visible()
    page.click("#transferir-confirmar")
    expect(page.locator("#transferir-destino-erro")).to_be_visible()
    expect(page.locator(f'#transferir-destino option[value="{UNIT}"]')).to_have_count(0)
    page.select_option("#transferir-destino", TARGET)
    page.fill("#transferir-motivo", "Assunto da competência criminal")
    page.click("#transferir-confirmar")
    expect(current).not_to_contain_text("Beatriz Idosa")
    moved = wait_status(system, beatriz, "transferred")
    assert moved["transferredTo"]["ticketId"].startswith(f"{TARGET}.")
    # Her page follows the ticket to the new unit's queue, keeping her place by arrival.
    expect(citizen.locator("#titulo-espera")).to_have_text(
        "Você está em: TRF1 - SJAM - 01ª Vara Federal Cível"
    )
    expect(citizen.locator("#espera-posicao")).to_have_text("1")
    assert (
        citizen.evaluate("JSON.parse(localStorage.getItem('balcao.senha')).ticketId")
        == moved["transferredTo"]["ticketId"]
    )
    citizen_context.close()

    # N calls Antônio; A, before the unit's no-show time, asks to confirm; then he is absent (no-show).
    page.focus("#chamar-proximo")
    page.keyboard.press("n")
    expect(current).to_contain_text("Antônio Normal")
    page.keyboard.press("a")
    expect(page.locator("#dialogo-ausencia")).to_be_visible()
    page.click("#ausencia-confirmar")
    expect(current).not_to_contain_text("Antônio Normal")
    assert wait_status(system, antonio, "no_show")

    # Presence.
    page.check("#presenca-paused")
    expect(page.locator("#mensagem")).to_contain_text("em pausa")
    system.wait(lambda: queue_of(system, ANA, UNIT)["clerks"].get(ANA) == "paused")
    expect(page.locator("#equipe")).to_contain_text(f"{ANA}: em pausa")
    expect(page.locator("#presenca-paused")).to_be_checked()

    # I starts and F finishes; at 360 px the console still fits.
    page.set_viewport_size(PHONE)
    page.focus("#chamar-proximo")
    page.keyboard.press("n")
    expect(current).to_contain_text("Caio Advogado")
    page.keyboard.press("i")
    expect(current).to_contain_text("Em atendimento")
    assert_fits(page)
    screenshot(page, "console-04-phone-in-service")
    page.keyboard.press("f")
    expect(current).not_to_contain_text("Caio Advogado")
    assert wait_status(system, caio, "done")
    context.close()
