"""Shared pieces of the browser tests of the pages (`site/`): Chromium, contexts, axe, screenshots.

Debian's Chromium (`/usr/bin/chromium`) is driven by Playwright's sync API; Playwright's own browser
download does not work here. Every helper waits on a condition with a bound, never on the wall clock.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)

from tests.support.system import System, principal_header

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
CHROMIUM = os.environ.get("BALCAO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations", "incomplete"],
}
# "Incomplete" results are checks axe could not decide and leaves to a person. Colour contrast is one a
# person cannot review on every run, so it is decided here or the page fails: contrast.js computes the
# cases axe cannot model (the text of an inline SVG chart, a text in an open modal dialog), and any other
# undecided contrast (text over a gradient, an image, an overlapping layer) fails the page.
MUST_DECIDE = frozenset({"color-contrast"})
MIN_CONTRAST = 4.5  # WCAG 2.1 1.4.3, text under 18pt (14pt bold)
DECIDE_CONTRAST = (Path(__file__).with_name("contrast.js")).read_text(encoding="utf-8")
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}

# Wraps the browser APIs the "your turn" alert uses (WebAudio, the notification permission and the service
# worker's showNotification), so tests can see that it beeped and notified.
ALERT_PROBE = """
(() => {
  window.__beeps = 0;
  window.__notifications = [];
  const Ctx = window.AudioContext;
  if (Ctx) {
    const original = Ctx.prototype.createOscillator;
    Ctx.prototype.createOscillator = function () { window.__beeps += 1; return original.call(this); };
  }
  class ProbeNotification {
    static permission = "granted";
    static requestPermission() { return Promise.resolve("granted"); }
    constructor(title, options) { window.__notifications.push({ title, body: options && options.body }); }
    close() {}
  }
  window.Notification = ProbeNotification;
  // The page shows its notifications through the service worker (issue 13): recorded the same way.
  if (window.ServiceWorkerRegistration) {
    window.ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
      window.__notifications.push({ title, body: options && options.body });
      return Promise.resolve();
    };
  }
})();
"""


# Assertions wait up to 10 s (Playwright's default is 5 s): the queue functions run on a shared machine.
expect.set_options(timeout=10_000)

PAGE_ERRORS: list[str] = []  # uncaught exceptions in any page of any context made by new_context


@pytest.fixture(autouse=True)
def no_page_errors() -> Iterator[None]:
    """Every test fails if a page threw an uncaught exception (a broken script is a broken page)."""
    PAGE_ERRORS.clear()
    yield
    assert PAGE_ERRORS == [], PAGE_ERRORS


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


# What a Static Web App does on the way to its linked Function App: it puts its own token in
# `Authorization` (Azure/static-web-apps#34, "by design"). Every page test runs behind that, so a page that
# sent a citizen's token in `Authorization` fails here as it would in Azure (README, "Who decides who is
# staff"). Page-level routes of a test run first and fall through to this one.
PLATFORM_AUTHORIZATION = "Bearer static-web-app-platform-token"


def behind_static_web_app(route: Route) -> None:
    route.fallback(headers={**route.request.headers, "authorization": PLATFORM_AUTHORIZATION})


def new_context(
    browser: Browser,
    system: System,
    *,
    viewport: ViewportSize | None = None,
    clerk: str | None = None,
    probe: bool = False,
    behind_swa: bool = True,
) -> BrowserContext:
    """A fresh browser profile on the system's base URL; `clerk` signs in with Easy Auth headers."""
    headers = principal_header(clerk) if clerk else None
    context = browser.new_context(
        base_url=system.base_url,
        viewport=viewport or DESKTOP,
        locale="pt-BR",
        timezone_id="America/Sao_Paulo",
        extra_http_headers=headers,
    )
    context.set_default_timeout(10_000)
    if behind_swa:
        context.route("**/api/**", behind_static_web_app)
    context.on(
        "weberror", lambda error: PAGE_ERRORS.append(f"{error.page.url if error.page else ''}: {error.error}")
    )
    if probe:
        context.add_init_script(ALERT_PROBE)
    return context


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Page, name: str) -> dict[str, Any]:
    """axe-core with the WCAG 2.1 A/AA rules: no violations, and no colour contrast left undecided (see
    MUST_DECIDE). The report is kept as an artifact."""
    results = Axe().run(page, options=WCAG_21_AA)
    response: dict[str, Any] = results.response
    undecided, ratios = [], []
    for item in response.get("incomplete", []):
        for node in item["nodes"] if item["id"] in MUST_DECIDE else []:
            axe_says = "; ".join(c["message"] for c in node.get("any", []))
            decided = page.evaluate(DECIDE_CONTRAST, node["target"][0]) if len(node["target"]) == 1 else {}
            if "ratio" in decided and decided["ratio"] >= MIN_CONTRAST:
                ratios.append(decided["ratio"])
                continue
            ours = (
                f"{decided['ratio']:.2f} < {MIN_CONTRAST}" if "ratio" in decided else decided.get("why", "")
            )
            undecided.append(f"{item['id']} {node['target']}: axe: {axe_says}; this test: {ours}")
    summary = {
        "page": name,
        "url": page.url,
        "violations": response.get("violations", []),
        "passes": len(response.get("passes", [])),
        "incomplete": sorted({item["id"] for item in response.get("incomplete", [])}),
        "contrastDecidedHere": {"nodes": len(ratios), "lowestRatio": round(min(ratios, default=0), 2)},
        "axe": response.get("testEngine", {}),
    }
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{name}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    assert results.violations_count == 0, f"axe ({name}):\n{violation_report(summary['violations'])}"
    assert not undecided, f"axe ({name}): colour contrast not decided or too low:\n" + "\n".join(undecided)
    return summary


def violation_report(violations: list[dict[str, Any]]) -> str:
    """axe's violations, one line per element (targets inside a shadow root are lists of selectors)."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']}: {violation['help']}")
        for node in violation.get("nodes", []):
            target = " >>> ".join(
                t if isinstance(t, str) else " >>> ".join(t) for t in node.get("target", [])
            )
            lines.append(f"  {target}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def assert_fits(page: Page, width: int = 360) -> None:
    """No horizontal scrolling at `width` CSS pixels."""
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width, f"{page.url}: page is {scroll_width}px wide at {width}px"


def tab_to(page: Page, matches: str, *, limit: int = 80, key: str = "Tab") -> None:
    """Press Tab until the focused element satisfies the JS predicate `matches` (given `el`)."""
    check = f"(() => {{ const el = document.activeElement; return !!el && ({matches}); }})()"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(check):
            return
    focused = page.evaluate("document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"focus never reached {matches!r}; last focused: {focused}")


def focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


# ------------------------------------------------------------------------------------------------
# Talking to the API directly (the other people in a queue, the clerk's side when not under test)


def join(system: System, unit: str, name: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "role": "parte", "reason": "orientacao", "consent": True, **extra}
    answer = system.client.post(f"/api/units/{unit}/tickets", json=body)
    assert answer.status_code == 202, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def ticket_view(system: System, ticket: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = system.client.get(
        f"/api/tickets/{ticket['ticketId']}", headers={"Authorization": f"Bearer {ticket['token']}"}
    ).json()
    return view


def wait_status(system: System, ticket: dict[str, Any], status: str, timeout: float = 10) -> dict[str, Any]:
    result: dict[str, Any] = system.wait(
        lambda: view if (view := ticket_view(system, ticket))["status"] == status else None, timeout=timeout
    )
    return result


def clerk_post(system: System, clerk: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return system.client.post(f"/api/clerk/units/{path}", json=body or {}, headers=system.clerk(clerk))


def queue_of(system: System, clerk: str, unit: str) -> dict[str, Any]:
    data: dict[str, Any] = system.client.get(
        f"/api/clerk/units/{unit}/queue", headers=system.clerk(clerk)
    ).json()
    return data


def follow_ticket(page: Page, ticket: dict[str, Any], unit: str) -> None:
    """Open the citizen's page with `ticket` kept in this browser, as after a reload."""
    page.goto("/")
    page.evaluate(
        "t => localStorage.setItem('balcao.senha', JSON.stringify(t))",
        {"ticketId": ticket["ticketId"], "token": ticket["token"], "unitId": unit, "unitName": ""},
    )
    page.reload()


def fill_join_form(page: Page, name: str, *, category: str | None = None, process: str = "") -> None:
    """The join form's required answers (a party, "orientação"; no consent: issue 16)."""
    page.fill("#nome", name)
    page.check("#papel-parte")
    if process:
        page.fill("#processo", process)
    page.select_option("#assunto", "orientacao")
    if category:
        page.select_option("#categoria", category)


def keep_place(context: BrowserContext, key: str, ticket: dict[str, Any], unit: str) -> None:
    """The browser already keeps this place in the line (`key`: the page's or the widget's storage), as
    after joining in it."""
    value = json.dumps(
        {"ticketId": ticket["ticketId"], "token": ticket["token"], "unitId": unit, "unitName": ""}
    )
    context.add_init_script(
        f"if (location.protocol === 'http:') localStorage.setItem({json.dumps(key)}, {json.dumps(value)})"
    )


def requests_to(page: Page, pattern: str) -> list[str]:
    """Record "METHOD URL BODY" for every request the page sends whose URL matches `pattern`."""
    seen: list[str] = []
    regex = re.compile(pattern)

    def record(request: Any) -> None:
        if regex.search(request.url):
            seen.append(f"{request.method} {request.url} {request.post_data or ''}".rstrip())

    page.on("request", record)
    return seen


def expect_text(page: Page, selector: str, text: str | re.Pattern[str], timeout: float = 10_000) -> None:
    expect(page.locator(selector)).to_contain_text(text, timeout=timeout)


def push_near_cap(system: System, unit: str, limit: int = 40) -> int:
    """Bots from rotating addresses join `unit` (one join each) until the API asks for a proof of work
    (428, issue 16: the unit's join bucket below half); returns how many got in. At most `limit` joins:
    a unit already asking answers the first with 428 and nothing is written."""
    for i in range(limit):
        answer = system.client.post(
            f"/api/units/{unit}/tickets",
            json={"name": f"Robô Número {i}", "role": "parte", "reason": "orientacao"},
            headers={"X-Forwarded-For": f"198.51.100.{i + 1}"},
        )
        if answer.status_code == 428:
            return i
        assert answer.status_code == 202, answer.text
    raise AssertionError(f"{unit} never asked for a proof in {limit} joins")
