// The asynchronous channel for citizens (Resolução CNJ nº 372/2021, art. 2º, § 1º). Two views of
// mensagem.html:
// - `?unidade={id}`: the art. 4 notice (petitions are not received here), the unit's stated response time
//   and the form: text only, with a live character count against the unit's limit;
// - `?mensagem={id}#t={token}`: the protocol number, what was sent, the deadline and, once given, the
//   unit's reply (the page checks for it every minute).

import { api, apiPath, ApiError } from "./api.js";
import { h, $, $$, replace, focusElement, announce } from "./dom.js";
import {
  fillOptions, wirePersonFields, collectPerson, clearErrors, showErrors, problemErrors, remember, recall,
  tokenFromHash, clearFieldError,
} from "./forms.js";

const STORE = "balcao.mensagens";
const POLL_MS = 60000;
const VIEWS = ["enviar", "mensagem", "erro"];
const inteiro = new Intl.NumberFormat("pt-BR");

function show(name) {
  $("#carregando").hidden = true;
  for (const v of VIEWS) $(`#vista-${v}`).hidden = v !== name;
  focusElement($(`#vista-${name} h1`));
}

function showFatal(text) {
  $("#erro-texto").textContent = text;
  show("erro");
}

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat("pt-BR", { dateStyle: "full", timeStyle: "short" }).format(date);
}

// ---------------------------------------------------------------------------------------------
// Sending

async function startSending(unitId) {
  let info;
  let unit;
  try {
    [info, unit] = await Promise.all([
      api(`/units/${apiPath(unitId)}/async-channel`).then((r) => r.data),
      api(`/units/${apiPath(unitId)}`).then((r) => r.data),
    ]);
  } catch (err) {
    showFatal(err instanceof ApiError && err.status === 404 ? "Unidade não encontrada." : err.message);
    return;
  }
  document.title = `Mensagem: ${unit.name} — Balcão Virtual`;
  $("#aviso-texto").textContent = info.notice;
  for (const a of $$(".voltar-unidade")) a.href = `./?unidade=${encodeURIComponent(unit.id)}`;
  replace($("#enviar-unidade"),
    h("h2", { text: unit.name }),
    h("p", { text: [unit.court && unit.court.name, unit.section].filter(Boolean).join(" · ") }),
    info.responseTimeText ? h("p", {}, h("strong", { text: info.responseTimeText })) : null,
    unit.hoursText ? h("p", { text: `Horário de expediente: ${unit.hoursText}.` }) : null);
  show("enviar");
  if (!info.enabled) {
    const blocked = $("#enviar-indisponivel");
    replace(blocked, h("p", { text: "Esta unidade não atende por mensagens. Use o atendimento por vídeo ou os contatos da unidade." }),
      h("p", {}, h("a", { class: "botao", href: `./?unidade=${encodeURIComponent(unit.id)}`, text: "Ir para a página da unidade" })));
    blocked.hidden = false;
    return;
  }
  const form = $("#form-mensagem");
  form.hidden = false;
  fillOptions($("#assunto"), info.reasons || [], "Selecione o assunto");
  wirePersonFields(form);
  const text = $("#texto");
  const counter = $("#texto-contagem");
  const limit = info.maxLength;
  let countTimer = 0;
  const count = () => {
    const n = text.value.trim().length;
    counter.textContent = `${inteiro.format(n)} de ${inteiro.format(limit)} caracteres.`;
    if (n > limit) counter.textContent += ` Reduza ${inteiro.format(n - limit)} caracteres.`;
  };
  text.addEventListener("input", () => {
    clearFieldError("texto");
    window.clearTimeout(countTimer);
    countTimer = window.setTimeout(count, 400); // a calm live region: announced when typing pauses
  });
  count();

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const summary = $("#resumo-erros");
    clearErrors(form, summary);
    const { body, errors } = collectPerson(form);
    body.text = text.value;
    const length = text.value.trim().length;
    if (!length) errors.push({ id: "texto", message: "Escreva a sua mensagem." });
    else if (length > limit) errors.push({ id: "texto", message: `No máximo ${inteiro.format(limit)} caracteres (há ${inteiro.format(length)}).` });
    if (errors.length) {
      showErrors(form, summary, errors, "Corrija os campos indicados para enviar a mensagem.");
      return;
    }
    const button = $("#botao-enviar");
    button.disabled = true;
    button.textContent = "Enviando…";
    try {
      const { data } = await api(`/units/${apiPath(unit.id)}/messages`, { method: "POST", body });
      remember(STORE, data.messageId, { token: data.token, protocol: data.protocol, unitId: unit.id });
      window.location.assign(messageLink(data.messageId, data.token));
    } catch (err) {
      showErrors(form, summary, problemErrors(err instanceof ApiError ? err.problem : {}), err.message);
    } finally {
      button.disabled = false;
      button.textContent = "Enviar mensagem";
    }
  });
}

function messageLink(id, token) {
  return `mensagem.html?mensagem=${encodeURIComponent(id)}#t=${encodeURIComponent(token)}`;
}

// ---------------------------------------------------------------------------------------------
// The message and its reply

let current = null;
let pollTimer = 0;

async function startMessage(id) {
  const stored = recall(STORE, id) || {};
  const token = tokenFromHash() || stored.token;
  if (!token) {
    showFatal("Não encontramos esta mensagem neste navegador. Abra o link completo que você guardou ao enviar.");
    return;
  }
  remember(STORE, id, { ...stored, token });
  current = { id, token, view: null };
  const link = $("#msg-link");
  link.href = messageLink(id, token);
  link.textContent = new URL(messageLink(id, token), window.location.href).href;
  await poll(true);
}

async function poll(first = false) {
  window.clearTimeout(pollTimer);
  try {
    const { data } = await api(`/tickets/${apiPath(current.id)}/message`, {
      headers: { Authorization: `Bearer ${current.token}` },
    });
    render(data, first);
  } catch (err) {
    if (first) {
      showFatal(err instanceof ApiError && (err.status === 401 || err.status === 404)
        ? "Mensagem não encontrada, ou o link está incompleto." : err.message);
      return;
    }
  }
  if (!current.view || current.view.status !== "answered") pollTimer = window.setTimeout(poll, POLL_MS);
}

function render(view, first) {
  const before = current.view;
  current.view = view;
  if (first) show("mensagem");
  if (view.notice) $("#aviso-texto").textContent = view.notice;
  $("#msg-protocolo").textContent = view.protocol;
  $("#msg-unidade").textContent = view.unit.name;
  $("#msg-situacao").textContent = view.statusText;
  $("#msg-enviada").textContent = when(view.receivedAt);
  $("#msg-prazo").textContent = view.dueText;
  $("#msg-assunto").textContent = view.reason;
  $("#msg-texto").textContent = view.text;
  const answered = view.status === "answered" && view.reply;
  $("#msg-resposta").hidden = !answered;
  if (answered) {
    $("#msg-resposta-texto").textContent = view.reply.text;
    $("#msg-respondida").textContent = `Respondida em ${when(view.reply.answeredAt)}.`;
    if (before && before.status !== "answered") {
      announce($("#anuncio"), "A unidade respondeu a sua mensagem.");
      focusElement($("#msg-resposta-titulo"));
    }
  }
}

function main() {
  const params = new URLSearchParams(window.location.search);
  const message = params.get("mensagem");
  const unit = params.get("unidade");
  if (message) startMessage(message);
  else if (unit) startSending(unit);
  else showFatal("Escolha uma unidade na lista para enviar uma mensagem.");
}

main();
