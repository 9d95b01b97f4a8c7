// Tiny DOM helpers. Everything a person typed (names, reasons, comments) reaches the page only as
// text nodes or attribute values set through the DOM API: no HTML string is ever parsed here.

/**
 * Build an element. `attrs`: `class`, `text`, `dataset` (object), `on` (object of listeners),
 * boolean values add/omit the attribute, anything else goes through setAttribute.
 * Children: nodes, strings (become text nodes), null/false (skipped) or arrays of those.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** Say something to screen readers through a live region (re-set so repeats are announced). */
export function announce(region, text) {
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

/** Only http(s) links from the API become hrefs: never `javascript:` or `data:`. */
export function safeUrl(value) {
  try {
    const url = new URL(String(value), window.location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Move focus to an element that is not focusable by itself (headings, summaries). */
export function focusElement(el) {
  if (!el) return;
  if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
    el.setAttribute("tabindex", "-1");
  }
  el.focus();
}

/** Keep a field's aria-describedby listing its hint and its error message, in that order. */
export function describe(field, ids) {
  const list = ids.filter(Boolean).filter((id) => document.getElementById(id));
  if (list.length) field.setAttribute("aria-describedby", list.join(" "));
  else field.removeAttribute("aria-describedby");
}
