"""The Balcão Virtual Teams app's tabs in Chromium, inside a harness page that plays the Teams host for
TeamsJS (tests/e2e/teams_host.py): TeamsJS initializes with the context (user, theme, locale), the pages
follow the theme (dark, high contrast) and sign in with the Teams SSO token (checked by the dev host
against a local Entra ID stand-in); a card's deep link (sub-page) brings its ticket into view; the
channel tab's configuration page gives Teams the unit's console; without the host, the pages keep the
Static Web Apps sign-in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, expect

from tests.e2e.pages_support import assert_accessible, join, new_context, screenshot, wait_status
from tests.e2e.teams_host import TAB_ORIGIN, open_tab, serve_tab_origin
from tests.fakes.fake_entra import FakeEntra
from tests.support.system import System

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "trf1-sjac-01vf"
ANA = "ana.souza@trf1.jus.br"
ADMIN = "gestao@balcao.jus.br"


@pytest.fixture(scope="module")
def system(entra_system: System) -> System:
    return entra_system


def teams_context(chromium: Browser, system: System) -> tuple[BrowserContext, list[dict[str, Any]]]:
    """A browser profile with no sign-in of its own (no principal header): only Teams SSO can identify it.
    Records the API requests the tab sends, with their identity headers."""
    context = new_context(chromium, system)
    serve_tab_origin(context, system.base_url)
    sent: list[dict[str, Any]] = []

    def record(request: Any) -> None:
        if request.url.startswith(f"{TAB_ORIGIN}/api/"):
            headers = request.headers
            sent.append(
                {
                    "path": request.url[len(TAB_ORIGIN) :],
                    "teams": headers.get("x-balcao-authorization", ""),
                    "authorization": headers.get("authorization", ""),
                    "principal": headers.get("x-ms-client-principal", ""),
                }
            )

    context.on("request", record)
    return context, sent


def theme_of(frame: Frame) -> str:
    return str(frame.evaluate("document.documentElement.dataset.tema || ''"))


def test_the_console_tab_runs_inside_teams_with_sso_theme_and_deep_link(
    system: System, chromium: Browser, entra: FakeEntra
) -> None:
    waiting = [join(system, UNIT, f"Pessoa Teams {i}", category="partes") for i in range(3)]
    for ticket in waiting:
        wait_status(system, ticket, "waiting")
    linked = waiting[2]["ticketId"]  # the ticket a card's button pointed at (subEntityId)
    context, sent = teams_context(chromium, system)
    host = open_tab(
        context,
        "/servidor.html?teams=1",
        token=entra.token(ANA),
        user=ANA,
        theme="dark",
        sub_entity_id=linked,
    )
    tab = host.tab
    expect(tab.locator("#console")).to_be_visible()
    expect(tab.locator("#eu-nome")).to_have_text("Ana Souza")
    expect(tab.locator("#fila > li")).to_have_count(3)

    # TeamsJS talked to the host as Teams expects.
    funcs = [c["func"] for c in host.calls()]
    assert funcs[:2] == ["initialize", "getContext"], funcs
    assert "authentication.getAuthToken" in funcs and "appInitialization.success" in funcs
    assert {"func": "registerHandler", "args": ["themeChange"]} in host.calls("registerHandler")

    # Inside Teams: Teams' frame instead of the site's, the dark theme, the sign-out link hidden.
    assert tab.evaluate("document.documentElement.classList.contains('em-teams')")
    assert theme_of(tab) == "escuro"
    expect(tab.locator("header.topo")).to_be_hidden()
    expect(tab.locator("#link-sair")).to_be_hidden()
    background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(31, 31, 31)", background

    # Every staff API call carried the Teams token; none carried a principal header.
    staff = [s for s in sent if s["path"].startswith("/api/clerk/")]
    assert staff and all(s["teams"].startswith("Bearer ey") for s in staff)
    assert all(s["authorization"] == s["teams"] for s in staff)
    assert not any(s["principal"] for s in sent)

    # The deep link's ticket is brought into view and focused.
    row = tab.locator(f'#fila > li[data-ticket="{linked}"]')
    expect(row).to_have_class(re.compile("destacada"))
    expect(row).to_be_focused()
    screenshot(host.page, "teams-01-console-dark")
    assert_accessible(tab, "teams-console-dark")  # type: ignore[arg-type]

    # The user switches Teams to high contrast: the tab follows at once.
    host.change_theme("contrast")
    expect(tab.locator("html")).to_have_attribute("data-tema", "contraste")
    assert tab.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    screenshot(host.page, "teams-02-console-contrast")
    assert_accessible(tab, "teams-console-contrast")  # type: ignore[arg-type]

    # Calling from the tab acts as the token's person.
    tab.locator("#chamar-proximo").click()
    expect(tab.locator("#atual")).to_contain_text("Pessoa Teams 0")
    context.close()


@pytest.mark.parametrize(
    ("path", "entity", "ready"),
    [
        ("/serventias.html?teams=1", "serventias", "#serventias table"),
        ("/painel.html?teams=1", "painel", "#kpis > div"),
        ("/sobre.html?teams=1", "sobre", "#privacidade"),
    ],
)
def test_the_other_tabs_run_inside_teams(
    system: System, chromium: Browser, entra: FakeEntra, path: str, entity: str, ready: str
) -> None:
    context, sent = teams_context(chromium, system)
    host = open_tab(context, path, token=entra.token(ADMIN), user=ADMIN, entity_id=entity)
    tab = host.tab
    expect(tab.locator(ready).first).to_be_visible()
    assert theme_of(tab) == "claro"
    assert tab.evaluate("document.documentElement.classList.contains('em-teams')")
    expect(tab.locator("header.topo")).to_be_hidden()
    if entity != "sobre":
        assert any(s["teams"] for s in sent) and not any(s["principal"] for s in sent)
    screenshot(host.page, f"teams-03-{entity}")
    assert_accessible(tab, f"teams-{entity}")  # type: ignore[arg-type]
    context.close()


def test_a_channel_tab_is_configured_to_one_unit(system: System, chromium: Browser, entra: FakeEntra) -> None:
    context, _ = teams_context(chromium, system)
    host = open_tab(
        context,
        "/configurar.html?teams=1",
        token=entra.token(ANA),
        user=ANA,
        entity_id="",
        frame_context="settings",
    )
    tab = host.tab
    expect(tab.locator("#form-configurar")).to_be_visible()
    assert host.calls("settings.setValidityState")[-1]["args"] == [False]
    tab.select_option("#unidade-canal", UNIT)
    host.page.wait_for_function(  # the tab tells the host through postMessage: wait for it (bounded)
        "() => { const v = window.__hostCalls.filter((c) => c.func === 'settings.setValidityState');"
        " return v.length > 0 && v[v.length - 1].args[0] === true; }",
        timeout=5000,
    )
    assert host.calls("settings.setValidityState")[-1]["args"] == [True]
    host.press_save()
    expect(tab.locator("#unidade-canal")).to_be_visible()
    host.page.wait_for_function("window.__hostCalls.some((c) => c.func === 'settings.save.success')")
    (saved,) = host.calls("settings.setSettings")
    assert saved["args"][0] == {
        "entityId": f"fila-{UNIT}",
        "contentUrl": f"{TAB_ORIGIN}/servidor.html?unidade={UNIT}&teams=1",
        "websiteUrl": f"{TAB_ORIGIN}/servidor.html?unidade={UNIT}",
        "suggestedDisplayName": "Fila — TRF1 - SJAC - 01ª Vara Federal Cível e Criminal",
    }
    assert_accessible(tab, "teams-configure")  # type: ignore[arg-type]
    context.close()


def test_when_teams_gives_no_token_the_tab_says_so(system: System, chromium: Browser) -> None:
    context, _ = teams_context(chromium, system)
    host = open_tab(context, "/servidor.html?teams=1", token=None, user=ANA)
    tab = host.tab
    expect(tab.locator("#entrar-teams")).to_be_visible()
    expect(tab.locator("#entrar-teams")).to_contain_text("Teams")
    expect(tab.locator("#entrar")).to_be_hidden()  # no sign-in page to go to inside a tab
    context.close()


def test_without_the_teams_host_the_pages_fall_back_to_the_swa_sign_in(
    system: System, chromium: Browser
) -> None:
    context = new_context(chromium, system)
    page = context.new_page()
    for name in ("servidor", "serventias", "painel"):
        page.goto(f"/{name}.html?teams=1")
        link = page.locator("#link-entrar")
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", re.compile(r"^/\.auth/login/aad\?post_login_redirect_uri="))
        assert not page.evaluate("document.documentElement.classList.contains('em-teams')"), name
        assert page.evaluate("typeof window.microsoftTeams") == "undefined", name  # not even loaded
    context.close()
