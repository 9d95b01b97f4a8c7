"""The clerk console built for a six-hour shift (issue 15), in Chromium at 1280 × 800, one test per fix:

- ten or more people visible at once, and the current attendance's actions always on screen;
- the time since the call, and "Ausente" only after the unit's no-show time or a confirmation;
- today's no-shows with "Devolver à fila";
- "the citizen is in the room" where the provider can tell (the local simulated room);
- a new arrival is announced in the title, to screen readers and (when turned on) with a sound;
- "offline with people waiting" says so, and the shortcuts work after using the presence control.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages_support import (
    assert_accessible,
    join,
    new_context,
    queue_of,
    requests_to,
    screenshot,
    wait_status,
)
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

SCREEN = {"width": 1280, "height": 800}
ANA, CARLA, DIEGO = "ana.souza@trf1.jus.br", "carla.mendes@trf1.jus.br", "diego.rocha@tjac.jus.br"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def console(chromium: Browser, system: System, clerk: str, unit: str, *, probe: bool = False) -> Page:
    context = new_context(chromium, system, clerk=clerk, viewport=SCREEN, probe=probe)
    page = context.new_page()
    page.goto(f"/servidor.html?unidade={unit}")
    expect(page.locator("#console")).to_be_visible()
    return page


def fully_visible(page: Page, selector: str) -> int:
    """How many elements matching `selector` are entirely inside the viewport."""
    return int(
        page.evaluate(
            """sel => [...document.querySelectorAll(sel)].filter((el) => {
                 const r = el.getBoundingClientRect();
                 return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
               }).length""",
            selector,
        )
    )


ON_SCREEN = """([names, height]) => names.every((name) => {
  const button = [...document.querySelectorAll("#atual article button")]
    .find((b) => b.textContent.trim().startsWith(name));
  if (!button) return false;
  const r = button.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= height && r.height > 0;
})"""


def test_ten_people_fit_and_the_current_actions_stay_on_screen(system: System, chromium: Browser) -> None:
    unit = "trf1-sjac-02vf"
    people = [join(system, unit, f"Maria da Conceição Pereira {i:02d}") for i in range(13)]
    wait_status(system, people[-1], "waiting")
    page = console(chromium, system, ANA, unit)
    expect(page.locator("#fila > li")).to_have_count(13)
    page.click("#chamar-proximo")
    current = page.locator("#atual article")
    expect(current).to_contain_text("Maria da Conceição Pereira 00")
    expect(page.locator("#fila > li")).to_have_count(12)

    assert fully_visible(page, "#fila > li") >= 10
    actions = ["Iniciar atendimento", "Finalizar", "Ausente", "Devolver à fila"]

    def actions_on_screen() -> None:
        """Every action button of the current attendance lies inside the 800 px screen (waited for with
        a bound: the console re-renders the attendance on each refresh)."""
        page.wait_for_function(ON_SCREEN, arg=[actions, SCREEN["height"]], timeout=5000)

    actions_on_screen()
    screenshot(page, "console-shift-01-1280x800")

    # Scrolled to the end of a long page, the attendance and its actions are still on screen.
    page.locator("#equipe-titulo").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 100
    actions_on_screen()

    # The time since the call runs on its own.
    since = page.locator("#atual .desde")
    expect(since).to_have_text(re.compile(r"^Chamada há \d+ s$"))
    first = since.inner_text()
    expect(since).not_to_have_text(first, timeout=3000)
    assert_accessible(page, "console-shift-compact")
    page.context.close()


def test_no_show_needs_the_time_or_a_confirmation_and_can_be_undone(
    system: System, chromium: Browser
) -> None:
    unit = "trf1-sjam-01vf"
    ticket = join(system, unit, "Pessoa Que Não Veio")
    wait_status(system, ticket, "waiting")
    page = console(chromium, system, CARLA, unit)
    sent = requests_to(page, r"/no-show$")
    page.click("#chamar-proximo")
    current = page.locator("#atual article")
    expect(current).to_contain_text("Pessoa Que Não Veio")
    expect(current.locator(".prazo-ausencia")).to_contain_text("“Ausente” sem confirmação em 4 min")

    # Before the unit's time (5 minutes here) "Ausente" asks; cancelling sends nothing.
    current.get_by_role("button", name=re.compile("^Ausente")).click()
    dialog = page.locator("#dialogo-ausencia")
    expect(dialog).to_be_visible()
    expect(page.locator("#ausencia-texto")).to_contain_text("O prazo de espera da unidade é de 5 min 00 s")
    expect(page.locator("#ausencia-cancelar")).to_be_focused()
    screenshot(page, "console-shift-02-no-show-confirmation")
    assert_accessible(page, "console-shift-no-show-dialog")
    page.click("#ausencia-cancelar")
    expect(dialog).to_be_hidden()
    assert sent == []
    assert wait_status(system, ticket, "called")

    current.get_by_role("button", name=re.compile("^Ausente")).click()
    page.click("#ausencia-confirmar")
    expect(current).to_have_count(0)
    assert len(sent) == 1 and '"confirm": true' in sent[0].replace('"confirm":true', '"confirm": true')
    assert wait_status(system, ticket, "no_show")

    # Today's no-shows, with the way back to the line.
    no_shows = page.locator("#faltas > li")
    expect(no_shows).to_have_count(1)
    expect(no_shows.first).to_contain_text("Pessoa Que Não Veio")
    expect(page.locator("#faltas-titulo")).to_contain_text("(1)")
    no_shows.first.get_by_role("button", name=re.compile("Devolver à fila")).click()
    expect(page.locator("#fila > li")).to_have_count(1)
    expect(page.locator("#secao-faltas")).to_be_hidden()
    assert wait_status(system, ticket, "waiting")
    page.context.close()


def test_the_console_says_when_the_citizen_is_in_the_room(system: System, chromium: Browser) -> None:
    unit = "trf1-sjam-02vf"
    ticket = join(system, unit, "Pessoa Na Sala Simulada")
    wait_status(system, ticket, "waiting")
    page = console(chromium, system, CARLA, unit)
    page.click("#chamar-proximo")
    current = page.locator("#atual article")
    expect(current.locator(".sala-estado")).to_have_text("A pessoa ainda não entrou na sala.")

    # The citizen opens the meeting link from their own browser (the one holding the ticket).
    view = wait_status(system, ticket, "called")
    citizen_context = new_context(chromium, system)
    citizen = citizen_context.new_page()
    citizen.goto("/")
    citizen.evaluate(
        "t => localStorage.setItem('balcao.senha', JSON.stringify(t))",
        {"ticketId": ticket["ticketId"], "token": ticket["token"], "unitId": unit, "unitName": ""},
    )
    citizen.goto(view["meeting"]["joinUrl"].replace(system.base_url, ""))
    expect(current.locator(".sala-estado")).to_have_text("A pessoa está na sala.", timeout=15_000)
    expect(current.locator(".sala-estado .selo")).to_have_class(re.compile("aberta"))
    screenshot(page, "console-shift-03-citizen-in-the-room")
    citizen_context.close()
    page.context.close()


def test_arrivals_offline_notice_and_shortcuts_after_the_presence_control(
    system: System, chromium: Browser
) -> None:
    unit = "tjac-rbr-1vce"
    waiting = join(system, unit, "Primeira Da Fila")
    wait_status(system, waiting, "waiting")
    page = console(chromium, system, DIEGO, unit, probe=True)
    expect(page.locator("#fila > li")).to_have_count(1)
    expect(page).to_have_title(re.compile(r"^\(1\) Console: "))

    # Offline with someone waiting: said plainly, with the way out.
    notice = page.locator("#aviso-presenca")
    expect(notice).to_contain_text("Você está “desconectado” e há 1 pessoa aguardando")
    page.click("#ficar-disponivel")
    expect(notice).to_be_hidden()
    expect(page.locator("#presenca-online")).to_be_checked()
    system.wait(lambda: queue_of(system, DIEGO, unit)["clerks"].get(DIEGO) == "online")

    # A new arrival: the title and a spoken notice; no sound until the clerk turns it on.
    second = join(system, unit, "Segunda Da Fila")
    expect(page).to_have_title(re.compile(r"^● Nova chegada \(2\)"))
    view = wait_status(system, second, "waiting")
    expect(page.locator("#chegadas")).to_have_text(f"Nova pessoa na fila: senha {view['displayNumber']}.")
    assert page.evaluate("window.__beeps") == 0
    page.check("#som-chegada")
    third = join(system, unit, "Terceira Da Fila")
    wait_status(system, third, "waiting")
    system.wait(lambda: page.evaluate("window.__beeps") > 0)
    page.reload()
    expect(page.locator("#som-chegada")).to_be_checked()  # the setting is kept in this browser

    # Shortcuts after the presence control: N calls even with the focus on a radio.
    calls = requests_to(page, r"/api/clerk/units/[^/]+/call$")
    page.click("#presenca-paused")
    expect(page.locator("#presenca-paused")).to_be_checked()
    expect(page.locator("#atalhos-estado")).to_contain_text("Atalhos ativos")
    page.keyboard.press("n")
    expect(page.locator("#atual article")).to_contain_text("Primeira Da Fila")
    assert len(calls) == 1

    # In a selection field the status says the shortcuts are paused; Esc brings them back.
    page.focus("#categoria-chamada" if page.locator("#categoria-chamada").is_visible() else "#unidade")
    expect(page.locator("#atalhos-estado")).to_contain_text("Atalhos pausados")
    page.keyboard.press("n")
    assert len(calls) == 1
    page.keyboard.press("Escape")
    expect(page.locator("#atalhos-estado")).to_contain_text("Atalhos ativos")
    expect(page.locator("#fila-titulo")).to_be_focused()
    page.context.close()
