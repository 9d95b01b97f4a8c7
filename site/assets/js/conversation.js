// The widget's guided conversation as data and a small deterministic driver, with no DOM, no network and
// no clock, so that any channel can drive it (the web widget today; WhatsApp later, when it moves to the
// domain): `converse(state, event)` returns the next state, the bot's messages and the effects the
// channel must perform; `promptOf(state)` says what the citizen is being asked. The join questions are
// questions.js's (FLOWS.join): asked one at a time, when they apply, read by their own `read`.
//
// State: a plain object (JSON-serialisable). Events the channel feeds in, each {type, ...}:
//   start {unitId?, ticket?}        the conversation opens (fixed to a unit, or resuming a ticket)
//   reply {value}                   the citizen answered the current prompt (an option's value, a list
//                                   of values, text; typed text is matched to options as well)
//   units {units} · unit {unit}     a unit search's answer · one unit's summary
//   joined {ticket}                 the join was accepted ({ticketId, token, unitId})
//   view {view}                     a poll of the ticket (GET /api/tickets/{id})
//   chat {chat}                     the transcript of an attendance by chat ({mode, open, lines})
//   surveyed {} · left {}           the survey was recorded · the citizen left the line
//   failed {effect, status, problem}  an effect was refused (problem+json) or could not reach the API
// Messages: {text, tone?: "info"|"error"|"ok"|"call", urgent?, items?: [text], link?: {href, text}}.
// Effects: searchUnits {q} · loadUnit {unitId} · join {unitId, body} · follow {ticket} (keep it and
// poll it) · stop {} (stop polling, forget the ticket) · survey {ticket, body} · leave {ticket} ·
// followChat {ticket} (read the chat while called) · chatSay {ticket, text}.

import { FLOWS, applies, readAnswers } from "./questions.js";
import { nextOpening, num } from "./format.js";
import { PRIVACY_TITLE, privacyLines } from "./privacy.js";
import { INTERPRETER, ONLY_IN_HOURS, aheadText, endText, etaText, movedBackText } from "./waiting.js";

export const WELCOME = "Bem vindo(a) ao nosso canal de atendimento on-line.";
const PETITIONS = "Lembre-se: o Balcão Virtual não recebe petições nem documentos de processos (Resolução CNJ nº 372/2021, art. 4º).";
const MAX_UNITS = 8;

/**
 * The notices step (issue 13 plugs the channels in): asked only when the unit's summary lists the ways
 * it can tell a citizen that the turn came (`noticeChannels`: [{id, label}]); none today.
 */
export const NOTICES = {
  key: "notices", id: "avisos", kind: "checkboxes", label: "Como quer ser avisado?",
  ask: "Como quer ser avisado(a) quando chegar a sua vez?", none: "Só por esta conversa",
  options: (context) => (context.noticeChannels || []).map((c) => ({ value: c.id, label: c.label })),
  when: (answers, context) => Boolean(context.noticeChannels && context.noticeChannels.length),
  read: (raw) => ({ value: Array.isArray(raw) ? raw : [], error: "" }),
};

/** The join questions in the order the widget asks them: the form's, then the notices. No consent is
 * asked: the legal basis is the public service, said when the unit is described (privacy.js). */
export const JOIN_STEPS = [...FLOWS.join, NOTICES];

const SCORES = [["1", "1 — Muito insatisfeito"], ["2", "2 — Insatisfeito"], ["3", "3 — Regular"],
  ["4", "4 — Satisfeito"], ["5", "5 — Muito satisfeito"]].map(([value, label]) => ({ value, label }));

/** What a unit offers to the questions (questions.js's `context`). */
export function contextOf(unit) {
  return { reasons: unit ? unit.reasons : [], categories: unit ? unit.serviceCategories : [],
    noticeChannels: unit ? unit.noticeChannels : [], courtCode: unit ? unit.courtCode : "",
    courtName: unit && unit.court ? unit.court.name : "" };
}

export function initialState() {
  return { phase: "idle", fixedUnit: "", unit: null, units: [], answers: {}, asking: "", error: "",
    ticket: null, view: null, linkSaid: "", score: "", chatMode: "", chatSeen: 0, chatFollowed: "" };
}

const say = (text, extra = {}) => ({ text, ...extra });
const result = (state, messages = [], effects = []) => ({ state, messages, effects });

// ---------------------------------------------------------------------------------------------
// Reading replies

const fold = (text) => String(text ?? "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim().toLowerCase();

/** The option a reply names: its value, its number in the list (1-based) or its label. */
export function matchOption(options, raw) {
  const wanted = fold(raw);
  if (!wanted) return null;
  return options.find((o) => fold(o.value) === wanted) || options[Number(wanted) - 1]
    || options.find((o) => fold(o.label) === wanted) || null;
}

/** The options a multiple choice names: a list of values, or typed numbers/labels ("1, 3"). */
function matchOptions(options, raw) {
  const parts = Array.isArray(raw) ? raw : String(raw ?? "").split(/[,;]| e /);
  const found = parts.map((part) => matchOption(options, part));
  return found.includes(null) ? null : [...new Set(found.map((o) => o.value))];
}

/** The raw answer a question's `read` expects, from a reply; `undefined` when the reply is no answer. */
function rawOf(question, value, context) {
  const options = question.options ? question.options(context) : [];
  switch (question.kind) {
    case "radio":
    case "select": {
      const option = matchOption(options, value);
      return option ? option.value : question.required ? undefined : "";
    }
    case "checkboxes":
      if (value === "" || value === "nenhum" || (Array.isArray(value) && !value.length)) return [];
      return matchOptions(options, value) ?? undefined;
    case "checkbox":
      return value === true || ["sim", "concordo", "true"].includes(fold(value));
    default:
      return value === null || value === undefined ? "" : String(value);
  }
}

// ---------------------------------------------------------------------------------------------
// The prompt

/**
 * What the citizen is asked now: {id, kind: "text"|"choice"|"multi"|"confirm"|"none", text, help,
 * options, skip: {value, label}, error}. `options` are [{value, label}]; `skip` answers without choosing.
 */
export function promptOf(state) {
  const unit = state.unit;
  switch (state.phase) {
    case "search":
      return { id: "busca", kind: "text", text: "Qual unidade você procura? Escreva o nome, a cidade, o estado ou o tribunal.",
        label: "Unidade, cidade, estado ou tribunal", error: state.error };
    case "pick":
      return { id: "unidade", kind: "choice", text: "Escolha a unidade:",
        options: [...state.units.map((u) => ({ value: u.id, label: `${u.name} — ${unitState(u)}` })),
          { value: "buscar", label: "Buscar outra unidade" }] };
    case "unit":
      return unit && unit.active && unit.openNow
        ? { id: "comecar", kind: "choice", text: "Vamos lá?", options: [{ value: "sim", label: "Vamos lá" }] }
        : state.fixedUnit ? { id: "fim", kind: "none" }
          : { id: "outra", kind: "choice", text: "", options: [{ value: "buscar", label: "Escolher outra unidade" }] };
    case "ask": {
      const q = JOIN_STEPS.find((item) => item.key === state.asking);
      const context = contextOf(unit);
      const options = q.options ? q.options(context) : [];
      const base = { id: q.id, text: q.ask || q.label, label: q.label, help: q.help || "", error: state.error };
      if (q.kind === "checkboxes") return { ...base, kind: "multi", options, skip: { value: "nenhum", label: q.none || "Nenhum" } };
      if (q.kind === "checkbox") return { ...base, kind: "confirm", options: [{ value: "sim", label: q.label }] };
      if (q.kind === "radio" || q.kind === "select") return { ...base, kind: "choice", options };
      return { ...base, kind: "text", skip: q.required ? null : { value: "", label: "Pular" }, live: Boolean(q.live) };
    }
    case "queue":
      if (state.chatMode === "chat") return { id: "chat", kind: "text", text: "", label: "Sua mensagem", error: state.error };
      return { id: "fila", kind: "choice", text: "", options: [{ value: "sair", label: "Sair da fila" }] };
    case "leave":
      return { id: "sair", kind: "choice", text: "Se sair, sua senha será cancelada e você perderá o lugar na fila. Quer mesmo sair?",
        options: [{ value: "sim", label: "Sim, sair da fila" }, { value: "nao", label: "Continuar na fila" }] };
    case "score":
      return { id: "nota", kind: "choice", text: "Como foi o seu atendimento? Dê uma nota de 1 a 5.", options: SCORES, error: state.error };
    case "comment":
      return { id: "comentario", kind: "text", text: "Quer deixar um comentário? (opcional)", label: "Comentário",
        skip: { value: "", label: "Enviar sem comentário" }, error: state.error };
    case "end":
      return state.fixedUnit ? { id: "fim", kind: "none" }
        : { id: "recomecar", kind: "choice", text: "", options: [{ value: "buscar", label: "Começar de novo" }] };
    default:
      return { id: "espera", kind: "none" };
  }
}

function unitState(unit) {
  if (!unit.active) return "não atende pelo Balcão Virtual";
  return unit.openNow ? "aberta agora" : "fechada agora";
}

// ---------------------------------------------------------------------------------------------
// The driver

/** One step of the conversation: (state, event) → {state, messages, effects}. */
export function converse(state, event) {
  const handler = HANDLERS[event.type];
  return handler ? handler(state, event) : result(state);
}

const HANDLERS = {
  start(state, { unitId = "", ticket = null }) {
    const fresh = { ...initialState(), fixedUnit: unitId || "" };
    const hello = [say(WELCOME)];
    if (ticket) {
      return result({ ...fresh, phase: "queue", ticket }, [...hello,
        say(`Você está na fila${ticket.unitName ? ` de ${ticket.unitName}` : ""}. Vamos acompanhar a sua vez por aqui.`)],
      [{ type: "follow", ticket }]);
    }
    if (unitId) return result({ ...fresh, phase: "loading" }, hello, [{ type: "loadUnit", unitId }]);
    return result({ ...fresh, phase: "search" }, hello);
  },
  reply(state, { value }) {
    const handler = REPLIES[state.phase];
    return handler ? handler(state, value) : result(state);
  },
  units(state, { units }) {
    const found = (units || []).slice().sort((a, b) => rank(a) - rank(b)).slice(0, MAX_UNITS);
    if (!found.length) {
      return result({ ...state, phase: "search", error: "" },
        [say("Não encontrei nenhuma unidade com essas palavras. Tente o nome da cidade, do estado ou do tribunal.", { tone: "error" })]);
    }
    const more = units.length > found.length ? ` Mostro as ${found.length} primeiras; escreva mais palavras para achar outra.` : "";
    return result({ ...state, phase: "pick", units: found },
      [say(`Encontrei ${num(units.length)} ${units.length === 1 ? "unidade" : "unidades"}.${more}`)]);
  },
  unit(state, { unit }) {
    return result({ ...state, phase: "unit", unit, answers: {}, error: "" }, describeUnit(unit));
  },
  joined(state, { ticket }) {
    const kept = { ...ticket, unitName: state.unit ? state.unit.name : "" };
    return result({ ...state, phase: "queue", ticket: kept, error: "" },
      [say("Ok! Você já está na fila de atendimento.", { tone: "ok" }), say("Por favor aguarde para ser atendido!")],
      [{ type: "follow", ticket: kept }]);
  },
  view(state, { view }) {
    return onView(state, view);
  },
  chat(state, { chat }) {
    const lines = chat.lines || [];
    const said = lines.slice(state.chatSeen).filter((l) => l.author !== "citizen")
      .map((l) => say(`Servidor(a): ${l.text}`, { tone: "info" }));
    if (chat.interpreterInvited && !state.interpreterSaid) {
      said.push(say(INTERPRETER, { tone: "info" }));
    }
    if (chat.mode === "chat" && state.chatMode !== "chat") {
      said.unshift(say("O servidor vai atender você por mensagens de texto, aqui mesmo. Escreva abaixo.", { tone: "call" }));
    }
    return result({ ...state, chatMode: chat.open ? chat.mode : "", chatSeen: lines.length,
      interpreterSaid: state.interpreterSaid || Boolean(chat.interpreterInvited) }, said);
  },
  surveyed(state) {
    return result({ ...state, phase: "end" }, [say("Obrigado pela sua avaliação!", { tone: "ok" })], [{ type: "stop" }]);
  },
  left(state) {
    return result({ ...state, phase: "end", ticket: null }, [say("Você saiu da fila. Sua senha foi cancelada.")], [{ type: "stop" }]);
  },
  failed(state, { effect, status, problem = {} }) {
    const detail = problem.detail || "Não foi possível falar com o Balcão Virtual. Verifique sua conexão e tente de novo.";
    if (effect === "join") return joinRefused(state, status, problem, detail);
    if (effect === "survey") {
      if (status === 409) return HANDLERS.surveyed(state);
      return result({ ...state, phase: "score", error: detail });
    }
    if (effect === "loadUnit") {
      const text = status === 404 ? "Não encontrei esta unidade." : detail;
      return result({ ...state, phase: state.fixedUnit ? "end" : "search" }, [say(text, { tone: "error" })]);
    }
    if (effect === "searchUnits") return result({ ...state, phase: "search", error: detail });
    if (effect === "follow" && [401, 403, 404].includes(status)) {
      return result({ ...state, phase: "end", ticket: null },
        [say("Esta senha não é mais válida. Se precisar de atendimento, entre na fila novamente.")], [{ type: "stop" }]);
    }
    if (effect === "leave") return result({ ...state, phase: "queue" }, [say(detail, { tone: "error" })]);
    if (effect === "chatSay") return result({ ...state, error: detail });
    return result(state);
  },
};

const rank = (unit) => (unit.active && unit.openNow ? 0 : unit.active ? 1 : 2);

const REPLIES = {
  search(state, value) {
    const q = String(value ?? "").trim();
    if (!q) return result({ ...state, error: "Escreva ao menos uma palavra para buscar." });
    return result({ ...state, phase: "searching", error: "" }, [], [{ type: "searchUnits", q }]);
  },
  pick(state, value) {
    const options = promptOf(state).options;
    const chosen = matchOption(options, value);
    if (!chosen) return result(state, [say("Escolha uma das unidades da lista.", { tone: "error" })]);
    if (chosen.value === "buscar") return result({ ...state, phase: "search" });
    return HANDLERS.unit(state, { unit: state.units.find((u) => u.id === chosen.value) });
  },
  unit(state, value) {
    if (fold(value) === "buscar") return result({ ...state, phase: "search", unit: null });
    if (!(state.unit && state.unit.active && state.unit.openNow)) return result(state);
    return askNext({ ...state, answers: {} });
  },
  ask(state, value) {
    const q = JOIN_STEPS.find((item) => item.key === state.asking);
    const context = contextOf(state.unit);
    const raw = rawOf(q, value, context);
    const read = raw === undefined ? { error: q.kind === "checkboxes" ? "Escolha as opções da lista." : "Escolha uma das opções da lista." }
      : q.read(raw, context, { final: true });
    if (read.error) return result({ ...state, error: read.error });
    const next = askNext({ ...state, answers: { ...state.answers, [q.key]: raw }, error: "" });
    return read.hint ? { ...next, messages: [say(read.hint, { tone: "info" }), ...next.messages] } : next;
  },
  queue(state, value) {
    if (state.chatMode === "chat") {
      const text = String(value ?? "").trim();
      return text ? result({ ...state, error: "" }, [], [{ type: "chatSay", ticket: state.ticket, text }]) : result(state);
    }
    const word = fold(value);
    if (word === "sair") return result({ ...state, phase: "leave" });
    if (["posicao", "posição"].includes(word) && state.view) return result(state, waitingLines(state.view));
    return result(state);
  },
  leave(state, value) {
    const chosen = matchOption(promptOf(state).options, value);
    if (chosen && chosen.value === "sim") return result({ ...state, phase: "leaving" }, [], [{ type: "leave", ticket: state.ticket }]);
    return result({ ...state, phase: "queue" }, [say("Certo, você continua na fila.")]);
  },
  score(state, value) {
    const chosen = matchOption(SCORES, value);
    if (!chosen) return result({ ...state, error: "Escolha uma nota de 1 a 5." });
    return result({ ...state, phase: "comment", score: chosen.value, error: "" });
  },
  comment(state, value) {
    const comment = String(value ?? "").trim();
    if (comment.length > 1000) return result({ ...state, error: `No máximo 1.000 caracteres (há ${num(comment.length)}).` });
    const body = { score: Number(state.score), ...(comment ? { comment } : {}) };
    return result({ ...state, phase: "surveying", error: "" }, [], [{ type: "survey", ticket: state.ticket, body }]);
  },
  end(state, value) {
    if (fold(value) !== "buscar" || state.fixedUnit) return result(state);
    return result({ ...initialState(), phase: "search" });
  },
};

/** Ask the first question that applies and has no answer yet; when none is left, send the request. */
function askNext(state) {
  const context = contextOf(state.unit);
  const next = JOIN_STEPS.find((q) => applies(q, state.answers, context) && !(q.key in state.answers));
  if (next) return result({ ...state, phase: "ask", asking: next.key, error: "" });
  const { body, errors } = readAnswers(JOIN_STEPS, state.answers, context);
  if (errors.length) { // cannot happen after each answer was read; kept as a guard
    const q = JOIN_STEPS.find((item) => item.id === errors[0].id);
    return result({ ...state, phase: "ask", asking: q.key, error: errors[0].message });
  }
  return result({ ...state, phase: "joining", asking: "" }, [say("Enviando seus dados…")],
    [{ type: "join", unitId: state.unit.id, body }]);
}

/** A refused join: back to the first question the API named (its answer asked again). */
function joinRefused(state, status, problem, detail) {
  const named = Object.keys(problem.errors || {})
    .map((key) => JOIN_STEPS.find((q) => q.key === key || (q.aliases || []).includes(key))).filter(Boolean);
  if (status === 400 && named.length) {
    const q = named[0];
    const answers = { ...state.answers };
    delete answers[q.key];
    const key = [q.key, ...(q.aliases || [])].find((name) => name in problem.errors);
    return result({ ...state, phase: "ask", asking: q.key, answers, error: String(problem.errors[key]) },
      [say(detail, { tone: "error" })]);
  }
  const items = [...(problem.alternatives || [])];
  return result({ ...state, phase: "end" }, [say(detail, { tone: "error", items })]);
}

// ---------------------------------------------------------------------------------------------
// What is said about a unit and about the ticket

function describeUnit(unit) {
  const lines = [say(`Você está em: ${unit.name}`, { tone: "info" })];
  const contacts = [...(unit.phones || []).map((p) => `Telefone: ${p}`), ...(unit.emails || []).map((m) => `E-mail: ${m}`),
    ...(unit.alternatives || [])];
  if (!unit.active) {
    lines.push(say("Esta unidade não está atendendo pelo Balcão Virtual no momento.", { tone: "error" }));
  } else if (!unit.openNow) {
    const opening = unit.nextOpening ? ` Próxima abertura: ${nextOpening(unit.nextOpening, unit.timezone)}.` : "";
    lines.push(say(`A unidade está fechada agora. ${ONLY_IN_HOURS}: ${unit.hoursText}.${opening}`, { tone: "error" }));
  } else {
    lines.push(say(`Pessoas na fila: ${num(unit.peopleWaiting)}. Espera estimada: ${etaText(unit, unit.peopleWaiting)}.`));
    lines.push(say(PETITIONS));
    const privacy = privacyLines(unit.privacy);
    if (privacy.length) lines.push(say(`${PRIVACY_TITLE}: ${privacy[0]}`, { items: privacy.slice(1) }));
    return lines;
  }
  if (contacts.length) lines.push(say("Outras formas de contato:", { items: contacts }));
  return lines;
}

function waitingLines(view) {
  if (view.status === "pending") return [say("Confirmando sua entrada na fila…")];
  return [say(`Sua posição: ${num(view.position)}. Pessoas na fila: ${num(view.peopleWaiting)}. Espera estimada: ${etaText(view, view.peopleAhead)}.`),
    say(aheadText(view))];
}

const WAITING = ["pending", "waiting", "absent"];

function onView(state, view) {
  const before = state.view || {};
  const next = { ...state, view };
  const lines = [];
  const effects = [];
  if (view.status === "transferred" && view.transferredTo) {
    const ticket = { ticketId: view.transferredTo.ticketId, token: view.transferredTo.token, unitName: "" };
    return result({ ...next, ticket, view: null }, [say("Seu atendimento foi transferido para outra unidade. Você continua na fila.")],
      [{ type: "follow", ticket }]);
  }
  if (view.displayNumber && view.displayNumber !== before.displayNumber) lines.push(say(`Sua senha: ${view.displayNumber}`));
  if (WAITING.includes(view.status)) {
    if (view.status === "pending") {
      if (before.status !== "pending") lines.push(...waitingLines(view));
    } else if (!WAITING.slice(1).includes(before.status) || view.status !== before.status) {
      lines.push(...waitingLines(view));
    } else if (view.position !== before.position) {
      const back = movedBackText(before.position, view.position);
      lines.push(back ? say(back, { tone: "info" }) : say(`Sua posição agora: ${num(view.position)}. ${aheadText(view)}`));
    } else if (view.clerksOnline !== before.clerksOnline && (view.clerksOnline === 0 || before.clerksOnline === 0)) {
      lines.push(say(`Espera estimada: ${etaText(view, view.peopleAhead)}.`));
    }
    return result({ ...next, phase: state.phase === "leave" ? "leave" : "queue" }, lines, effects);
  }
  if (view.status === "called" || view.status === "in_service") {
    if (state.chatFollowed !== state.ticket?.ticketId) {
      next.chatFollowed = state.ticket?.ticketId || "";
      effects.push({ type: "followChat", ticket: state.ticket });
    }
    if (view.status === "called" && before.status !== "called") {
      lines.push(say("Próximo! Agora é sua vez", { tone: "call", urgent: true }));
    }
    if (view.status === "in_service" && before.status !== "in_service") lines.push(say("Você está em atendimento."));
    const meeting = view.meeting || {};
    if (meeting.joinUrl && meeting.joinUrl !== state.linkSaid) {
      next.linkSaid = meeting.joinUrl;
      lines.push(say("A sala de atendimento por vídeo está pronta.", { tone: "call", urgent: true,
        link: { href: meeting.joinUrl, text: "Entrar no atendimento" } }));
    } else if (!meeting.joinUrl && meeting.status === "failed" && before.meeting?.status !== "failed") {
      lines.push(say("Não foi possível preparar a sala de vídeo. O servidor já foi avisado e vai tentar novamente.", { tone: "error" }));
    } else if (!meeting.joinUrl && view.status === "called" && before.status !== "called") {
      lines.push(say("Preparando a sala de atendimento…"));
    }
    return result({ ...next, phase: state.phase === "leave" ? "leave" : "queue" }, lines, effects);
  }
  next.chatMode = "";
  if (view.status === "done") {
    if (before.status === "done") return result(next);
    if (view.surveyAnswered) {
      return result({ ...next, phase: "end" }, [say("Atendimento concluído. Sua avaliação já foi registrada. Obrigado!")], [{ type: "stop" }]);
    }
    return result({ ...next, phase: "score" }, [say("Atendimento concluído. Obrigado por usar o Balcão Virtual.", { tone: "ok" })]);
  }
  if (before.status === view.status) return result(next);
  if (view.status === "no_show") {
    return result({ ...next, phase: "queue" }, [say(`${endText(view)} Se o servidor devolver sua senha à fila, avisaremos aqui.`, { tone: "error" })]);
  }
  return result({ ...next, phase: "end", ticket: null },
    [say(endText(view), { tone: "error", items: view.alternatives || [] })], [{ type: "stop" }]);
}
