"""The local front door as in Azure: the SWA CLI serves the pages under the production headers of
staticwebapp.config.json, blocks the other sign-in providers, gates nothing by role (the Function App
decides: a Teams tab has no SWA session, its SSO token passes in `X-Balcao-Authorization`), and
proxies /api to the dev host with the Static Web Apps principal (no claims). A clerk signs in through
the emulator's login page and works the queue (call, start, finish) in Chromium.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.pages_support import (
    DESKTOP,
    assert_accessible,
    chromium,
    join,
    playwright,
    screenshot,
    wait_status,
)
from tests.fakes.fake_entra import FakeEntra
from tests.support.front_door import SITE, serve_login_page_scripts, swa_front_door
from tests.support.system import System

__all__ = ["chromium", "playwright"]  # fixtures from pages_support

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "trf1-sjac-01vf"
ANA = "ana.souza@trf1.jus.br"
CONFIG = json.loads((SITE / "staticwebapp.config.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def system(entra_system: System) -> System:
    return entra_system


@pytest.fixture(scope="module")
def front_door(system: System) -> Iterator[str]:
    with swa_front_door(system.base_url) as base:
        yield base


def swa_cookie(email: str, provider: str = "aad") -> dict[str, str]:
    """The cookie the emulator's login page sets (base64 of the client principal)."""
    principal = {
        "identityProvider": provider,
        "userId": "0f1e2d3c",
        "userDetails": email,
        "userRoles": ["anonymous", "authenticated"],
        "claims": [],
    }
    return {"StaticWebAppsAuthCookie": base64.b64encode(json.dumps(principal).encode()).decode()}


def test_pages_carry_the_production_headers(front_door: str) -> None:
    global_csp = CONFIG["globalHeaders"]["Content-Security-Policy"]
    page = httpx.get(f"{front_door}/index.html")
    assert page.status_code == 200
    for name, value in CONFIG["globalHeaders"].items():
        assert page.headers.get(name) == value, name
    console_csp = next(r for r in CONFIG["routes"] if r["route"] == "/servidor.html")["headers"]
    console = httpx.get(f"{front_door}/servidor.html", cookies=swa_cookie(ANA))
    assert console.status_code == 200
    assert console.headers["Content-Security-Policy"] == console_csp["Content-Security-Policy"] != global_csp


@pytest.mark.parametrize("provider", ["github", "twitter", "google", "facebook"])
def test_other_sign_in_providers_are_blocked(front_door: str, provider: str) -> None:
    assert httpx.get(f"{front_door}/.auth/login/{provider}").status_code == 404
    assert httpx.get(f"{front_door}/.auth/login/aad").status_code == 200


@pytest.mark.parametrize("path", ["/api/clerk/me", "/api/gestao/audit", "/api/metrics/summary"])
def test_staff_routes_refuse_an_anonymous_caller_with_the_functions_own_answer(
    front_door: str, path: str
) -> None:
    """Nothing is gated at the edge (issue 15: Teams tabs have no SWA session); the Function App refuses
    a caller with neither a signed-in principal nor a Teams token, and its problem+json reaches the page."""
    anonymous = httpx.get(f"{front_door}{path}")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert anonymous.json()["status"] == 401


def test_a_teams_token_passes_the_front_door_and_opens_the_clerks_routes(
    front_door: str, entra: FakeEntra
) -> None:
    """A tab's SSO token in `X-Balcao-Authorization` (a Static Web App replaces `Authorization` on its way
    to the linked Function App) reaches the function through the front door; without a SWA session."""
    token = entra.token(ANA)
    me = httpx.get(f"{front_door}/api/clerk/me", headers={"X-Balcao-Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["email"] == ANA
    forged = FakeEntra.unsigned(token)
    refused = httpx.get(f"{front_door}/api/clerk/me", headers={"X-Balcao-Authorization": f"Bearer {forged}"})
    assert refused.status_code == 401


def test_the_api_gets_the_static_web_apps_principal(front_door: str, system: System) -> None:
    me = httpx.get(f"{front_door}/api/clerk/me", cookies=swa_cookie(ANA))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == ANA and UNIT in [u["id"] for u in me.json()["units"]]
    # A principal from another provider is not an institutional account, even with a staff e-mail.
    assert httpx.get(f"{front_door}/api/clerk/me", cookies=swa_cookie(ANA, "github")).status_code == 401


def test_a_clerk_signs_in_through_the_emulator_and_works_the_queue(
    front_door: str, system: System, chromium: Browser
) -> None:
    citizen = join(system, UNIT, "Dalva Pelo Balcão", category="partes")
    wait_status(system, citizen, "waiting")

    context = chromium.new_context(base_url=front_door, viewport=DESKTOP, locale="pt-BR")
    serve_login_page_scripts(context)
    problems: list[str] = []
    context.on("weberror", lambda error: problems.append(str(error.error)))
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"/servidor.html?unidade={UNIT}")
    expect(page.get_by_role("heading", name="Entre com sua conta institucional")).to_be_visible()
    assert_accessible(page, "front-door-sign-in")
    page.get_by_role("link", name="Entrar").click()
    expect(page.locator("#userDetails")).to_be_visible()  # the emulator's login page
    page.locator("#userDetails").press_sequentially(ANA)  # it saves what is typed on keyup
    page.click("#submit")

    page.wait_for_url(f"**/servidor.html?unidade={UNIT}")
    expect(page.locator("#console")).to_be_visible()
    expect(page.locator("#eu-email")).to_contain_text(ANA)
    expect(page.locator("#unidade")).to_have_value(UNIT)
    expect(page.locator("#fila > li")).to_contain_text(["Dalva Pelo Balcão"])

    current = page.locator("#atual")
    page.focus("#chamar-proximo")
    page.keyboard.press("n")
    expect(current).to_contain_text("Dalva Pelo Balcão")
    assert wait_status(system, citizen, "called")
    page.keyboard.press("i")
    expect(current).to_contain_text("Em atendimento")
    page.keyboard.press("f")
    expect(current).not_to_contain_text("Dalva Pelo Balcão")
    assert wait_status(system, citizen, "done")
    screenshot(page, "front-door-console")
    assert problems == []
    context.close()


def test_a_citizens_token_travels_in_its_own_header_beside_the_platforms_authorization(
    system: System,
) -> None:
    """In Azure the Static Web App replaces `Authorization` with its own token on the way to the linked
    Function App (Azure/static-web-apps#34): the ticket token goes in `X-Balcao-Authorization`, which
    wins and decides alone; `Authorization` still serves a client that calls the Function App directly."""
    ticket = join(system, UNIT, "Cidadã Atrás Do Balcão", category="partes")
    wait_status(system, ticket, "waiting")
    path = f"/api/tickets/{ticket['ticketId']}"
    platform = "Bearer static-web-app-platform-token"  # what the SWA puts there (its own token)
    own = {"X-Balcao-Authorization": f"Bearer {ticket['token']}", "Authorization": platform}
    assert system.client.get(path, headers=own).status_code == 200
    assert system.client.get(path, headers={"Authorization": f"Bearer {ticket['token']}"}).status_code == 200
    assert system.client.get(path, headers={"Authorization": platform}).status_code == 401
    malformed = {"X-Balcao-Authorization": "Basic x", "Authorization": f"Bearer {ticket['token']}"}
    refused = system.client.get(path, headers=malformed)
    assert refused.status_code == 401 and "X-Balcao-Authorization" in refused.json()["detail"]
