// Clerk console: the units the signed-in clerk serves, the live queue (refreshed every 2 s), and the
// actions on it — call next / call a specific ticket (reason when not the head), start, finish,
// no-show, requeue, transfer, retry the meeting — plus presence and keyboard shortcuts.

import "./shell.js";
import { api, apiPath, ApiError } from "./api.js";
import { h, $, $$, replace, safeUrl, focusElement } from "./dom.js";
import { clearFieldError, questionField, setFieldError } from "./forms.js";
import { num, timeOf, clock, profile, accessibilityText, GROUND_LABELS, PRESENCE_LABELS } from "./format.js";
import { showSignIn } from "./session.js";

const REFRESH_MS = 2000;

const state = {
  me: null,
  unitId: "",
  unit: null,       // public unit info (reason labels)
  queue: null,
  lastJson: "",
  timer: 0,
  busy: false,
  presenceBusy: false,
  pendingCall: null, // entry awaiting a reason in the dialog
  pendingTransfer: null,
};

const message = $("#mensagem");
const errorBox = $("#erro");

// ---------------------------------------------------------------------------------------------
// Start

async function main() {
  wire();
  try {
    state.me = (await api("/clerk/me")).data;
  } catch (err) {
    $("#carregando").hidden = true;
    if (err instanceof ApiError && err.status === 401) {
      showSignIn($("#entrar"), $("#link-entrar"), `/servidor.html${window.location.search}`);
      return;
    }
    showError(err);
    return;
  }
  $("#carregando").hidden = true;
  $("#eu-nome").textContent = state.me.name || state.me.email;
  $("#eu-email").textContent = state.me.name ? `(${state.me.email})` : "";
  const units = state.me.units || [];
  if (!units.length) {
    $("#sem-unidade").hidden = false;
    return;
  }
  const select = $("#unidade");
  replace(select, units.map((u) => h("option", { value: u.id, text: u.name })));
  const wanted = new URLSearchParams(window.location.search).get("unidade");
  select.value = units.some((u) => u.id === wanted) ? wanted : units[0].id;
  $("#console").hidden = false;
  await selectUnit(select.value);
}

async function selectUnit(unitId) {
  state.unitId = unitId;
  state.queue = null;
  state.lastJson = "";
  const url = new URL(window.location.href);
  url.searchParams.set("unidade", unitId);
  window.history.replaceState(null, "", url);
  const info = (state.me.units || []).find((u) => u.id === unitId) || {};
  document.title = `Console: ${info.name || unitId} — Balcão Virtual`;
  const categories = info.serviceCategories || [];
  $("#campo-categoria").hidden = !categories.length;
  replace($("#categoria-chamada"), h("option", { value: "", text: "Qualquer tipo" }),
    categories.map((c) => h("option", { value: c.id, text: c.label })));
  try {
    state.unit = (await api(`/units/${apiPath(unitId)}`)).data;
  } catch {
    state.unit = null; // reason ids are shown as they are
  }
  await refresh();
}

function wire() {
  $("#unidade").addEventListener("change", (ev) => selectUnit(ev.target.value));
  $("#chamar-proximo").addEventListener("click", callNext);
  for (const radio of $$("input[name=presenca]")) {
    radio.addEventListener("change", () => setPresence(radio.value));
  }
  document.addEventListener("keydown", onShortcut);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && state.unitId) refresh(); });

  $("main").append(
    dialog("motivo", "Chamar fora da ordem", "Chamar", confirmOutOfOrderCall, [{
      id: "motivo", key: "reason", kind: "textarea", label: "Motivo", required: true, attrs: { maxlength: 200 },
      help: "Fica registrado para a auditoria da ordem de atendimento.",
    }]),
    dialog("transferir", "Transferir atendimento", "Transferir", confirmTransfer, [
      { id: "transferir-destino", key: "targetUnit", kind: "select", label: "Unidade de destino", required: true, options: () => [] },
      { id: "transferir-motivo", key: "reason", kind: "textarea", label: "Motivo (opcional)", attrs: { maxlength: 200 } },
    ]));
}

/**
 * A dialog that asks before acting (`dialogo-{id}`): a title, a line about the ticket (`{id}-texto`),
 * the fields, Cancel and `confirm`. Closing it gives the focus back to where it was.
 */
function dialog(id, title, confirm, onConfirm, fields) {
  const box = h("dialog", { id: `dialogo-${id}`, "aria-labelledby": `${id}-titulo`, on: { close: restoreFocus } });
  box.append(h("form", { method: "dialog", id: `form-${id}`, novalidate: true, on: { submit: (ev) => {
    ev.preventDefault();
    onConfirm();
  } } },
  h("h2", { id: `${id}-titulo`, text: title }),
  h("p", { id: `${id}-texto` }),
  fields.map((field) => questionField(field)),
  h("div", { class: "acoes" },
    h("button", { type: "button", class: "secundario", id: `${id}-cancelar`, text: "Cancelar", on: { click: () => box.close() } }),
    h("button", { type: "submit", id: `${id}-confirmar`, text: confirm }))));
  return box;
}

let focusBeforeDialog = null;
function restoreFocus() {
  const el = focusBeforeDialog;
  focusBeforeDialog = null;
  if (el && document.contains(el)) el.focus();
  else if (el && el.dataset && el.dataset.key) {
    const again = document.querySelector(`[data-key="${CSS.escape(el.dataset.key)}"]`);
    if (again) again.focus();
    else $("#chamar-proximo").focus();
  }
}

// ---------------------------------------------------------------------------------------------
// Refresh loop

let refreshSeq = 0;

async function refresh() {
  window.clearTimeout(state.timer);
  const seq = ++refreshSeq; // an action's refresh may overtake the timer's: only the latest counts
  const unitId = state.unitId;
  try {
    const { data } = await api(`/clerk/units/${apiPath(unitId)}/queue`);
    if (seq !== refreshSeq || unitId !== state.unitId) return;
    state.queue = data;
    // clerk-agenda.js (invitations, follow-ups, the day's appointments, messages) follows the queue
    document.dispatchEvent(new CustomEvent("balcao:fila", { detail: { unitId, queue: data } }));
    const json = JSON.stringify(data);
    if (json !== state.lastJson) {
      state.lastJson = json;
      render();
    }
    $("#atualizado").textContent = `Atualizado às ${clock(new Date(), unitZone())}.`;
  } catch (err) {
    if (seq !== refreshSeq) return;
    if (err instanceof ApiError && err.status === 401) {
      $("#console").hidden = true;
      showSignIn($("#entrar"), $("#link-entrar"), `/servidor.html?unidade=${encodeURIComponent(unitId)}`);
      return;
    }
    $("#atualizado").textContent = `Sem atualização desde ${clock(new Date(), unitZone())}: ${err.message}`;
  }
  window.clearTimeout(state.timer);
  state.timer = window.setTimeout(refresh, REFRESH_MS);
}

// ---------------------------------------------------------------------------------------------
// Rendering (text only: names and reasons typed by citizens go through textContent)

function myEmail() {
  return ((state.queue && state.queue.me && state.queue.me.email) || (state.me && state.me.email) || "").toLowerCase();
}

function mine() {
  const q = state.queue;
  if (!q) return [];
  return (q.called || []).filter((c) => String(c.calledBy || "").toLowerCase() === myEmail());
}

/** Times are shown in the unit's own zone (a clerk in Acre reads Acre time). */
function unitZone() {
  return (state.unit && state.unit.timezone) || undefined;
}

function reasonLabel(id) {
  const reasons = (state.unit && state.unit.reasons) || [];
  const found = reasons.find((r) => r.id === id);
  return found ? found.label : id;
}

function categoryLabel(id) {
  const info = (state.me.units || []).find((u) => u.id === state.unitId) || {};
  const found = (info.serviceCategories || []).find((c) => c.id === id);
  return found ? found.label : id;
}

function priorityBadge(entry) {
  const klass = Number.isInteger(entry.priorityClass) ? entry.priorityClass : 3;
  return h("span", { class: `selo prioridade-${klass}`, text: entry.priority || "Atendimento geral" });
}

function details(entry, extra = []) {
  const rows = [
    ["Perfil", profile(entry)],
    ["Processo", entry.processNumber],
    ["Assunto", entry.reason ? reasonLabel(entry.reason) : ""],
    ["Tipo", entry.category ? categoryLabel(entry.category) : ""],
    ["Acompanhantes", entry.companions ? num(entry.companions) : ""],
    ["Acessibilidade", accessibilityText(entry)],
    ["Chegada", entry.arrivedAt ? `${timeOf(entry.arrivedAt, unitZone())} (espera de ${num(entry.waitingMinutes)} min)` : ""],
    ...extra,
  ].filter(([, v]) => v);
  const grounds = (entry.grounds || []).map((g) => GROUND_LABELS[g] || g);
  return [
    h("dl", { class: "dados" }, rows.map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
    grounds.length ? [h("p", { class: "sr-only", text: "Prioridade declarada:" }),
      h("ul", { class: "fundamentos", "aria-label": "Prioridade declarada" }, grounds.map((g) => h("li", { text: g })))] : null,
  ];
}

function button(label, key, onClick, { cls = "", shortcut = "", srExtra = "" } = {}) {
  return h("button", { type: "button", class: cls || null, dataset: { key }, "aria-keyshortcuts": shortcut || null,
    on: { click: onClick } },
  label, srExtra ? h("span", { class: "sr-only", text: ` ${srExtra}` }) : null,
  shortcut ? [" ", h("kbd", { "aria-hidden": "true", text: shortcut })] : null);
}

function render() {
  const active = document.activeElement;
  const key = active && active.dataset ? active.dataset.key : null;
  const q = state.queue;
  renderPresence(q.me && q.me.status);
  renderCurrent();
  renderWaiting(q.waiting || []);
  renderAbsent(q.absent || []);
  renderOthers((q.called || []).filter((c) => String(c.calledBy || "").toLowerCase() !== myEmail()));
  renderTeam(q.clerks || {});
  if (key && !document.contains(active)) {
    const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
    else $("#chamar-proximo").focus();
  }
}

function renderPresence(status) {
  if (state.presenceBusy) return;
  for (const radio of $$("input[name=presenca]")) radio.checked = radio.value === (status || "offline");
}

const STATUS_TEXT = { called: "Chamada — aguardando entrar na sala", in_service: "Em atendimento" };

function renderCurrent() {
  const box = $("#atual");
  const items = mine();
  if (!items.length) {
    replace(box, h("p", { text: "Nenhuma senha chamada por você. Use “Chamar próximo” quando estiver pronto." }));
    return;
  }
  replace(box, items.map((c) => {
    const meeting = c.meeting || {};
    const link = meeting.clerkJoinUrl || meeting.joinUrl;
    const url = link ? safeUrl(link) : null;
    let room;
    if (url) {
      room = h("p", {}, h("a", { class: "botao", href: url, target: "_blank", rel: "noopener noreferrer",
        dataset: { key: `join:${c.ticketId}` } }, "Abrir sala de atendimento", h("span", { class: "sr-only", text: " (abre em nova aba)" })));
    } else if (meeting.status === "failed") {
      room = h("p", { class: "aviso erro" }, "Falha ao criar a sala de vídeo. ",
        button("Tentar criar a sala novamente", `retry:${c.ticketId}`, () => act(c, "retry-meeting"), { srExtra: `da senha ${c.displayNumber}` }));
    } else {
      room = h("p", { text: "Criando a sala de atendimento…" });
    }
    const called = c.status === "called";
    return h("article", { class: "senha-cartao atual", "aria-labelledby": `atual-${c.ticketId}` },
      h("h3", { class: "senha-cabeca", id: `atual-${c.ticketId}` },
        h("span", { class: "num", text: c.displayNumber }), " ",
        h("span", { class: "nome", text: c.name || "(sem nome)" })),
      h("p", {}, h("span", { class: "selo aberta", text: STATUS_TEXT[c.status] || c.status }), " ", priorityBadge(c)),
      details(c, [["Chamada às", c.calledAt ? timeOf(c.calledAt, unitZone()) : ""]]),
      room,
      h("div", { class: "acoes" },
        called ? button("Iniciar atendimento", `start:${c.ticketId}`, () => act(c, "start"), { shortcut: "I" }) : null,
        button("Finalizar", `finish:${c.ticketId}`, () => act(c, "finish"), { shortcut: "F" }),
        called ? button("Ausente", `no-show:${c.ticketId}`, () => act(c, "no-show"), { cls: "perigo", shortcut: "A", srExtra: "(não compareceu)" }) : null,
        button("Devolver à fila", `requeue:${c.ticketId}`, () => act(c, "requeue"), { cls: "secundario" }),
        button("Transferir…", `transfer:${c.ticketId}`, () => openTransfer(c), { cls: "secundario" })));
  }));
}

/** A ticket in a list: its number and the name as typed (text), `badges` beside them, then `body`. */
function ticketItem(entry, badges, ...body) {
  return h("li", { class: "senha-cartao" },
    h("p", { class: "senha-cabeca" },
      h("span", { class: "num", text: entry.displayNumber }),
      h("span", { class: "nome", text: entry.name || "(sem nome)" }),
      badges),
    body);
}

function renderWaiting(waiting) {
  $("#fila-contagem").textContent = `(${num(waiting.length)})`;
  $("#fila-vazia").hidden = waiting.length > 0;
  replace($("#fila"), waiting.map((entry, index) => {
    const item = ticketItem(entry,
      [priorityBadge(entry), entry.absent ? h("span", { class: "selo ausente", text: "Conexão interrompida" }) : null],
      details(entry),
      h("div", { class: "acoes" },
        button(index === 0 ? "Chamar" : "Chamar fora da ordem…", `call:${entry.ticketId}`,
          () => callSpecific(entry, index === 0), { cls: index === 0 ? "" : "secundario", srExtra: `senha ${entry.displayNumber}` })));
    $(".senha-cabeca", item).prepend(h("span", { class: "pos", text: `${index + 1}º` }));
    return item;
  }));
}

function renderAbsent(absent) {
  $("#secao-ausentes").hidden = !absent.length;
  replace($("#ausentes"), absent.map((entry) => ticketItem(entry, priorityBadge(entry), details(entry))));
}

function renderOthers(called) {
  $("#secao-outros").hidden = !called.length;
  replace($("#outros"), called.map((c) => ticketItem(c, h("span", { class: "selo inativa", text: STATUS_TEXT[c.status] || c.status }),
    h("p", { text: `Com ${c.calledBy}${c.calledAt ? `, chamada às ${timeOf(c.calledAt, unitZone())}` : ""}.` }))));
}

function renderTeam(clerks) {
  const entries = Object.entries(clerks);
  replace($("#equipe"), entries.length
    ? entries.map(([email, status]) => h("li", { text: `${email}: ${PRESENCE_LABELS[status] || status}` }))
    : h("li", { text: "Nenhum servidor conectado." }));
}

// ---------------------------------------------------------------------------------------------
// Actions

function say(text) {
  errorBox.hidden = true;
  message.textContent = text;
  message.hidden = false;
}

function showError(err, { focus = false } = {}) {
  message.hidden = true;
  const fields = err instanceof ApiError ? Object.values(err.fields || {}) : [];
  replace(errorBox, h("p", { text: err.message }), fields.length ? h("ul", {}, fields.map((f) => h("li", { text: String(f) }))) : null);
  errorBox.hidden = false;
  if (focus) focusElement(errorBox);
}

async function post(path, body) {
  return api(`/clerk/units/${apiPath(state.unitId)}/${path}`, { method: "POST", body: body || {} });
}

async function callNext() {
  if (state.busy) return;
  state.busy = true;
  try {
    const category = $("#campo-categoria").hidden ? "" : $("#categoria-chamada").value;
    const { data } = await post("call", category ? { category } : {});
    say(`Senha ${data.displayNumber} chamada${data.outOfOrderReason ? ` (${data.outOfOrderReason})` : ""}.`);
  } catch (err) {
    showError(err);
  } finally {
    state.busy = false;
  }
  await refresh();
}

function callSpecific(entry, isHead) {
  if (isHead) {
    doCall(entry, "");
    return;
  }
  state.pendingCall = entry;
  focusBeforeDialog = document.activeElement;
  $("#motivo-texto").textContent = `A senha ${entry.displayNumber} (${entry.name}) não é a próxima da fila. ` +
    "Informe por que ela será chamada agora.";
  $("#motivo").value = "";
  clearFieldError("motivo");
  $("#dialogo-motivo").showModal();
  $("#motivo").focus();
}

function fieldError(id, text) {
  setFieldError(id, text);
  $(`#${id}`).focus();
}

async function confirmOutOfOrderCall() {
  const reason = $("#motivo").value.trim();
  if (!reason) {
    fieldError("motivo", "Informe o motivo para chamar fora da ordem da fila.");
    return;
  }
  const entry = state.pendingCall;
  const ok = await doCall(entry, reason, { inDialog: true });
  if (ok) $("#dialogo-motivo").close();
}

async function doCall(entry, reason, { inDialog = false } = {}) {
  if (state.busy) return false;
  state.busy = true;
  try {
    const body = reason ? { ticketId: entry.ticketId, reason } : { ticketId: entry.ticketId };
    const { data } = await post("call", body);
    say(`Senha ${data.displayNumber} chamada.`);
    return true;
  } catch (err) {
    if (inDialog && err instanceof ApiError && err.fields && err.fields.reason) {
      fieldError("motivo", `${err.message} ${err.fields.reason}`);
      return false;
    }
    showError(err);
    return true;
  } finally {
    state.busy = false;
    refresh();
  }
}

const DONE_TEXT = {
  start: "Atendimento iniciado.",
  finish: "Atendimento finalizado.",
  "no-show": "Senha marcada como ausente (não compareceu).",
  requeue: "Senha devolvida à fila.",
  transfer: "Atendimento transferido.",
  "retry-meeting": "Nova tentativa de criar a sala solicitada.",
};

async function act(ticket, action, body) {
  if (state.busy) return false;
  state.busy = true;
  try {
    await post(`tickets/${apiPath(ticket.ticketId)}/${action}`, body);
    say(`${ticket.displayNumber}: ${DONE_TEXT[action]}`);
    return true;
  } catch (err) {
    showError(err);
    return false;
  } finally {
    state.busy = false;
    refresh();
  }
}

function openTransfer(ticket) {
  state.pendingTransfer = ticket;
  focusBeforeDialog = document.activeElement;
  const targets = (state.me.transferTargets || []).filter((t) => t.id !== state.unitId);
  replace($("#transferir-destino"), h("option", { value: "", text: "Selecione a unidade" }),
    targets.map((t) => h("option", { value: t.id, text: t.name })));
  $("#transferir-motivo").value = "";
  $("#transferir-texto").textContent = `Senha ${ticket.displayNumber} (${ticket.name}). O cidadão mantém a hora de chegada na nova fila.`;
  clearFieldError("transferir-destino");
  $("#dialogo-transferir").showModal();
  $("#transferir-destino").focus();
}

async function confirmTransfer() {
  const select = $("#transferir-destino");
  if (!select.value) {
    fieldError("transferir-destino", "Escolha a unidade de destino.");
    return;
  }
  const body = { targetUnit: select.value };
  const reason = $("#transferir-motivo").value.trim();
  if (reason) body.reason = reason;
  $("#dialogo-transferir").close();
  await act(state.pendingTransfer, "transfer", body);
}

async function setPresence(status) {
  state.presenceBusy = true;
  try {
    await api(`/clerk/units/${apiPath(state.unitId)}/presence`, { method: "PUT", body: { status } });
    say(`Sua situação: ${PRESENCE_LABELS[status]}.`);
  } catch (err) {
    showError(err);
  } finally {
    state.presenceBusy = false;
    refresh();
  }
}

// ---------------------------------------------------------------------------------------------
// Keyboard shortcuts (never while typing in a field or with a dialog open)

function onShortcut(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
  if ($("#console").hidden || !state.queue) return;
  const target = ev.target;
  if (target instanceof Element && target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']")) return;
  if ($$("dialog").some((d) => d.open)) return;
  const key = ev.key.toLowerCase();
  const current = mine();
  const calledOne = current.find((c) => c.status === "called");
  let handled = true;
  if (key === "n") callNext();
  else if (key === "i" && calledOne) act(calledOne, "start");
  else if (key === "f" && current[0]) act(current[0], "finish");
  else if (key === "a" && calledOne) act(calledOne, "no-show");
  else handled = false;
  if (handled) ev.preventDefault();
  else if (["i", "f", "a"].includes(key)) say("Nenhuma senha chamada por você para esta ação.");
}

main();
