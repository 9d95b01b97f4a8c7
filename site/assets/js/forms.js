// The person's fields shared by the booking form (agendar.html) and the message form (mensagem.html):
// name, role, OAB registration, process number, subject and consent, checked as the backend checks them,
// with each error shown next to its field (aria-invalid, aria-describedby) and in a summary on top.
// Nothing typed by a person becomes HTML: text goes through textContent (dom.js).

import { h, $, $$, clear, replace, focusElement, describe } from "./dom.js";
import { checkProcessNumber } from "./cnj.js";
import { UFS } from "./format.js";

/** API field name → the id of the page's field (its error paragraph is `{id}-erro`). */
export const FIELD_IDS = {
  name: "nome",
  role: "papel",
  oab: "oab-numero",
  oabNumber: "oab-numero",
  oabState: "oab-uf",
  processNumber: "processo",
  reason: "assunto",
  category: "categoria",
  consent: "consentimento",
  text: "texto",
  attachments: "texto",
  startsAt: "horario",
};

const LABELS = {
  nome: "Nome",
  papel: "Você é",
  "oab-numero": "Número da OAB",
  "oab-uf": "UF da seccional",
  processo: "Número do processo",
  assunto: "Assunto",
  categoria: "Tipo de atendimento",
  consentimento: "Consentimento",
  texto: "Mensagem",
  horario: "Horário",
};

function controls(id) {
  const el = document.getElementById(id);
  if (!el) return [];
  return el.tagName === "FIELDSET" ? $$("input, select, textarea", el) : [el];
}

function hintsOf(id) {
  const hint = document.getElementById(`${id}-dica`);
  return hint ? [hint.id] : [];
}

export function setFieldError(id, message) {
  const error = document.getElementById(`${id}-erro`);
  if (!error) return false;
  error.textContent = message;
  error.hidden = false;
  for (const control of controls(id)) {
    control.setAttribute("aria-invalid", "true");
    if (control.type !== "radio") describe(control, [...hintsOf(id), error.id]);
  }
  return true;
}

export function clearFieldError(id) {
  const error = document.getElementById(`${id}-erro`);
  if (error) {
    error.textContent = "";
    error.hidden = true;
  }
  for (const control of controls(id)) {
    control.removeAttribute("aria-invalid");
    if (control.type !== "radio") describe(control, hintsOf(id));
  }
}

export function clearErrors(form, summary) {
  for (const p of $$(".erro-campo", form)) clearFieldError(p.id.replace(/-erro$/, ""));
  if (summary) {
    clear(summary);
    summary.hidden = true;
  }
}

function focusField(id) {
  const list = controls(id);
  const target = list.find((c) => c.checked) || list[0] || document.getElementById(id);
  focusElement(target);
}

/** Errors next to their fields and a summary with links to them; focus the first field in error. */
export function showErrors(form, summary, errors, detail) {
  clear(summary);
  const order = $$("[id]", form).map((el) => el.id);
  const sorted = [...errors].sort((a, b) => (a.id ? order.indexOf(a.id) : 9999) - (b.id ? order.indexOf(b.id) : 9999));
  const placed = [];
  const loose = [];
  for (const err of sorted) (err.id && setFieldError(err.id, err.message) ? placed : loose).push(err);
  summary.append(h("p", {}, h("strong", { text: detail || "Confira os campos destacados." })));
  if (placed.length || loose.length) {
    summary.append(h("ul", {}, [
      ...placed.map((e) => h("li", {}, h("a", { href: `#${e.id}`, on: { click: (ev) => {
        ev.preventDefault();
        focusField(e.id);
      } } }, `${LABELS[e.id] || e.id}: ${e.message}`))),
      ...loose.map((e) => h("li", { text: e.message })),
    ]));
  }
  summary.hidden = false;
  if (placed.length) focusField(placed[0].id);
  else focusElement(summary);
}

/** The problem's per-field errors as [{id, message}] (fields the page does not have go to the summary). */
export function problemErrors(problem) {
  const out = Object.entries((problem && problem.errors) || {}).map(([key, message]) => ({
    id: FIELD_IDS[key] || null, message: String(message),
  }));
  for (const alternative of (problem && problem.alternatives) || []) out.push({ id: null, message: String(alternative) });
  return out;
}

export function fillOptions(select, items, placeholder) {
  replace(select, placeholder ? h("option", { value: "", text: placeholder }) : null,
    items.map((item) => h("option", { value: item.id, text: item.label })));
}

/** Role radios show the OAB fields for lawyers; the process number is checked as it is typed. */
export function wirePersonFields(form) {
  fillOptions($("#oab-uf", form), UFS.map((uf) => ({ id: uf, label: uf })), "Selecione");
  for (const radio of $$("input[name=role]", form)) {
    radio.addEventListener("change", () => {
      $("#grupo-oab", form).hidden = radio.value !== "advogado" || !radio.checked;
      clearFieldError("papel");
    });
  }
  const process = $("#processo", form);
  process.addEventListener("blur", () => checkProcess(form, { final: false }));
  // Text fields clear their error as they are typed in, not on blur: clearing on blur moves the page
  // under the pointer of the click that caused the blur.
  for (const id of ["nome", "oab-numero"]) {
    const el = document.getElementById(id);
    if (el) el.addEventListener("input", () => clearFieldError(id));
  }
  for (const id of ["assunto", "consentimento", "oab-uf"]) {
    const el = document.getElementById(id);
    if (el) el.addEventListener("change", () => clearFieldError(id));
  }
}

function checkProcess(form, { final }) {
  const result = checkProcessNumber($("#processo", form).value);
  const status = $("#processo-status", form);
  clearFieldError("processo");
  status.textContent = result.state === "valid" ? result.message : "";
  if (result.state === "invalid" || (result.state === "incomplete" && final)) setFieldError("processo", result.message);
  return result;
}

/** The person's fields as the API expects them, and what is wrong before sending. */
export function collectPerson(form) {
  const errors = [];
  const name = $("#nome", form).value.trim();
  if (!name) errors.push({ id: "nome", message: "Informe seu nome." });
  const roleInput = $("input[name=role]:checked", form);
  const role = roleInput ? roleInput.value : "";
  if (!role) errors.push({ id: "papel", message: "Escolha se você é parte, advogado(a) ou outro." });
  const body = { name, role, consent: $("#consentimento", form).checked };
  if (role === "advogado") {
    const number = $("#oab-numero", form).value.replace(/[\s.]/g, "").toUpperCase();
    const uf = $("#oab-uf", form).value;
    if (!/^\d{1,6}[A-Z]?$/.test(number)) errors.push({ id: "oab-numero", message: "Informe o número de inscrição na OAB (até 6 dígitos)." });
    if (!uf) errors.push({ id: "oab-uf", message: "Escolha a UF da seccional da OAB." });
    body.oabNumber = number;
    body.oabState = uf;
  }
  const process = checkProcess(form, { final: true });
  if (process.state === "invalid" || process.state === "incomplete") errors.push({ id: "processo", message: process.message });
  else if (process.state === "valid") body.processNumber = process.value;
  body.reason = $("#assunto", form).value;
  if (!body.reason) errors.push({ id: "assunto", message: "Escolha o assunto." });
  if (!body.consent) errors.push({ id: "consentimento", message: "É preciso concordar com o uso dos dados para o atendimento." });
  return { body, errors };
}

// --- tokens kept in this browser (appointments and messages), by id ------------------------------

export function remember(key, id, item) {
  try {
    const all = JSON.parse(window.localStorage.getItem(key) || "{}") || {};
    all[id] = item;
    window.localStorage.setItem(key, JSON.stringify(all));
  } catch {
    /* private mode: the link with the token still works */
  }
}

export function recall(key, id) {
  try {
    const all = JSON.parse(window.localStorage.getItem(key) || "{}") || {};
    return all[id] || null;
  } catch {
    return null;
  }
}

/** The token given in the page's fragment (`#t=…`): it never reaches a server log or a Referer. */
export function tokenFromHash() {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  return params.get("t") || "";
}
