// Citizen site: unit directory → join form → waiting screen (live by polling with If-None-Match)
// → called ("Próximo! Agora é sua vez") → satisfaction survey. The ticket id and its token are kept in
// localStorage, so a reload or a dropped connection keeps the place in the queue.

import "./shell.js";
import { api, apiPath, ApiError, ticketAuth } from "./api.js";
import { h, $, replace, announce, safeUrl, focusElement } from "./dom.js";
import { citizenQuestions, clearErrors, handleSubmit, problemErrors, showErrors } from "./forms.js";
import { num, nextOpening } from "./format.js";
import { withProof } from "./proof.js";
import { FLOWS } from "./questions.js";
import { storedTicket, saveTicket, forgetTicket, ticketFromLink } from "./stored.js";
import { PushUnavailable, channelsText, formChoices, noticeChoices, offeredChannels, pushSupported, registerWorker,
  showNotification, subscribePush } from "./notices.js";
import { ONLY_IN_HOURS, aheadText, endText, etaText, movedBackText, waitingTitle } from "./waiting.js";

// The server says when to poll next (`pollAfterSeconds`: ~2 s near the front or when called, up to
// 30 s far from it; domain/polling.py). Until it has said, and for answers without it, these apply.
const POLL_MS = 2000;
const FINAL_POLL_MS = 15000;
// A hidden page (another app, a locked phone) polls three times slower, at most once a minute: well
// within the 5 minutes after which a silent page is marked absent.
const HIDDEN_FACTOR = 3;
const HIDDEN_MAX_MS = 60000;
const MAX_BACKOFF_MS = 10000;

const views = {
  unidades: $("#vista-unidades"),
  entrada: $("#vista-entrada"),
  espera: $("#vista-espera"),
};
const live = $("#anuncio");
const urgent = $("#anuncio-urgente");

function show(name, { focus = true } = {}) {
  for (const [key, el] of Object.entries(views)) el.hidden = key !== name;
  const titles = { unidades: "Unidades — Balcão Virtual", entrada: "Entrar na fila — Balcão Virtual", espera: waitingTitle(null) };
  setTitle(titles[name]);
  // The petition notice is said once, folded, under the title of the directory and of the join form.
  const notice = $("#aviso-peticoes");
  notice.hidden = name === "espera";
  $("h1", views[name]).after(notice);
  if (focus) focusElement($("h1", views[name]));
}
let baseTitle = document.title;

function setTitle(title) {
  baseTitle = title;
  if (!flashTimer) document.title = title;
}

// ---------------------------------------------------------------------------------------------
// Unit directory

let allUnits = [];
let searchTimer = 0;
let searchSeq = 0;

function unitStatusBadge(unit) {
  if (!unit.active) return h("span", { class: "selo inativa", text: "Não atende pelo Balcão Virtual" });
  if (unit.openNow) return h("span", { class: "selo aberta", text: "Aberta agora" });
  return h("span", { class: "selo fechada", text: "Fechada agora" });
}

function unitFacts(unit) {
  const facts = [];
  if (unit.active && unit.openNow) {
    facts.push(["Pessoas na fila", num(unit.peopleWaiting)]);
    facts.push(["Espera estimada", etaText(unit, unit.peopleWaiting)]);
  }
  if (unit.active && !unit.openNow && unit.nextOpening) {
    facts.push(["Próxima abertura", nextOpening(unit.nextOpening, unit.timezone)]);
  }
  if (unit.hoursText) facts.push(["Horário", `${unit.hoursText}. ${ONLY_IN_HOURS}.`]);
  return h("dl", { class: "dados" }, facts.map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]),
    contactFacts(unit));
}

/** The unit's phones and e-mails from the configuration (Res. 372 art. 5), as links. */
function contactFacts(unit) {
  const rows = [["Telefone", unit.phones, (p) => `tel:${p.replace(/[^\d+]/g, "")}`], ["E-mail", unit.emails, (m) => `mailto:${m}`]];
  return rows.filter(([, items]) => items && items.length).map(([label, items, href]) => [h("dt", { text: label }),
    h("dd", {}, items.map((item, i) => [i ? ", " : "", h("a", { href: href(item), text: item })]))]);
}

function alternativesList(unit) {
  if (!unit.alternatives || !unit.alternatives.length) return null;
  return [
    h("p", { text: "Outras formas de contato:" }),
    h("ul", { class: "alternativas" }, unit.alternatives.map((a) => h("li", { text: a }))),
  ];
}

function unitCard(unit) {
  const titleId = `unidade-${unit.id}`;
  const link = `?unidade=${encodeURIComponent(unit.id)}`;
  let action = null;
  if (unit.active && unit.openNow) {
    action = h("a", { class: "botao", href: link }, "Entrar na fila", h("span", { class: "sr-only", text: ` de ${unit.name}` }));
  } else if (unit.active) {
    action = h("a", { class: "botao secundario", href: link }, "Ver horários e contatos",
      h("span", { class: "sr-only", text: ` de ${unit.name}` }));
  }
  return h("li", { class: "unidade cartao", dataset: { unidade: unit.id } },
    h("h2", { id: titleId, text: unit.name }),
    h("p", { class: "tribunal", text: [unit.court && unit.court.name, unit.section, unit.category].filter(Boolean).join(" · ") }),
    h("p", {}, unitStatusBadge(unit)),
    unitFacts(unit),
    !unit.active ? h("p", { text: "Esta unidade não está atendendo pelo Balcão Virtual no momento." }) : null,
    !unit.openNow ? alternativesList(unit) : null,
    action ? h("div", { class: "acoes" }, action) : null,
  );
}

function fillFilters(units) {
  const courts = new Map();
  for (const u of units) if (u.court && u.court.id) courts.set(u.court.id, u.court.name || u.court.id);
  const courtSelect = $("#filtro-tribunal");
  const current = courtSelect.value;
  replace(courtSelect, h("option", { value: "", text: "Todos" }),
    [...courts.entries()].sort((a, b) => a[1].localeCompare(b[1], "pt-BR"))
      .map(([id, name]) => h("option", { value: id, text: name })));
  courtSelect.value = current;
  fillSections();
}

function fillSections() {
  const court = $("#filtro-tribunal").value;
  const sections = new Set(allUnits.filter((u) => !court || (u.court && u.court.id === court))
    .map((u) => u.section).filter(Boolean));
  const select = $("#filtro-secao");
  const current = select.value;
  replace(select, h("option", { value: "", text: "Todas" }),
    [...sections].sort((a, b) => a.localeCompare(b, "pt-BR")).map((s) => h("option", { value: s, text: s })));
  select.value = sections.has(current) ? current : "";
}

async function searchUnits() {
  const params = new URLSearchParams();
  const q = $("#busca").value.trim();
  const court = $("#filtro-tribunal").value;
  const section = $("#filtro-secao").value;
  if (court) params.set("court", court);
  if (section) params.set("section", section);
  if (q) params.set("q", q);
  const status = $("#resultado-unidades");
  const mine = ++searchSeq; // answers may arrive out of order: only the latest search is shown
  try {
    const { data } = await api(`/units${params.toString() ? `?${params}` : ""}`);
    if (mine !== searchSeq) return;
    const units = (data && data.units) || [];
    if (!params.toString()) {
      allUnits = units;
      fillFilters(units);
    }
    const list = $("#lista-unidades");
    replace(list, units.map(unitCard));
    const open = units.filter((u) => u.active && u.openNow).length;
    status.textContent = units.length
      ? `${units.length} ${units.length === 1 ? "unidade encontrada" : "unidades encontradas"}, ${open} ${open === 1 ? "aberta" : "abertas"} agora.`
      : "Nenhuma unidade encontrada com esses critérios.";
  } catch (err) {
    if (mine !== searchSeq) return;
    status.textContent = err instanceof ApiError ? err.message : "Não foi possível carregar as unidades.";
  }
}

function startDirectory() {
  show("unidades", { focus: false });
  document.title = baseTitle = "Balcão Virtual — atendimento por vídeo das unidades judiciárias";
  $("#filtros").addEventListener("submit", (ev) => {
    ev.preventDefault();
    searchUnits();
  });
  $("#busca").addEventListener("input", () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(searchUnits, 300);
  });
  $("#filtro-tribunal").addEventListener("change", () => {
    fillSections();
    searchUnits();
  });
  $("#filtro-secao").addEventListener("change", searchUnits);
  searchUnits();
}

// ---------------------------------------------------------------------------------------------
// Join form

function renderJoinUnit(unit) {
  const box = $("#entrada-unidade");
  replace(box,
    h("p", { class: "tribunal", text: [unit.court && unit.court.name, unit.section, unit.category].filter(Boolean).join(" · ") }),
    h("p", {}, unitStatusBadge(unit)),
    unitFacts(unit));
  const closed = $("#entrada-fechada");
  const form = $("#form-entrada");
  if (unit.active && unit.openNow) {
    closed.hidden = true;
    form.hidden = false;
    return;
  }
  form.hidden = true;
  const lines = [];
  if (!unit.active) {
    lines.push(h("p", {}, h("strong", { text: "Esta unidade não está atendendo pelo Balcão Virtual." })));
  } else {
    lines.push(h("p", {}, h("strong", { text: "A unidade está fechada agora." })));
    if (unit.nextOpening) lines.push(h("p", { text: `Próxima abertura: ${nextOpening(unit.nextOpening, unit.timezone)}.` }));
  }
  lines.push(alternativesList(unit));
  replace(closed, lines);
  closed.hidden = false;
}

async function startJoin(unitId) {
  show("entrada", { focus: false });
  const title = $("#titulo-entrada");
  let unit;
  try {
    unit = (await api(`/units/${apiPath(unitId)}`)).data;
  } catch (err) {
    title.textContent = "Unidade não encontrada";
    $("#form-entrada").hidden = true;
    replace($("#entrada-unidade"), h("p", { text: err instanceof ApiError && err.status === 404
      ? "Não encontramos esta unidade. Volte à lista e escolha outra."
      : err.message }));
    focusElement(title);
    return;
  }
  title.textContent = `Entrar na fila: ${unit.name}`;
  document.title = baseTitle = `Entrar na fila: ${unit.name} — Balcão Virtual`;
  renderJoinUnit(unit);
  wireJoinForm(unit);
  focusElement(title);
}

/** The unit's notice channels (none from a server that does not offer notices yet). */

function wireJoinForm(unit) {
  const form = $("#form-entrada");
  const person = citizenQuestions(FLOWS.join, { reasons: unit.reasons, categories: unit.serviceCategories,
    courtCode: unit.courtCode, courtName: unit.court && unit.court.name }, unit.privacy);
  form.addEventListener("submit", unlockSound); // the click lets the page beep later, when called
  const choices = formChoices(unit, { prefix: "entrada-aviso" }, () => person.collect());
  handleSubmit(form, {
    summary: $("#resumo-erros"), button: $("#botao-entrar"), busyText: "Enviando…", purpose: "entrar na fila",
    fields: choices.fields,
    collect: choices.collect,
    async send(body) {
      const pushFailed = await choices.withPush(body, unit.pushPublicKey);
      const pushNote = pushFailed
        ? `${pushFailed} Você entrou na fila sem a notificação; pode tentar de novo em "Como quer ser avisado?".`
        : "";
      const { data } = await withProof(api, (headers) => api(`/units/${apiPath(unit.id)}/tickets`, { method: "POST", body, headers }),
        $("#entrada-verificacao"));
      const ticket = { ticketId: data.ticketId, token: data.token, unitId: data.unitId || unit.id, unitName: unit.name };
      if (body.notices) ticket.contacts = contactsOf(body.notices);
      saveTicket(ticket);
      startWaiting(ticket, { pushNote });
    },
  });
}

/** What this browser keeps of the choices (to show them again and to add push back without losing the
 *  others): the channels and the phone and e-mail typed — erased with the ticket (forgetTicket). */
function contactsOf(items) {
  const out = { channels: items.map((i) => i.channel) };
  for (const item of items) {
    if (item.phone) out.phone = item.phone;
    if (item.email) out.email = item.email;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Waiting screen

let current = null; // {ticketId, token, unitId, unitName}
let etag = null;
let pollTimer = 0;
let failures = 0;
let lastStatus = null;
let lastView = null;
let alertedFor = null;
let polling = false;

function startWaiting(ticket, { pushNote = "" } = {}) {
  current = ticket;
  waitingNotices(ticket, pushNote);
  etag = null;
  lastStatus = null;
  lastView = null;
  failures = 0;
  show("espera", { focus: false });
  $("#espera-unidade").textContent = ticket.unitName || "";
  $("#painel-fila").hidden = false;
  $("#painel-chamada").hidden = true;
  $("#painel-fim").hidden = true;
  $("#acoes-espera").hidden = false;
  $("#sair-fila").hidden = false;
  $("#espera-estado").textContent = "Confirmando sua entrada na fila…";
  updateNotificationButton();
  focusElement($("#titulo-espera"));
  poll();
}

function schedule(ms) {
  window.clearTimeout(pollTimer);
  pollTimer = window.setTimeout(poll, ms);
}

function stopPolling() {
  window.clearTimeout(pollTimer);
  pollTimer = 0;
}

async function poll() {
  if (!current || polling) return;
  polling = true;
  const ticket = current;
  try {
    const result = await api(`/tickets/${apiPath(ticket.ticketId)}`, {
      headers: ticketAuth(ticket.token), etag,
    });
    if (ticket !== current) return;
    failures = 0;
    $("#espera-conexao").hidden = true;
    if (result.status !== 304 && result.data) {
      etag = result.etag;
      render(result.data);
    }
    if (current && keepPolling(lastStatus)) schedule(nextPollMs());
  } catch (err) {
    if (ticket !== current) return;
    if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
      endTicket("Esta senha não é mais válida. Se precisar de atendimento, entre na fila novamente.");
      return;
    }
    if (err instanceof ApiError && err.status === 429) {
      // Too many requests: the place is kept (a refused poll still counts as a sign of life).
      schedule(Math.max(nextPollMs(), (err.retryAfter || 1) * 1000));
      return;
    }
    failures += 1;
    const box = $("#espera-conexao");
    box.textContent = "Sem conexão com o Balcão Virtual. Sua vaga continua guardada; tentando reconectar…";
    box.hidden = false;
    schedule(Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** Math.min(failures, 3)));
  } finally {
    polling = false;
  }
}

/** When to poll next: as the last answer said, slower while the page is hidden. */
function nextPollMs(view = lastView, hidden = document.hidden) {
  const said = view && Number(view.pollAfterSeconds);
  let ms = said > 0 ? said * 1000 : (view && !keepPollingFast(view.status) ? FINAL_POLL_MS : POLL_MS);
  if (hidden) ms = Math.max(ms, Math.min(ms * HIDDEN_FACTOR, HIDDEN_MAX_MS));
  return ms;
}

function keepPollingFast(status) {
  return ["pending", "waiting", "absent", "called"].includes(status);
}

function keepPolling(status) {
  return ["pending", "waiting", "absent", "called", "in_service", "no_show", null].includes(status);
}

function render(view) {
  const status = view.status;
  const previous = lastStatus;
  const before = lastView;
  lastStatus = status;
  lastView = view;
  if (view.unit && view.unit.name) {
    $("#espera-unidade").textContent = view.unit.name;
    if (current && current.unitName !== view.unit.name) {
      current.unitName = view.unit.name;
      saveTicket(current);
    }
  }
  $("#espera-senha").textContent = view.displayNumber || "—";

  if (status === "transferred" && view.transferredTo && view.transferredTo.ticketId) {
    const next = { ticketId: view.transferredTo.ticketId, token: view.transferredTo.token, unitId: "", unitName: "" };
    saveTicket(next);
    announce(live, "Seu atendimento foi transferido para outra unidade. Você continua na fila.");
    current = next;
    etag = null;
    lastStatus = null;
    lastView = null; // the new ticket is polled at once and soon (POLL_MS) until its first answer
    return;
  }

  const waitingLike = status === "pending" || status === "waiting" || status === "absent";
  const calledLike = status === "called" || status === "in_service";
  $("#painel-fila").hidden = !waitingLike;
  $("#painel-chamada").hidden = !calledLike;
  $("#painel-fim").hidden = waitingLike || calledLike;
  $("#sair-fila").hidden = !(waitingLike || calledLike);
  $("#acoes-espera").hidden = !(waitingLike || calledLike);

  if (waitingLike) renderWaiting(view, previous, before);
  else if (calledLike) renderCalled(view, previous);
  else renderEnd(view, previous);
  renderNotices(view, waitingLike || calledLike); // after: its "Estou aqui" is said last
}

function renderWaiting(view, previous, before) {
  const pos = $("#espera-posicao");
  const total = $("#espera-total");
  const eta = $("#espera-tempo");
  const state = $("#espera-estado");
  setTitle(waitingTitle(view));
  if (view.status === "pending") {
    pos.textContent = "—";
    total.textContent = num(view.peopleWaiting);
    eta.textContent = "—";
    state.textContent = "Confirmando sua entrada na fila…";
    return;
  }
  pos.textContent = num(view.position);
  total.textContent = num(view.peopleWaiting);
  eta.textContent = etaText(view, view.peopleAhead);
  state.textContent = aheadText(view);
  $("#espera-prioridade").textContent = view.priority && view.priority !== "Atendimento geral"
    ? `Atendimento: ${view.priority}.` : "";
  const oldPosition = before && before.position;
  const movedBack = movedBackText(oldPosition, view.position);
  const change = $("#espera-mudanca");
  if (movedBack) change.textContent = movedBack; // stays visible until the position changes again
  else if (oldPosition !== view.position) change.textContent = "";
  change.hidden = !change.textContent;
  if (previous === "pending") announce(live, `Você entrou na fila. Sua posição: ${num(view.position)}.`);
  else if (previous !== null && oldPosition !== view.position) {
    announce(live, movedBack || `Sua posição agora: ${num(view.position)}.`);
  }
  stopAlert();
}

function renderCalled(view, previous) {
  const link = $("#entrar-atendimento");
  const room = $("#chamada-sala");
  const meeting = view.meeting || {};
  const url = meeting.joinUrl ? safeUrl(meeting.joinUrl) : null;
  const heading = $("#titulo-chamada");
  if (view.status === "in_service") {
    heading.textContent = "Você está em atendimento";
    $("#chamada-texto").textContent = "Se saiu da sala por engano, use o botão abaixo para voltar.";
  } else {
    heading.textContent = "Próximo! Agora é sua vez";
    $("#chamada-texto").textContent = "O servidor da unidade está aguardando você na sala de atendimento por vídeo.";
  }
  if (url) {
    link.href = url;
    link.hidden = false;
    room.textContent = "";
  } else {
    link.hidden = true;
    link.removeAttribute("href");
    room.textContent = meeting.status === "failed"
      ? "Não foi possível preparar a sala de vídeo. O servidor já foi avisado e vai tentar novamente."
      : "Preparando a sala de atendimento…";
  }
  if (view.status === "called" && previous !== "called") {
    focusElement(heading);
  }
  setTitle(waitingTitle(view));
  // Said when it is true: the call at once, the link only once it exists (it may take a moment).
  const lines = [];
  const key = `${view.ticketId}|${view.calledAt || ""}`;
  if (view.status === "called" && alertedFor !== key) {
    alertedFor = key;
    lines.push("Próximo! Agora é sua vez.");
    callAlert(view);
  }
  if (url && linkSaid !== url) {
    linkSaid = url;
    lines.push("A sala de atendimento está pronta: use o botão Entrar no atendimento.");
  }
  if (lines.length) announce(urgent, lines.join(" "));
  if (view.status === "in_service") stopAlert();
}
let linkSaid = "";

function renderEnd(view, previous) {
  stopAlert();
  const text = $("#fim-texto");
  const form = $("#form-pesquisa");
  const thanks = $("#pesquisa-obrigado");
  if (view.status === "done") {
    text.textContent = "Atendimento concluído. Obrigado por usar o Balcão Virtual.";
    if (view.surveyAnswered) {
      form.hidden = true;
      thanks.textContent = "Sua avaliação já foi registrada. Obrigado!";
      thanks.hidden = false;
      forgetTicket();
    } else if (form.hidden && thanks.hidden) {
      form.hidden = false;
      if (previous !== "done") focusElement($("#titulo-pesquisa"));
    }
    stopPolling();
    return;
  }
  let message = endText(view);
  if (view.status === "no_show") message += " Se o servidor devolver sua senha à fila, esta página será atualizada.";
  replace(text, message, alternativesList(view));
  form.hidden = true;
  if (view.status !== "no_show") forgetTicket();
  if (previous !== view.status) focusElement(text);
}

function endTicket(message) {
  stopPolling();
  forgetTicket();
  $("#painel-fila").hidden = true;
  $("#painel-chamada").hidden = true;
  $("#painel-fim").hidden = false;
  $("#acoes-espera").hidden = true;
  $("#form-pesquisa").hidden = true;
  $("#fim-texto").textContent = message;
  focusElement($("#fim-texto"));
}

// ---------------------------------------------------------------------------------------------
// Notices off the page (issue 13): how the citizen is told, "Estou aqui" near the front, a lost channel

let waitingUnit = null; // the unit's answer (its noticeChannels and pushPublicKey), once fetched
let waitingChoices = null;
let pushNoteShown = "";

/** The waiting page's "Como quer ser avisado?": the unit's channels, the ones chosen before. */
async function waitingNotices(ticket, pushNote) {
  pushNoteShown = pushNote;
  waitingUnit = null;
  waitingChoices = null;
  $("#espera-opcoes-aviso").hidden = true;
  if (!ticket.unitId) return;
  try {
    waitingUnit = (await api(`/units/${apiPath(ticket.unitId)}`)).data;
  } catch {
    return; // offline or an old ticket: the page works without the choices
  }
  if (ticket !== current) return;
  updateNotificationButton();
  const offered = offeredChannels(waitingUnit);
  if (!offered.length) return;
  waitingChoices = noticeChoices($("#espera-avisos"), { prefix: "espera-aviso", offered, saved: ticket.contacts || {} });
  if (!waitingChoices.channels.length) return;
  const details = $("#espera-opcoes-aviso");
  details.hidden = false;
  details.open = !(ticket.contacts && ticket.contacts.channels && ticket.contacts.channels.length) || Boolean(pushNote);
  if (pushNote) waitingChoices.pushStatus(pushNote);
}

/** The notice part of a poll answer: how the citizen is told, near the front, a lost channel. */
function renderNotices(view, active) {
  const channels = Array.isArray(view.noticeChannels) ? view.noticeChannels : null;
  const told = $("#espera-avisado");
  if (!active || channels === null) told.textContent = "";
  else if (channels.length) told.textContent = `Você será avisado(a) por ${channelsText(channels)}, mesmo com esta página fechada.`;
  else told.textContent = "Sem aviso fora desta página: mantenha-a aberta ou escolha como quer ser avisado(a).";
  $("#espera-dica").hidden = Boolean(active && channels && channels.length && view.reachable);
  $("#espera-canal-perdido").hidden = !(active && view.channelLost === "push" && pushSupported());
  const near = view.status === "waiting" && view.nearFront === true;
  $("#espera-aqui").hidden = !near;
  if (near) {
    const confirmed = view.hereConfirmed === true;
    $("#botao-aqui").hidden = confirmed;
    $("#espera-aqui-texto").textContent = confirmed
      ? "Obrigado! Você confirmou que está aqui. Fique atento(a): você será chamado(a) em breve."
      : "Sua vez está chegando. Confirme que você está acompanhando a fila:";
    if (!confirmed && lastNear !== view.ticketId) announce(live, "Sua vez está chegando. Use o botão Estou aqui.");
  }
  lastNear = near ? view.ticketId : "";
}
let lastNear = "";

/** PUT the choices (push subscribed here, inside the click); the answer says the channels now. */
async function saveNotices(items, choices) {
  const ticket = current;
  choices.sending(items);
  const { data } = await api(`/tickets/${apiPath(ticket.ticketId)}/notices`, {
    method: "PUT", body: { notices: items }, headers: ticketAuth(ticket.token),
  });
  ticket.contacts = contactsOf(items);
  saveTicket(ticket);
  if (data && Array.isArray(data.noticeChannels)) renderNotices({ ...lastView, ...data, channelLost: null }, true);
  schedule(0);
}

async function withPush(items, publicKey, choices) {
  try {
    const subscription = await subscribePush(publicKey);
    return [...items.filter((i) => i.channel !== "push"), { channel: "push", subscription }];
  } catch (err) {
    if (!(err instanceof PushUnavailable)) throw err;
    choices.pushStatus(err.message);
    return null;
  }
}

function wireNotices() {
  $("#botao-aqui").addEventListener("click", async () => {
    const ticket = current;
    if (!ticket) return;
    const button = $("#botao-aqui");
    button.disabled = true;
    try {
      await api(`/tickets/${apiPath(ticket.ticketId)}/here`, { method: "POST", body: {}, headers: ticketAuth(ticket.token) });
      button.hidden = true;
      $("#espera-aqui-texto").textContent = "Obrigado! Você confirmou que está aqui. Fique atento(a): você será chamado(a) em breve.";
      announce(live, "Confirmado: você está aqui.");
      schedule(0);
    } catch (err) {
      $("#espera-aqui-texto").textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });

  $("#form-avisos").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const choices = waitingChoices;
    const form = ev.currentTarget;
    const summary = $("#avisos-erros");
    if (!choices || !current) return;
    clearErrors(form, summary);
    choices.pushStatus("");
    const { items, errors } = choices.collect();
    if (errors.length) {
      showErrors(form, summary, errors, "Corrija o que está indicado para salvar.");
      return;
    }
    const button = $("#salvar-avisos");
    button.disabled = true;
    try {
      let list = items;
      if (choices.wantsPush()) list = (await withPush(items, waitingUnit.pushPublicKey, choices)) || items;
      await saveNotices(list, choices);
      announce(live, "Pronto: suas escolhas de aviso foram salvas.");
    } catch (err) {
      const fields = new Proxy({}, { get: (_, key) => (typeof key === "string" ? choices.fieldOf(key) : null) });
      showErrors(form, summary, problemErrors(err, fields), err.message);
    } finally {
      button.disabled = false;
    }
  });

  $("#reativar-push").addEventListener("click", async () => {
    const choices = waitingChoices;
    if (!choices || !current || !waitingUnit) return;
    const kept = (current.contacts || {});
    const others = [];
    for (const channel of kept.channels || []) {
      if (channel === "email" && kept.email) others.push({ channel, email: kept.email });
      else if ((channel === "sms" || channel === "whatsapp") && kept.phone) others.push({ channel, phone: kept.phone });
    }
    const list = await withPush(others, waitingUnit.pushPublicKey, choices);
    if (!list) {
      const details = $("#espera-opcoes-aviso");
      details.open = true;
      focusElement($("summary", details));
      return;
    }
    try {
      await saveNotices(list, choices);
      $("#espera-canal-perdido").hidden = true;
      announce(live, "Notificações ativadas de novo.");
    } catch (err) {
      choices.pushStatus(err.message);
    }
  });

  // The service worker after a click on a notice: look at the ticket now (or open the one it names).
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (ev) => {
      const data = ev.data || {};
      if (data.type !== "balcao:abrir" && data.type !== "balcao:aqui") return;
      const named = data.type === "balcao:abrir" && data.url ? ticketFromLink(new URL(data.url)) : null;
      if (named && (!current || current.ticketId !== named.ticketId)) {
        saveTicket(named);
        startWaiting(named);
        return;
      }
      if (current && keepPolling(lastStatus)) schedule(0);
    });
  }
}

// ---- "your turn" alert: sound, flashing title, notification

let audio = null;
let flashTimer = 0;

/** Browsers only let a page make sound after a user gesture: prepare the audio context on the first one. */
function unlockSound() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  } catch {
    audio = null;
  }
}

function beep() {
  if (!audio) unlockSound();
  if (!audio) return;
  try {
    const start = audio.currentTime + 0.05;
    for (let i = 0; i < 3; i += 1) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = i === 2 ? 1175 : 880;
      gain.gain.setValueAtTime(0.0001, start + i * 0.3);
      gain.gain.exponentialRampToValueAtTime(0.3, start + i * 0.3 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.3 + 0.22);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + i * 0.3);
      osc.stop(start + i * 0.3 + 0.25);
    }
  } catch {
    /* sound is a courtesy: never break the page for it */
  }
}

function flashTitle() {
  stopFlash();
  let on = false;
  let count = 0;
  const alertTitle = "Sua vez! — Balcão Virtual";
  document.title = alertTitle;
  flashTimer = window.setInterval(() => {
    count += 1;
    on = !on;
    document.title = on ? baseTitle : alertTitle;
    if (count >= 120) stopFlash();
  }, 1000);
}

function stopFlash() {
  if (flashTimer) window.clearInterval(flashTimer);
  flashTimer = 0;
  document.title = baseTitle;
}

function stopAlert() {
  stopFlash();
}

/** The call as a notification, shown by the service worker (Android Chrome refuses `new Notification()`
 *  in a page); a click brings this page back. Same tag as a Web Push notice of the call: one, not two. */
function notify(view) {
  showNotification("Balcão Virtual: agora é sua vez", {
    body: `Você foi chamado em ${(view.unit && view.unit.name) || "sua unidade"}. Volte à página e entre no atendimento.`,
    tag: view.ticketId,
    url: `${window.location.origin}/`,
    ticket: view.ticketId,
  });
}

function callAlert(view) {
  beep();
  flashTitle();
  notify(view);
}

/** The browser's notification while this page is open, for a unit that does not offer push notices. */
function updateNotificationButton() {
  const button = $("#ativar-notificacao");
  button.hidden = !("Notification" in window) || window.Notification.permission !== "default"
    || offeredChannels(waitingUnit).includes("push");
}

function wireWaiting() {
  $("#entrar-atendimento").addEventListener("click", stopAlert);
  window.addEventListener("focus", () => { if (lastStatus !== "called") stopAlert(); });
  $("#ativar-notificacao").addEventListener("click", async () => {
    unlockSound();
    try {
      const answer = await window.Notification.requestPermission();
      announce(live, answer === "granted" ? "Notificações ativadas." : "As notificações não foram permitidas.");
    } catch {
      /* ignore */
    }
    updateNotificationButton();
  });
  const dialog = $("#dialogo-sair");
  $("#sair-fila").addEventListener("click", () => {
    unlockSound();
    dialog.showModal();
    $("#sair-cancelar").focus();
  });
  $("#sair-cancelar").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    if (!dialog.returnValue) $("#sair-fila").focus();
  });
  $("#sair-confirmar").addEventListener("click", async () => {
    const ticket = current;
    dialog.returnValue = "sair";
    dialog.close();
    if (!ticket) return;
    try {
      await api(`/tickets/${apiPath(ticket.ticketId)}`, { method: "DELETE", headers: ticketAuth(ticket.token) });
      stopPolling();
      current = null;
      endTicket("Você saiu da fila. Sua senha foi cancelada.");
      announce(live, "Você saiu da fila.");
    } catch (err) {
      const box = $("#espera-conexao");
      box.textContent = err.message;
      box.hidden = false;
      $("#sair-fila").focus();
    } finally {
      dialog.returnValue = "";
    }
  });
  // Back online or back to the tab: ask at once instead of waiting for the next tick.
  window.addEventListener("online", () => { if (current) schedule(0); });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && current && keepPolling(lastStatus)) schedule(0);
  });
  // Any gesture prepares the sound for a restored ticket (after a reload).
  document.addEventListener("pointerdown", unlockSound, { once: true });
  document.addEventListener("keydown", unlockSound, { once: true });

  $("#form-pesquisa").addEventListener("submit", submitSurvey);
  $("#voltar-inicio").addEventListener("click", () => {
    if (lastStatus && !keepPolling(lastStatus)) forgetTicket();
  });
}

async function submitSurvey(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const summary = $("#pesquisa-erros");
  clearErrors(form, summary);
  const chosen = $("input[name=score]:checked", form);
  if (!chosen) {
    showErrors(form, summary, [{ id: "nota", message: "Escolha uma nota de 1 a 5." }], "Escolha uma nota para enviar a avaliação.");
    return;
  }
  const body = { score: Number(chosen.value) };
  const comment = $("#comentario").value.trim();
  if (comment) body.comment = comment;
  const ticket = current;
  try {
    await api(`/tickets/${apiPath(ticket.ticketId)}/survey`, {
      method: "POST", body, headers: ticketAuth(ticket.token),
    });
    thank("Obrigado pela sua avaliação!");
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      thank(err.message);
      return;
    }
    showErrors(form, summary, problemErrors(err, { score: "nota", comment: "comentario" }), err.message);
  }
}

function thank(message) {
  $("#form-pesquisa").hidden = true;
  const thanks = $("#pesquisa-obrigado");
  thanks.textContent = message;
  thanks.hidden = false;
  focusElement(thanks);
  forgetTicket();
}

// ---------------------------------------------------------------------------------------------

/**
 * A ticket handed over by its link (`?senha={id}#t={token}`, the kiosk's QR code; a notice's
 * `#u={unit}&t={id}.{token}`): kept in this browser, and the token taken out of the address bar and the
 * history at once (it is only ever in the fragment, which no server sees).
 */
function adoptTicket() {
  const ticket = ticketFromLink();
  if (!ticket) return;
  const kept = storedTicket();
  saveTicket(kept && kept.ticketId === ticket.ticketId ? { ...kept, token: ticket.token } : ticket);
  window.history.replaceState(null, "", window.location.pathname);
}

function main() {
  registerWorker();
  wireWaiting();
  wireNotices();
  const params = new URLSearchParams(window.location.search);
  adoptTicket();
  const stored = storedTicket();
  const unitId = params.get("unidade");
  if (stored) {
    startWaiting(stored);
  } else if (unitId) {
    startJoin(unitId);
  } else {
    startDirectory();
  }
}

main();
