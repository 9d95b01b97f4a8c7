// Administrator dashboard (also the Teams app's "Painel" tab): reads the metrics API and shows exactly
// what it answers. One period drives every section (summary, units, charts, heatmap, drop-off); the page
// refreshes itself every minute and says when it last did. When an endpoint is missing (404) or failing
// (5xx, network), its section says "indisponível" and shows no numbers: nothing here is ever estimated
// or filled in by the page.

import "./shell.js";
import { api, API_BASE, ApiError } from "./api.js";
import { h, $, clear, replace } from "./dom.js";
import { num, minutes, fullDate, dayMonth, clock } from "./format.js";
import { barChart, lineChart, dataTable, heatmap } from "./chart.js";
import { signedInStaff, askToSignIn } from "./staff.js";
import { favorites, sortableTable } from "./units-table.js";

const REFRESH_MS = 60000;
const PERIOD_TEXT = { today: "hoje", 7: "nos últimos 7 dias", 30: "nos últimos 30 dias", 60: "nos últimos 60 dias" };
/** "segunda-feira" → "seg" (the API names the weekdays in full, Monday first). */
const shortDay = (day) => String(day || "").slice(0, 3);
let me = null;
let refreshTimer = 0;
const unitsSort = { key: "nome", dir: "ascending" };
// Each section ignores answers to requests it has since replaced (the user changed a filter).
const latest = {};

async function main() {
  try {
    me = await signedInStaff({ returnTo: "/painel.html", hide: $("#painel") });
  } catch (err) {
    $("#carregando").textContent = `Não foi possível identificar o usuário: ${err.message}`;
    return;
  }
  if (!me) return;
  $("#carregando").hidden = true;
  $("#eu-nome").textContent = me.name || me.email;
  $("#painel").hidden = false;
  await Promise.all([fillCourts(), favorites.load()]);
  $("#filtros-painel").addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadAll();
  });
  $("#periodo").addEventListener("change", loadAll);
  $("#tribunal").addEventListener("change", loadAll);
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

/** Every section with the current filters; then again in a minute ("Atualizado às …" when all answered). */
async function loadAll() {
  window.clearTimeout(refreshTimer);
  $("#restrito").hidden = true;
  const results = await Promise.all(Object.keys(SECTIONS).map((name) => loadSection(name)));
  if (results.every((r) => r !== "stale")) {
    const failed = results.filter((r) => r === "failed").length;
    $("#atualizado").textContent = `Atualizado às ${clock()}${failed ? ` (${failed} ${failed === 1 ? "seção indisponível" : "seções indisponíveis"})` : ""}. ` +
      "Os números se atualizam sozinhos a cada minuto.";
  }
  refreshTimer = window.setTimeout(loadAll, REFRESH_MS);
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

/** The filters as the API takes them: the period is also the daily series' number of days. */
function filters() {
  const period = $("#periodo").value;
  return { period, court: $("#tribunal").value, days: period === "today" ? "" : period };
}

/**
 * Load one section of SECTIONS with the filters it uses: "Carregando…" on the first load (a refresh
 * keeps the numbers on screen until the new ones arrive); an answer to a request a newer one replaced
 * is ignored ("stale"); a failure leaves the section "unavailable" (its content emptied, its CSV link
 * hidden: "failed"); otherwise the CSV link is shown and `render(data, filters)` runs — given the rows
 * instead when the section lists rows, or, when there are none, its first content element says `empty`.
 */
async function loadSection(name) {
  const section = SECTIONS[name];
  const all = filters();
  const path = typeof section.path === "function" ? section.path(all) : section.path;
  const params = Object.fromEntries(section.params(all).map((key) => [key, all[key]]));
  const stateEl = $(section.state);
  const contentEls = section.content.map((sel) => $(sel));
  const csv = section.csv ? $(section.csv) : null;
  const gen = (latest[name] = (latest[name] || 0) + 1);
  if (csv) csv.href = `${API_BASE}${path}?${query({ ...params, format: "csv" })}`;
  if (!contentEls[0].firstChild) stateEl.textContent = "Carregando…";
  let data;
  try {
    data = (await api(`${path}?${query(params)}`)).data || {};
  } catch (err) {
    if (gen !== latest[name]) return "stale";
    if (handleAuth(err)) return "failed";
    unavailable(stateEl, contentEls, err);
    if (csv) csv.hidden = true;
    return "failed";
  }
  if (gen !== latest[name]) return "stale";
  clear(stateEl);
  if (csv) csv.hidden = false;
  if (!section.rows) {
    section.render(data, all);
    return "ok";
  }
  const rows = Array.isArray(section.rows(data)) ? section.rows(data) : [];
  if (rows.length) section.render(rows, all, data);
  else replace(contentEls[0], h("p", { text: section.empty }));
  return "ok";
}

function handleAuth(err) {
  if (err instanceof ApiError && err.status === 401) {
    window.clearTimeout(refreshTimer);
    askToSignIn("/painel.html", err, $("#painel"));
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
// The period's series: per day (7, 30, 60 days) or, for "today", per hour (from the heatmap's answer)

function total(list) {
  return list.reduce((acc, p) => acc + (typeof p.value === "number" ? p.value : 0), 0);
}

function renderDaily(series, { period }) {
  const days = series.length;
  const served = series.map((d) => ({ label: dayMonth(d.date), value: d.served }));
  const requests = series.map((d) => ({ label: dayMonth(d.date), value: d.requests }));
  const waits = series.map((d) => ({ label: dayMonth(d.date), value: d.averageWaitMinutes }));
  replace($("#graficos"),
    barChart({
      title: `Atendimentos por dia — ${PERIOD_TEXT[period] || `últimos ${days} dias`}`,
      description: `Total de ${num(total(served))} atendimentos e ${num(total(requests))} solicitações no intervalo. Os valores de cada dia estão na tabela a seguir.`,
      points: served, format: (v) => num(v),
    }),
    lineChart({
      title: `Espera média por dia (minutos) — ${PERIOD_TEXT[period] || `últimos ${days} dias`}`,
      description: "Tempo médio de espera na fila em cada dia. Os valores estão na tabela a seguir.",
      points: waits, format: (v) => num(v, { decimals: true }),
    }),
    h("details", {}, h("summary", { text: "Ver os dados dos gráficos em tabela" }),
      dataTable({
        caption: `Série diária — ${PERIOD_TEXT[period] || `últimos ${days} dias`}`,
        columns: [{ label: "Dia" }, { label: "Solicitações", numeric: true }, { label: "Atendimentos", numeric: true },
          { label: "Espera média (min)", numeric: true }],
        rows: series.map((d) => [fullDate(d.date), num(d.requests), num(d.served), num(d.averageWaitMinutes, { decimals: true })]),
      })));
}

/** "Hoje": attendances per hour of today's weekday line of the heatmap (the period is one day). */
function renderToday(data) {
  const weekdays = data.weekdays || [];
  const today = data.to ? (new Date(`${data.to}T12:00:00Z`).getUTCDay() + 6) % 7 : -1; // Monday first
  const line = (data.served || [])[today] || [];
  const hours = data.hours || [];
  const points = hours.map((hour, i) => ({ label: `${hour}h`, value: typeof line[i] === "number" ? line[i] : null }));
  $("#csv-diario").hidden = true; // the day's hours are in the heatmap's export
  replace($("#graficos"),
    barChart({
      title: "Atendimentos por hora — hoje",
      description: `Total de ${num(total(points))} atendimentos hoje (${weekdays[today] || ""}). Os valores de cada hora estão na tabela a seguir.`,
      points, format: (v) => num(v),
    }),
    h("details", {}, h("summary", { text: "Ver os dados do gráfico em tabela" }),
      dataTable({
        caption: "Atendimentos por hora — hoje",
        columns: [{ label: "Hora" }, { label: "Atendimentos", numeric: true }],
        rows: points.map((p) => [p.label, num(p.value)]),
      })));
}

// ---------------------------------------------------------------------------------------------
// Heatmap (weekday × hour) and drop-off by position in line

function renderHeatmap(data, { period }) {
  const weekdays = (data.weekdays || []).map(shortDay);
  const hours = data.hours || [];
  const values = data.served || [];
  const busiest = [];
  values.forEach((row, r) => row.forEach((v, c) => { if (v > 0) busiest.push([v, r, c]); }));
  busiest.sort((a, b) => b[0] - a[0]);
  const top = busiest[0];
  replace($("#mapa"),
    heatmap({
      title: `Atendimentos concluídos por dia da semana e hora — ${PERIOD_TEXT[period] || period}`,
      description: top
        ? `O horário com mais atendimentos foi ${weekdays[top[1]]}, ${hours[top[2]]}h, com ${num(top[0])}. Os valores estão na tabela a seguir.`
        : "Nenhum atendimento concluído no período.",
      rows: weekdays, columns: hours.map((x) => `${x}h`), values,
    }),
    h("details", {}, h("summary", { text: "Ver os dados do mapa em tabela" }),
      dataTable({
        caption: "Atendimentos por dia da semana (linhas) e hora (colunas)",
        columns: [{ label: "Dia" }, ...hours.map((x) => ({ label: `${x}h`, numeric: true }))],
        rows: weekdays.map((d, r) => [d, ...hours.map((_, c) => num((values[r] || [])[c]))]),
      })));
}

function renderDropoff(buckets, { period }) {
  const points = buckets.map((b) => ({ label: b.label, value: typeof b.share === "number" ? Math.round(b.share * 1000) / 10 : null }));
  replace($("#desistencia"),
    barChart({
      title: `Não atendidos (%) pela posição na fila ao entrar — ${PERIOD_TEXT[period] || period}`,
      description: "Parte das pessoas admitidas em cada faixa de posição que não foi atendida (desistiu, expirou, não compareceu ou ficou para o fechamento). Os valores estão na tabela a seguir.",
      points, format: (v) => `${num(v, { decimals: true })}%`,
    }),
    h("details", {}, h("summary", { text: "Ver os dados em tabela" }),
      dataTable({
        caption: "Não atendidos pela posição na fila ao entrar",
        columns: [{ label: "Posição ao entrar" }, { label: "Admitidos", numeric: true }, { label: "Não atendidos", numeric: true },
          { label: "Parte (%)", numeric: true }],
        rows: buckets.map((b, i) => [b.label, num(b.admitted), num(b.notServed), num(points[i].value, { decimals: true })]),
      })));
}

// ---------------------------------------------------------------------------------------------
// Per-unit table: sortable, ★ per user, the key columns first (visible at 360 px)

function courtText(court) {
  if (!court) return "";
  if (typeof court === "object") return court.name || court.id || "";
  return String(court);
}

function renderUnits(units, { period }) {
  sortableTable($("#unidades-tabela"), {
    caption: `Unidades — ${PERIOD_TEXT[period] || period}`,
    rows: units,
    rowId: (u) => u.id,
    rowName: (u) => u.name || u.id,
    sort: unitsSort,
    onStar: async (u) => {
      try {
        await favorites.toggle(u.id);
      } catch (err) {
        replace($("#unidades-estado"), h("p", { class: "aviso erro", text: `Não foi possível guardar a favorita: ${err.message}` }));
      }
    },
    columns: [
      { key: "nome", label: "Unidade", text: (u) => u.name || u.id },
      { key: "hoje", label: "Hoje", numeric: true, value: (u) => u.today, text: (u) => num(u.today) },
      { key: "fila", label: "Fila agora", numeric: true, value: (u) => u.queue, text: (u) => num(u.queue) },
      { key: "fluxo", label: "Fluxo (solicitações)", numeric: true, value: (u) => u.requests, text: (u) => num(u.requests) },
      { key: "atendimentos", label: "Atendimentos", numeric: true, value: (u) => u.served, text: (u) => num(u.served) },
      { key: "espera", label: "Espera média (min)", numeric: true, value: (u) => u.averageWaitMinutes, text: (u) => num(u.averageWaitMinutes, { decimals: true }) },
      { key: "satisfacao", label: "Satisfação", numeric: true, value: (u) => u.surveyMean, text: (u) => num(u.surveyMean, { decimals: true }) },
      { key: "secao", label: "Seção", text: (u) => u.section || "" },
      { key: "tribunal", label: "Tribunal", text: (u) => courtText(u.court) },
    ],
  });
}

const SECTIONS = {
  summary: {
    path: "/metrics/summary", params: () => ["period", "court"], state: "#resumo-estado",
    content: ["#resumo-periodo", "#kpis", "#nao-atendidos"], render: renderSummary,
  },
  units: {
    path: "/metrics/units", params: () => ["period", "court"], state: "#unidades-estado", content: ["#unidades-tabela"],
    csv: "#csv-unidades", rows: (data) => data.units, render: renderUnits,
    empty: "Nenhuma unidade nos dados devolvidos pelo serviço de métricas.",
  },
  series: {
    // "Hoje" has no daily series: its chart is the hours of today, from the heatmap of the day.
    path: ({ period }) => (period === "today" ? "/metrics/heatmap" : "/metrics/daily"),
    params: ({ period }) => (period === "today" ? ["period", "court"] : ["days", "court"]),
    state: "#serie-estado", content: ["#graficos"], csv: "#csv-diario",
    rows: (data) => data.days || (data.served ? [data] : []),
    render: (rows, all, data) => (all.period === "today" ? renderToday(data) : renderDaily(rows, all)),
    empty: "O serviço de métricas não devolveu dados para este intervalo.",
  },
  heatmap: {
    path: "/metrics/heatmap", params: () => ["period", "court"], state: "#mapa-estado", content: ["#mapa"],
    csv: "#csv-mapa", render: renderHeatmap,
  },
  dropoff: {
    path: "/metrics/dropoff", params: () => ["period", "court"], state: "#desistencia-estado", content: ["#desistencia"],
    rows: (data) => data.buckets, render: renderDropoff,
    empty: "O serviço de métricas não devolveu dados de desistência para este período.",
  },
};

main();
