"""Kiosk mode (`index.html?modo=quiosque`, Pontos de Inclusão Digital, Res. CNJ 508/2023) in Chromium.

A citizen joins at a shared computer; the waiting screen shows a QR code that, read by a real decoder
(zxing-cpp), is the link that moves the place to the citizen's phone — opened on a phone, it follows the
same ticket, and the token leaves the address bar. Left alone, the kiosk warns, "Continuar usando" keeps
it, and then it clears everything it kept and starts again while the place in the line stays. The QR
encoder is also checked on its own for every version it makes (1 to 10).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import zxingcpp
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages_support import (
    PHONE,
    assert_accessible,
    fill_join_form,
    new_context,
    screenshot,
    ticket_view,
)
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "trf1-sjam-02vf"  # clerk Carla
KIOSK = {"width": 1280, "height": 800}
SCALE = 4  # pixels per module in the image given to the decoder


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def decode(matrix: list[list[bool]]) -> str:
    """Read a QR matrix (with its 4-module quiet zone added here) with zxing-cpp."""
    size = len(matrix) + 8
    rows = []
    for r in range(size):
        line = bytearray()
        for c in range(size):
            inside = 4 <= r < size - 4 and 4 <= c < size - 4
            line += bytes([0 if inside and matrix[r - 4][c - 4] else 255]) * SCALE
        rows.append(bytes(line) * SCALE)
    pixels = b"".join(rows)
    image = memoryview(pixels).cast("B", (size * SCALE, size * SCALE))
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"no QR code read from a {len(matrix)}×{len(matrix)} matrix"
    return str(found[0].text)


def shown_matrix(page: Page) -> list[list[bool]]:
    """The modules of the QR code on the screen, from its SVG path ("M{x} {y}h1v1h-1z" per dark module)."""
    data: dict[str, object] = page.evaluate(
        """() => { const svg = document.querySelector('svg.qr');
           return { size: svg.viewBox.baseVal.width, d: svg.querySelector('path').getAttribute('d') }; }"""
    )
    size = int(str(data["size"])) - 8
    matrix = [[False] * size for _ in range(size)]
    for part in str(data["d"]).split("M")[1:]:
        x, y = part.split("h")[0].split(" ")
        matrix[int(y) - 4][int(x) - 4] = True
    return matrix


def test_the_qr_encoder_makes_codes_a_decoder_reads_in_every_version(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    page.goto("/")
    texts = [
        "a",
        "https://balcao.tjac.jus.br/",
        "Balcão Virtual — ação",
        *("x" * n for n in (30, 50, 80, 100, 120, 150, 180, 210)),
    ]
    matrices: list[list[list[bool]]] = page.evaluate(
        "async (texts) => { const qr = await import('/assets/js/qr.js');"
        " return texts.map((t) => qr.qrMatrix(t)); }",
        texts,
    )
    sizes = sorted({len(m) for m in matrices})
    assert sizes[0] == 21 and sizes[-1] == 57, sizes  # version 1 (21 modules) up to version 10 (57)
    for text, matrix in zip(texts, matrices, strict=True):
        assert decode(matrix) == text
    print(f"\nQR: {len(texts)} texts, versions {[(s - 17) // 4 for s in sizes]}, all read back by zxing-cpp")
    context.close()


def test_the_kiosk_hands_the_place_to_a_phone_and_forgets_everything_when_left_alone(
    system: System, chromium: Browser
) -> None:
    kiosk_context = new_context(chromium, system, viewport=KIOSK)
    kiosk = kiosk_context.new_page()
    kiosk.clock.install()
    kiosk.goto("/?modo=quiosque")
    expect(kiosk.locator("body")).to_have_class("quiosque")
    expect(kiosk.locator(".topo nav")).to_be_hidden()
    kiosk.locator(f'li[data-unidade="{UNIT}"] a').click()  # the kiosk mode follows the visitor
    expect(kiosk.locator("#nome")).to_be_visible()
    assert kiosk.locator("#botao-entrar").bounding_box()["height"] >= 48  # type: ignore[index]
    fill_join_form(kiosk, "Joana Quiosque")
    kiosk.click("#botao-entrar")
    handover = kiosk.locator("#quiosque-celular")
    expect(handover).to_be_visible()
    expect(handover.locator("svg.qr")).to_have_attribute(
        "aria-label", "Código QR para acompanhar a sua vez no celular"
    )
    screenshot(kiosk, "kiosk-01-waiting-1280")
    assert_accessible(kiosk, "kiosk-waiting")

    link = decode(shown_matrix(kiosk))
    stored = kiosk.evaluate("JSON.parse(localStorage.getItem('balcao.senha'))")
    parts = urlsplit(link)
    assert parse_qs(parts.query)["senha"] == [stored["ticketId"]]
    assert unquote(parts.fragment) == f"t={stored['token']}"  # the token only in the fragment, never sent

    # On the citizen's phone: the same place in the line, and the token gone from the address bar.
    phone_context = new_context(chromium, system, viewport=PHONE)
    phone = phone_context.new_page()
    phone.goto(link)
    expect(phone.locator("#vista-espera")).to_be_visible()
    view = ticket_view(system, stored)
    expect(phone.locator("#espera-senha")).to_have_text(view["displayNumber"])
    assert "#t=" not in phone.url and "senha=" not in phone.url
    screenshot(phone, "kiosk-02-phone-360")

    # Left alone for two minutes: a warning; "Continuar usando" keeps the screen.
    kiosk.clock.fast_forward(120_000)
    warning = kiosk.locator("#quiosque-aviso")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("esta tela será limpa em")
    screenshot(kiosk, "kiosk-03-warning-1280")
    kiosk.get_by_role("button", name="Continuar usando").click()
    expect(warning).to_be_hidden()
    kiosk.clock.fast_forward(60_000)
    expect(warning).to_be_hidden()
    expect(kiosk.locator("#vista-espera")).to_be_visible()

    # Left alone again, past the warning: everything this browser kept is gone; the place is not.
    kiosk.clock.fast_forward(60_000)
    expect(warning).to_be_visible()
    kiosk.clock.run_for(31_000)  # the countdown ticks every second
    expect(kiosk.locator("#vista-unidades")).to_be_visible()
    assert kiosk.url.endswith("/?modo=quiosque")
    kept = kiosk.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('balcao.'))")
    assert kept == [], kept
    assert ticket_view(system, stored)["status"] == "waiting"
    expect(phone.locator("#espera-senha")).to_have_text(view["displayNumber"])
    phone_context.close()
    kiosk_context.close()
