// What the booking page (agendar.html) and the message page (mensagem.html) share. Each has three views:
// the form for a unit (`?unidade={id}`), the record the citizen follows by its link (an appointment
// or a message, `?{record}={id}#t={token}`) and an error. Here: choosing and showing the view, the
// unit's heading, and following a record — its token from the link or this browser, the first load
// (a failure there is final) and the polling after it.

import { api, apiPath, ApiError, ticketAuth } from "./api.js";
import { h, $, $$, replace, focusElement } from "./dom.js";
import { recall, remember, tokenFromHash } from "./stored.js";

const unitPage = (unitId) => `./?unidade=${encodeURIComponent(unitId)}`;

/**
 * Show one of the page's views (`#vista-{name}`) with its heading focused. `fatal(text)` shows the
 * error view, titled `errorTitle`, with a way back to the list of units.
 */
export function pageViews(names, errorTitle) {
  const show = (name) => {
    $("#carregando").hidden = true;
    for (const v of [...names, "erro"]) {
      const view = $(`#vista-${v}`);
      if (view) view.hidden = v !== name;
    }
    focusElement($(`#vista-${name} h1`));
  };
  const fatal = (text) => {
    if (!$("#vista-erro")) {
      $("#anuncio").before(h("section", { id: "vista-erro", "aria-labelledby": "titulo-erro" },
        h("h1", { id: "titulo-erro", tabindex: "-1", text: errorTitle }),
        h("div", { id: "erro-texto", class: "aviso erro", role: "alert" }),
        h("p", {}, h("a", { href: "./", class: "botao secundario", text: "Ir para a lista de unidades" }))));
    }
    $("#erro-texto").textContent = text;
    show("erro");
  };
  return { show, fatal };
}

/** Start the page from its query: a followed record, else a unit's form, else `none` as an error. */
export function startPage({ record, follow, unit, none, fatal }) {
  const params = new URLSearchParams(window.location.search);
  if (params.get(record)) follow(params.get(record));
  else if (params.get("unidade")) unit(params.get("unidade"));
  else fatal(none);
}

/** The unit and the answers of its `paths` (e.g. "/slots"), or null after showing the error view. */
export async function loadUnit(unitId, paths, fatal) {
  try {
    return await Promise.all(["", ...paths].map((path) => api(`/units/${apiPath(unitId)}${path}`).then((r) => r.data)));
  } catch (err) {
    fatal(err instanceof ApiError && err.status === 404 ? "Unidade não encontrada." : err.message);
    return null;
  }
}

/** The unit's heading in `box` (name, court · section, `lines`); "back" links go to the unit's page. */
export function unitHeading(box, unit, ...lines) {
  for (const a of $$(".voltar-unidade")) a.href = unitPage(unit.id);
  replace(box, h("h2", { text: unit.name }),
    h("p", { text: [unit.court && unit.court.name, unit.section].filter(Boolean).join(" · ") }), lines);
}

/** Why the form is not offered, with a link to the unit's page when `linkText` is given. */
export function notOffered(box, text, unit, linkText) {
  replace(box, h("p", { text }),
    linkText ? h("p", {}, h("a", { class: "botao", href: unitPage(unit.id), text: linkText })) : null);
  box.hidden = false;
}

/**
 * Follow a record by its link: the token from the fragment or this browser (kept in both), the link
 * shown for keeping in `linkEl`, then `path(id)` read with the token and given to `render(view,
 * before, first)`, now and again after `every(view)` ms (0: stop). Returns the record ({id, token,
 * view, headers, poll}) or null, after showing `missing`, when there is no token. A first load that
 * fails shows `notFound` (401, 404) or the problem.
 */
export function followRecord({ store, id, link, linkEl, path, missing, notFound, render, every, fatal }) {
  const stored = recall(store, id) || {};
  const token = tokenFromHash() || stored.token;
  if (!token) {
    fatal(missing);
    return null;
  }
  remember(store, id, { ...stored, token });
  linkEl.href = link(id, token);
  linkEl.textContent = new URL(link(id, token), window.location.href).href;
  const record = { id, token, view: null, headers: ticketAuth(token) };
  let timer = 0;
  record.poll = async (first = false) => {
    window.clearTimeout(timer);
    try {
      const { data } = await api(path(id), { headers: record.headers });
      const before = record.view;
      record.view = data;
      render(data, before, first);
    } catch (err) {
      if (first) {
        fatal(err instanceof ApiError && (err.status === 401 || err.status === 404) ? notFound : err.message);
        return;
      }
    }
    const wait = every(record.view);
    if (wait) timer = window.setTimeout(() => record.poll(), wait);
  };
  record.poll(true);
  return record;
}
