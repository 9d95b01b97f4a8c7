"""The proof of work in the citizen's pages (issue 16): at a unit pushed near its cap, the join form and
the booking form are answered 428, solve the API's ALTCHA challenge in the browser (the vendored ALTCHA
worker) and send again with the proof; the citizen is admitted and sees the position, or is booked.
Behind the Static Web App stand-in, like the other page tests.

The rule, from functions/proof.py: bots joining from rotating addresses drain the unit's join bucket below
half (for `tjam-tefe-vu`'s line of 50, a bucket of 16) and from then on a join or a booking without a
solved challenge is 428; the page says "Verificando que você não é um robô… isso leva alguns segundos" in
a role="status" line while it solves.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Response, expect

from tests.e2e.pages_support import (
    PHONE,
    assert_accessible,
    assert_fits,
    fill_join_form,
    new_context,
    push_near_cap,
    screenshot,
)
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

BUSY = "tjam-tefe-vu"  # a line of 50; citizens may always book
WORKING = "Verificando que você não é um robô… isso leva alguns segundos."
CHALLENGE = f"/api/units/{BUSY}/challenge"

# Every text a role="status" element of the page shows, told to the test (`said`) as it appears: the line
# may last a second only, and the booking page moves to the appointment's page afterwards.
STATUS_PROBE = """
let last = "";
new MutationObserver(() => {
  for (const el of document.querySelectorAll('[role=status]')) {
    const text = el.textContent.trim();
    if (text && text !== last) window.said(last = text);
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def status_lines(context: BrowserContext) -> list[str]:
    """What the pages of `context` say in their role="status" lines, in order."""
    said: list[str] = []
    context.expose_function("said", lambda text: said.append(text))
    context.add_init_script(STATUS_PROBE)
    return said


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


class Exchange:
    """The page's calls to the unit's join or booking route and to the challenge, as they went."""

    def __init__(self, page: Page, route: str) -> None:
        self.route = re.compile(rf"/api/units/{BUSY}/{route}$")
        self.sent: list[tuple[float, str | None]] = []  # (when, X-Balcao-Proof) of each POST
        self.answers: list[int] = []
        self.challenge: dict[str, Any] = {}
        self.challenged_at = 0.0
        page.on("request", self.request)
        page.on("response", self.response)

    def request(self, request: Request) -> None:
        if request.method == "POST" and self.route.search(request.url):
            self.sent.append((time.time(), request.headers.get("x-balcao-proof")))

    def response(self, response: Response) -> None:
        if response.request.method == "POST" and self.route.search(response.url):
            self.answers.append(response.status)
        elif response.url.endswith(CHALLENGE):
            self.challenged_at = time.time()
            self.challenge = response.json()

    def assert_solved(self, admitted: int) -> None:
        """Asked once (428), then sent again with a proof and admitted; nothing else."""
        assert self.answers == [428, admitted], self.answers
        assert [proof is not None for _, proof in self.sent] == [False, True], self.sent
        assert self.challenge["parameters"]["data"] == {"unit": BUSY}, self.challenge


def test_near_the_cap_the_join_form_solves_the_check_and_the_citizen_sees_the_position(
    system: System, chromium: Browser
) -> None:
    bots = push_near_cap(system, BUSY)
    context = new_context(chromium, system)
    said = status_lines(context)
    page = context.new_page()
    exchange = Exchange(page, "tickets")
    page.goto(f"/?unidade={BUSY}")
    fill_join_form(page, "Cidadã De Verdade")
    page.click("#botao-entrar")
    expect(page.locator("#titulo-espera")).to_have_text(re.compile("Você está em:"))
    expect(page.locator("#espera-posicao")).to_have_text(re.compile(r"^\d+$"))
    exchange.assert_solved(202)
    assert WORKING in said, said
    expect(page.locator("#entrada-verificacao")).to_have_text("")  # the line goes when the work is done
    print(f"\njoin page: {bots} bot joins before the unit asked; asked once (428), solved, admitted (202)")
    context.close()


def test_near_the_cap_the_booking_form_solves_the_check_and_the_citizen_is_booked(
    system: System, chromium: Browser
) -> None:
    push_near_cap(system, BUSY)
    context = new_context(chromium, system)
    said = status_lines(context)
    page = context.new_page()
    exchange = Exchange(page, "appointments")
    page.goto(f"/agendar.html?unidade={BUSY}")
    page.fill("#nome", "Cidadão Que Agenda")
    page.check("#papel-parte")
    page.select_option("#assunto", "orientacao")
    page.locator("#horario input[type=radio]").first.check()
    page.click("#botao-agendar")
    expect(page.locator("#titulo-agendamento")).to_be_visible()
    expect(page.locator("#ag-situacao")).to_have_text("Agendado")
    exchange.assert_solved(201)
    assert WORKING in said, said
    context.close()


def test_at_360px_on_a_slow_phone_the_check_ends_well_within_its_expiry_and_the_citizen_sees_the_line(
    system: System, chromium: Browser
) -> None:
    """The CPU slowed 4 times (Chrome DevTools' `Emulation.setCPUThrottlingRate`): the citizen sees the
    status line, the proof is sent before the challenge expires, and the page fits 360 px and passes axe
    while it works. The call slows the page's own thread, not its worker's; the widget's test
    (tests/e2e/test_widget.py) slows the very thread that solves."""
    push_near_cap(system, BUSY)
    context = new_context(chromium, system, viewport=PHONE)
    said = status_lines(context)
    page = context.new_page()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    exchange = Exchange(page, "tickets")
    page.goto(f"/?unidade={BUSY}")
    fill_join_form(page, "Pessoa Com Celular Lento")
    page.click("#botao-entrar")
    expect(page.locator("#entrada-verificacao")).to_have_text(WORKING)
    screenshot(page, "proof-01-verifying-360")
    assert_fits(page)
    assert_accessible(page, "proof-verifying")
    expect(page.locator("#espera-posicao")).to_have_text(re.compile(r"^\d+$"), timeout=60_000)
    exchange.assert_solved(202)
    assert said.count(WORKING) == 1, said
    proved_at = exchange.sent[1][0]
    expires = exchange.challenge["parameters"]["expiresAt"]
    solving = proved_at - exchange.challenged_at
    print(
        f"\nat 4x CPU throttling, 360 px: solved in {solving:.1f} s; "
        f"the challenge had {expires - exchange.challenged_at:.0f} s to run"
    )
    assert proved_at < expires, (proved_at, expires)
    context.close()
