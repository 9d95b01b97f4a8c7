"""Every page at a phone's width (360 px) and a desktop's (1280 px), photographed for review (issue 14:
"Screenshots at 360 and 1280 px of the widget and the pages", in test-artifacts/screenshots/, named
`tour-{width}-NN-page`). At each width each page must fit: no horizontal scrolling. The widget's own
tour is in tests/e2e/test_widget.py (it needs a court's page on another origin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.e2e.pages_support import (
    assert_fits,
    clerk_post,
    join,
    keep_place,
    new_context,
    screenshot,
    wait_status,
)
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

TEFE = "tjam-tefe-vu"  # books appointments and takes asynchronous messages; clerk Elisa
ELISA = "elisa.prado@tjam.jus.br"
ADMIN = "gestao@balcao.jus.br"
# Each page and what shows that it has drawn itself (its content, not just its frame).
PUBLIC_PAGES = (
    ("01-directory", "/", "#lista-unidades > li >> nth=0"),
    ("02-join-form", f"/?unidade={TEFE}", "#titulo-entrada"),
    ("05-kiosk", "/?modo=quiosque", "body.quiosque #lista-unidades > li >> nth=0"),
    ("06-message", f"/mensagem.html?unidade={TEFE}", "#aviso-texto"),
    ("07-booking", f"/agendar.html?unidade={TEFE}", "#titulo-agendar"),
)
STAFF_PAGES = (
    ("08-console", f"/servidor.html?unidade={TEFE}", ELISA, "#console >> text=Pessoa da Vitrine {width}"),
    ("09-dashboard", "/painel.html", ADMIN, "#kpis > div >> nth=0"),
)


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


@pytest.mark.parametrize("width", [360, 1280])
def test_every_page_fits_and_is_photographed_at_360_and_1280px(
    system: System, chromium: Browser, width: int
) -> None:
    viewport: ViewportSize = {"width": width, "height": 740 if width == 360 else 900}
    context = new_context(chromium, system, viewport=viewport)
    page = context.new_page()
    for name, path, drawn in PUBLIC_PAGES:
        page.goto(path)
        expect(page.locator(drawn)).to_be_visible()
        assert_fits(page, width)
        screenshot(page, f"tour-{width}-{name}")
    context.close()

    ticket = join(system, TEFE, f"Pessoa da Vitrine {width}")
    wait_status(system, ticket, "waiting")
    context = new_context(chromium, system, viewport=viewport)
    keep_place(context, "balcao.senha", ticket, TEFE)
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#espera-posicao")).to_have_text("1")
    assert_fits(page, width)
    screenshot(page, f"tour-{width}-03-waiting")
    called = clerk_post(system, ELISA, f"{TEFE}/call", {"ticketId": ticket["ticketId"], "reason": "vitrine"})
    assert called.status_code == 200, called.text
    expect(page.locator("#entrar-atendimento")).to_be_visible()
    assert_fits(page, width)
    screenshot(page, f"tour-{width}-04-called")
    context.close()

    for name, path, staff, drawn in STAFF_PAGES:
        context = new_context(chromium, system, viewport=viewport, clerk=staff)
        page = context.new_page()
        page.goto(path)
        expect(page.locator(drawn.format(width=width)).first).to_be_visible()
        assert_fits(page, width)
        screenshot(page, f"tour-{width}-{name}")
        context.close()
    finished = clerk_post(system, ELISA, f"{TEFE}/tickets/{ticket['ticketId']}/finish")
    assert finished.status_code == 200, finished.text
