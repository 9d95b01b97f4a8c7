// The questions a citizen answers to join a unit's queue, book a time or send a message, written once:
// for each one, the API field it fills, how it is asked (label, plain-language help, options), when it
// applies and what is wrong with an answer, in words a citizen understands. forms.js renders them into
// the forms of index.html, agendar.html and mensagem.html: `applies` says whether to ask one, its `read`
// what the answer is worth, and `readAnswers` gives the request body at the end. (The widget asks the
// server's conversation instead, the same as WhatsApp's: domain/conversation/questions.py.)
//
// A question: `key` (the API field; `aliases`: other names the API's errors use for it), `id` (the
// page's field; its error is `{id}-erro`, its help `{id}-dica`), `kind` (text | textarea | select |
// radio | checkboxes | checkbox), `label`, `ask` (the question as the widget says it), `none` (the
// answer that declares none of a list), `help` (`legal`: a legal note), `required`,
// `options(context)` ([{value, label}]; `placeholder`: a select's empty choice), `when(answers,
// context)` (asked only then; answers by API key), `read(raw, context, {final})` → {value, error, ok}
// (`final`: the answer is complete, not being typed), and for the form only: `group` (shown together),
// `attrs` (the control's attributes), `short`, `live` (checked as typed), `counted` (a length count).
// `context` is what the unit offers: {reasons, categories, maxLength, courtCode, courtName}. `read` may
// also return `hint`: advice that does not stop the answer (a process number of another court).

import { checkProcessNumber, courtOfNumber } from "./cnj.js";
import { ACCESSIBILITY, GROUNDS, UFS, num } from "./format.js";

const trimmed = (raw) => String(raw ?? "").trim();
const pairs = (list) => list.map(([value, label]) => ({ value, label }));
const offered = (items) => (items || []).map((item) => ({ value: item.id, label: item.label }));

/** A required answer: the text as typed (trimmed), or `missing` when there is none. */
const required = (missing) => (raw) => {
  const value = trimmed(raw);
  return { value, error: value ? "" : missing };
};

const isLawyer = (answers) => answers.role === "advogado";

/** A hint, never a refusal: the number seems to belong to another court than the unit's (`courtCode`). */
function otherCourtHint(number, context) {
  const owner = courtOfNumber(number);
  if (!owner || !context.courtCode || owner.code === context.courtCode) return "";
  return `Atenção: este número parece ser de um processo ${owner.text}, e esta unidade é ${context.courtName ? `do ${context.courtName}` : "de outro tribunal"}. ` +
    "Confira se escolheu a unidade certa. Se estiver certo, pode continuar assim mesmo.";
}
const OAB = { id: "grupo-oab", legend: "Inscrição na OAB" }; // the lawyer's two answers, shown together
// What a priority option must say beside its name (Lei nº 10.205/2001, art. 15, parágrafo único, and Lei nº
// 10.048/2000 as amended by Lei nº 14.626/2023: donors show a proof and come after the other groups).
const GROUND_NOTES = {
  doador_de_sangue: " (com comprovante de doação feita nos últimos 120 dias; atendido depois dos demais grupos)",
};

export const QUESTIONS = {
  name: {
    key: "name", id: "nome", kind: "text", label: "Nome completo", required: true, ask: "Qual é o seu nome completo?",
    attrs: { autocomplete: "name", maxlength: 120 },
    read: required("Informe seu nome."),
  },
  role: {
    key: "role", id: "papel", kind: "radio", label: "Você é", required: true, ask: "Você é parte, advogado(a) ou outro?",
    options: () => pairs([["parte", "Parte ou interessado"], ["advogado", "Advogado(a)"], ["outro", "Outro"]]),
    read: required("Escolha se você é parte, advogado(a) ou outro."),
  },
  oabNumber: {
    key: "oabNumber", id: "oab-numero", kind: "text", label: "Número da OAB", required: true, group: OAB,
    ask: "Qual é o número da sua inscrição na OAB?",
    aliases: ["oab"], when: isLawyer,
    attrs: { inputmode: "numeric", maxlength: 10, autocomplete: "off" },
    read: (raw) => {
      const value = String(raw ?? "").replace(/[\s.]/g, "").toUpperCase();
      return { value, error: /^\d{1,6}[A-Z]?$/.test(value) ? "" : "Informe o número de inscrição na OAB (até 6 dígitos)." };
    },
  },
  oabState: {
    key: "oabState", id: "oab-uf", kind: "select", label: "UF da seccional", required: true, group: OAB, short: true,
    ask: "De qual estado (UF) é a sua seccional da OAB?",
    when: isLawyer, placeholder: "Selecione", options: () => UFS.map((uf) => ({ value: uf, label: uf })),
    read: required("Escolha a UF da seccional da OAB."),
  },
  processNumber: {
    key: "processNumber", id: "processo", kind: "text", label: "Número do processo (opcional)",
    ask: "Se o assunto for um processo, qual é o número dele? Se não tiver, pode pular.",
    help: "Numeração única do CNJ: 20 números, no formato 0000000-00.0000.0.00.0000. Pode digitar só os números.",
    live: true, attrs: { inputmode: "numeric", autocomplete: "off", maxlength: 25, spellcheck: "false" },
    read: (raw, context, { final = true } = {}) => {
      const result = checkProcessNumber(raw);
      const wrong = result.state === "invalid" || (result.state === "incomplete" && final);
      const valid = result.state === "valid";
      return { value: valid ? result.value : "", error: wrong ? result.message : "",
               ok: valid ? result.message : "", hint: valid ? otherCourtHint(result.value, context) : "" };
    },
  },
  reason: {
    key: "reason", id: "assunto", kind: "select", label: "Assunto", required: true, ask: "Qual é o assunto do atendimento?",
    placeholder: "Selecione o assunto", options: (context) => offered(context.reasons),
    read: required("Escolha o assunto do atendimento."),
  },
  category: {
    key: "category", id: "categoria", kind: "select", label: "Tipo de atendimento", required: true,
    ask: "Qual é o tipo de atendimento?",
    placeholder: "Selecione o tipo de atendimento", options: (context) => offered(context.categories),
    when: (answers, context) => Boolean(context.categories && context.categories.length),
    read: required("Escolha o tipo de atendimento."),
  },
  priority: {
    key: "priority", id: "prioridade", kind: "checkboxes", label: "Atendimento prioritário (se for o seu caso)",
    ask: "Você tem direito a atendimento prioritário? Marque o que for o seu caso.", none: "Não tenho / prefiro não informar",
    optionPrefix: "prio", legal: true,
    options: () => GROUNDS.map(([value, label]) => ({ value, label: label + (GROUND_NOTES[value] || "") })),
    help: "Têm prioridade no atendimento, conforme a Lei nº 10.048/2000 (com a redação da Lei nº 14.626/2023) e o " +
      "Estatuto da Pessoa Idosa (Lei nº 10.741/2003): pessoas com deficiência ou com transtorno do espectro " +
      "autista, pessoas idosas com 60 anos ou mais (as com 80 anos ou mais antes das demais), gestantes, " +
      "lactantes, pessoas com criança de colo, obesas, com mobilidade reduzida e doadores de sangue. Doadores de " +
      "sangue precisam do comprovante de uma doação feita nos últimos 120 dias e são atendidos depois dos demais " +
      "grupos (Lei nº 10.205/2001, art. 15, com a redação da Lei nº 14.626/2023). A condição é autodeclarada e " +
      "poderá ser confirmada pelo servidor no atendimento.",
    read: (raw) => ({ value: Array.isArray(raw) ? raw : [], error: "" }),
  },
  companions: {
    key: "companions", id: "acompanhantes", kind: "select", label: "Acompanhantes no atendimento", short: true,
    ask: "Quantas pessoas vão acompanhar você no atendimento?",
    help: "O acompanhante é atendido junto com a pessoa acompanhada.",
    options: () => pairs([["0", "Nenhum"], ["1", "1"], ["2", "2"], ["3", "3"]]),
    read: (raw) => ({ value: Number(raw || "0"), error: "" }),
  },
  accessibility: {
    key: "accessibility", id: "acessibilidade", kind: "checkboxes", label: "Acessibilidade no atendimento (se precisar)",
    ask: "Você precisa de algum recurso de acessibilidade no atendimento?", none: "Não preciso",
    optionPrefix: "acess", options: () => pairs(ACCESSIBILITY),
    help: "Se pedir intérprete de Libras, a unidade chama um(a) intérprete do tribunal para o seu atendimento " +
      "(Resolução CNJ nº 401/2021). O servidor vê o pedido antes de chamar você.",
    read: (raw) => ({ value: Array.isArray(raw) ? raw : [], error: "" }),
  },
  accessibilityNote: {
    key: "accessibilityNote", id: "acessibilidade-outra", kind: "text", label: "Qual necessidade? (opcional)",
    ask: "Conte em poucas palavras do que você precisa (ou pule).", attrs: { maxlength: 200, autocomplete: "off" },
    when: (answers) => (answers.accessibility || []).includes("outra"),
    read: (raw) => {
      const value = trimmed(raw);
      return { value, error: value.length > 200 ? "No máximo 200 caracteres." : "" };
    },
  },
  text: {
    key: "text", id: "texto", kind: "textarea", label: "Mensagem", required: true, aliases: ["attachments"],
    help: "Apenas texto: não é possível anexar arquivos. Descreva sua dúvida; a resposta chega nesta página.",
    counted: true, attrs: { rows: 8 },
    read: (raw, context) => {
      const length = String(raw ?? "").trim().length;
      const limit = context.maxLength;
      let error = "";
      if (!length) error = "Escreva a sua mensagem.";
      else if (limit && length > limit) error = `No máximo ${num(limit)} caracteres (há ${num(length)}).`;
      return { value: String(raw ?? ""), error };
    },
  },
};

const PERSON = ["name", "role", "oabNumber", "oabState", "processNumber", "reason"];

/** The questions of each flow, in the order they are asked. */
export const FLOWS = {
  join: [...PERSON, "category", "priority", "companions", "accessibility", "accessibilityNote"]
    .map((key) => QUESTIONS[key]),
  booking: [...PERSON, "category"].map((key) => QUESTIONS[key]),
  message: [...PERSON, "text"].map((key) => QUESTIONS[key]),
};

/** Whether a question is asked, given the answers so far (by API key) and what the unit offers. */
export function applies(question, answers, context) {
  return !question.when || question.when(answers, context);
}

/** Whether an answer leaves its API field out of the request (nothing chosen, typed or declared). */
function isBlank(value) {
  return value === "" || value === false || value === 0 || value === null || value === undefined
    || (Array.isArray(value) && value.length === 0);
}

/**
 * Read every answer of a flow: the request body (blank answers left out) and what is wrong, as
 * [{id, message}] in the order the questions are asked. `answers` holds the raw answers by API key.
 */
export function readAnswers(questions, answers, context) {
  const body = {};
  const errors = [];
  for (const question of questions) {
    if (!applies(question, answers, context)) continue;
    const { value, error } = question.read(answers[question.key], context, { final: true });
    if (error) errors.push({ id: question.id, message: error });
    if (!isBlank(value)) body[question.key] = value;
  }
  return { body, errors };
}

/** The page's field for an API field named in a problem's `errors` (aliases included), or null. */
export function fieldIdOf(key) {
  const found = Object.values(QUESTIONS).find((q) => q.key === key || (q.aliases || []).includes(key));
  return found ? found.id : null;
}
