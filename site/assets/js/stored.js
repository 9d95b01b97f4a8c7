// What this browser keeps, in one place. The place in the queue ("balcao.senha": the ticket id and its
// token, so a reload, a new tab or a dropped connection keeps it) and the appointments and messages the
// citizen follows (id → token). A followed record's link carries its token in the fragment (`#t=…`),
// which never reaches a server log or a Referer, so it also works from another device. Private mode (no
// storage) never breaks a page: the link still works.

export const APPOINTMENTS = "balcao.agendamentos";
export const MESSAGES = "balcao.mensagens";
const TICKET = "balcao.senha";

function read(key) {
  try {
    return JSON.parse(window.localStorage.getItem(key) || "null");
  } catch {
    return null; // corrupted or unavailable storage
  }
}

function write(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode: the page still works until it is closed */
  }
}

/** The ticket this browser waits with ({ticketId, token, unitId, unitName}), or null. */
export function storedTicket() {
  const data = read(TICKET);
  return data && typeof data.ticketId === "string" && typeof data.token === "string" ? data : null;
}

export const saveTicket = (ticket) => write(TICKET, ticket);
export const forgetTicket = () => write(TICKET, null);

function records(key) {
  const all = read(key);
  return all && typeof all === "object" ? all : {};
}

export function remember(key, id, item) {
  write(key, { ...records(key), [id]: item });
}

export function recall(key, id) {
  return records(key)[id] || null;
}

/** The token given in the page's fragment (`#t=…`). */
export function tokenFromHash() {
  return new URLSearchParams(window.location.hash.replace(/^#/, "")).get("t") || "";
}

/**
 * The ticket a link hands over, or null: `?senha={id}#t={token}` (the kiosk's QR code), or a notice's
 * `#senha={id}&t={token}` / `#u={unit}&t={id}.{token}` (issue 13). The token is only ever read from the
 * fragment, which no server sees. Ticket ids are `{unit}.{day}.{code}` and tokens `{key}.{signature}`.
 */
export function ticketFromLink(location = window.location) {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const given = fragment.get("t") || "";
  let ticketId = fragment.get("senha") || new URLSearchParams(location.search).get("senha") || "";
  let token = given;
  if (!ticketId) {
    const parts = given.split(".");
    if (parts.length < 5) return null;
    ticketId = parts.slice(0, -2).join(".");
    token = parts.slice(-2).join(".");
  } else if (given.startsWith(`${ticketId}.`)) {
    token = given.slice(ticketId.length + 1);
  }
  if (!ticketId || !token) return null;
  return { ticketId, token, unitId: fragment.get("u") || ticketId.split(".")[0], unitName: "" };
}

const recordLink = (page, param) => (id, token) =>
  `${page}?${param}=${encodeURIComponent(id)}#t=${encodeURIComponent(token)}`;

/** The links that follow an appointment or a message from any device. */
export const appointmentLink = recordLink("agendar.html", "agendamento");
export const messageLink = recordLink("mensagem.html", "mensagem");
