// What a citizen is told about the line, in the same words on the queue page (citizen.js) and in the
// conversational widget (conversation.js): the wait estimate (honest when no clerk is connected), the
// people ahead, a place lost to someone with legal priority, and why a ticket ended. Pure functions of
// the API's views: no DOM, no clock.

import { num, waitRange } from "./format.js";

export const NO_CLERK = "Aguardando um servidor ficar disponível";
export const INTERPRETER = "Um(a) intérprete de Libras foi chamado(a) para o seu atendimento.";
export const ONLY_IN_HOURS = "O Balcão Virtual atende somente no horário de expediente"; // Res. 372, arts. 1º and 5º

/** The wait estimate of a unit summary or of a ticket view; never "a qualquer momento" with no clerk. */
export function etaText(view, ahead) {
  if (view && view.clerksOnline === 0) return NO_CLERK;
  return waitRange(view && view.estimatedWait, { ahead });
}

/** "2 pessoas na sua frente." / "Você é o próximo a ser chamado." for a waiting ticket's view (with no
 * clerk connected, `etaText` says so). */
export function aheadText(view) {
  if (view.status === "absent") {
    return "Sua conexão ficou interrompida. Sua vaga está guardada por alguns minutos; mantenha esta página aberta.";
  }
  let text = "Aguardando na fila.";
  if (view.peopleAhead === 0) text = "Você é o próximo a ser chamado.";
  else if (typeof view.peopleAhead === "number") {
    text = `${num(view.peopleAhead)} ${view.peopleAhead === 1 ? "pessoa" : "pessoas"} na sua frente.`;
  }
  return text;
}

/**
 * Why the position went back, or "" when it did not: only a person with legal priority, an appointment
 * whose time came or someone returning to the line is placed ahead of a waiting citizen.
 */
export function movedBackText(before, after) {
  if (typeof before !== "number" || typeof after !== "number" || after <= before) return "";
  const people = after - before === 1 ? "Uma pessoa com prioridade legal (ou com horário agendado) entrou"
    : `${num(after - before)} pessoas com prioridade legal (ou com horário agendado) entraram`;
  return `${people} na sua frente, como a lei manda. Sua posição agora: ${num(after)}.`;
}

export const END_TEXT = {
  left: "Você saiu da fila. Sua senha foi cancelada.",
  expired: "Sua senha expirou porque a conexão ficou interrompida por muito tempo. Se ainda precisar, entre na fila novamente.",
  no_show: "Você foi chamado(a), mas não entrou no atendimento a tempo.",
  closed: "A unidade encerrou o atendimento do dia antes da sua vez. Tente novamente no próximo expediente.",
  rejected: "Sua entrada na fila não foi aceita.",
};

/** The sentence for a ticket that ended (the API's own message first). */
export function endText(view) {
  return view.message || END_TEXT[view.status] || "Esta senha foi encerrada.";
}

/** The title of the waiting tab: the position first, so a cut title still says where one is. */
export function waitingTitle(view) {
  if (view && (view.status === "called")) return "Sua vez! — Balcão Virtual";
  if (view && view.status === "in_service") return "Em atendimento — Balcão Virtual";
  if (view && typeof view.position === "number") return `Posição ${num(view.position)} — Balcão Virtual`;
  return "Na fila — Balcão Virtual";
}
