"""Attendance by chat in Chromium: the clerk, in the console, switches the call to chat; the citizen, on
the queue page at 360 px, and the clerk exchange three messages; a message with HTML is refused with a
clear pt-BR line and stored nowhere; everything typed shows as text. axe on both screens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.pages_support import (
    PHONE,
    assert_accessible,
    clerk_post,
    fill_join_form,
    join,
    keep_place,
    new_context,
    screenshot,
    wait_status,
)
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "trf1-sjam-01vf"  # clerk Carla
CARLA = "carla.mendes@trf1.jus.br"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def test_clerk_and_citizen_exchange_three_messages_by_chat(system: System, chromium: Browser) -> None:
    ticket = join(system, UNIT, "Marta Mensagem")
    wait_status(system, ticket, "waiting")
    citizen_context = new_context(chromium, system, viewport=PHONE)
    keep_place(citizen_context, "balcao.senha", ticket, UNIT)
    citizen = citizen_context.new_page()
    citizen.goto("/")
    expect(citizen.locator("#espera-posicao")).to_have_text("1")

    console_context = new_context(chromium, system, clerk=CARLA)
    console = console_context.new_page()
    console.goto(f"/servidor.html?unidade={UNIT}")
    expect(console.locator("#console")).to_be_visible()
    assert clerk_post(system, CARLA, f"{UNIT}/call").status_code == 200
    expect(citizen.locator("#titulo-chamada")).to_have_text("Próximo! Agora é sua vez")
    switch = console.get_by_role("button", name="Atender por chat")
    expect(switch).to_be_visible()
    switch.click()
    expect(console.get_by_role("button", name="Voltar ao atendimento por vídeo")).to_be_visible()

    panel = citizen.locator("#chat-cidadao")
    expect(panel).to_be_visible()
    citizen.fill("#chat-cidadao-texto", "Não consigo abrir o vídeo <b>agora</b>.")
    citizen.get_by_role("button", name="Enviar mensagem").click()
    expect(citizen.locator("#chat-cidadao-erro")).to_contain_text("sem marcações HTML")
    citizen.fill("#chat-cidadao-texto", "Não consigo abrir o vídeo, posso escrever?")
    citizen.get_by_role("button", name="Enviar mensagem").click()
    expect(panel.locator(".chat-linha")).to_have_count(1)

    clerk_panel = console.locator("#secao-chat .chat")
    expect(clerk_panel.locator(".chat-linha")).to_have_count(1)
    expect(clerk_panel).to_contain_text("Não consigo abrir o vídeo, posso escrever?")
    clerk_panel.locator("textarea").fill("Pode sim. Qual é a sua dúvida?")
    clerk_panel.get_by_role("button", name="Enviar mensagem").click()
    expect(panel.locator(".chat-linha.outra")).to_contain_text("Pode sim. Qual é a sua dúvida?")
    citizen.fill("#chat-cidadao-texto", "Quero saber se a audiência foi marcada.")
    citizen.get_by_role("button", name="Enviar mensagem").click()
    expect(clerk_panel.locator(".chat-linha")).to_have_count(3)
    assert citizen.locator("#chat-cidadao b").count() == 0
    screenshot(citizen, "chat-01-citizen-360")
    assert_accessible(citizen, "chat-citizen")
    screenshot(console, "chat-02-console-1280")
    assert_accessible(console, "chat-console")

    transcript = system.client.get(
        f"/api/tickets/{ticket['ticketId']}/chat", headers={"Authorization": f"Bearer {ticket['token']}"}
    ).json()
    assert [line["author"] for line in transcript["lines"]] == ["citizen", "clerk", "citizen"]
    assert transcript["mode"] == "chat" and transcript["open"] is True
    console_context.close()
    citizen_context.close()


def test_a_libras_request_reaches_the_console_and_the_interpreter_is_invited_when_called(
    system: System, chromium: Browser
) -> None:
    unit = "trf1-sjam-02vf"  # TRF1: Helena is the court's Libras interpreter
    citizen_context = new_context(chromium, system, viewport=PHONE)
    citizen = citizen_context.new_page()
    citizen.goto(f"/?unidade={unit}")
    fill_join_form(citizen, "Luís Sinais")
    citizen.check("#acess-libras")
    citizen.click("#botao-entrar")
    expect(citizen.locator("#espera-posicao")).to_have_text("1")

    console_context = new_context(chromium, system, clerk=CARLA)
    console = console_context.new_page()
    console.goto(f"/servidor.html?unidade={unit}")
    waiting = console.locator("#fila > li").first
    expect(waiting).to_contain_text("Intérprete de Libras")  # seen before calling
    screenshot(console, "libras-01-console-1280")
    assert clerk_post(system, CARLA, f"{unit}/call").status_code == 200
    told = citizen.locator("#chamada-interprete")
    expect(told).to_have_text("Um(a) intérprete de Libras foi chamado(a) para o seu atendimento.")
    ticket = citizen.evaluate("JSON.parse(localStorage.getItem('balcao.senha'))")
    audit = system.client.get(
        f"/api/gestao/audit?unit={unit}", headers=system.clerk("gestao@balcao.jus.br")
    ).json()
    invites = [e for e in audit["entries"] if e["action"] == "invite" and e["ticketId"] == ticket["ticketId"]]
    assert len(invites) == 1 and invites[0]["who"] == CARLA, audit  # on behalf of the clerk who called
    screenshot(citizen, "libras-02-citizen-360")
    assert_accessible(citizen, "libras-citizen")
    console_context.close()
    citizen_context.close()
