"""The scheduling and asynchronous-channel pages in a real browser (axe-core, keyboard-reachable
errors, no HTML from data): booking and cancelling on agendar.html, a refused then sent message on
mensagem.html, and the clerk console's additions — invite the Libras interpreter, book a follow-up the
citizen then sees on the queue page, and answer a message from the inbox with its deadline clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages_support import (
    PHONE,
    assert_accessible,
    assert_fits,
    chromium,
    join,
    new_context,
    no_page_errors,
    playwright,
    screenshot,
    wait_status,
)
from tests.support.system import System, running_system

__all__ = ["chromium", "no_page_errors", "playwright"]  # fixtures from pages_support

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

TEFE = "tjam-tefe-vu"  # citizens may always book; the asynchronous channel
VARA = "trf1-sjac-01vf"
ANA = "ana.souza@trf1.jus.br"
ELISA = "elisa.prado@tjam.jus.br"
HOSTILE = "<img src=x onerror=alert(1)> Zé"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def test_booking_and_cancelling_an_appointment(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system, viewport=PHONE)
    page = context.new_page()
    page.goto(f"/?unidade={TEFE}")
    other_ways = page.locator("#entrada-outros")
    expect(other_ways.get_by_role("link", name="Agendar um horário")).to_be_visible()
    expect(other_ways.get_by_role("link", name="Enviar uma mensagem de texto")).to_be_visible()
    other_ways.get_by_role("link", name="Agendar um horário").click()

    expect(page.locator("#titulo-agendar")).to_be_focused()
    page.click("#botao-agendar")  # nothing filled: every error is tied to its field
    expect(page.locator("#resumo-erros")).to_be_visible()
    expect(page.locator("#nome")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#horario input[type=radio]").first).to_be_focused()  # the first field in error
    expect(page.locator("#horario-erro")).to_have_text("Escolha um horário.")
    assert_accessible(page, "agendar-errors")
    assert_fits(page)

    page.fill("#nome", HOSTILE)
    page.check("#papel-parte")
    page.select_option("#assunto", "orientacao")
    page.locator("#horario input[type=radio]").first.check()
    chosen = page.locator("#horario input[type=radio]").first.get_attribute("value")
    screenshot(page, "agendar-01-form")
    page.click("#botao-agendar")

    expect(page.locator("#titulo-agendamento")).to_be_visible()
    expect(page.locator("#ag-situacao")).to_have_text("Agendado")
    expect(page.locator("#ag-origem")).to_have_text("Você")
    expect(page.locator("#ag-unidade")).to_have_text("Vara Única")
    assert "#t=" in (page.locator("#ag-link").get_attribute("href") or "")
    assert page.locator("img").count() == 1  # only the logo: the name was never HTML
    screenshot(page, "agendar-02-appointment")
    assert_accessible(page, "agendar-appointment")

    page.click("#ag-cancelar")
    expect(page.locator("#dialogo-cancelar")).to_be_visible()
    page.click("#cancelar-confirmar")
    expect(page.locator("#ag-situacao")).to_have_text("Cancelado")
    expect(page.locator("#ag-cancelar")).to_be_hidden()
    slots = system.client.get(f"/api/units/{TEFE}/slots").json()
    assert chosen in [s["startsAt"] for d in slots["days"] for s in d["slots"]]  # the place is free again
    context.close()


def test_a_message_is_refused_with_html_then_sent_and_answered(system: System, chromium: Browser) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto(f"/mensagem.html?unidade={TEFE}")
    expect(page.locator("#aviso-texto")).to_contain_text("não recebe petições")
    expect(page.locator("#enviar-unidade")).to_contain_text("Resposta em até 24 horas de expediente.")
    page.fill("#nome", "Raimundo Nonato")
    page.check("#papel-parte")
    page.select_option("#assunto", "orientacao")
    page.fill("#texto", "<b>Urgente</b>: a audiência foi mantida?")
    expect(page.locator("#texto-contagem")).to_contain_text("de 2.000 caracteres")
    page.click("#botao-enviar")
    expect(page.locator("#texto-erro")).to_contain_text("sem HTML")
    expect(page.locator("#texto")).to_be_focused()
    assert_accessible(page, "mensagem-refused")

    page.fill("#texto", "Bom dia.\nA audiência de segunda-feira foi mantida?")
    page.click("#botao-enviar")
    expect(page.locator("#msg-protocolo")).to_have_text(re.compile(r"^TJAM-TEFE-VU-\d{4}-\d{6}$"))
    expect(page.locator("#msg-situacao")).to_have_text("Aguardando resposta da unidade")
    expect(page.locator("#msg-texto")).to_have_text("Bom dia.\nA audiência de segunda-feira foi mantida?")
    screenshot(page, "mensagem-01-sent")
    assert_accessible(page, "mensagem-sent")
    protocol = page.locator("#msg-protocolo").inner_text()

    clerk = new_context(chromium, system, clerk=ELISA)
    console = clerk.new_page()
    console.goto(f"/servidor.html?unidade={TEFE}")
    inbox = console.locator("#mensagens > li")
    expect(inbox).to_have_count(1)
    expect(inbox.first).to_contain_text(protocol)
    expect(inbox.first.locator(".selo")).to_contain_text("de expediente")
    assert_accessible(console, "console-inbox")
    inbox.first.get_by_label(f"Resposta ao protocolo {protocol}").fill("Sim, foi mantida.")
    inbox.first.get_by_role("button", name=re.compile("Enviar resposta")).click()
    expect(console.locator("#mensagens-aviso")).to_contain_text("enviada")
    expect(inbox).to_have_count(0)
    clerk.close()

    page.reload()
    expect(page.locator("#msg-resposta-texto")).to_have_text("Sim, foi mantida.")
    context.close()


def pick_a_slot_ahead(page: Page, minutes: int) -> None:
    """Choose the first follow-up slot that begins at least `minutes` from now. The console lists today's
    free slots from now on, so the first may begin within the minute; an appointment that has begun can
    no longer be moved, and the test would then depend on the wall clock."""
    earliest = datetime.now(UTC) + timedelta(minutes=minutes)
    days = page.locator("#retorno-dia-0 option")
    for d in range(days.count()):
        page.select_option("#retorno-dia-0", index=d)
        times = page.locator("#retorno-hora-0 option")
        for t in range(times.count()):
            value = times.nth(t).get_attribute("value") or ""
            if datetime.fromisoformat(value.replace("Z", "+00:00")) >= earliest:
                page.select_option("#retorno-hora-0", value=value)
                return
    raise AssertionError(f"no free follow-up slot {minutes} minutes ahead")


def test_console_invites_the_interpreter_and_books_a_follow_up(system: System, chromium: Browser) -> None:
    ticket: dict[str, Any] = join(system, VARA, "Pedro Surdo", category="partes")
    wait_status(system, ticket, "waiting")
    citizen_context = new_context(chromium, system)
    citizen = citizen_context.new_page()
    citizen.goto("/")
    citizen.evaluate(
        "t => localStorage.setItem('balcao.senha', JSON.stringify(t))",
        {"ticketId": ticket["ticketId"], "token": ticket["token"], "unitId": VARA, "unitName": ""},
    )

    context = new_context(chromium, system, clerk=ANA)
    page = context.new_page()
    page.goto(f"/servidor.html?unidade={VARA}")
    page.click("#chamar-proximo")
    extras = page.locator("#secao-extras")
    expect(extras).to_be_visible()
    invite = extras.get_by_role("button", name=re.compile("Convidar"))
    expect(invite).to_be_enabled()  # the meeting is ready
    extras.get_by_label("Convidar para a mesma sala").select_option("helena.libras@trf1.jus.br")
    invite.click()
    expect(page.locator("#extras-aviso")).to_contain_text("Convite enviado a Helena")
    pick_a_slot_ahead(page, minutes=10)
    extras.get_by_role("button", name=re.compile("Agendar retorno")).click()
    expect(page.locator("#extras-aviso")).to_contain_text("Retorno agendado")
    screenshot(page, "console-extras")
    assert_accessible(page, "console-extras")
    page.locator("#atual").get_by_role("button", name=re.compile("Finalizar")).click()
    context.close()

    citizen.reload()
    expect(citizen.locator("#fim-retorno")).to_contain_text("Seu retorno foi agendado")
    citizen.locator("#fim-retorno").get_by_role("link", name="Ver o agendamento").click()
    expect(citizen.locator("#ag-origem")).to_have_text("Servidor(a) da unidade (retorno do atendimento)")
    expect(citizen.locator("#ag-remarcar")).to_be_visible()
    assert_accessible(citizen, "agendar-follow-up")
    citizen_context.close()
