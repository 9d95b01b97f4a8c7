// The Serventias tab (also a page of the site): the units the staff member can see — name, section,
// the flow of requests in a period ("Fluxo"), attendances today ("Hoje"), the line now ("Fila agora") —
// with a ★ per unit kept per user, sortable and searchable. "Mostrar atendimento" opens the unit's
// queue in the console; "Configurações" shows the unit's configuration read-only, with how to change it
// (the configuration is code: infra/config/balcao.json, applied by `azd provision`).

import "./shell.js";
import { api, apiPath, ApiError } from "./api.js";
import { h, $, replace, focusElement } from "./dom.js";
import { clock, num } from "./format.js";
import { signedInStaff, askToSignIn } from "./staff.js";
import { tabHref } from "./teams.js";
import { favorites, sortableTable } from "./units-table.js";
import { configurationView } from "./unit-config.js";

const REFRESH_MS = 60000;
const PERIOD_TEXT = { today: "hoje", 7: "últimos 7 dias", 30: "últimos 30 dias", 60: "últimos 60 dias" };

const state = { me: null, units: [], serves: new Set(), table: null, sort: { key: "nome", dir: "ascending" }, timer: 0, seq: 0 };

async function main() {
  try {
    state.me = await signedInStaff({ returnTo: "/serventias.html", hide: $("#serventias") });
  } catch (err) {
    $("#carregando").textContent = `Não foi possível identificar o usuário: ${err.message}`;
    return;
  }
  if (!state.me) return;
  $("#carregando").hidden = true;
  $("#eu-nome").textContent = state.me.name || state.me.email;
  state.serves = new Set((state.me.units || []).map((u) => u.id));
  $("#serventias").hidden = false;
  $("#filtros-serventias").addEventListener("submit", (ev) => ev.preventDefault());
  $("#busca").addEventListener("input", draw);
  $("#so-favoritas").addEventListener("change", draw);
  $("#periodo-fluxo").addEventListener("change", load);
  $("#config-fechar").addEventListener("click", () => $("#dialogo-config").close());
  await favorites.load();
  await load();
}

async function load() {
  window.clearTimeout(state.timer);
  const seq = ++state.seq;
  const period = $("#periodo-fluxo").value;
  try {
    // The flow and today's attendances come from the metrics; the line now from the live directory
    // (the metrics sample it once a minute).
    const [{ data }, live] = await Promise.all([
      api(`/metrics/units?period=${encodeURIComponent(period)}`),
      api("/units").then((r) => (r.data && r.data.units) || []).catch(() => []),
    ]);
    if (seq !== state.seq) return;
    const waiting = new Map(live.map((u) => [u.id, u.peopleWaiting]));
    state.units = ((data && data.units) || []).map((u) => (waiting.has(u.id) ? { ...u, queue: waiting.get(u.id) } : u));
    $("#erro").hidden = true;
    $("#resumo").dataset.atualizado = clock();
    draw();
  } catch (err) {
    if (seq !== state.seq) return;
    if (err instanceof ApiError && err.status === 401) {
      askToSignIn("/serventias.html", err, $("#serventias"));
      return;
    }
    const box = $("#erro");
    box.textContent = `Não foi possível carregar as serventias: ${err.message}`;
    box.hidden = false;
  }
  state.timer = window.setTimeout(load, REFRESH_MS);
}

/** Accents and case do not matter in the search ("sjac" finds "SJAC", "civel" finds "Cível"). */
function plain(text) {
  return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function visible() {
  const words = plain($("#busca").value).split(/\s+/).filter(Boolean);
  const onlyStarred = $("#so-favoritas").checked;
  return state.units.filter((u) => {
    if (onlyStarred && !favorites.ids.has(u.id)) return false;
    const text = plain(`${u.name} ${u.section} ${(u.court && u.court.name) || ""} ${u.id}`);
    return words.every((w) => text.includes(w));
  });
}

function actions(unit) {
  return h("span", { class: "acoes-linha" },
    state.serves.has(unit.id)
      ? h("a", { class: "botao secundario", href: tabHref(`servidor.html?unidade=${encodeURIComponent(unit.id)}`) },
        "Mostrar atendimento", h("span", { class: "sr-only", text: ` de ${unit.name}` }))
      : null,
    h("button", { type: "button", class: "secundario", on: { click: (ev) => showConfiguration(unit, ev.currentTarget) } },
      "Configurações", h("span", { class: "sr-only", text: ` de ${unit.name}` })));
}

function draw() {
  const rows = visible();
  const period = $("#periodo-fluxo").value;
  const updated = $("#resumo").dataset.atualizado;
  $("#resumo").textContent = `${num(rows.length)} de ${num(state.units.length)} serventias` +
    `${updated ? ` · atualizado às ${updated}` : ""}.`;
  if (!rows.length) {
    replace($("#tabela"), h("p", { id: "nenhuma", text: state.units.length
      ? "Nenhuma serventia com esses critérios." : "Nenhuma serventia para a sua conta." }));
    return;
  }
  state.table = sortableTable($("#tabela"), {
    caption: `Serventias — fluxo de atendimento: ${PERIOD_TEXT[period] || period}`,
    rows,
    rowId: (u) => u.id,
    rowName: (u) => u.name,
    sort: state.sort,
    onStar: async (u) => {
      try {
        await favorites.toggle(u.id);
      } catch (err) {
        const box = $("#erro");
        box.textContent = `Não foi possível guardar a favorita: ${err.message}`;
        box.hidden = false;
      }
      if ($("#so-favoritas").checked) window.setTimeout(draw, 0);
    },
    columns: [
      { key: "nome", label: "Serventia", text: (u) => u.name || u.id },
      { key: "hoje", label: "Hoje", numeric: true, value: (u) => u.today, text: (u) => num(u.today) },
      { key: "fila", label: "Fila agora", numeric: true, value: (u) => u.queue, text: (u) => num(u.queue) },
      { key: "fluxo", label: "Fluxo", numeric: true, value: (u) => u.requests, text: (u) => num(u.requests) },
      { key: "secao", label: "Seção", text: (u) => u.section || "" },
      { key: "acoes", label: "Ações", sortable: false, cell: actions },
    ],
  });
}

async function showConfiguration(unit, opener) {
  const dialog = $("#dialogo-config");
  $("#config-titulo").textContent = `Configurações — ${unit.name}`;
  replace($("#config-conteudo"), h("p", { role: "status", text: "Carregando…" }));
  dialog.addEventListener("close", () => opener.focus(), { once: true });
  dialog.showModal();
  $("#config-fechar").focus();
  try {
    const { data } = await api(`/gestao/units/${apiPath(unit.id)}/configuration`);
    replace($("#config-conteudo"), configurationView(data));
  } catch (err) {
    replace($("#config-conteudo"), h("p", { class: "aviso erro", text: `Não foi possível ler a configuração: ${err.message}` }));
  }
  focusElement($("#config-titulo"));
}

main();
