// The pages' forms, one way everywhere: the citizen's questions (questions.js) rendered into a form and
// checked as the backend checks them, each error shown next to its field (aria-invalid,
// aria-describedby) and in a summary on top with links to the fields, focus on the first one. The same
// error helpers serve every other form (survey, reschedule, the clerk's dialogs). Nothing typed by a
// person becomes HTML: text goes through textContent (dom.js).

import { ApiError } from "./api.js";
import { h, $, $$, clear, replace, focusElement, describe } from "./dom.js";
import { num } from "./format.js";
import { applies, fieldIdOf, readAnswers } from "./questions.js";
import { PRIVACY_TITLE, privacyLines } from "./privacy.js";

const byId = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// Errors next to their fields

/** The controls of a field id: itself, or the inputs of a fieldset (radio and checkbox groups). */
function controls(id) {
  const el = byId(id);
  if (!el) return [];
  return el.tagName === "FIELDSET" ? $$("input, select, textarea", el) : [el];
}

/** The field's help, confirmation and counter lines that have something to say, in that order. */
function hintsOf(id) {
  return [`${id}-dica`, `${id}-status`, `${id}-contagem`].filter((hint) => {
    const el = byId(hint);
    return el && el.textContent.trim() !== "";
  });
}

export function setFieldError(id, message) {
  const el = byId(id);
  const error = byId(`${id}-erro`);
  if (!el || !error) return false;
  error.textContent = message;
  error.hidden = false;
  for (const control of controls(id)) control.setAttribute("aria-invalid", "true");
  describe(el, [...hintsOf(id), error.id]);
  return true;
}

export function clearFieldError(id) {
  const error = byId(`${id}-erro`);
  if (error) {
    error.textContent = "";
    error.hidden = true;
  }
  for (const control of controls(id)) control.removeAttribute("aria-invalid");
  const el = byId(id);
  if (el) describe(el, hintsOf(id));
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
  focusElement(list.find((c) => c.checked) || list[0] || byId(id));
}

/** What the page calls a field: its label or legend, without the "required" star. */
function labelOf(id) {
  const el = byId(id);
  if (!el) return id;
  const label = el.tagName === "FIELDSET" ? $("legend", el) : $(`label[for="${CSS.escape(id)}"]`);
  return label ? label.textContent.replace("*", "").trim() : id;
}

/** Errors next to their fields and a summary with links to them; focus the first field in error. */
export function showErrors(form, summary, errors, detail) {
  clear(summary);
  const order = $$("[id]", form).map((el) => el.id);
  const rank = (e) => (e.id && order.includes(e.id) ? order.indexOf(e.id) : order.length);
  const placed = [];
  const loose = [];
  for (const err of [...errors].sort((a, b) => rank(a) - rank(b))) {
    (err.id && setFieldError(err.id, err.message) ? placed : loose).push(err);
  }
  summary.append(h("p", {}, h("strong", { text: detail || "Confira os campos destacados." })));
  if (placed.length || loose.length) {
    summary.append(h("ul", {}, [
      ...placed.map((e) => h("li", {}, h("a", { href: `#${(controls(e.id)[0] || {}).id || e.id}`, on: { click: (ev) => {
        ev.preventDefault();
        focusField(e.id);
      } } }, `${labelOf(e.id)}: ${e.message}`))),
      ...loose.map((e) => h("li", { text: e.message })),
    ]));
  }
  summary.hidden = false;
  if (placed.length) focusField(placed[0].id);
  else focusElement(summary);
}

/** "Corrija os 2 campos indicados para agendar." */
function fixDetail(count, purpose) {
  return count === 1 ? `Corrija o campo indicado para ${purpose}.` : `Corrija os ${count} campos indicados para ${purpose}.`;
}

/**
 * A refusal's per-field errors as [{id, message}]: the fields of the questions, or of `fields` (API
 * field → the page's field id); what the page has no field for, and the problem's alternatives, go
 * to the summary.
 */
export function problemErrors(err, fields = {}) {
  const problem = err instanceof ApiError ? err.problem : {};
  const out = Object.entries(problem.errors || {}).map(([key, message]) => ({
    id: fields[key] || fieldIdOf(key), message: String(message),
  }));
  for (const alternative of problem.alternatives || []) out.push({ id: null, message: String(alternative) });
  return out;
}

/**
 * Check and send a form: what `collect` finds wrong is shown without a request; otherwise `send(body)`
 * runs with the button busy, and a refusal is shown next to the fields (`fields` as in problemErrors)
 * before `refused(err)` runs.
 */
export function handleSubmit(form, { summary, button, busyText, purpose, collect, send, fields, refused }) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form, summary);
    const { body, errors } = collect();
    if (errors.length) {
      showErrors(form, summary, errors, fixDetail(errors.length, purpose));
      return;
    }
    const idle = button.textContent;
    button.disabled = true;
    button.textContent = busyText;
    try {
      await send(body);
    } catch (err) {
      showErrors(form, summary, problemErrors(err, fields), err.message);
      if (refused) await refused(err);
    } finally {
      button.disabled = false;
      button.textContent = idle;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The citizen's questions as form fields

const star = () => h("span", { "aria-hidden": "true", text: "*" });
const errorLine = (q) => h("p", { class: "erro-campo", id: `${q.id}-erro`, hidden: true });

function helpLine(q, tag = "span") {
  if (!q.help) return null;
  // A legal note is long: folded on its own line, so a phone shows the choices first.
  if (q.legal) return h("details", { class: "nota-legal" }, h("summary", { text: "O que diz a lei" }), h("p", { id: `${q.id}-dica`, text: q.help }));
  return h(tag, { class: "dica", id: `${q.id}-dica`, text: q.help });
}

function describedBy(q) {
  return [q.help && `${q.id}-dica`, q.counted && `${q.id}-contagem`].filter(Boolean).join(" ") || null;
}

function options(q, context) {
  return [q.placeholder ? { value: "", label: q.placeholder } : null, ...q.options(context)].filter(Boolean)
    .map((o) => h("option", { value: o.value, text: o.label }));
}

function choices(q, context, type) {
  const prefix = q.optionPrefix || q.id;
  return q.options(context).map((o, i) => h("label", { class: "opcao" },
    h("input", { type, name: q.key, value: o.value, id: `${prefix}-${o.value}`, required: q.required && i === 0 }),
    ` ${o.label}`));
}

/**
 * One question as the page shows it: a labelled control, its help and the place for its error. Any
 * form's field can be described this way (the clerk's dialogs are), not only the citizen's questions.
 */
export function questionField(q, context = {}) {
  const attrs = { id: q.id, name: q.key, required: q.required && !q.when, "aria-describedby": describedBy(q), ...q.attrs };
  const title = [q.label, q.required ? [" ", star()] : null];
  switch (q.kind) {
    case "radio":
    case "checkboxes":
      return h("fieldset", { id: q.id, "aria-describedby": q.help ? `${q.id}-dica` : null },
        h("legend", {}, title),
        h("div", { class: q.kind === "radio" ? "opcoes-linha" : null }, choices(q, context, q.kind === "radio" ? "radio" : "checkbox")),
        helpLine(q, "p"), errorLine(q));
    case "checkbox":
      return h("div", { class: "campo", id: `campo-${q.id}` },
        h("label", { class: "opcao", for: q.id }, h("input", { ...attrs, type: "checkbox" }), h("span", {}, title)),
        helpLine(q), errorLine(q));
    default: {
      let control;
      if (q.kind === "select") control = h("select", { ...attrs, class: q.short ? "curto" : null }, options(q, context));
      else if (q.kind === "textarea") control = h("textarea", attrs);
      else control = h("input", { ...attrs, type: "text" });
      return h("div", { class: "campo", id: `campo-${q.id}` },
        h("label", { for: q.id }, title), helpLine(q), control,
        q.live ? h("p", { id: `${q.id}-status`, class: "ok-campo", "aria-live": "polite" }) : null,
        q.counted ? h("p", { class: "dica", id: `${q.id}-contagem`, "aria-live": "polite" }) : null,
        errorLine(q));
    }
  }
}

/** The questions' fields; questions of one group (the lawyer's OAB) share a fieldset. */
function fieldsOf(questions, context) {
  const out = [];
  for (let i = 0; i < questions.length; i += 1) {
    const group = questions[i].group;
    if (!group) {
      out.push(questionField(questions[i], context));
      continue;
    }
    const members = [];
    while (i < questions.length && questions[i].group === group) members.push(questionField(questions[i++], context));
    i -= 1;
    out.push(h("fieldset", { id: group.id }, h("legend", { text: group.legend }), h("div", { class: "grade-2" }, members)));
  }
  return out;
}

/** The raw answer a field holds: its text, the chosen option(s), or whether it is checked. */
function rawAnswer(q) {
  const el = byId(q.id);
  if (q.kind === "radio") return ($(`input[name="${q.key}"]:checked`, el) || {}).value || "";
  if (q.kind === "checkboxes") return $$(`input[name="${q.key}"]:checked`, el).map((i) => i.value);
  if (q.kind === "checkbox") return el.checked;
  return el.value;
}

// A field left by pressing on another control is checked once the press is released: an error line
// that appeared between press and release would move the other control away from the pointer and the
// click would be lost.
let pressing = false;
let released = [];
document.addEventListener("pointerdown", () => { pressing = true; }, true);
for (const type of ["pointerup", "pointercancel"]) {
  document.addEventListener(type, () => {
    pressing = false;
    const due = released;
    released = [];
    window.setTimeout(() => due.forEach((fn) => fn()), 0); // after the click the release makes
  }, true);
}

function afterPress(fn) {
  if (pressing) released.push(fn);
  else fn();
}

/**
 * Render `questions` into `container` for what the unit offers (`context`: {reasons,
 * categories, maxLength}) and keep them honest as they are answered: only the questions that apply
 * are shown and required, the process number is checked as it is typed, a message's length is
 * counted, and a field's error goes away once it is changed. Returns {collect}: the request body and
 * what is wrong ([{id, message}]).
 */
export function askQuestions(container, questions, context) {
  replace(container, fieldsOf(questions, context));
  const byKey = new Map(questions.map((q) => [q.key, q]));
  const answers = () => Object.fromEntries(questions.map((q) => [q.key, rawAnswer(q)]));

  const showApplicable = () => {
    const given = answers();
    for (const q of questions.filter((item) => item.when)) {
      const shown = applies(q, given, context);
      const wrapper = q.group ? byId(q.group.id) : byId(`campo-${q.id}`) || byId(q.id);
      wrapper.hidden = !shown;
      for (const control of controls(q.id)) control.required = Boolean(q.required && shown);
    }
  };

  const check = (q, final) => {
    const result = q.read(rawAnswer(q), context, { final });
    byId(`${q.id}-status`).textContent = [result.ok, result.hint].filter(Boolean).join(" ");
    if (result.error) setFieldError(q.id, result.error);
    else clearFieldError(q.id);
    return result;
  };

  const count = (q) => {
    const length = byId(q.id).value.trim().length;
    const limit = context.maxLength;
    byId(`${q.id}-contagem`).textContent = `${num(length)} de ${num(limit)} caracteres.` +
      (length > limit ? ` Reduza ${num(length - limit)} caracteres.` : "");
  };
  let countTimer = 0;

  const questionOf = (target) => byKey.get(target.name);
  container.addEventListener("input", (ev) => {
    const q = questionOf(ev.target);
    if (!q || !["text", "textarea"].includes(q.kind)) return;
    if (q.live) check(q, false);
    else clearFieldError(q.id);
    if (q.counted) {
      window.clearTimeout(countTimer);
      countTimer = window.setTimeout(() => count(q), 400); // a calm live region: announced when typing pauses
    }
  });
  // Text fields clear their error as they are typed in, not on blur: clearing on blur moves the page
  // under the pointer of the click that caused the blur.
  container.addEventListener("change", (ev) => {
    const q = questionOf(ev.target);
    if (q && !["text", "textarea"].includes(q.kind)) clearFieldError(q.id);
    showApplicable();
  });
  container.addEventListener("focusout", (ev) => {
    const q = questionOf(ev.target);
    if (!q || !q.live) return;
    const field = ev.target;
    afterPress(() => {
      const result = check(q, true);
      if (result.value) field.value = result.value; // the canonical form of what was typed
    });
  });
  showApplicable();
  for (const q of questions.filter((item) => item.counted)) count(q);

  return {
    collect() {
      for (const q of questions.filter((item) => item.live)) check(q, true);
      return readAnswers(questions, answers(), context);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The personal-data notice of the citizen's forms (privacy.js): the legal basis, not a consent box

/**
 * A citizen's form on a unit's page (joining, booking, a message): the flow's questions in `#perguntas`
 * and, after them, the unit's privacy notice in the `#aviso-privacidade` section it adds (the pages hold
 * no empty container for it). Returns askQuestions' {collect}.
 */
export function citizenQuestions(flow, context, privacy) {
  const questions = $("#perguntas");
  const asked = askQuestions(questions, flow, context);
  const notice = h("section", { id: "aviso-privacidade", class: "aviso-privacidade", "aria-label": "Seus dados pessoais", hidden: true });
  questions.after(notice);
  showPrivacy(notice, privacy);
  return asked;
}

/** Fill `container` with the unit's privacy notice (legal basis, controller, encarregado). */
export function showPrivacy(container, privacy) {
  const lines = privacyLines(privacy);
  if (!container || !lines.length) return;
  replace(container, h("h3", { text: PRIVACY_TITLE }), ...lines.map((text) => h("p", { text })),
    h("p", {}, h("a", { href: "sobre.html#privacidade", text: "Saiba mais sobre privacidade" })));
  container.hidden = false;
}
