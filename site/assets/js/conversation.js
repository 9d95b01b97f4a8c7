// What the widget says about things it shows but does not ask: a unit's summary, and the ticket it
// follows (GET /api/tickets/{id}, as the citizen's page does) and its attendance by chat. The conversation
// itself (the questions, their checks, the commands, the survey) is the server's, the same state machine
// as on WhatsApp (POST /api/conversa: domain/conversation/machine.py); balcao-virtual.js renders it.
// No DOM, no network, no clock here: (follow, event) in, {follow, lines, effects} out.
//
// `follow`: {ticket, view, linkSaid, chatMode, chatSeen, chatFollowed, interpreterSaid}.
// Lines: {text, tone?: "info"|"error"|"ok"|"call", urgent?, items?: [text], link?: {href, text}}.
// Effects: follow {ticket} (a transfer: follow the new ticket) · stop (forget the ticket) · followChat
// (read the chat while called) · survey (the attendance ended: the conversation asks the survey).

import { nextOpening, num } from "./format.js";
import { PRIVACY_TITLE, privacyLines } from "./privacy.js";
import { INTERPRETER, ONLY_IN_HOURS, aheadText, endText, etaText, movedBackText } from "./waiting.js";

export const WELCOME = "Bem vindo(a) ao nosso canal de atendimento on-line.";

const say = (text, extra = {}) => ({ text, ...extra });
const result = (follow, lines = [], effects = []) => ({ follow, lines, effects });

/** A unit's summary (GET /api/units/{unit}): where the citizen is, the line, the privacy notice. */
export function unitLines(unit) {
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

/** A poll of the ticket: what changed, said once. */
export function viewStep(follow, view) {
  const before = follow.view || {};
  const next = { ...follow, view };
  const lines = [];
  const effects = [];
  if (view.status === "transferred" && view.transferredTo) {
    const ticket = { ticketId: view.transferredTo.ticketId, token: view.transferredTo.token };
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
    return result(next, lines, effects);
  }
  if (view.status === "called" || view.status === "in_service") {
    if (follow.chatFollowed !== follow.ticket?.ticketId) {
      next.chatFollowed = follow.ticket?.ticketId || "";
      effects.push({ type: "followChat" });
    }
    if (view.status === "called" && before.status !== "called") {
      lines.push(say("Próximo! Agora é sua vez", { tone: "call", urgent: true }));
    }
    if (view.status === "in_service" && before.status !== "in_service") lines.push(say("Você está em atendimento."));
    const meeting = view.meeting || {};
    if (meeting.joinUrl && meeting.joinUrl !== follow.linkSaid) {
      next.linkSaid = meeting.joinUrl;
      lines.push(say("A sala de atendimento por vídeo está pronta.", { tone: "call", urgent: true,
        link: { href: meeting.joinUrl, text: "Entrar no atendimento" } }));
    } else if (!meeting.joinUrl && meeting.status === "failed" && before.meeting?.status !== "failed") {
      lines.push(say("Não foi possível preparar a sala de vídeo. O servidor já foi avisado e vai tentar novamente.", { tone: "error" }));
    } else if (!meeting.joinUrl && view.status === "called" && before.status !== "called") {
      lines.push(say("Preparando a sala de atendimento…"));
    }
    return result(next, lines, effects);
  }
  next.chatMode = "";
  if (before.status === view.status) return result(next);
  if (view.status === "done") {
    if (view.surveyAnswered) {
      return result(next, [say("Atendimento concluído. Sua avaliação já foi registrada. Obrigado!")], [{ type: "stop" }]);
    }
    return result(next, [say("Atendimento concluído. Obrigado por usar o Balcão Virtual.", { tone: "ok" })], [{ type: "survey" }]);
  }
  if (view.status === "no_show") {
    return result(next, [say(`${endText(view)} Se o servidor devolver sua senha à fila, avisaremos aqui.`, { tone: "error" })]);
  }
  return result({ ...next, ticket: null }, [say(endText(view), { tone: "error", items: view.alternatives || [] })], [{ type: "stop" }]);
}

/** The transcript of an attendance by chat ({mode, open, lines, interpreterInvited}): the clerk's new lines. */
export function chatStep(follow, chat) {
  const lines = chat.lines || [];
  const said = lines.slice(follow.chatSeen || 0).filter((l) => l.author !== "citizen")
    .map((l) => say(`Servidor(a): ${l.text}`, { tone: "info" }));
  if (chat.interpreterInvited && !follow.interpreterSaid) said.push(say(INTERPRETER, { tone: "info" }));
  if (chat.mode === "chat" && follow.chatMode !== "chat") {
    said.unshift(say("O servidor vai atender você por mensagens de texto, aqui mesmo. Escreva abaixo.", { tone: "call" }));
  }
  return result({ ...follow, chatMode: chat.open ? chat.mode : "", chatSeen: lines.length,
    interpreterSaid: follow.interpreterSaid || Boolean(chat.interpreterInvited) }, said);
}
