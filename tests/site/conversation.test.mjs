// What the widget says about what it shows but does not ask (site/assets/js/conversation.js): a unit's
// summary, the polls of the ticket it follows, the chat of an attendance. The questions, their checks and
// the commands are the server's conversation (POST /api/conversa), tested with WhatsApp's in
// tests/e2e/test_conversation_channels.py. Run by tests/site/test_conversation.py (node --test).

import { test } from "node:test";
import assert from "node:assert/strict";

import { chatStep, unitLines, viewStep } from "../../site/assets/js/conversation.js";

const OPEN_UNIT = {
  id: "vara-1", name: "1ª Vara Cível", active: true, openNow: true, peopleWaiting: 2, clerksOnline: 1,
  estimatedWait: { minMinutes: 5, maxMinutes: 15 }, hoursText: "seg a sex, 08h às 14h",
  reasons: [], serviceCategories: [], alternatives: [],
};
const TICKET = { ticketId: "vara-1.20260301.abc", token: "t" };

/** Feed views (or chats) in order; the last follow state, every line said and every effect on the way. */
function run(events, follow = { ticket: TICKET }) {
  const said = [];
  const effects = [];
  for (const [kind, data] of events) {
    const out = kind === "chat" ? chatStep(follow, data) : viewStep(follow, data);
    follow = out.follow;
    said.push(...out.lines.map((m) => m.text));
    effects.push(...out.effects);
  }
  return { follow, said, effects };
}

test("an open unit's description gives the line and the legal basis and who answers for the data", () => {
  const privacy = { legalBasis: "Seus dados pessoais são usados para prestar o serviço público (art. 7º, inciso III, e art. 23).",
    controller: "Tribunal de Justiça do Acre", encarregado: { name: "Rita Dados", email: "dpo@tj.jus.br", phone: "" } };
  const shown = unitLines({ ...OPEN_UNIT, privacy });
  assert.equal(shown[0].text, "Você está em: 1ª Vara Cível");
  assert.match(shown[1].text, /^Pessoas na fila: 2\. Espera estimada: de 5 a 15 minutos\.$/);
  const notice = shown.find((m) => m.text.startsWith("Seus dados pessoais:"));
  assert.ok(notice, shown.map((m) => m.text));
  assert.match(notice.text, /art\. 7º, inciso III, e art\. 23/);
  assert.deepEqual(notice.items, ["Responsável pelos dados (controlador): Tribunal de Justiça do Acre.",
    "Encarregado(a) de proteção de dados: Rita Dados (e-mail dpo@tj.jus.br)."]);
});

test("a closed unit says the Balcão serves only in opening hours and lists its other contacts", () => {
  const closed = { ...OPEN_UNIT, openNow: false, nextOpening: null, phones: ["(68) 3211-0000"], emails: ["vara@tj.jus.br"],
    alternatives: ["Atendimento presencial no fórum"] };
  const lines = unitLines(closed);
  assert.ok(lines.some((m) => /somente no horário de expediente: seg a sex, 08h às 14h/.test(m.text)), lines);
  assert.deepEqual(lines.find((m) => m.items).items, ["Telefone: (68) 3211-0000", "E-mail: vara@tj.jus.br", "Atendimento presencial no fórum"]);
  assert.match(unitLines({ ...OPEN_UNIT, active: false })[1].text, /não está atendendo pelo Balcão Virtual/);
});

test("the line: position bubbles, a place lost to priority, the call, the link once, then the survey is asked", () => {
  const waiting = (position, extra = {}) => ["view", { status: "waiting", displayNumber: "003", position,
    peopleAhead: position - 1, peopleWaiting: 5, clerksOnline: 1, estimatedWait: { minMinutes: 5, maxMinutes: 10 }, ...extra }];
  let out = run([waiting(3)]);
  assert.ok(out.said.includes("Sua posição: 3. Pessoas na fila: 5. Espera estimada: de 5 a 10 minutos."), out.said);
  out = run([waiting(3)], out.follow);
  assert.deepEqual(out.said, []); // nothing new, nothing said
  out = run([waiting(4)], out.follow);
  assert.deepEqual(out.said, ["Uma pessoa com prioridade legal (ou com horário agendado) entrou na sua frente, como a lei manda. Sua posição agora: 4."]);
  out = run([waiting(2, { clerksOnline: 0 })], out.follow);
  assert.match(out.said[0], /^Sua posição agora: 2/);

  const called = (joinUrl) => ["view", { status: "called", displayNumber: "003", peopleWaiting: 4,
    meeting: { status: joinUrl ? "ready" : "pending", joinUrl } }];
  out = run([called(null)], out.follow);
  assert.deepEqual(out.said, ["Próximo! Agora é sua vez", "Preparando a sala de atendimento…"]);
  assert.deepEqual(out.effects, [{ type: "followChat" }]); // called: the chat is read too
  const ready = viewStep(out.follow, called("https://sala.example/1")[1]);
  assert.deepEqual(ready.lines.map((m) => m.link), [{ href: "https://sala.example/1", text: "Entrar no atendimento" }]);
  assert.equal(ready.lines[0].urgent, true);
  assert.deepEqual(viewStep(ready.follow, called("https://sala.example/1")[1]).lines, []);

  out = run([["view", { status: "done", displayNumber: "003" }]], ready.follow);
  assert.deepEqual(out.effects, [{ type: "survey" }]); // the conversation asks it (the machine's survey)
  assert.deepEqual(run([["view", { status: "done" }]], out.follow).effects, []); // once
  const answered = run([["view", { status: "done", surveyAnswered: true }]]);
  assert.deepEqual(answered.effects, [{ type: "stop" }]);
});

test("a ticket that ended is forgotten; a transfer follows the new ticket", () => {
  const left = run([["view", { status: "expired" }]]);
  assert.deepEqual(left.effects, [{ type: "stop" }]);
  assert.equal(left.follow.ticket, null);
  const moved = run([["view", { status: "transferred", transferredTo: { ticketId: "vara-2.20260301.x", token: "u" } }]]);
  assert.deepEqual(moved.effects, [{ type: "follow", ticket: { ticketId: "vara-2.20260301.x", token: "u" } }]);
});

test("the chat: the clerk's lines once, the interpreter once, the switch to chat said", () => {
  const chat = { mode: "video", open: true, lines: [], interpreterInvited: true };
  let out = run([["chat", chat], ["chat", chat]]);
  assert.deepEqual(out.said, ["Um(a) intérprete de Libras foi chamado(a) para o seu atendimento."]);
  const byChat = { mode: "chat", open: true, lines: [{ author: "citizen", text: "Oi" }, { author: "clerk", text: "Bom dia" }] };
  out = run([["chat", byChat], ["chat", byChat]], out.follow);
  assert.deepEqual(out.said, ["O servidor vai atender você por mensagens de texto, aqui mesmo. Escreva abaixo.", "Servidor(a): Bom dia"]);
  assert.equal(out.follow.chatMode, "chat");
});
