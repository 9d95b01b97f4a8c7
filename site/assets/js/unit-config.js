// A unit's configuration, read-only (GET /api/gestao/units/{unit}/configuration), in words, with how to
// change it: the configuration is code (infra/config/balcao.json), reviewed and applied with
// `azd provision`; the app reads the new file within a minute. Used by the Serventias tab.

import { h } from "./dom.js";
import { num } from "./format.js";

const DAYS = [["mon", "Segunda"], ["tue", "Terça"], ["wed", "Quarta"], ["thu", "Quinta"], ["fri", "Sexta"], ["sat", "Sábado"], ["sun", "Domingo"]];
const PROVIDERS = { teams: "Microsoft Teams", jitsi: "Jitsi Meet", local: "Sala simulada (desenvolvimento)" };
const ORDERING = {
  priority_first: "Prioridades legais primeiro, depois por ordem de chegada",
  interleave: "Intercalada entre prioridades e atendimento geral",
};
const SELF_BOOKING = { never: "só o servidor agenda retorno", when_unavailable: "o cidadão agenda quando a unidade está fechada ou com fila cheia", always: "o cidadão pode agendar" };
const ROLES = { clerk: "Servidor(a)", court_manager: "Gestor(a) do tribunal", admin: "Administração", interpreter: "Intérprete de Libras" };

const minutesOf = (seconds) => `${num(Math.round((seconds || 0) / 60))} min`;

function list(pairs) {
  return h("dl", { class: "dados" }, pairs.filter(([, v]) => v !== "" && v !== null && v !== undefined)
    .map(([k, v]) => [h("dt", { text: k }), h("dd", { text: String(v) })]));
}

function hoursText(hours) {
  return DAYS.map(([key, label]) => {
    const spans = (hours && hours[key]) || [];
    return [label, spans.length ? spans.map(([a, b]) => `${a} às ${b}`).join(" e ") : "fechado"];
  });
}

export function configurationView(c) {
  const limits = c.limits || {};
  const scheduling = c.scheduling || {};
  const channel = c.asyncChannel || {};
  const ordering = c.ordering || {};
  return [
    h("h3", { text: "Unidade" }),
    list([
      ["Nome", c.name], ["Tribunal", c.court && c.court.name], ["Seção", c.section], ["Categoria", c.category],
      ["Fuso horário", c.timezone], ["No Balcão Virtual", c.active ? "ativa" : "inativa"],
    ]),
    h("h3", { text: "Horário de atendimento" }),
    list(hoursText(c.hours)),
    h("h3", { text: "Atendimento" }),
    list([
      ["Vídeo", PROVIDERS[(c.meeting || {}).provider] || (c.meeting || {}).provider],
      ["Avisos no canal do Teams", c.teamsChannel ? "configurados" : "não configurados"],
      ["Ordem da fila", ORDERING[ordering.mode] || ordering.mode],
      ["Pessoas na fila, no máximo", num(limits.maxWaiting)],
      ["Prazo para a pessoa chamada entrar na sala", minutesOf(limits.noShowSeconds)],
      ["Vaga guardada após queda de conexão", minutesOf(limits.graceSeconds)],
      ["Alerta de unidade aberta sem servidor", `${num(limits.coverageAlertMinutes)} min`],
      ["Agendamento", scheduling.enabled ? `sim: horários de ${num(scheduling.slotMinutes)} min; ${SELF_BOOKING[scheduling.selfBooking] || ""}` : "não"],
      ["Canal assíncrono (mensagens)", channel.enabled ? `sim: resposta em até ${num(channel.responseHours)} horas` : "não"],
    ]),
    h("h3", { text: "Equipe" }),
    (c.staff || []).length
      ? h("ul", {}, c.staff.map((s) => h("li", { text: `${s.name} (${s.email}) — ${ROLES[s.role] || s.role}` })))
      : h("p", { text: "Ninguém designado." }),
    h("h3", { text: "Como alterar" }),
    h("p", { text: `A configuração é código: a equipe de TI do tribunal edita o arquivo ${c.configFile || "infra/config/balcao.json"} ` +
      `(a unidade “${c.id}”), revisa a mudança e roda “azd provision”. O Balcão Virtual lê o novo arquivo em até um minuto; ` +
      "um arquivo com erro é recusado e a configuração anterior continua valendo. Não há edição por esta tela." }),
  ];
}
