// The Balcão Virtual's service worker (scope /), issue 13:
//
// - keeps the waiting page's shell (index.html, its stylesheet, modules, icons and the manifest) so it
//   opens without a connection: the page then says "Sem conexão… Sua vaga continua guardada" and keeps
//   trying. Files are fetched from the network first (they change with each release) and the cached copy
//   is used only when the network fails. API answers are never cached nor touched (they carry tokens and
//   positions), and neither is any other page of the site: only the files listed in SHELL;
// - shows the Web Push notices (`push`: the JSON payload of the API's notices, title/body/url/ticket/
//   actions) with `registration.showNotification`;
// - on a click: "open" or the notification's body focuses a page of the site already open (telling it
//   to look at the ticket now) or opens the notice's link; "here" confirms "Estou aqui" with
//   POST /api/tickets/{ticket}/here and the token that the link carries in its fragment (#...&t=…).

const CACHE = "balcao-shell-v4"; // a new name when SHELL changes: the old copy is dropped on activation
const PAGE = "/index.html";
// The waiting page and everything it loads (tests/site/test_service_worker.py checks this list against
// the modules index.html imports).
const SHELL = [
  PAGE,
  "/manifest.webmanifest",
  "/assets/css/balcao.css",
  "/assets/img/balcao.svg",
  "/assets/img/app-192.png",
  "/assets/img/app-512.png",
  "/assets/js/api.js",
  "/assets/js/chat-view.js",
  "/assets/js/citizen-chat.js",
  "/assets/js/citizen-extras.js",
  "/assets/js/citizen-page.js",
  "/assets/js/citizen.js",
  "/assets/js/cnj.js",
  "/assets/js/dom.js",
  "/assets/js/format.js",
  "/assets/js/forms.js",
  "/assets/js/kiosk.js",
  "/assets/js/notices.js",
  "/assets/js/privacy.js",
  "/assets/js/proof.js",
  "/assets/js/qr.js",
  "/assets/js/questions.js",
  "/assets/js/shell.js",
  "/assets/js/stored.js",
  "/assets/js/waiting.js",
];
const SHELL_PATHS = new Set(SHELL);
const PAGE_PATHS = new Set(["/", PAGE]);
// Other citizen pages a click may bring to the call (never a staff page open in the same browser).
const CITIZEN_PATHS = new Set(["/", PAGE, "/agendar.html", "/mensagem.html", "/entrar.html"]);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    // One by one, not addAll: a file that fails to come on a bad connection must not cost the worker
    // (it is kept when the page next loads it, as every file of the shell is).
    const cache = await caches.open(CACHE);
    await Promise.all(SHELL.map((path) => cache.add(new Request(path, { cache: "no-cache" })).catch(() => null)));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("balcao-shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** The cache key of a request this worker keeps, or null: the waiting page (any query) and its files. */
function shellKey(request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  if (request.mode === "navigate") return PAGE_PATHS.has(url.pathname) ? PAGE : null;
  return SHELL_PATHS.has(url.pathname) ? url.pathname : null;
}

self.addEventListener("fetch", (event) => {
  const key = shellKey(event.request);
  if (!key) return; // the API and every other page go to the network untouched
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok && response.type === "basic") await cache.put(key, response.clone());
      return response;
    } catch (err) {
      const kept = await cache.match(key);
      if (kept) return kept;
      throw err;
    }
  })());
});

// ---------------------------------------------------------------------------------------------
// Notices

const OPEN = { action: "open", title: "Entrar no atendimento" };

function sameOrigin(value) {
  try {
    const url = new URL(String(value), self.location.origin);
    return url.origin === self.location.origin ? url.href : null;
  } catch {
    return null;
  }
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : "" };
  }
  const url = sameOrigin(data.url) || `${self.location.origin}/`;
  const actions = (Array.isArray(data.actions) ? data.actions : [OPEN])
    .filter((a) => a && (a.action === "open" || a.action === "here") && typeof a.title === "string")
    .slice(0, 2);
  const title = typeof data.title === "string" && data.title ? data.title : "Balcão Virtual";
  event.waitUntil(self.registration.showNotification(title, {
    body: typeof data.body === "string" ? data.body : "",
    tag: typeof data.ticket === "string" && data.ticket ? data.ticket : "balcao",
    renotify: true,
    requireInteraction: data.kind === "called",
    icon: "/assets/img/app-192.png",
    data: { url, ticket: typeof data.ticket === "string" ? data.ticket : "", kind: data.kind || "" },
    actions,
  }));
});

/** The ticket's token from a notice link's fragment: `#t=<ticket>.<token>` or `#senha=…&t=<token>`. */
function tokenOf(url, ticket) {
  const fragment = new URLSearchParams(new URL(url).hash.replace(/^#/, ""));
  const given = fragment.get("t") || "";
  return given.startsWith(`${ticket}.`) ? given.slice(ticket.length + 1) : given;
}

async function confirmHere(data) {
  const token = data.ticket ? tokenOf(data.url, data.ticket) : "";
  if (!token) return openPage(data);
  const response = await fetch(`/api/tickets/${encodeURIComponent(data.ticket)}/here`, {
    method: "POST",
    // Not Authorization: a Static Web App replaces it on its way to the API (as api.js's ticketAuth).
    headers: { "Content-Type": "application/json", "X-Balcao-Authorization": `Bearer ${token}` },
    body: "{}",
    cache: "no-store",
    credentials: "same-origin",
  }).catch(() => null);
  if (!response || !response.ok) return openPage(data); // the page itself has the "Estou aqui" button
  await tell({ type: "balcao:aqui", ticket: data.ticket });
  return undefined;
}

async function windows() {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true });
}

async function tell(message) {
  for (const client of await windows()) client.postMessage(message);
}

/** Focus the waiting page if it is open (and tell it to look now); else bring a page of the site there,
 *  else open the link. */
async function openPage(data) {
  const all = await windows();
  const waiting = all.find((c) => PAGE_PATHS.has(new URL(c.url).pathname));
  if (waiting) {
    waiting.postMessage({ type: "balcao:abrir", ticket: data.ticket, url: data.url });
    return waiting.focus().catch(() => waiting);
  }
  const other = all.find((c) => CITIZEN_PATHS.has(new URL(c.url).pathname) && "navigate" in c);
  if (other) {
    const moved = await other.navigate(data.url).catch(() => null);
    if (moved) return moved.focus().catch(() => moved);
  }
  return self.clients.openWindow(data.url);
}

self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  const data = notification.data || {};
  notification.close();
  event.waitUntil(event.action === "here" ? confirmHere(data) : openPage(data));
});
