// Clerk console: the units the signed-in clerk serves, the live queue (refreshed every 2 s), and the
// actions on it — call next / call a specific ticket (reason when not the head), start, finish,
// no-show (only after the unit's no-show time, or confirmed), requeue (also today's no-shows),
// transfer, retry the meeting — plus presence, the arrival cue and keyboard shortcuts.
// Inside Teams (teams.js) the same page is the app's "Fila" tab, signed in with Teams SSO; a card's
// deep link (the sub-page) or `?senha=` brings a ticket into view.

import "./shell.js";
import { api, apiPath, ApiError } from "./api.js";
import { h, $, $$, replace, focusElement } from "./dom.js";
import { clearFieldError, questionField, setFieldError } from "./forms.js";
import { clock, timeOf, PRESENCE_LABELS } from "./format.js";
import { signedInStaff, askToSignIn, teamsSession } from "./staff.js";
import {
  useContext, renderCurrent, renderWaiting, renderAbsent, renderNoShows, renderOthers, renderTeam, duration,
} from "./clerk-view.js";
import {
  syncClock, now, noShowDue, startClocks, noticeArrivals, forgetArrivals, soundOn, setSound, typingIn,
  watchShortcutFocus,
} from "./clerk-shift.js";

const REFRESH_MS = 2000;
const ROOM_MS = 5000;

const state = {
  me: null,
  unitId: "",
  unit: null,       // public unit info (reason labels, time zone)
  queue: null,
  lastJson: "",
  timer: 0,
  busy: false,
  presenceBusy: false,
  pendingCall: null, // entry awaiting a reason in the dialog
  pendingTransfer: null,
  pendingNoShow: null,
  focusTicket: "",   // a ticket to bring into view (deep link)
  rooms: new Map(),  // ticketId → the room status the provider gives
  opened: new Set(), // tickets whose room the clerk opened from here
  roomTimer: 0,
};

const message = $("#mensagem");
const errorBox = $("#erro");
let redraw = () => {};

// ---------------------------------------------------------------------------------------------
// Start

async function main() {
  wire();
  const params = new URLSearchParams(window.location.search);
  try {
    state.me = await signedInStaff({ returnTo: `/servidor.html${window.location.search}`, hide: $("#console") });
  } catch (err) {
    $("#carregando").hidden = true;
    showError(err);
    return;
  }
  if (!state.me) return;
  const teams = teamsSession();
  state.focusTicket = params.get("senha") || (teams && teams.subPageId) || "";
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
  const wanted = params.get("unidade") || state.focusTicket.split(".")[0];
  select.value = units.some((u) => u.id === wanted) ? wanted : units[0].id;
  $("#console").hidden = false;
  redraw = startClocks();
  watchShortcutFocus($("#atalhos-estado"), () => $("#fila-titulo"));
  await selectUnit(select.value);
}

async function selectUnit(unitId) {
  state.unitId = unitId;
  state.queue = null;
  state.lastJson = "";
  state.rooms.clear();
  forgetArrivals();
  const url = new URL(window.location.href);
  url.searchParams.set("unidade", unitId);
  window.history.replaceState(null, "", url);
  const info = unitInfo();
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

function unitInfo() {
  return ((state.me && state.me.units) || []).find((u) => u.id === state.unitId) || {};
}

function wire() {
  $("#unidade").addEventListener("change", (ev) => selectUnit(ev.target.value));
  $("#chamar-proximo").addEventListener("click", callNext);
  for (const radio of $$("input[name=presenca]")) {
    radio.addEventListener("change", () => setPresence(radio.value));
  }
  $("#ficar-disponivel").addEventListener("click", () => setPresence("online"));
  const sound = $("#som-chegada");
  sound.checked = soundOn();
  sound.addEventListener("change", () => setSound(sound.checked));
  document.addEventListener("keydown", onShortcut);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && state.unitId) refresh(); });

  useContext({
    zone: unitZone, reasonLabel, categoryLabel, act, callSpecific, openTransfer, askNoShow,
    openRoom: (c) => { state.opened.add(c.ticketId); },
    room: (ticketId) => state.rooms.get(ticketId),
  });

  $("main").append(
    dialog("motivo", "Chamar fora da ordem", "Chamar", confirmOutOfOrderCall, [{
      id: "motivo", key: "reason", kind: "textarea", label: "Motivo", required: true, attrs: { maxlength: 200 },
      help: "Fica registrado para a auditoria da ordem de atendimento.",
    }]),
    dialog("transferir", "Transferir atendimento", "Transferir", confirmTransfer, [
      { id: "transferir-destino", key: "targetUnit", kind: "select", label: "Unidade de destino", required: true, options: () => [] },
      { id: "transferir-motivo", key: "reason", kind: "textarea", label: "Motivo (opcional)", attrs: { maxlength: 200 } },
    ]),
    dialog("ausencia", "Marcar ausência antes do prazo", "Marcar ausência", confirmNoShow, []));
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
function openDialog(id, focusId) {
  focusBeforeDialog = document.activeElement;
  $(`#dialogo-${id}`).showModal();
  $(`#${focusId}`).focus();
}

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
    syncClock(data.now);
    // clerk-agenda.js (invitations, follow-ups, the day's appointments, messages) follows the queue
    document.dispatchEvent(new CustomEvent("balcao:fila", { detail: { unitId, queue: data } }));
    noticeArrivals(data.waiting || [], unitInfo().name || unitId);
    const json = JSON.stringify(data);
    if (json !== state.lastJson) {
      state.lastJson = json;
      render();
    }
    $("#atualizado").textContent = `Atualizado às ${clock(new Date(now()), unitZone())}.`;
  } catch (err) {
    if (seq !== refreshSeq) return;
    if (err instanceof ApiError && err.status === 401) {
      askToSignIn(`/servidor.html?unidade=${encodeURIComponent(unitId)}`, err, $("#console"));
      return;
    }
    $("#atualizado").textContent = `Sem atualização desde ${clock(new Date(now()), unitZone())}: ${err.message}`;
  }
  window.clearTimeout(state.timer);
  state.timer = window.setTimeout(refresh, REFRESH_MS);
}

// ---------------------------------------------------------------------------------------------
// Rendering (clerk-view.js; text only)

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
  const found = (unitInfo().serviceCategories || []).find((c) => c.id === id);
  return found ? found.label : id;
}

function render() {
  const active = document.activeElement;
  const key = active && active.dataset ? active.dataset.key : null;
  const q = state.queue;
  const waiting = q.waiting || [];
  renderPresence(q.me && q.me.status, waiting.length);
  renderCurrent($("#atual"), mine());
  $("#fila-contagem").textContent = `(${waiting.length})`;
  $("#fila-vazia").hidden = waiting.length > 0;
  renderWaiting($("#fila"), waiting);
  section("#secao-faltas", "#faltas", q.noShows || [], renderNoShows);
  $("#faltas-contagem").textContent = `(${(q.noShows || []).length})`;
  section("#secao-ausentes", "#ausentes", q.absent || [], renderAbsent);
  section("#secao-outros", "#outros", (q.called || []).filter((c) => String(c.calledBy || "").toLowerCase() !== myEmail()), renderOthers);
  renderTeam($("#equipe"), q.clerks || {});
  redraw();
  watchRooms();
  if (key && !document.contains(active)) {
    const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
    else $("#chamar-proximo").focus();
  }
  bringIntoView();
}

function section(sectionSel, listSel, items, draw) {
  $(sectionSel).hidden = !items.length;
  draw($(listSel), items);
}

/** Presence radios follow the server; "offline with people waiting" gets a notice and one button. */
function renderPresence(status, waiting) {
  const current = status || "offline";
  if (!state.presenceBusy) {
    for (const radio of $$("input[name=presenca]")) radio.checked = radio.value === current;
  }
  const warn = current !== "online" && waiting > 0;
  $("#aviso-presenca").hidden = !warn;
  if (warn) {
    $("#aviso-presenca-texto").textContent = `Você está “${PRESENCE_LABELS[current]}” e há ${waiting} ` +
      `${waiting === 1 ? "pessoa aguardando" : "pessoas aguardando"}. Fique disponível para atender e para contar na cobertura da unidade.`;
  }
}

/** The ticket of a deep link (a card's button, `?senha=`): scrolled to, marked and focused once. */
function bringIntoView() {
  if (!state.focusTicket) return;
  const el = document.querySelector(`[data-ticket="${CSS.escape(state.focusTicket)}"]`);
  if (!el) return;
  state.focusTicket = "";
  el.classList.add("destacada");
  focusElement(el);
  el.scrollIntoView({ block: "center" });
}

// ---------------------------------------------------------------------------------------------
// Is the citizen in the room? (GET .../rooms/{ticket}: local and Jitsi can tell; Teams cannot)

function watchRooms() {
  window.clearTimeout(state.roomTimer);
  const called = mine().filter((c) => c.meeting && c.meeting.status === "ready");
  if (!called.length) return;
  const unitId = state.unitId;
  Promise.all(called.map(async (c) => {
    try {
      const { data } = await api(`/clerk/units/${apiPath(unitId)}/rooms/${apiPath(c.ticketId)}`);
      return [c.ticketId, roomStatus(data, c.ticketId)];
    } catch {
      return [c.ticketId, null];
    }
  })).then((found) => {
    if (unitId !== state.unitId) return;
    let changed = false;
    for (const [id, room] of found) {
      const before = JSON.stringify(state.rooms.get(id) || null);
      if (room) state.rooms.set(id, room);
      changed = changed || before !== JSON.stringify(room);
    }
    if (changed) {
      renderCurrent($("#atual"), mine());
      redraw();
    }
    state.roomTimer = window.setTimeout(watchRooms, ROOM_MS);
  });
}

/** The provider's answer in words (the server's); Jitsi counts people: with the clerk in, one more. */
function roomStatus(data, ticketId) {
  if (data.known && typeof data.participants === "number") {
    const others = data.participants - (state.opened.has(ticketId) ? 1 : 0);
    return {
      known: true,
      citizenInRoom: others > 0,
      text: others > 0 ? `A pessoa entrou na sala (${data.participants} na sala).`
        : `A pessoa ainda não entrou na sala (${data.participants} na sala).`,
    };
  }
  return { known: Boolean(data.known), citizenInRoom: data.citizenInRoom, text: data.text };
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
  $("#motivo-texto").textContent = `A senha ${entry.displayNumber} (${entry.name}) não é a próxima da fila. ` +
    "Informe por que ela será chamada agora.";
  $("#motivo").value = "";
  clearFieldError("motivo");
  openDialog("motivo", "motivo");
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
  const ok = await doCall(state.pendingCall, reason, { inDialog: true });
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
  "no-show": "Senha marcada como ausente (não compareceu). Ela fica em “Não compareceram hoje”.",
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

/** "Ausente": at once after the unit's no-show time; before it, only through the confirmation dialog. */
function askNoShow(ticket) {
  if (noShowDue(ticket)) {
    act(ticket, "no-show");
    return;
  }
  state.pendingNoShow = ticket;
  const since = Date.parse(ticket.calledAt || "");
  const wait = Date.parse(ticket.noShowAt || "") - since;
  $("#ausencia-texto").textContent = `A senha ${ticket.displayNumber} (${ticket.name}) foi chamada há ` +
    `${duration(now() - since)}${ticket.calledAt ? `, às ${timeOf(ticket.calledAt, unitZone())}` : ""}. ` +
    `O prazo de espera da unidade é de ${duration(wait)}: a pessoa ainda pode estar entrando na sala. ` +
    "Marcar a ausência agora? Se ela aparecer, a senha pode ser devolvida à fila.";
  openDialog("ausencia", "ausencia-cancelar");
}

async function confirmNoShow() {
  $("#dialogo-ausencia").close();
  await act(state.pendingNoShow, "no-show", { confirm: true });
}

function openTransfer(ticket) {
  state.pendingTransfer = ticket;
  const targets = (state.me.transferTargets || []).filter((t) => t.id !== state.unitId);
  replace($("#transferir-destino"), h("option", { value: "", text: "Selecione a unidade" }),
    targets.map((t) => h("option", { value: t.id, text: t.name })));
  $("#transferir-motivo").value = "";
  $("#transferir-texto").textContent = `Senha ${ticket.displayNumber} (${ticket.name}). O cidadão mantém a hora de chegada na nova fila.`;
  clearFieldError("transferir-destino");
  openDialog("transferir", "transferir-destino");
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
// Keyboard shortcuts: never while typing (text fields, selects) or with a dialog open; radios,
// checkboxes and buttons keep them (the presence control does not swallow N).

function onShortcut(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
  if ($("#console").hidden || !state.queue) return;
  if (typingIn(ev.target)) return;
  if ($$("dialog").some((d) => d.open)) return;
  const key = ev.key.toLowerCase();
  const current = mine();
  const calledOne = current.find((c) => c.status === "called");
  let handled = true;
  if (key === "n") callNext();
  else if (key === "i" && calledOne) act(calledOne, "start");
  else if (key === "f" && current[0]) act(current[0], "finish");
  else if (key === "a" && calledOne) askNoShow(calledOne);
  else handled = false;
  if (handled) ev.preventDefault();
  else if (["i", "f", "a"].includes(key)) say("Nenhuma senha chamada por você para esta ação.");
}

main();
