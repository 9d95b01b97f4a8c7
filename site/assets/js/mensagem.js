// The asynchronous channel for citizens (Resolução CNJ nº 372/2021, art. 2º, § 1º). Two views of
// mensagem.html:
// - `?unidade={id}`: the art. 4 notice (petitions are not received here), the unit's stated response time
//   and the form: text only, with a live character count against the unit's limit;
// - `?mensagem={id}#t={token}`: the protocol number, what was sent, the deadline and, once given, the
//   unit's reply (the page checks for it every minute).

import "./shell.js";
import { api, apiPath } from "./api.js";
import { h, $, focusElement, announce } from "./dom.js";
import { citizenQuestions, handleSubmit } from "./forms.js";
import { dateTime } from "./format.js";
import { formChoices } from "./notices.js";
import { FLOWS } from "./questions.js";
import { followRecord, loadUnit, notOffered, pageViews, startPage, unitHeading } from "./records.js";
import { MESSAGES, messageLink, remember } from "./stored.js";

const POLL_MS = 60000;

const { show, fatal } = pageViews(["enviar", "mensagem"], "Mensagem");

// ---------------------------------------------------------------------------------------------
// Sending

async function startSending(unitId) {
  const loaded = await loadUnit(unitId, ["/async-channel"], fatal);
  if (!loaded) return;
  const [unit, info] = loaded;
  document.title = `Mensagem: ${unit.name} — Balcão Virtual`;
  $("#aviso-texto").textContent = info.notice;
  unitHeading($("#enviar-unidade"), unit,
    info.responseTimeText ? h("p", {}, h("strong", { text: info.responseTimeText })) : null,
    unit.hoursText ? h("p", { text: `Horário de expediente: ${unit.hoursText}.` }) : null);
  show("enviar");
  if (!info.enabled) {
    notOffered($("#enviar-indisponivel"),
      "Esta unidade não atende por mensagens. Use o atendimento por vídeo ou os contatos da unidade.",
      unit, "Ir para a página da unidade");
    return;
  }
  const form = $("#form-mensagem");
  form.hidden = false;
  const message = citizenQuestions(FLOWS.message, { reasons: info.reasons, maxLength: info.maxLength }, unit.privacy);
  const choices = formChoices(unit, {
    prefix: "mensagem-aviso",
    told: "Escolha como o Balcão Virtual avisa você quando a unidade responder. É opcional.",
    kept: "Seu celular e seu e-mail servem só para avisar da resposta. Eles são apagados junto com a mensagem.",
  }, () => message.collect());
  handleSubmit(form, {
    summary: $("#resumo-erros"), button: $("#botao-enviar"), busyText: "Enviando…", purpose: "enviar a mensagem",
    fields: choices.fields,
    collect: choices.collect,
    async send(body) {
      await choices.withPush(body, unit.pushPublicKey); // without push, the other channels still work
      const { data } = await api(`/units/${apiPath(unit.id)}/messages`, { method: "POST", body });
      remember(MESSAGES, data.messageId, { token: data.token, protocol: data.protocol, unitId: unit.id });
      window.location.assign(messageLink(data.messageId, data.token));
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The message and its reply

function render(view, before, first) {
  if (first) show("mensagem");
  if (view.notice) $("#aviso-texto").textContent = view.notice;
  $("#msg-protocolo").textContent = view.protocol;
  $("#msg-unidade").textContent = view.unit.name;
  $("#msg-situacao").textContent = view.statusText;
  $("#msg-enviada").textContent = dateTime(view.receivedAt);
  $("#msg-prazo").textContent = view.dueText;
  $("#msg-assunto").textContent = view.reason;
  $("#msg-texto").textContent = view.text;
  const answered = view.status === "answered" && view.reply;
  $("#msg-resposta").hidden = !answered;
  if (answered) {
    $("#msg-resposta-texto").textContent = view.reply.text;
    $("#msg-respondida").textContent = `Respondida em ${dateTime(view.reply.answeredAt)}.`;
    if (before && before.status !== "answered") {
      announce($("#anuncio"), "A unidade respondeu a sua mensagem.");
      focusElement($("#msg-resposta-titulo"));
    }
  }
}

startPage({
  record: "mensagem", unit: startSending, fatal,
  none: "Escolha uma unidade na lista para enviar uma mensagem.",
  follow: (id) => followRecord({
    store: MESSAGES, id, link: messageLink, linkEl: $("#msg-link"), fatal, render,
    path: (messageId) => `/tickets/${apiPath(messageId)}/message`,
    missing: "Não encontramos esta mensagem neste navegador. Abra o link completo que você guardou ao enviar.",
    notFound: "Mensagem não encontrada, ou o link está incompleto.",
    every: (view) => (view && view.status === "answered" ? 0 : POLL_MS),
  }),
});
