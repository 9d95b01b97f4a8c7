// What the clerk console draws from the queue view (GET /api/clerk/units/{unit}/queue), kept apart from
// the actions (clerk.js). Built for a long shift: one line per person waiting (the details a click
// away), the current attendance in a panel that stays on screen with its actions, the time since the
// call and when "Ausente" becomes available, whether the citizen is in the room where the meeting
// provider can tell, and today's no-shows with "Devolver à fila".
// Everything a citizen typed goes through textContent (dom.js), never HTML.

import { h, replace, safeUrl } from "./dom.js";
import { num, timeOf, profile, accessibilityText, GROUND_LABELS, PRESENCE_LABELS } from "./format.js";

const NORMAL = 3; // the class of "Atendimento geral": no badge on its lines, only priorities stand out

export const STATUS_TEXT = { called: "Chamada — aguardando entrar na sala", in_service: "Em atendimento" };

/** `ctx`: { zone(), reasonLabel(id), categoryLabel(id), act(ticket, action), callSpecific(entry, isHead),
 *  openTransfer(ticket), askNoShow(ticket), openRoom(ticket), room(ticketId) }. */
let ctx = null;

export function useContext(context) {
  ctx = context;
}

export function priorityBadge(entry) {
  const klass = Number.isInteger(entry.priorityClass) ? entry.priorityClass : 3;
  return h("span", { class: `selo prioridade-${klass}`, text: entry.priority || "Atendimento geral" });
}

export function button(label, key, onClick, { cls = "", shortcut = "", srExtra = "" } = {}) {
  return h("button", { type: "button", class: cls || null, dataset: { key }, "aria-keyshortcuts": shortcut || null,
    on: { click: onClick } },
  label, srExtra ? h("span", { class: "sr-only", text: ` ${srExtra}` }) : null,
  shortcut ? [" ", h("kbd", { "aria-hidden": "true", text: shortcut })] : null);
}

/** The line under a person's name: who they are, the subject, the service type, the wait. */
function summaryLine(entry) {
  return [
    profile(entry),
    entry.reason ? ctx.reasonLabel(entry.reason) : "",
    entry.category ? ctx.categoryLabel(entry.category) : "",
    entry.companions ? `${num(entry.companions)} acompanhante${entry.companions === 1 ? "" : "s"}` : "",
    entry.hereConfirmed ? "disse \"Estou aqui\"" : "",
    entry.noticed || "",
  ].filter(Boolean).join(" · ");
}

function details(entry, extra = []) {
  const rows = [
    ["Perfil", profile(entry)],
    ["Processo", entry.processNumber],
    ["Assunto", entry.reason ? ctx.reasonLabel(entry.reason) : ""],
    ["Tipo", entry.category ? ctx.categoryLabel(entry.category) : ""],
    ["Acompanhantes", entry.companions ? num(entry.companions) : ""],
    ["Acessibilidade", accessibilityText(entry)],
    ["Chegada", entry.arrivedAt ? `${timeOf(entry.arrivedAt, ctx.zone())} (espera de ${num(entry.waitingMinutes)} min)` : ""],
    ...extra,
  ].filter(([, v]) => v);
  const grounds = (entry.grounds || []).map((g) => GROUND_LABELS[g] || g);
  return [
    h("dl", { class: "dados" }, rows.map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
    grounds.length ? h("ul", { class: "fundamentos", "aria-label": "Prioridade declarada" }, grounds.map((g) => h("li", { text: g }))) : null,
  ];
}

function more(entry, extra) {
  return h("details", { class: "mais" },
    h("summary", {}, "Detalhes", h("span", { class: "sr-only", text: ` da senha ${entry.displayNumber}` })),
    details(entry, extra));
}

// ---------------------------------------------------------------------------------------------
// The clerk's current attendances

/** "3 min 05 s" from milliseconds (never negative). */
export function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return minutes ? `${minutes} min ${seconds} s` : `${total % 60} s`;
}

function roomLine(c) {
  const room = ctx.room(c.ticketId);
  if (!room) return null;
  const cls = room.citizenInRoom === true ? "selo aberta" : room.known ? "selo inativa" : "selo prioridade-3";
  return h("p", { class: "sala-estado" }, h("span", { class: cls, text: room.text }));
}

function roomButton(c) {
  const meeting = c.meeting || {};
  const link = meeting.clerkJoinUrl || meeting.joinUrl;
  const url = link ? safeUrl(link) : null;
  if (url) {
    return h("a", { class: "botao secundario", href: url, target: "_blank", rel: "noopener noreferrer",
      dataset: { key: `join:${c.ticketId}` }, on: { click: () => ctx.openRoom(c) } },
    "Abrir sala de atendimento", h("span", { class: "sr-only", text: " (abre em nova aba)" }));
  }
  if (meeting.status === "failed") {
    return h("span", { class: "aviso erro curto" }, "Falha ao criar a sala de vídeo. ",
      button("Tentar criar a sala novamente", `retry:${c.ticketId}`, () => ctx.act(c, "retry-meeting"), { srExtra: `da senha ${c.displayNumber}` }));
  }
  return h("span", { class: "dica", text: "Criando a sala de atendimento…" });
}

export function renderCurrent(box, items) {
  if (!items.length) {
    replace(box, h("p", { class: "vazio", text: "Nenhuma senha chamada por você. Use “Chamar próximo” (N) quando estiver pronto(a)." }));
    return;
  }
  replace(box, items.map((c) => {
    const called = c.status === "called";
    return h("article", { class: "senha-cartao atual", "aria-labelledby": `atual-${c.ticketId}`, dataset: { ticket: c.ticketId } },
      h("h3", { class: "senha-cabeca", id: `atual-${c.ticketId}` },
        h("span", { class: "num", text: c.displayNumber }), " ",
        h("span", { class: "nome", text: c.name || "(sem nome)" }), " ",
        h("span", { class: "selo aberta", text: STATUS_TEXT[c.status] || c.status }), " ",
        priorityBadge(c)),
      h("p", { class: "tempos" },
        h("span", { role: "timer", class: "desde", dataset: { since: c.calledAt || "" } },
          `Chamada às ${c.calledAt ? timeOf(c.calledAt, ctx.zone()) : "—"}`),
        called && c.noShowAt ? [" · ", h("span", { role: "timer", class: "prazo-ausencia", dataset: { until: c.noShowAt } })] : null,
        " · ", h("span", { class: "resumo", text: summaryLine(c) })),
      roomLine(c),
      h("div", { class: "acoes" },
        called ? button("Iniciar atendimento", `start:${c.ticketId}`, () => ctx.act(c, "start"), { shortcut: "I" }) : null,
        button("Finalizar", `finish:${c.ticketId}`, () => ctx.act(c, "finish"), { shortcut: "F" }),
        called ? button("Ausente", `no-show:${c.ticketId}`, () => ctx.askNoShow(c), { cls: "perigo", shortcut: "A", srExtra: "(não compareceu)" }) : null,
        button("Devolver à fila", `requeue:${c.ticketId}`, () => ctx.act(c, "requeue"), { cls: "secundario" }),
        button("Transferir…", `transfer:${c.ticketId}`, () => ctx.openTransfer(c), { cls: "secundario" }),
        roomButton(c),
        more(c, [["Chamada às", c.calledAt ? timeOf(c.calledAt, ctx.zone()) : ""]])));
  }));
}

// ---------------------------------------------------------------------------------------------
// Lists

/** One line per ticket: position (when given), number, name as typed, badges, a summary, actions. */
function row(entry, { position = "", badges = [], actions = [], extra = [] } = {}) {
  return h("li", { class: "linha-fila", dataset: { ticket: entry.ticketId } },
    position ? h("span", { class: "pos", text: position }) : null,
    h("span", { class: "num", text: entry.displayNumber }),
    h("span", { class: "nome", text: entry.name || "(sem nome)" }),
    h("span", { class: "selos" }, badges),
    h("span", { class: "resumo", text: summaryLine(entry) }),
    h("span", { class: "acoes-linha" }, actions),
    more(entry, extra));
}

export function renderWaiting(list, waiting) {
  replace(list, waiting.map((entry, index) => row(entry, {
    position: `${index + 1}º`,
    badges: [entry.priorityClass === NORMAL ? null : priorityBadge(entry), entry.absent ? h("span", { class: "selo ausente", text: "Conexão interrompida" }) : null,
      h("span", { class: "espera", text: `${num(entry.waitingMinutes)} min` })],
    actions: button(index === 0 ? "Chamar" : "Chamar fora da ordem…", `call:${entry.ticketId}`,
      () => ctx.callSpecific(entry, index === 0), { cls: index === 0 ? "" : "secundario", srExtra: `senha ${entry.displayNumber}` }),
  })));
}

export function renderAbsent(list, absent) {
  replace(list, absent.map((entry) => row(entry, { badges: priorityBadge(entry) })));
}

export function renderNoShows(list, noShows) {
  replace(list, noShows.map((entry) => row(entry, {
    badges: [priorityBadge(entry), h("span", { class: "selo fechada",
      text: entry.noShowAt ? `Ausente às ${timeOf(entry.noShowAt, ctx.zone())}` : "Ausente" })],
    actions: button("Devolver à fila", `requeue:${entry.ticketId}`, () => ctx.act(entry, "requeue"),
      { cls: "secundario", srExtra: `senha ${entry.displayNumber}` }),
  })));
}

export function renderOthers(list, called) {
  replace(list, called.map((c) => row(c, {
    badges: h("span", { class: "selo inativa", text: STATUS_TEXT[c.status] || c.status }),
    extra: [["Com", c.calledBy], ["Chamada às", c.calledAt ? timeOf(c.calledAt, ctx.zone()) : ""]],
  })));
}

export function renderTeam(list, clerks) {
  const entries = Object.entries(clerks);
  replace(list, entries.length
    ? entries.map(([email, status]) => h("li", { text: `${email}: ${PRESENCE_LABELS[status] || status}` }))
    : h("li", { text: "Nenhum servidor conectado." }));
}
