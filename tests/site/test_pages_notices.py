"""The waiting page off the page (issue 13, points 2 and 5), in Debian's Chromium at 360 px on a throttled
network and CPU, against the dev host:

- the web app manifest, its icons and the service worker are served with the types a browser requires,
  under the pages' Content-Security-Policy, and the worker takes the page (scope /);
- with the network off, reloading the waiting page opens the worker's copy of its shell, which says
  "Sem conexão… Sua vaga continua guardada";
- a Web Push message delivered to the worker (DevTools Protocol `ServiceWorker.deliverPushMessage`, the
  API's payload) shows a notification with the two actions; a click on it brings the citizen's tab to
  the call, and "Estou aqui" is posted by the worker with the token from the link's fragment;
- a notice's link hands the place to the page, which takes the token out of the address bar.

Clicking a notification: headless Chromium shows no notification to click, so the test dispatches a
`NotificationEvent("notificationclick")` inside the worker (Playwright's `Worker.evaluate`) with the
notification `getNotifications()` returns. A synthetic event does not grant the worker the "window
interaction" a real click does (`clients.openWindow` and `WindowClient.focus` are refused), so the test
uses the path that needs none: the citizen's tab is on another citizen page of the site, and the worker
navigates it (`WindowClient.navigate`) to the link.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, Worker, expect

from tests.e2e.pages_support import PHONE, clerk_post, join, new_context, wait_status
from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.azurite]

UNIT = "trf1-sjac-02vf"
ANA = "ana.souza@trf1.jus.br"
OFFLINE_TEXT = re.compile(r"Sem conexão.*Sua vaga continua guardada", re.DOTALL)
# A phone on a mobile network: Chrome DevTools' "Fast 4G" (150 ms, 9 Mbit/s down) and a 4× slower CPU.
FAST_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 9_000_000 / 8,
    "uploadThroughput": 1_500_000 / 8,
}
CPU_SLOWDOWN = 4
NOTIFICATIONS = """navigator.serviceWorker.ready.then((r) => r.getNotifications())
  .then((all) => all.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data,
                                   actions: n.actions.map((a) => a.action) })))"""


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def phone(browser: Browser, system: System) -> tuple[BrowserContext, Page, CDPSession]:
    """A citizen's phone: 360 px, notifications allowed, a throttled network and CPU."""
    context = new_context(browser, system, viewport=PHONE)
    context.grant_permissions(["notifications"], origin=system.base_url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", FAST_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page, cdp


def waiting_phone(
    browser: Browser, system: System, name: str
) -> tuple[dict[str, Any], BrowserContext, Page, CDPSession]:
    """`name` joins the line; their phone shows the waiting page, under the service worker."""
    ticket = join(system, UNIT, name)
    wait_status(system, ticket, "waiting")
    context, page, cdp = phone(browser, system)
    page.goto("/")
    page.evaluate(
        "t => localStorage.setItem('balcao.senha', JSON.stringify(t))",
        {"ticketId": ticket["ticketId"], "token": ticket["token"], "unitId": UNIT, "unitName": ""},
    )
    page.reload()
    controlled(page)
    return ticket, context, page, cdp


def controlled(page: Page) -> None:
    """The worker is active and controls the page (the first visit installs it; it claims the page)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", polling=100, timeout=15_000)


def worker(context: BrowserContext) -> Worker:
    workers = [w for w in context.service_workers if w.url.endswith("/sw.js")]
    if not workers:
        workers = [context.wait_for_event("serviceworker", timeout=10_000)]
    return workers[0]


def until(page: Page, predicate: Callable[[], Any], timeout: float = 10) -> Any:
    """Wait for `predicate` while Playwright delivers its events (a CDP event, a request), bounded."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"condition not met within {timeout}s"
        page.evaluate("0")  # one round trip: Playwright dispatches the events that arrived meanwhile
    return value


def pushed(page: Page, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The notifications on screen that show `payload` (the page may show its own of the call)."""
    shown: list[dict[str, Any]] = page.evaluate(NOTIFICATIONS)
    return [n for n in shown if n["body"] == payload["body"]]


def leave(system: System, ticket: dict[str, Any]) -> None:
    """The ticket leaves the line, so the next test's citizen is the one the clerk calls."""
    auth = {"Authorization": f"Bearer {ticket['token']}"}
    assert system.client.delete(f"/api/tickets/{ticket['ticketId']}", headers=auth).status_code == 204


def link_of(system: System, ticket: dict[str, Any]) -> str:
    """A notice's link as api13.md gives it: the token only in the fragment."""
    return f"{system.base_url}/#u={UNIT}&t={ticket['ticketId']}.{ticket['token']}"


def test_the_manifest_its_icons_and_the_worker_are_served_as_a_browser_requires(system: System) -> None:
    manifest = system.client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["lang"] == "pt-BR" and data["display"] == "standalone"
    assert data["start_url"] == "/" and data["scope"] == "/"  # the waiting page (index.html keeps the place)
    assert data["short_name"] and len(data["short_name"]) <= 15  # what a launcher shows under the icon
    sizes = set()
    for icon in data["icons"]:
        answer = system.client.get(icon["src"])
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png", icon
        image = Image.open(BytesIO(answer.content))
        assert f"{image.size[0]}x{image.size[1]}" == icon["sizes"], icon
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    script = system.client.get("/sw.js")
    assert script.status_code == 200
    assert script.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    # Served under the pages' policy: the worker's own fetches are held to connect-src 'self'.
    assert "connect-src 'self'" in script.headers["content-security-policy"]
    assert script.headers["cache-control"] == "no-cache"  # a new release's worker is seen at once


def test_the_worker_takes_the_page_and_the_page_links_the_manifest(system: System, chromium: Browser) -> None:
    context, page, _ = phone(chromium, system)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/")
    controlled(page)
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{system.base_url}/"
    href = page.evaluate("document.querySelector('link[rel=manifest]').href")
    assert href == f"{system.base_url}/manifest.webmanifest"
    assert violations == []
    context.close()


def test_with_the_network_off_the_waiting_page_opens_from_the_workers_copy(
    system: System, chromium: Browser
) -> None:
    ticket, context, page, cdp = waiting_phone(chromium, system, "Pessoa Sem Rede")
    expect(page.locator("#espera-posicao")).to_have_text(re.compile(r"\d"))

    # Off for the page (DevTools Protocol) and for the worker too: the page's emulation does not reach a
    # service worker's own fetches, Playwright's offline mode for the context does.
    cdp.send("Network.emulateNetworkConditions", {**FAST_4G, "offline": True})
    context.set_offline(True)
    probe = "fetch('/manifest.webmanifest', { cache: 'no-store' }).then(() => 'reached', () => 'offline')"
    assert worker(context).evaluate(probe) == "offline"
    page.reload()
    expect(page.locator("#titulo-espera")).to_be_visible()
    expect(page.locator("#espera-conexao")).to_have_text(OFFLINE_TEXT, timeout=20_000)
    # Nothing from the API was kept: the cache holds the shell's files only.
    kept = page.evaluate(
        "caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n)"
        ".then((c) => c.keys())))).then((lists) => lists.flat().map((r) => r.url))"
    )
    assert kept and not [url for url in kept if "/api/" in url or ticket["token"] in url], kept

    context.set_offline(False)
    cdp.send("Network.emulateNetworkConditions", FAST_4G)
    expect(page.locator("#espera-conexao")).to_be_hidden(timeout=20_000)  # back online: it reconnects
    context.close()
    leave(system, ticket)


def test_a_push_shows_the_notice_and_a_click_brings_the_citizen_to_the_call(
    system: System, chromium: Browser
) -> None:
    ticket, context, page, cdp = waiting_phone(chromium, system, "Pessoa Avisada")
    # The citizen looks at another citizen page of the site while waiting.
    page.goto(f"/agendar.html?unidade={UNIT}")
    controlled(page)

    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda ev: registrations.extend(ev["registrations"]))
    cdp.send("ServiceWorker.enable")
    until(page, lambda: registrations)
    called = clerk_post(system, ANA, f"{UNIT}/call")
    assert called.status_code == 200, called.text
    wait_status(system, ticket, "called")

    payload = {
        "kind": "called",
        "title": "Balcão Virtual: agora é sua vez",
        "body": "Você foi chamado(a). Toque para entrar no atendimento.",
        "url": link_of(system, ticket),
        "ticket": ticket["ticketId"],
        "actions": [
            {"action": "open", "title": "Entrar no atendimento"},
            {"action": "here", "title": "Estou aqui"},
        ],
    }
    scope = next(r for r in registrations if r["scopeURL"] == f"{system.base_url}/" and not r["isDeleted"])
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": f"{system.base_url}/",
            "registrationId": scope["registrationId"],
            "data": json.dumps(payload),
        },
    )
    [shown] = until(page, lambda: pushed(page, payload))
    assert shown["title"] == payload["title"] and shown["body"] == payload["body"]
    assert shown["tag"] == ticket["ticketId"]
    assert shown["actions"] == ["open", "here"]
    assert shown["data"]["url"] == payload["url"]

    click = """async ([action, body]) => {
      const n = (await self.registration.getNotifications()).find((x) => x.body === body);
      self.dispatchEvent(new NotificationEvent("notificationclick", { notification: n, action }));
      return n.tag;
    }"""
    sw = worker(context)
    # Its body (the default action): the citizen's tab is brought to the call.
    with page.expect_navigation(timeout=15_000):
        sw.evaluate(click, ["", payload["body"]])
    expect(page.locator("#titulo-chamada")).to_have_text("Próximo! Agora é sua vez", timeout=15_000)
    assert "#" not in page.url and ticket["token"] not in page.url  # the token left the address bar
    # The clicked notice is closed (the page, called, may show its own notification of the call).
    assert pushed(page, payload) == []
    # "Estou aqui" from the notification: the worker posts it with the token of the link's fragment.
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": f"{system.base_url}/",
            "registrationId": scope["registrationId"],
            "data": json.dumps(payload),
        },
    )
    until(page, lambda: pushed(page, payload))
    sent: list[dict[str, Any]] = []
    context.on(
        "request",
        lambda r: (
            sent.append({"method": r.method, "url": r.url, "headers": r.headers, "body": r.post_data})
            if r.service_worker and r.url.endswith("/here")
            else None
        ),
    )
    assert sw.evaluate(click, ["here", payload["body"]]) == ticket["ticketId"]
    until(page, lambda: sent)
    [here] = sent
    assert here["method"] == "POST"
    assert here["url"] == f"{system.base_url}/api/tickets/{ticket['ticketId']}/here"
    assert here["headers"]["authorization"] == f"Bearer {ticket['token']}"
    assert here["headers"]["content-type"] == "application/json"

    context.close()


def test_a_notice_link_hands_the_place_over_and_leaves_no_token_behind(
    system: System, chromium: Browser
) -> None:
    ticket = join(system, UNIT, "Pessoa do Link")
    wait_status(system, ticket, "waiting")
    context, page, _ = phone(chromium, system)
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    # The link as api13.md writes it names entrar.html: that page hands it to the waiting page.
    page.goto(f"/entrar.html#u={UNIT}&t={ticket['ticketId']}.{ticket['token']}")
    expect(page.locator("#titulo-espera")).to_be_visible(timeout=15_000)
    expect(page.locator("#espera-posicao")).to_have_text(re.compile(r"\d"))
    assert page.url == f"{system.base_url}/", page.url
    kept = json.loads(page.evaluate("localStorage.getItem('balcao.senha')"))
    assert (kept["ticketId"], kept["token"]) == (ticket["ticketId"], ticket["token"])
    assert not [url for url in seen if ticket["token"] in url], "the token went to a server in a URL"
    context.close()
    leave(system, ticket)
