// Scheduling for citizens (Resolução CNJ nº 372/2021, art. 4º). Two views of agendar.html:
// - `?unidade={id}`: the unit's free slots (in its own time zone) and the booking form, when the unit lets
//   citizens book now (for example because it is closed or its queue is full);
// - `?agendamento={id}#t={token}`: the appointment — when, the reminder, the meeting link near the time,
//   cancel and reschedule with the token, and at the time the hand-over to the queue page (the appointment
//   id and token are those of the ticket in line). The token stays in this browser (localStorage) and in
//   the fragment of the link the citizen may keep; the fragment never reaches a server.

import { api, apiPath, ApiError } from "./api.js";
import { h, $, $$, replace, focusElement, announce, safeUrl } from "./dom.js";
import {
  fillOptions, wirePersonFields, collectPerson, clearErrors, showErrors, problemErrors, remember, recall,
  tokenFromHash,
} from "./forms.js";

const STORE = "balcao.agendamentos";
const TICKET_KEY = "balcao.senha"; // the queue page's stored ticket (citizen.js)
const POLL_MS = 15000;
const POLL_NEAR_MS = 5000;

const VIEWS = ["agendar", "agendamento", "erro"];

function show(name) {
  $("#carregando").hidden = true;
  for (const v of VIEWS) $(`#vista-${v}`).hidden = v !== name;
  focusElement($(`#vista-${name} h1`));
}

function showFatal(text) {
  $("#erro-texto").textContent = text;
  show("erro");
}

// ---------------------------------------------------------------------------------------------
// The slot picker: a day, then a time of that day (radios), all in the unit's time zone.

function slotPicker(container, offered, id) {
  const days = (offered && offered.days) || [];
  if (!days.length) {
    replace(container, h("p", { class: "aviso alerta", text: "Não há horários livres nos próximos dias." }));
    return () => "";
  }
  const select = h("select", { id: `${id}-dia` }, days.map((d) => h("option", { value: d.date, text: d.label })));
  const options = h("div", { class: "opcoes-linha horarios", id: `${id}-opcoes` });
  const fieldset = h("fieldset", { id },
    h("legend", {}, "Horário ", h("span", { "aria-hidden": "true", text: "*" })),
    options,
    h("p", { class: "erro-campo", id: `${id}-erro`, hidden: true }));
  const fill = () => {
    const day = days.find((d) => d.date === select.value) || days[0];
    replace(options, day.slots.map((s, i) => h("label", { class: "opcao" },
      h("input", { type: "radio", name: id, value: s.startsAt, id: `${id}-${i}`, required: i === 0 }),
      ` ${s.time}`)));
  };
  select.addEventListener("change", fill);
  replace(container, h("div", { class: "campo" }, h("label", { for: `${id}-dia`, text: "Dia" }), select), fieldset);
  fill();
  return () => {
    const checked = $(`input[name="${id}"]:checked`, fieldset);
    return checked ? checked.value : "";
  };
}

// ---------------------------------------------------------------------------------------------
// Booking

async function startBooking(unitId) {
  let unit;
  let offered;
  try {
    [unit, offered] = await Promise.all([
      api(`/units/${apiPath(unitId)}`).then((r) => r.data),
      api(`/units/${apiPath(unitId)}/slots`).then((r) => r.data),
    ]);
  } catch (err) {
    showFatal(err instanceof ApiError && err.status === 404 ? "Unidade não encontrada." : err.message);
    return;
  }
  document.title = `Agendar: ${unit.name} — Balcão Virtual`;
  for (const a of $$(".voltar-unidade")) a.href = `./?unidade=${encodeURIComponent(unit.id)}`;
  replace($("#agendar-unidade"),
    h("h2", { text: unit.name }),
    h("p", { text: [unit.court && unit.court.name, unit.section].filter(Boolean).join(" · ") }),
    unit.hoursText ? h("p", { text: `Horário de atendimento: ${unit.hoursText}.` }) : null,
    offered.enabled ? h("p", { text: `Cada atendimento agendado dura até ${offered.slotMinutes} minutos.` }) : null);
  show("agendar");
  const blocked = $("#agendar-indisponivel");
  if (!offered.enabled) {
    replace(blocked, h("p", { text: "Esta unidade não oferece agendamento pelo Balcão Virtual." }));
    blocked.hidden = false;
    return;
  }
  if (!offered.selfBooking.allowed) {
    replace(blocked, h("p", { text: offered.selfBooking.message }),
      h("p", {}, h("a", { class: "botao", href: `./?unidade=${encodeURIComponent(unit.id)}`, text: "Ir para a fila da unidade" })));
    blocked.hidden = false;
    return;
  }
  const form = $("#form-agendar");
  form.hidden = false;
  fillOptions($("#assunto"), unit.reasons || [], "Selecione o assunto");
  const categories = unit.serviceCategories || [];
  $("#campo-categoria").hidden = !categories.length;
  fillOptions($("#categoria"), categories, "Selecione o tipo de atendimento");
  wirePersonFields(form);
  let picked = slotPicker($("#escolha-horario"), offered, "horario");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const summary = $("#resumo-erros");
    clearErrors(form, summary);
    const { body, errors } = collectPerson(form);
    body.startsAt = picked();
    if (!body.startsAt) errors.push({ id: "horario", message: "Escolha um horário." });
    if (categories.length) {
      body.category = $("#categoria").value;
      if (!body.category) errors.push({ id: "categoria", message: "Escolha o tipo de atendimento." });
    }
    if (errors.length) {
      showErrors(form, summary, errors, "Corrija os campos indicados para agendar.");
      return;
    }
    const button = $("#botao-agendar");
    button.disabled = true;
    button.textContent = "Agendando…";
    try {
      const { data } = await api(`/units/${apiPath(unit.id)}/appointments`, { method: "POST", body });
      remember(STORE, data.appointmentId, { token: data.token, unitId: unit.id, unitName: unit.name });
      window.location.assign(appointmentLink(data.appointmentId, data.token));
    } catch (err) {
      showErrors(form, summary, problemErrors(err instanceof ApiError ? err.problem : {}), err.message);
      if (err instanceof ApiError && err.status === 409) {
        try { // the slot was taken meanwhile: offer what is free now
          picked = slotPicker($("#escolha-horario"), (await api(`/units/${apiPath(unit.id)}/slots`)).data, "horario");
        } catch { /* keep the old list */ }
      }
    } finally {
      button.disabled = false;
      button.textContent = "Agendar";
    }
  });
}

function appointmentLink(id, token) {
  return `agendar.html?agendamento=${encodeURIComponent(id)}#t=${encodeURIComponent(token)}`;
}

// ---------------------------------------------------------------------------------------------
// The appointment

let current = null; // {id, token, view}
let pollTimer = 0;

async function startAppointment(id) {
  const stored = recall(STORE, id) || {};
  const token = tokenFromHash() || stored.token;
  if (!token) {
    showFatal("Não encontramos este agendamento neste navegador. Abra o link completo que você guardou ao agendar.");
    return;
  }
  remember(STORE, id, { ...stored, token });
  current = { id, token, view: null };
  const link = $("#ag-link");
  link.href = appointmentLink(id, token);
  link.textContent = new URL(appointmentLink(id, token), window.location.href).href;
  wireAppointment();
  await poll({ first: true });
}

async function poll({ first = false } = {}) {
  window.clearTimeout(pollTimer);
  try {
    const { data } = await api(`/tickets/${apiPath(current.id)}/appointment`, { headers: bearer() });
    render(data, first);
  } catch (err) {
    if (first) {
      showFatal(err instanceof ApiError && (err.status === 401 || err.status === 404)
        ? "Agendamento não encontrado, ou o link está incompleto." : err.message);
      return;
    }
  }
  const view = current.view;
  if (!view || view.status === "booked") {
    const near = view && new Date(view.startsAt).getTime() - Date.now() < 15 * 60 * 1000;
    pollTimer = window.setTimeout(poll, near ? POLL_NEAR_MS : POLL_MS);
  }
}

function bearer() {
  return { Authorization: `Bearer ${current.token}` };
}

const ORIGIN = { servidor: "Servidor(a) da unidade (retorno do atendimento)", cidadao: "Você" };

function render(view, first) {
  if (view.status === "rescheduled" && view.rescheduledTo) {
    const next = view.rescheduledTo;
    remember(STORE, next.appointmentId, { token: next.token });
    window.location.replace(appointmentLink(next.appointmentId, next.token));
    return;
  }
  const before = current.view;
  current.view = view;
  if (first) show("agendamento");
  document.title = `Agendamento: ${view.unit.name} — Balcão Virtual`;
  $("#ag-unidade").textContent = view.unit.name;
  $("#ag-quando").textContent = view.when;
  $("#ag-situacao").textContent = view.statusText;
  $("#ag-origem").textContent = ORIGIN[view.bookedBy] || "";
  const reminder = $("#ag-lembrete");
  reminder.hidden = !view.reminder;
  reminder.textContent = view.reminder || "";
  if (view.reminder && !(before && before.reminder)) announce($("#anuncio"), view.reminder);
  const url = view.meeting && view.meeting.joinUrl ? safeUrl(view.meeting.joinUrl) : null;
  $("#ag-sala").hidden = !url || view.status !== "booked";
  if (url) $("#ag-sala-link").href = url;
  const note = $("#ag-mensagem");
  const lines = [view.message, ...(view.alternatives || [])].filter(Boolean);
  if (view.status === "cancelled") lines.unshift("Este agendamento foi cancelado.");
  replace(note, lines.map((t) => h("p", { text: t })));
  note.hidden = !lines.length;
  $("#ag-remarcar").hidden = !view.canReschedule;
  $("#ag-cancelar").hidden = !view.canCancel;
  if (!view.canReschedule) $("#form-remarcar").hidden = true;
  const queue = $("#ag-fila");
  queue.hidden = view.status !== "admitted";
  if (view.status === "admitted" && !(before && before.status === "admitted")) {
    announce($("#anuncio"), "Chegou a hora do seu atendimento agendado: você está na frente da fila.");
    if (!first) focusElement($("#ag-fila-titulo"));
  }
}

function wireAppointment() {
  $("#ag-acompanhar").addEventListener("click", (ev) => {
    ev.preventDefault();
    const view = current.view || { unit: {} };
    try {
      window.localStorage.setItem(TICKET_KEY, JSON.stringify({
        ticketId: current.id, token: current.token, unitId: view.unit.id, unitName: view.unit.name,
      }));
    } catch { /* private mode: the queue page cannot follow it */ }
    window.location.assign("./");
  });

  const dialog = $("#dialogo-cancelar");
  $("#ag-cancelar").addEventListener("click", () => dialog.showModal());
  $("#cancelar-desistir").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { if (!$("#ag-cancelar").hidden) $("#ag-cancelar").focus(); });
  $("#cancelar-confirmar").addEventListener("click", async () => {
    dialog.close();
    try {
      await api(`/tickets/${apiPath(current.id)}/appointment`, { method: "DELETE", headers: bearer() });
      announce($("#anuncio"), "Agendamento cancelado.");
    } catch (err) {
      announce($("#anuncio"), err.message);
    }
    await poll();
    focusElement($("#titulo-agendamento"));
  });

  let picked = () => "";
  const form = $("#form-remarcar");
  $("#ag-remarcar").addEventListener("click", async () => {
    try {
      const { data } = await api(`/units/${apiPath(current.view.unit.id)}/slots`);
      picked = slotPicker($("#escolha-novo-horario"), data, "novo-horario");
    } catch (err) {
      replace($("#escolha-novo-horario"), h("p", { class: "aviso erro", text: err.message }));
    }
    form.hidden = false;
    focusElement($("#titulo-remarcar"));
  });
  $("#remarcar-desistir").addEventListener("click", () => {
    form.hidden = true;
    $("#ag-remarcar").focus();
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const summary = $("#remarcar-erros");
    clearErrors(form, summary);
    const startsAt = picked();
    if (!startsAt) {
      showErrors(form, summary, [{ id: "novo-horario", message: "Escolha o novo horário." }]);
      return;
    }
    try {
      const { data } = await api(`/tickets/${apiPath(current.id)}/appointment/reschedule`, {
        method: "POST", body: { startsAt }, headers: bearer(),
      });
      remember(STORE, data.appointmentId, { token: data.token, unitId: current.view.unit.id, unitName: current.view.unit.name });
      window.location.replace(appointmentLink(data.appointmentId, data.token));
    } catch (err) {
      const errors = problemErrors(err instanceof ApiError ? err.problem : {})
        .map((e) => (e.id === "horario" ? { ...e, id: "novo-horario" } : e));
      showErrors(form, summary, errors, err.message);
    }
  });
}

// ---------------------------------------------------------------------------------------------

function main() {
  const params = new URLSearchParams(window.location.search);
  const appointment = params.get("agendamento");
  const unit = params.get("unidade");
  if (appointment) startAppointment(appointment);
  else if (unit) startBooking(unit);
  else showFatal("Escolha uma unidade na lista para agendar um atendimento.");
}

main();
