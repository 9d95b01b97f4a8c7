// The staff pages as tabs of the Balcão Virtual Teams app (appPackage/manifest.json).
//
// The manifest opens each tab with `?teams=1`. Only then, and only inside a frame, this module loads
// TeamsJS 2.x (vendored in assets/vendor/teams-js: no CDN), initializes it with the Teams host, reads
// the context (user, theme, locale, and the sub-page a card deep-linked to) and follows the theme
// (default, dark, high contrast). Every call to the staff API then carries the Teams SSO token
// (`authentication.getAuthToken`): as `Authorization: Bearer …`, and again in `X-Balcao-Authorization`,
// because the Static Web App replaces `Authorization` on its way to the linked Function App.
//
// Outside Teams (no `?teams=1`, not framed, or no host answering within INIT_TIMEOUT_MS) `startTeams`
// resolves to null and the page keeps its Static Web Apps sign-in.

import { setAuthorization } from "./api.js";

const TEAMS_JS = "assets/vendor/teams-js/MicrosoftTeams.min.js";
const INIT_TIMEOUT_MS = 5000;
const TOKEN_MARGIN_MS = 5 * 60 * 1000; // ask Teams again this long before the token expires
const STAFF_API = /^\/(clerk|metrics|gestao)\//;
const THEMES = { default: "claro", dark: "escuro", contrast: "contraste" };

let started = null;
let inTeams = false; // true once the Teams host answered

/** Whether the page was opened as a Teams tab (the manifest's URLs carry `teams=1`). */
export function openedAsTab() {
  return new URLSearchParams(window.location.search).get("teams") === "1" && window.parent !== window;
}

/** Keep `teams=1` on links between the tabs' pages (a tab that navigates stays a tab). */
export function tabHref(href) {
  if (!inTeams) return href;
  const url = new URL(href, window.location.href);
  url.searchParams.set("teams", "1");
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The Teams session ({ context, subPageId, user }) or null outside Teams. Started once per page. */
export function startTeams() {
  if (!started) started = openedAsTab() ? connect().catch(() => null) : Promise.resolve(null);
  return started;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    if (window.microsoftTeams) {
      resolve(window.microsoftTeams);
      return;
    }
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => (window.microsoftTeams ? resolve(window.microsoftTeams) : reject(new Error("TeamsJS")));
    script.onerror = () => reject(new Error("TeamsJS"));
    document.head.append(script);
  });
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => {
      window.clearTimeout(timer);
      resolve(value);
    }, (err) => {
      window.clearTimeout(timer);
      reject(err);
    });
  });
}

async function connect() {
  const teams = await loadScript(TEAMS_JS);
  await withTimeout(teams.app.initialize(), INIT_TIMEOUT_MS);
  const context = await withTimeout(teams.app.getContext(), INIT_TIMEOUT_MS);
  applyTheme(context.app && context.app.theme);
  teams.app.registerOnThemeChangeHandler(applyTheme);
  if (context.app && context.app.locale) document.documentElement.dataset.localeTeams = context.app.locale;
  document.documentElement.classList.add("em-teams");
  inTeams = true;
  setAuthorization(tokenHeaders(teams), (path) => STAFF_API.test(path));
  teams.app.notifySuccess().catch(() => {});
  return {
    context,
    user: context.user || {},
    subPageId: (context.page && context.page.subPageId) || "",
    teams,
  };
}

/** Teams' theme names → the page's (`<html data-tema>`), which balcao.css follows. */
export function applyTheme(theme) {
  document.documentElement.dataset.tema = THEMES[theme] || THEMES.default;
}

function expiry(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp === "number" ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

function tokenHeaders(teams) {
  let token = "";
  let until = 0;
  return async () => {
    if (!token || Date.now() > until - TOKEN_MARGIN_MS) {
      token = await teams.authentication.getAuthToken();
      until = expiry(token);
    }
    const value = `Bearer ${token}`;
    return { Authorization: value, "X-Balcao-Authorization": value };
  };
}
