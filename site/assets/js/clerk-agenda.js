// Clerk console additions (Resolução CNJ nº 372/2021, arts. 2º § 1º and 4º), kept apart from clerk.js,
// which tells this module of every queue refresh ("balcao:fila"):
// - for each attendance of the signed-in clerk: invite a colleague of the unit or the court's Libras
//   interpreter to the same meeting (a card with the link goes to the unit's Teams channel), and book a
//   follow-up slot for the citizen (who sees it on their own page);
// - the day's appointments (they enter the front of the line at their time);
// - the asynchronous channel's inbox: each open message with its deadline clock, and the reply form.
// Everything typed by citizens is rendered as text (dom.js), never as HTML.

import { api, apiPath } from "./api.js";
import { h, $, replace, focusElement, safeUrl } from "./dom.js";
import { timeOf, num, fullDate, profile, PRESENCE_LABELS } from "./format.js";

const REFRESH_MS = 30000;

const state = {
  unitId: "",
  timezone: undefined,
  colleagues: [],
  slots: null,
  mineKey: "",
  mine: [],
  inboxJson: "",
  timer: 0,
};

document.addEventListener("balcao:fila", (ev) => onQueue(ev.detail));

async function onQueue({ unitId, queue }) {
  if (unitId !== state.unitId) {
    state.unitId = unitId;
    state.mineKey = "";
    state.inboxJson = "";
    await loadUnit(unitId);
    if (unitId !== state.unitId) return;
  }
  const me = String((queue.me && queue.me.email) || "").toLowerCase();
  const mine = (queue.called || []).filter((c) => String(c.calledBy || "").toLowerCase() === me);
  const key = mine.map((c) => `${c.ticketId}:${(c.meeting && c.meeting.status) || ""}:${c.status}`).join("|");
  if (key !== state.mineKey) {
    state.mineKey = key;
    state.mine = mine;
    renderExtras();
  }
}

async function loadUnit(unitId) {
  const base = `/clerk/units/${apiPath(unitId)}`;
  const [unit, colleagues, slots] = await Promise.all([
    api(`/units/${apiPath(unitId)}`).then((r) => r.data).catch(() => null),
    api(`${base}/colleagues`).then((r) => r.data.colleagues).catch(() => []),
    api(`${base}/slots?days=14`).then((r) => r.data).catch(() => null),
  ]);
  state.timezone = unit ? unit.timezone : undefined;
  state.colleagues = colleagues;
  state.slots = slots;
  window.clearInterval(state.timer);
  state.timer = window.setInterval(() => refreshLists(), REFRESH_MS);
  await refreshLists();
}

async function refreshLists() {
  const unitId = state.unitId;
  await Promise.all([refreshAgenda(unitId), refreshInbox(unitId)]);
}

/** A list of the unit's (appointments, messages), or null when it failed or the clerk changed unit. */
async function unitList(unitId, what) {
  try {
    const { data } = await api(`/clerk/units/${apiPath(unitId)}/${what}`);
    return unitId === state.unitId ? data : null;
  } catch {
    return null; // shown again at the next refresh
  }
}

function notice(prefix, text, isError = false) {
  const ok = $(`#${prefix}-aviso`);
  const bad = $(`#${prefix}-erro`);
  ok.hidden = isError;
  bad.hidden = !isError;
  (isError ? bad : ok).textContent = text;
  if (isError) focusElement(bad);
}

// ---------------------------------------------------------------------------------------------
// The clerk's attendances: invite a colleague, book a follow-up

function renderExtras() {
  const section = $("#secao-extras");
  const canInvite = state.colleagues.length > 0;
  const canBook = Boolean(state.slots && state.slots.enabled);
  section.hidden = !state.mine.length || !(canInvite || canBook);
  replace($("#extras"), state.mine.map((c, i) => h("article", { class: "senha-cartao", "aria-labelledby": `extra-${i}` },
    h("h3", { class: "senha-cabeca", id: `extra-${i}` },
      h("span", { class: "num", text: c.displayNumber }), " ", h("span", { class: "nome", text: c.name || "(sem nome)" })),
    canInvite ? inviteForm(c, i) : null,
    canBook ? followUpForm(c, i) : null)));
}

function inviteForm(c, i) {
  const ready = c.meeting && c.meeting.status === "ready";
  const select = h("select", { id: `convidar-${i}` }, state.colleagues.map((p) => h("option", {
    value: p.email, text: `${p.name} — ${p.roleLabel} (${PRESENCE_LABELS[p.status] || p.status})`,
  })));
  const form = h("form", { class: "campo", novalidate: true, on: { submit: async (ev) => {
    ev.preventDefault();
    try {
      const { data } = await api(`/clerk/units/${apiPath(state.unitId)}/attendances/${apiPath(c.ticketId)}/invitations`, {
        method: "POST", body: { email: select.value },
      });
      notice("extras", `Convite enviado a ${data.invitee.name} pelo canal da unidade no Teams, com o link da sala.`);
    } catch (err) {
      notice("extras", err.message, true);
    }
  } } },
  h("label", { for: `convidar-${i}`, text: "Convidar para a mesma sala" }),
  select,
  ready ? null : h("p", { class: "dica", text: "A sala ainda está sendo criada: o convite fica disponível em seguida." }),
  h("button", { type: "submit", class: "secundario", disabled: !ready }, "Convidar",
    h("span", { class: "sr-only", text: ` para o atendimento da senha ${c.displayNumber}` })));
  return form;
}

function followUpForm(c, i) {
  const days = (state.slots && state.slots.days) || [];
  if (!days.length) return h("p", { class: "dica", text: "Sem horários livres para agendar retorno nos próximos dias." });
  const daySelect = h("select", { id: `retorno-dia-${i}` }, days.map((d) => h("option", { value: d.date, text: d.label })));
  const timeSelect = h("select", { id: `retorno-hora-${i}`, class: "curto" });
  const fill = () => {
    const day = days.find((d) => d.date === daySelect.value) || days[0];
    replace(timeSelect, day.slots.map((s) => h("option", { value: s.startsAt, text: s.time })));
  };
  daySelect.addEventListener("change", fill);
  fill();
  return h("form", { novalidate: true, on: { submit: async (ev) => {
    ev.preventDefault();
    try {
      const { data } = await api(`/clerk/units/${apiPath(state.unitId)}/attendances/${apiPath(c.ticketId)}/follow-up`, {
        method: "POST", body: { startsAt: timeSelect.value },
      });
      notice("extras", `Retorno agendado para ${timeOf(data.startsAt, state.timezone)} de ${fullDate(data.startsAt)}. ` +
        "A pessoa vê o agendamento na página dela.");
      state.slots = (await api(`/clerk/units/${apiPath(state.unitId)}/slots?days=14`)).data;
      state.mineKey = "";
      refreshAgenda(state.unitId);
    } catch (err) {
      notice("extras", err.message, true);
    }
  } } },
  h("fieldset", { class: "simples" },
    h("legend", { text: "Agendar retorno" }),
    h("div", { class: "opcoes-linha" },
      h("span", { class: "campo" }, h("label", { for: `retorno-dia-${i}`, text: "Dia" }), daySelect),
      h("span", { class: "campo" }, h("label", { for: `retorno-hora-${i}`, text: "Horário" }), timeSelect)),
    h("button", { type: "submit", class: "secundario" }, "Agendar retorno",
      h("span", { class: "sr-only", text: ` da senha ${c.displayNumber}` }))));
}

// ---------------------------------------------------------------------------------------------
// Today's appointments

const APPOINTMENT_BADGE = { booked: "aberta", admitted: "aberta", cancelled: "inativa", rescheduled: "inativa", missed: "fechada" };

async function refreshAgenda(unitId) {
  if (!state.slots || !state.slots.enabled) {
    $("#secao-agenda").hidden = true;
    return;
  }
  const data = await unitList(unitId, "appointments");
  if (!data) return;
  const items = data.appointments || [];
  $("#secao-agenda").hidden = false;
  $("#agenda-contagem").textContent = `(${num(items.filter((a) => a.status === "booked").length)} a atender)`;
  $("#agenda-vazia").hidden = items.length > 0;
  replace($("#agenda"), items.map((a) => {
    const url = a.meeting && a.meeting.joinUrl ? safeUrl(a.meeting.joinUrl) : null;
    return h("li", { class: "senha-cartao" },
      h("p", { class: "senha-cabeca" },
        h("span", { class: "num", text: a.time }),
        h("span", { class: "nome", text: a.name || "(sem nome)" }),
        h("span", { class: `selo ${APPOINTMENT_BADGE[a.status] || "inativa"}`, text: a.statusText }),
        a.followUpOf ? h("span", { class: "selo prioridade-3", text: "Retorno" }) : null),
      h("dl", { class: "dados" }, [
        ["Perfil", profile(a)],
        ["Processo", a.processNumber],
        ["Assunto", a.reason],
      ].filter(([, v]) => v).map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
      url && a.status === "booked" ? h("p", {}, h("a", { href: url, target: "_blank", rel: "noopener noreferrer" },
        "Sala do atendimento agendado", h("span", { class: "sr-only", text: " (abre em nova aba)" }))) : null);
  }));
}

// ---------------------------------------------------------------------------------------------
// The asynchronous channel's inbox

const DEADLINE_BADGE = { on_time: "aberta", due_soon: "prioridade-1", overdue: "fechada" };

async function refreshInbox(unitId) {
  const data = await unitList(unitId, "messages");
  if (!data) return;
  $("#secao-mensagens").hidden = !data.enabled;
  if (!data.enabled) return;
  const json = JSON.stringify(data);
  if (json === state.inboxJson) return;
  state.inboxJson = json;
  const counts = data.counts || {};
  $("#mensagens-contagem").textContent = `(${num(counts.open)})`;
  const hours = num(data.responseHours, { decimals: true });
  $("#mensagens-resumo").textContent =
    `${num(counts.open)} aguardando resposta, ${num(counts.overdue)} com prazo vencido, ${num(counts.dueSoon)} perto do prazo. ` +
    `Prazo da unidade: ${hours} horas${data.openingHoursOnly ? " de expediente" : ""}.`;
  // Keep what the clerk is typing across refreshes.
  const drafts = new Map([...document.querySelectorAll("#mensagens textarea")].map((t) => [t.dataset.id, t.value]));
  const focused = document.activeElement && document.activeElement.closest("#mensagens") ? document.activeElement.id : "";
  const open = data.open || [];
  $("#mensagens-vazia").hidden = open.length > 0;
  replace($("#mensagens"), open.map((m, i) => messageItem(m, i, drafts.get(m.messageId) || "")));
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  const answered = data.answered || [];
  $("#respondidas-contagem").textContent = `(${num(answered.length)})`;
  replace($("#mensagens-respondidas"), answered.map((m) => h("li", { class: "senha-cartao" },
    h("p", { class: "senha-cabeca" }, h("span", { class: "num", text: m.protocol }), h("span", { class: "nome", text: m.name })),
    h("p", { class: "texto-mensagem", text: m.text }),
    h("p", {}, h("strong", { text: "Resposta: " }), h("span", { class: "texto-mensagem", text: m.reply })),
    h("p", { class: "dica", text: `Respondida por ${m.answeredBy} ${m.answeredOnTime ? "no prazo" : "fora do prazo"}.` }))));
}

function messageItem(m, i, draft) {
  const deadline = m.deadline || {};
  const area = h("textarea", { id: `resposta-${i}`, maxlength: "5000", rows: "4", dataset: { id: m.messageId } });
  area.value = draft;
  return h("li", { class: "senha-cartao" },
    h("h3", { class: "senha-cabeca" },
      h("span", { class: "num", text: m.protocol }), " ", h("span", { class: "nome", text: m.name || "(sem nome)" })),
    h("p", {}, h("span", { class: `selo ${DEADLINE_BADGE[deadline.state] || "inativa"}`, text: deadline.text || "" }),
      " ", h("span", { text: `Prazo: ${m.dueText}` })),
    h("dl", { class: "dados" }, [
      ["Recebida", `${fullDate(m.receivedAt)} às ${timeOf(m.receivedAt, state.timezone)}`],
      ["Perfil", profile(m)],
      ["Processo", m.processNumber],
      ["Assunto", m.reason],
    ].filter(([, v]) => v).map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
    h("p", { class: "texto-mensagem", text: m.text }),
    h("form", { novalidate: true, on: { submit: async (ev) => {
      ev.preventDefault();
      if (!area.value.trim()) {
        notice("mensagens", `Escreva a resposta ao protocolo ${m.protocol}.`, true);
        return;
      }
      try {
        await api(`/clerk/units/${apiPath(state.unitId)}/messages/${apiPath(m.messageId)}/reply`, {
          method: "POST", body: { text: area.value },
        });
        area.value = "";
        notice("mensagens", `Resposta ao protocolo ${m.protocol} enviada. A pessoa lê a resposta na página da mensagem.`);
        state.inboxJson = "";
        await refreshInbox(state.unitId);
      } catch (err) {
        notice("mensagens", err.message, true);
      }
    } } },
    h("div", { class: "campo" }, h("label", { for: `resposta-${i}`, text: `Resposta ao protocolo ${m.protocol}` }), area),
    h("button", { type: "submit" }, "Enviar resposta", h("span", { class: "sr-only", text: ` ao protocolo ${m.protocol}` }))));
}

