"""A stand-in for the Microsoft Teams client, for browser tests of the tabs (issue 15).

The Teams web client frames a tab and talks to it with `postMessage`; TeamsJS 2.x in the tab accepts
messages only from Teams origins (its own list: `teams.microsoft.com` and others). So the harness page is
served *as* `https://teams.microsoft.com/...` through Playwright's routing (no network: the request never
leaves the browser). It frames the tab from `https://balcao-virtual.example` (TAB_ORIGIN), also routed,
to the dev host: as in Azure, both origins are public https ones (Chromium refuses to let a public page
frame a loopback address), and the tab's requests (pages, scripts, `/api`) reach the dev host with their
headers. The harness answers the messages TeamsJS sends, in the shape its source
(`node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.js`: `initializeCommunication`,
`handleIncomingMessageFromParent`, `getAuthTokenHelper`, `transformLegacyContextToAppContext`) expects:

- a request is `{id, uuidAsString, func, args, ...}`; an answer is `{id, uuidAsString, args}`;
- `initialize` → `[frameContext, hostClientType, runtimeConfig (JSON text), clientSupportedSDKVersion]`;
- `getContext` → `[legacy context]` (`loginHint`, `userPrincipalName`, `tid`, `theme`, `locale`,
  `entityId`, `subEntityId`, `frameContext`...);
- `authentication.getAuthToken` → `[true, token]` or `[false, reason]`;
- `settings.setSettings` (a channel tab's configuration) → `[true]`;
- a host event is `{func, args}`: `themeChange` → `[theme]`, `settings.save` → `[{}]`.

Every request the tab sent is kept in `window.__hostCalls` for the test to read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import BrowserContext, Frame, Page, Route
from playwright.sync_api import Error as PlaywrightError

HARNESS_URL = "https://teams.microsoft.com/_balcao/harness"
TAB_ORIGIN = "https://balcao-virtual.example"
TEAMS_JS_VERSION = "2.58.0"

RUNTIME = {
    "apiVersion": 4,
    "isLegacyTeams": False,
    "hostVersionsInfo": {"adaptiveCardSchemaVersion": {"majorVersion": 1, "minorVersion": 5}},
    "supports": {
        "appInstallDialog": {},
        "dialog": {"url": {}, "update": {}},
        "pages": {"appButton": {}, "tabs": {}, "config": {}, "backStack": {}, "fullTrust": {}},
        "teamsCore": {},
    },
}

HARNESS_PAGE = """<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Microsoft Teams (harness)</title>
<style>html,body{margin:0;height:100%} iframe{border:0;width:100%;height:100%}</style></head>
<body><iframe id="tab" title="Balcão Virtual"></iframe>
<script id="config" type="application/json">__CONFIG__</script>
<script>
const config = JSON.parse(document.getElementById("config").textContent);
const frame = document.getElementById("tab");
window.__hostCalls = [];
function reply(req, args) {
  frame.contentWindow.postMessage({ id: req.id, uuidAsString: req.uuidAsString, args }, "*");
}
window.addEventListener("message", (ev) => {
  if (ev.source !== frame.contentWindow) return;
  const req = ev.data;
  if (!req || typeof req.func !== "string") return;
  window.__hostCalls.push({ func: req.func, args: req.args });
  if (req.func === "initialize") {
    reply(req, [config.frameContext, "web", JSON.stringify(config.runtime), config.sdkVersion]);
  } else if (req.func === "getContext") {
    reply(req, [config.context]);
  } else if (req.func === "authentication.getAuthToken") {
    reply(req, config.token ? [true, config.token] : [false, "FailedToGetToken"]);
  } else if (req.func === "settings.setSettings") {
    reply(req, [true]);
  }
});
window.sendToTab = (func, args) => frame.contentWindow.postMessage({ func, args }, "*");
frame.src = config.tabUrl;
</script></body></html>"""


@dataclass
class TeamsHost:
    page: Page
    tab_url: str

    @property
    def tab(self) -> Frame:
        handle = self.page.locator("#tab").element_handle()
        frame = handle.content_frame() if handle else None
        assert frame is not None, "the tab's frame is missing"
        return frame

    def calls(self, func: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.page.evaluate("window.__hostCalls")
        return [c for c in found if func is None or c["func"] == func]

    def change_theme(self, theme: str) -> None:
        self.page.evaluate("t => window.sendToTab('themeChange', [t])", theme)

    def press_save(self) -> None:
        """The user presses "Save" on a configurable tab's configuration page."""
        self.page.evaluate("window.sendToTab('settings.save', [{}])")


def legacy_context(
    *,
    user: str,
    theme: str = "default",
    entity_id: str = "fila",
    sub_entity_id: str = "",
    frame_context: str = "content",
    tenant: str = "00000000-0000-4000-8000-000000000000",
) -> dict[str, Any]:
    return {
        "locale": "pt-br",
        "theme": theme,
        "entityId": entity_id,
        "subEntityId": sub_entity_id,
        "frameContext": frame_context,
        "hostClientType": "web",
        "loginHint": user,
        "userPrincipalName": user,
        "userObjectId": "6f0c1a6e-0000-4000-8000-000000000001",
        "tid": tenant,
        "appSessionId": "sessao-de-teste",
    }


def serve_tab_origin(context: BrowserContext, base_url: str) -> None:
    """Requests to TAB_ORIGIN go to the dev host at `base_url` (same path, query and headers)."""

    def forward(route: Route) -> None:
        url = route.request.url
        try:
            response = route.fetch(url=base_url.rstrip("/") + url[len(TAB_ORIGIN) :])
            route.fulfill(response=response)
        except PlaywrightError as error:
            if "disposed" not in str(error) and "closed" not in str(error):
                raise
            # a poll still in flight when the test closed its tab: nobody waits for it any more

    context.route(f"{TAB_ORIGIN}/**", forward)


def open_tab(
    context: BrowserContext,
    tab_path: str,
    *,
    token: str | None,
    user: str,
    theme: str = "default",
    entity_id: str = "fila",
    sub_entity_id: str = "",
    frame_context: str = "content",
) -> TeamsHost:
    """A new page of `context` showing the Teams harness with TAB_ORIGIN + `tab_path` as its tab
    (call `serve_tab_origin` first)."""
    tab_url = TAB_ORIGIN + tab_path
    config = {
        "tabUrl": tab_url,
        "token": token,
        "frameContext": frame_context,
        "runtime": RUNTIME,
        "sdkVersion": TEAMS_JS_VERSION,
        "context": legacy_context(
            user=user,
            theme=theme,
            entity_id=entity_id,
            sub_entity_id=sub_entity_id,
            frame_context=frame_context,
        ),
    }
    body = HARNESS_PAGE.replace("__CONFIG__", json.dumps(config).replace("</", "<\\/"))

    def serve(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    context.route(HARNESS_URL, serve)
    # TeamsJS asks a Microsoft CDN for its list of valid origins; the tab's CSP refuses it (connect-src
    # 'self') and TeamsJS falls back to its built-in list. Nothing may leave the machine anyway.
    context.route("https://res.cdn.office.net/**", lambda route: route.abort())
    page = context.new_page()
    page.goto(HARNESS_URL)
    return TeamsHost(page, tab_url)
