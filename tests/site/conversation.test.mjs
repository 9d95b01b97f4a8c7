// The widget's conversation driver (site/assets/js/conversation.js) on its own, as any channel drives it:
// events in, state + messages + effects out; replies typed as text (numbers, labels) as a chat channel
// without buttons would send them. Run by tests/site/test_conversation.py (node --test).

import { test } from "node:test";
import assert from "node:assert/strict";

import { converse, initialState, promptOf } from "../../site/assets/js/conversation.js";

const OPEN_UNIT = {
  id: "vara-1", name: "1ª Vara Cível", active: true, openNow: true, peopleWaiting: 2, clerksOnline: 1,
  estimatedWait: { minMinutes: 5, maxMinutes: 15 }, hoursText: "seg a sex, 08h às 14h",
  reasons: [{ id: "informacao-processual", label: "Informação processual" }, { id: "outro", label: "Outro assunto" }],
  serviceCategories: [], alternatives: [],
};

/** Feed events in order; the last result plus every message said on the way. */
function run(events, state = initialState()) {
  let out = { state, messages: [], effects: [] };
  const said = [];
  for (const event of events) {
    out = converse(out.state, event);
    said.push(...out.messages.map((m) => m.text));
  }
  return { ...out, said };
}

const reply = (value) => ({ type: "reply", value });

/** Start fixed to the open unit and say "Vamos lá". */
function started() {
  return run([{ type: "start", unitId: "vara-1" }, { type: "unit", unit: OPEN_UNIT }, reply("sim")]);
}

test("a fixed unit is loaded, introduced in the seed's words and the first question asked", () => {
  const first = converse(initialState(), { type: "start", unitId: "vara-1" });
  assert.deepEqual(first.effects, [{ type: "loadUnit", unitId: "vara-1" }]);
  assert.equal(first.messages[0].text, "Bem vindo(a) ao nosso canal de atendimento on-line.");
  const shown = converse(first.state, { type: "unit", unit: OPEN_UNIT });
  assert.equal(shown.messages[0].text, "Você está em: 1ª Vara Cível");
  assert.equal(promptOf(shown.state).text, "Vamos lá?");
  const asked = converse(shown.state, reply("sim"));
  assert.equal(promptOf(asked.state).text, "Qual é o seu nome completo?");
});

test("typed answers (numbers and labels) become the request the API documents", () => {
  const { state } = started();
  // A lawyer: the two OAB questions apply; the process number is skipped; two priority grounds by number.
  const done = run([reply("Ana Lima"), reply("2"), reply("12.345"), reply("ac"), reply(""), reply("Informação processual"),
    reply("2, 10"), reply("nenhum"), reply("nenhum")], state);
  assert.deepEqual(done.effects, [{
    type: "join", unitId: "vara-1",
    body: { name: "Ana Lima", role: "advogado", oabNumber: "12345", oabState: "AC", reason: "informacao-processual",
      priority: ["idoso_60", "doador_de_sangue"] },
  }]);
  assert.equal(done.state.phase, "joining");
});

test("a wrong answer is explained and the same question asked again", () => {
  const { state } = started();
  const wrong = run([reply("Ana"), reply("9")], state); // there is no 9th role
  assert.equal(wrong.state.asking, "role");
  assert.equal(promptOf(wrong.state).error, "Escolha uma das opções da lista.");
  const process = run([reply("1"), reply("0000001-00.2025.8.01.0001")], wrong.state);
  assert.equal(process.state.asking, "processNumber");
  assert.match(promptOf(process.state).error, /os 2 números depois do traço/);
});

test("a refusal naming a field goes back to that question, then sends again with the other answers", () => {
  const { state } = started();
  const sent = run([reply("Ana"), reply("1"), reply(""), reply("1"), reply("nenhum"), reply("0"), reply("nenhum")], state);
  assert.equal(sent.effects[0].type, "join");
  const refused = converse(sent.state, { type: "failed", effect: "join", status: 400,
    problem: { detail: "Verifique os dados informados.", errors: { name: "informe seu nome" } } });
  assert.equal(refused.state.asking, "name");
  assert.equal(promptOf(refused.state).error, "informe seu nome");
  const again = run([reply("Ana Maria")], refused.state);
  assert.equal(again.effects[0].type, "join"); // the other answers are kept; no consent is asked
  assert.equal(again.effects[0].body.name, "Ana Maria");
  assert.equal(again.effects[0].body.reason, "informacao-processual");
});

test("an open unit's description gives the legal basis and who answers for the data; no consent is asked", () => {
  const privacy = { legalBasis: "Seus dados pessoais são usados para prestar o serviço público (art. 7º, inciso III, e art. 23).",
    controller: "Tribunal de Justiça do Acre", encarregado: { name: "Rita Dados", email: "dpo@tj.jus.br", phone: "" } };
  const shown = converse(initialState(), { type: "unit", unit: { ...OPEN_UNIT, privacy } }).messages;
  const notice = shown.find((m) => m.text.startsWith("Seus dados pessoais:"));
  assert.ok(notice, shown.map((m) => m.text));
  assert.match(notice.text, /art\. 7º, inciso III, e art\. 23/);
  assert.deepEqual(notice.items, ["Responsável pelos dados (controlador): Tribunal de Justiça do Acre.",
    "Encarregado(a) de proteção de dados: Rita Dados (e-mail dpo@tj.jus.br)."]);
});

test("a closed unit says the Balcão serves only in opening hours and lists its other contacts", () => {
  const closed = { ...OPEN_UNIT, openNow: false, nextOpening: null, phones: ["(68) 3211-0000"], emails: ["vara@tj.jus.br"],
    alternatives: ["Atendimento presencial no fórum"] };
  const { said, state } = run([{ type: "start" }, { type: "units", units: [closed] }, reply("1")]);
  assert.ok(said.some((t) => /somente no horário de expediente: seg a sex, 08h às 14h/.test(t)), said);
  const contacts = converse(initialState(), { type: "unit", unit: closed }).messages.find((m) => m.items);
  assert.deepEqual(contacts.items, ["Telefone: (68) 3211-0000", "E-mail: vara@tj.jus.br", "Atendimento presencial no fórum"]);
  assert.deepEqual(promptOf(state).options, [{ value: "buscar", label: "Escolher outra unidade" }]);
});

test("the notices step is asked only when the unit offers channels", () => {
  const skipFrom = (unit) => {
    let { state } = run([{ type: "start", unitId: unit.id }, { type: "unit", unit }, reply("sim")]);
    ({ state } = run([reply("Ana"), reply("1"), reply(""), reply("1"), reply("nenhum"), reply("0"), reply("nenhum")], state));
    return state.asking;
  };
  assert.equal(skipFrom(OPEN_UNIT), ""); // nothing left to ask: the join is sent
  assert.equal(skipFrom({ ...OPEN_UNIT, noticeChannels: [{ id: "whatsapp", label: "WhatsApp" }] }), "notices");
});

test("the line: position bubbles, a place lost to priority, the call, the link once, the survey", () => {
  const ticket = { ticketId: "vara-1.20260301.abc", token: "t" };
  let out = run([{ type: "start", ticket }]);
  assert.deepEqual(out.effects, [{ type: "follow", ticket }]);
  const waiting = (position, extra = {}) => ({ type: "view", view: { status: "waiting", displayNumber: "003", position,
    peopleAhead: position - 1, peopleWaiting: 5, clerksOnline: 1, estimatedWait: { minMinutes: 5, maxMinutes: 10 }, ...extra } });
  out = run([waiting(3)], out.state);
  assert.ok(out.said.includes("Sua posição: 3. Pessoas na fila: 5. Espera estimada: de 5 a 10 minutos."), out.said);
  out = run([waiting(3)], out.state);
  assert.deepEqual(out.said, []); // nothing new, nothing said
  out = run([waiting(4)], out.state);
  assert.deepEqual(out.said, ["Uma pessoa com prioridade legal (ou com horário agendado) entrou na sua frente, como a lei manda. Sua posição agora: 4."]);
  out = run([waiting(2, { clerksOnline: 0 })], out.state);
  assert.match(out.said[0], /^Sua posição agora: 2/);
  out = run([reply("posição")], out.state);
  assert.ok(out.said.some((t) => t.includes("Aguardando um servidor ficar disponível")), out.said);

  const called = (joinUrl) => ({ type: "view", view: { status: "called", displayNumber: "003", peopleWaiting: 4,
    meeting: { status: joinUrl ? "ready" : "pending", joinUrl } } });
  out = run([called(null)], out.state);
  assert.deepEqual(out.said, ["Próximo! Agora é sua vez", "Preparando a sala de atendimento…"]);
  out = converse(out.state, called("https://sala.example/1"));
  assert.deepEqual(out.messages.map((m) => m.link), [{ href: "https://sala.example/1", text: "Entrar no atendimento" }]);
  assert.equal(out.messages[0].urgent, true);
  assert.deepEqual(converse(out.state, called("https://sala.example/1")).messages, []);

  out = run([{ type: "view", view: { status: "done", displayNumber: "003" } }], out.state);
  assert.equal(promptOf(out.state).id, "nota");
  out = run([reply("6")], out.state);
  assert.equal(promptOf(out.state).error, "Escolha uma nota de 1 a 5.");
  out = run([reply("5"), reply("")], out.state);
  assert.deepEqual(out.effects, [{ type: "survey", ticket, body: { score: 5 } }]);
  out = run([{ type: "surveyed" }], out.state);
  assert.deepEqual(out.effects, [{ type: "stop" }]);
});

test("leaving asks first; saying no keeps the place", () => {
  const ticket = { ticketId: "vara-1.20260301.abc", token: "t" };
  let out = run([{ type: "start", ticket }, reply("sair")]);
  assert.equal(out.state.phase, "leave");
  out = run([reply("2")], out.state);
  assert.equal(out.state.phase, "queue");
  out = run([reply("sair"), reply("1")], out.state);
  assert.deepEqual(out.effects, [{ type: "leave", ticket }]);
});

test("a process number of another court is accepted with a hint naming both courts", () => {
  const unit = { ...OPEN_UNIT, courtCode: "4.01", court: { id: "trf1", name: "Tribunal Regional Federal da 1ª Região" } };
  let { state } = run([{ type: "start", unitId: unit.id }, { type: "unit", unit }, reply("sim"), reply("Ana"), reply("1")]);
  // 0000001-??.2025.8.26.0100: São Paulo's state court; the check digits are computed as the CNJ says.
  const digits = 98 - Number(BigInt("000000120258260100" + "00") % 97n);
  const number = `0000001-${String(digits).padStart(2, "0")}.2025.8.26.0100`;
  const out = run([reply(number)], state);
  assert.equal(out.state.asking, "reason"); // not refused
  assert.match(out.said[0], /processo da Justiça Estadual \(SP\), e esta unidade é do Tribunal Regional Federal da 1ª Região/);
  const own = `0000001-${String(98 - Number(BigInt("000000120254010000" + "00") % 97n)).padStart(2, "0")}.2025.4.01.0000`;
  ({ state } = run([{ type: "start", unitId: unit.id }, { type: "unit", unit }, reply("sim"), reply("Ana"), reply("1")]));
  assert.deepEqual(run([reply(own)], state).said.filter((t) => t.startsWith("Atenção")), []);
});

test("asking for a Libras interpreter goes in the request; the citizen is told when one is called", () => {
  const { state } = started();
  const done = run([reply("Ana"), reply("1"), reply(""), reply("1"), reply("nenhum"), reply("0"), reply("1")], state);
  assert.deepEqual(done.effects[0].body.accessibility, ["libras"]);
  const ticket = { ticketId: "vara-1.20260301.abc", token: "t" };
  let out = run([{ type: "start", ticket }, { type: "view", view: { status: "called", meeting: { status: "pending" } } }]);
  assert.deepEqual(out.effects, [{ type: "followChat", ticket }]); // called: the chat is read too
  const chat = { mode: "video", open: true, lines: [], interpreterInvited: true };
  out = run([{ type: "chat", chat }, { type: "chat", chat }], out.state);
  assert.deepEqual(out.said, ["Um(a) intérprete de Libras foi chamado(a) para o seu atendimento."]);
});
