// Administrator dashboard: reads the metrics API and shows exactly what it answers. When an endpoint
// is missing (404) or failing (5xx, network), its section says "indisponível" and shows no numbers:
// nothing here is ever estimated or filled in by the page.

import "./shell.js";
import { api, API_BASE, ApiError } from "./api.js";
import { h, $, $$, clear, replace } from "./dom.js";
import { num, minutes, fullDate, dayMonth } from "./format.js";
import { barChart, lineChart, dataTable } from "./chart.js";
import { showSignIn } from "./session.js";

const PERIOD_TEXT = { today: "hoje", 7: "nos últimos 7 dias", 30: "nos últimos 30 dias", 60: "nos últimos 60 dias" };
let me = null;
// Each section ignores answers to requests it has since replaced (the user changed a filter).
const latest = {};

async function main() {
  try {
    me = (await api("/clerk/me")).data;
  } catch (err) {
    $("#carregando").hidden = true;
    if (err instanceof ApiError && err.status === 401) {
      showSignIn($("#entrar"), $("#link-entrar"), "/painel.html");
      return;
    }
    $("#carregando").textContent = `Não foi possível identificar o usuário: ${err.message}`;
    return;
  }
  $("#carregando").hidden = true;
  $("#eu-nome").textContent = me.name || me.email;
  $("#painel").hidden = false;
  await fillCourts();
  $("#filtros-painel").addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadAll();
  });
  $("#periodo").addEventListener("change", loadAll);
  $("#tribunal").addEventListener("change", loadAll);
  for (const radio of $$("input[name=dias]")) radio.addEventListener("change", () => loadSection("daily"));
  loadAll();
}

async function fillCourts() {
  const select = $("#tribunal");
  let courts = [];
  try {
    const units = ((await api("/units")).data || {}).units || [];
    const map = new Map();
    for (const u of units) if (u.court && u.court.id) map.set(u.court.id, u.court.name || u.court.id);
    courts = [...map.entries()];
  } catch {
    courts = [];
  }
  // Administrators choose any court; managers, the courts they manage; clerks see their own units
  // (the API scopes the answer to the caller's roles).
  const managed = new Set(me.managerOf || []);
  if (!me.admin) courts = courts.filter(([id]) => managed.has(id));
  replace(select, me.admin || !managed.size ? h("option", { value: "", text: "Todos" }) : null,
    courts.sort((a, b) => a[1].localeCompare(b[1], "pt-BR")).map(([id, name]) => h("option", { value: id, text: name })));
}

function loadAll() {
  $("#restrito").hidden = true;
  for (const name of Object.keys(SECTIONS)) loadSection(name);
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== undefined && v !== null) q.set(k, v);
  return q.toString();
}

/** A section's "unavailable" state: the reason, and no numbers at all. */
function unavailable(stateEl, contentEls, err) {
  for (const el of contentEls) clear(el);
  let why;
  if (err instanceof ApiError && err.status === 403) {
    why = "sua conta não tem acesso a estes indicadores";
    const box = $("#restrito");
    box.textContent = "Acesso restrito: os indicadores são exibidos à administração e aos gestores do tribunal.";
    box.hidden = false;
  } else if (err instanceof ApiError && err.status === 404) {
    why = "o serviço de métricas ainda não está disponível (resposta 404)";
  } else if (err instanceof ApiError && err.status >= 500) {
    why = `o serviço de métricas falhou (resposta ${err.status})`;
  } else if (err instanceof ApiError && err.status === 0) {
    why = "sem conexão com o serviço de métricas";
  } else {
    why = err && err.message ? err.message : "erro desconhecido";
  }
  replace(stateEl, h("p", { class: "aviso alerta indisponivel" },
    h("strong", { text: "Indicadores indisponíveis: " }), `${why}. Nenhum número é exibido até que o serviço responda.`));
}

/** The filters as the API takes them. */
function filters() {
  return {
    period: $("#periodo").value,
    court: $("#tribunal").value,
    days: ($("input[name=dias]:checked") || {}).value || "7",
  };
}

/**
 * Load one section of SECTIONS with the filters it uses: "Carregando…" meanwhile; an answer to a
 * request a newer one replaced (the user changed a filter) is ignored; a failure leaves the section
 * "unavailable" (its content emptied, its CSV link hidden); otherwise the CSV link is shown and
 * `render(data, filters)` runs — given the rows instead when the section lists rows, or, when there
 * are none, its first content element says `empty`.
 */
async function loadSection(name) {
  const section = SECTIONS[name];
  const all = filters();
  const params = Object.fromEntries(section.params.map((key) => [key, all[key]]));
  const stateEl = $(section.state);
  const contentEls = section.content.map((sel) => $(sel));
  const csv = section.csv ? $(section.csv) : null;
  const gen = (latest[name] = (latest[name] || 0) + 1);
  if (csv) csv.href = `${API_BASE}${section.path}?${query({ ...params, format: "csv" })}`;
  stateEl.textContent = "Carregando…";
  let data;
  try {
    data = (await api(`${section.path}?${query(params)}`)).data || {};
  } catch (err) {
    if (gen !== latest[name] || handleAuth(err)) return;
    unavailable(stateEl, contentEls, err);
    if (csv) csv.hidden = true;
    return;
  }
  if (gen !== latest[name]) return;
  clear(stateEl);
  if (csv) csv.hidden = false;
  if (!section.rows) {
    section.render(data, all);
    return;
  }
  const rows = Array.isArray(section.rows(data)) ? section.rows(data) : [];
  if (rows.length) section.render(rows, all);
  else replace(contentEls[0], h("p", { text: section.empty }));
}

function handleAuth(err) {
  if (err instanceof ApiError && err.status === 401) {
    $("#painel").hidden = true;
    showSignIn($("#entrar"), $("#link-entrar"), "/painel.html");
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Summary

function kpi(label, value, small) {
  return h("div", {}, h("dt", { text: label }), h("dd", {}, value, small ? h("small", { text: small }) : null));
}

function renderSummary(data, { period, court }) {
  const totals = data.totals || {};
  const wait = data.waitMinutes || {};
  const service = data.serviceMinutes || {};
  const survey = data.survey || {};
  $("#resumo-periodo").textContent = data.from && data.to
    ? `Período: de ${fullDate(data.from)} a ${fullDate(data.to)}${court ? ` · ${$("#tribunal").selectedOptions[0].textContent}` : ""}.`
    : `Período: ${PERIOD_TEXT[period] || period}.`;
  replace($("#kpis"),
    kpi("Total de atendimentos", num(totals.served), `de ${num(totals.requests)} solicitações; ${num(totals.admitted)} admitidas na fila`),
    kpi("Média de atendimentos por dia", num(data.averagePerDay, { decimals: true })),
    kpi("Espera média", minutes(wait.mean), `mediana ${minutes(wait.p50)}; 90% até ${minutes(wait.p90)}`),
    kpi("Duração média do atendimento", minutes(service.mean), `90% até ${minutes(service.p90)}`),
    kpi("Atendimentos por chat", num(data.chatAttendances), "por mensagens de texto, em vez de vídeo"),
    kpi("Satisfação média (1 a 5)", num(survey.mean, { decimals: true }), `${num(survey.count)} ${survey.count === 1 ? "resposta" : "respostas"}`),
    kpi("Agentes ativos no período", num(data.activeAgents)),
    kpi("Unidades com atendimento no período", num(data.unitsWithAttendance)),
    kpi("Unidades ativas no Balcão Virtual", num(data.activeUnits)),
    kpi("Unidades inativas (sem atendimento no período)", num(data.inactiveUnits)),
    kpi("Pessoas na fila agora", num(data.queueNow)));
  const ns = totals.notServed || {};
  const rows = [
    ["Desistências", ns.left], ["Senhas expiradas", ns.expired], ["Não compareceram", ns.no_show],
    ["Encerradas no fechamento", ns.closed], ["Transferidas", ns.transferred], ["Recusadas", ns.rejected],
  ];
  replace($("#nao-atendidos"), h("h3", { text: "Solicitações não atendidas" }),
    h("dl", { class: "dados" }, rows.map(([k, v]) => [h("dt", { text: k }), h("dd", { text: num(v) })])));
}

// ---------------------------------------------------------------------------------------------
// Daily series (charts + table alternative)

function renderDaily(series, { days }) {
  const served = series.map((d) => ({ label: dayMonth(d.date), value: d.served }));
  const requests = series.map((d) => ({ label: dayMonth(d.date), value: d.requests }));
  const waits = series.map((d) => ({ label: dayMonth(d.date), value: d.averageWaitMinutes }));
  const total = (list) => list.reduce((acc, p) => acc + (typeof p.value === "number" ? p.value : 0), 0);
  replace($("#graficos"),
    barChart({
      title: `Atendimentos por dia — últimos ${days} dias`,
      description: `Total de ${num(total(served))} atendimentos e ${num(total(requests))} solicitações no intervalo. Os valores de cada dia estão na tabela a seguir.`,
      points: served, format: (v) => num(v),
    }),
    lineChart({
      title: `Espera média por dia (minutos) — últimos ${days} dias`,
      description: "Tempo médio de espera na fila em cada dia. Os valores estão na tabela a seguir.",
      points: waits, format: (v) => num(v, { decimals: true }),
    }),
    h("details", {}, h("summary", { text: "Ver os dados dos gráficos em tabela" }),
      dataTable({
        caption: `Série diária — últimos ${days} dias`,
        columns: [{ label: "Dia" }, { label: "Solicitações", numeric: true }, { label: "Atendimentos", numeric: true },
          { label: "Espera média (min)", numeric: true }],
        rows: series.map((d) => [fullDate(d.date), num(d.requests), num(d.served), num(d.averageWaitMinutes, { decimals: true })]),
      })));
}

// ---------------------------------------------------------------------------------------------
// Per-unit table

function courtText(court) {
  if (!court) return "";
  if (typeof court === "object") return court.name || court.id || "";
  return String(court);
}

function renderUnits(units, { period }) {
  replace($("#unidades-tabela"), dataTable({
    caption: `Unidades — ${PERIOD_TEXT[period] || period}`,
    columns: [{ label: "Unidade" }, { label: "Seção" }, { label: "Tribunal" },
      { label: "Fluxo (solicitações)", numeric: true }, { label: "Atendimentos", numeric: true },
      { label: "Hoje", numeric: true }, { label: "Fila agora", numeric: true },
      { label: "Espera média (min)", numeric: true }, { label: "Satisfação", numeric: true }],
    rows: units.map((u) => [u.name || u.id, u.section || "", courtText(u.court), num(u.requests), num(u.served),
      num(u.today), num(u.queue), num(u.averageWaitMinutes, { decimals: true }), num(u.surveyMean, { decimals: true })]),
  }));
}

const SECTIONS = {
  summary: {
    path: "/metrics/summary", params: ["period", "court"], state: "#resumo-estado",
    content: ["#resumo-periodo", "#kpis", "#nao-atendidos"], render: renderSummary,
  },
  daily: {
    path: "/metrics/daily", params: ["days", "court"], state: "#serie-estado", content: ["#graficos"],
    csv: "#csv-diario", rows: (data) => data.days, render: renderDaily,
    empty: "O serviço de métricas não devolveu dados para este intervalo.",
  },
  units: {
    path: "/metrics/units", params: ["period", "court"], state: "#unidades-estado", content: ["#unidades-tabela"],
    csv: "#csv-unidades", rows: (data) => data.units, render: renderUnits,
    empty: "Nenhuma unidade nos dados devolvidos pelo serviço de métricas.",
  },
};

main();
