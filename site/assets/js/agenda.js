// Scheduling for citizens (Resolução CNJ nº 372/2021, art. 4º). Two views of agendar.html:
// - `?unidade={id}`: the unit's free slots (in its own time zone) and the booking form, when the unit lets
//   citizens book now (for example because it is closed or its queue is full);
// - `?agendamento={id}#t={token}`: the appointment — when, the reminder, the meeting link near the time,
//   cancel and reschedule with the token, and at the time the hand-over to the queue page (the appointment
//   id and token are those of the ticket in line). The token stays in this browser (localStorage) and in
//   the fragment of the link the citizen may keep; the fragment never reaches a server.

import "./shell.js";
import { api, apiPath, ApiError } from "./api.js";
import { h, $, replace, focusElement, announce, safeUrl } from "./dom.js";
import { citizenQuestions, handleSubmit } from "./forms.js";
import { formChoices } from "./notices.js";
import { withProof } from "./proof.js";
import { FLOWS } from "./questions.js";
import { followRecord, loadUnit, notOffered, pageViews, startPage, unitHeading } from "./records.js";
import { APPOINTMENTS, appointmentLink, remember, saveTicket } from "./stored.js";

const POLL_MS = 15000;
const POLL_NEAR_MS = 5000;

const { show, fatal } = pageViews(["agendar", "agendamento"], "Agendamento");

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
  const loaded = await loadUnit(unitId, ["/slots"], fatal);
  if (!loaded) return;
  const [unit, offered] = loaded;
  document.title = `Agendar: ${unit.name} — Balcão Virtual`;
  unitHeading($("#agendar-unidade"), unit,
    unit.hoursText ? h("p", { text: `Horário de atendimento: ${unit.hoursText}.` }) : null,
    offered.enabled ? h("p", { text: `Cada atendimento agendado dura até ${offered.slotMinutes} minutos.` }) : null);
  show("agendar");
  if (!offered.enabled) {
    notOffered($("#agendar-indisponivel"), "Esta unidade não oferece agendamento pelo Balcão Virtual.", unit);
    return;
  }
  if (!offered.selfBooking.allowed) {
    notOffered($("#agendar-indisponivel"), offered.selfBooking.message, unit, "Ir para a fila da unidade");
    return;
  }
  const form = $("#form-agendar");
  form.hidden = false;
  const person = citizenQuestions(FLOWS.booking, { reasons: unit.reasons, categories: unit.serviceCategories },
    unit.privacy);
  let picked = slotPicker($("#escolha-horario"), offered, "horario");
  const choices = formChoices(unit, {
    prefix: "agendar-aviso",
    told: "Escolha como o Balcão Virtual lembra você do horário, um pouco antes dele. É opcional.",
    kept: "Seu celular e seu e-mail servem só para lembrar você do horário. Eles são apagados junto com o agendamento.",
  }, () => {
    const { body, errors } = person.collect();
    body.startsAt = picked();
    if (!body.startsAt) errors.push({ id: "horario", message: "Escolha um horário." });
    return { body, errors };
  });
  handleSubmit(form, {
    summary: $("#resumo-erros"), button: $("#botao-agendar"), busyText: "Agendando…", purpose: "agendar",
    collect: choices.collect,
    async send(body) {
      await choices.withPush(body, unit.pushPublicKey); // without push, the other channels still work
      const { data } = await withProof(api, (headers) => api(`/units/${apiPath(unit.id)}/appointments`, { method: "POST", body, headers }),
        $("#ag-verificacao"));
      remember(APPOINTMENTS, data.appointmentId, { token: data.token, unitId: unit.id, unitName: unit.name });
      window.location.assign(appointmentLink(data.appointmentId, data.token));
    },
    fields: new Proxy({}, { get: (_, key) => (key === "startsAt" ? "horario" : choices.fields[key]) }),
    async refused(err) {
      if (!(err instanceof ApiError && err.status === 409)) return;
      try { // the slot was taken meanwhile: offer what is free now
        picked = slotPicker($("#escolha-horario"), (await api(`/units/${apiPath(unit.id)}/slots`)).data, "horario");
      } catch { /* keep the old list */ }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The appointment

let current = null; // the followed record: {id, token, view, headers, poll}

function startAppointment(id) {
  current = followRecord({
    store: APPOINTMENTS, id, link: appointmentLink, linkEl: $("#ag-link"), fatal, render,
    path: (appointmentId) => `/tickets/${apiPath(appointmentId)}/appointment`,
    missing: "Não encontramos este agendamento neste navegador. Abra o link completo que você guardou ao agendar.",
    notFound: "Agendamento não encontrado, ou o link está incompleto.",
    every: (view) => {
      if (view && view.status !== "booked") return 0;
      const near = view && new Date(view.startsAt).getTime() - Date.now() < 15 * 60 * 1000;
      return near ? POLL_NEAR_MS : POLL_MS;
    },
  });
  if (current) wireAppointment();
}

const ORIGIN = { servidor: "Servidor(a) da unidade (retorno do atendimento)", cidadao: "Você" };

function render(view, before, first) {
  if (view.status === "rescheduled" && view.rescheduledTo) {
    const next = view.rescheduledTo;
    remember(APPOINTMENTS, next.appointmentId, { token: next.token });
    window.location.replace(appointmentLink(next.appointmentId, next.token));
    return;
  }
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
    saveTicket({ ticketId: current.id, token: current.token, unitId: view.unit.id, unitName: view.unit.name });
    window.location.assign("./");
  });

  const dialog = $("#dialogo-cancelar");
  $("#ag-cancelar").addEventListener("click", () => dialog.showModal());
  $("#cancelar-desistir").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { if (!$("#ag-cancelar").hidden) $("#ag-cancelar").focus(); });
  $("#cancelar-confirmar").addEventListener("click", async () => {
    dialog.close();
    try {
      await api(`/tickets/${apiPath(current.id)}/appointment`, { method: "DELETE", headers: current.headers });
      announce($("#anuncio"), "Agendamento cancelado.");
    } catch (err) {
      announce($("#anuncio"), err.message);
    }
    await current.poll();
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
  handleSubmit(form, {
    summary: $("#remarcar-erros"), button: $("#remarcar-confirmar"), busyText: "Remarcando…", purpose: "remarcar",
    collect() {
      const startsAt = picked();
      return { body: { startsAt }, errors: startsAt ? [] : [{ id: "novo-horario", message: "Escolha o novo horário." }] };
    },
    async send(body) {
      const { data } = await api(`/tickets/${apiPath(current.id)}/appointment/reschedule`, {
        method: "POST", body, headers: current.headers,
      });
      const { unit } = current.view;
      remember(APPOINTMENTS, data.appointmentId, { token: data.token, unitId: unit.id, unitName: unit.name });
      window.location.replace(appointmentLink(data.appointmentId, data.token));
    },
    fields: { startsAt: "novo-horario" },
  });
}

// ---------------------------------------------------------------------------------------------

startPage({
  record: "agendamento", follow: startAppointment, unit: startBooking, fatal,
  none: "Escolha uma unidade na lista para agendar um atendimento.",
});
