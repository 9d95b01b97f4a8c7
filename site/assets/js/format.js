// pt-BR formatting shared by the pages, and the labels the API's codes stand for.

const inteiro = new Intl.NumberFormat("pt-BR", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("pt-BR", { minimumFractionDigits: 0, maximumFractionDigits: 1 });

const isNumber = (v) => typeof v === "number" && Number.isFinite(v);

/** A number as pt-BR text, or "—" when the API did not send one (never a made-up zero). */
export function num(value, { decimals = false } = {}) {
  if (!isNumber(value)) return "—";
  return (decimals ? decimal : inteiro).format(value);
}

export function minutes(value) {
  if (!isNumber(value)) return "—";
  return `${decimal.format(value)} min`;
}

/** "de 3 a 8 minutos" from {minMinutes, maxMinutes}. */
export function waitRange(eta, { ahead } = {}) {
  if (!eta || !isNumber(eta.minMinutes) || !isNumber(eta.maxMinutes)) return "—";
  const { minMinutes: lo, maxMinutes: hi } = eta;
  if (hi <= 0) return ahead === 0 ? "A qualquer momento" : "Menos de 1 minuto";
  if (lo === hi) return `cerca de ${inteiro.format(hi)} ${hi === 1 ? "minuto" : "minutos"}`;
  return `de ${inteiro.format(lo)} a ${inteiro.format(hi)} minutos`;
}

/** The city part of an IANA zone: "America/Rio_Branco" → "Rio Branco". */
export function zoneCity(timezone) {
  if (!timezone) return "";
  const last = String(timezone).split("/").pop() || "";
  return last.replace(/_/g, " ");
}

/** The UTC offset written in an ISO timestamp ("-05:00" → "UTC−5"). */
function offsetLabel(iso) {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(String(iso));
  if (!m) return "";
  const hours = Number(m[2]);
  const mins = m[3] === "00" ? "" : `:${m[3]}`;
  return `UTC${m[1] === "-" ? "−" : "+"}${hours}${mins}`;
}

/** "segunda-feira, 15/06 às 09h00 (horário de Manaus, UTC−4)" in the unit's own time zone. */
export function nextOpening(iso, timezone) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const opts = { timeZone: timezone || undefined };
  let parts;
  try {
    parts = new Intl.DateTimeFormat("pt-BR", {
      ...opts, weekday: "long", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(date);
  } catch {
    parts = new Intl.DateTimeFormat("pt-BR", {
      weekday: "long", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(date);
  }
  const get = (type) => (parts.find((p) => p.type === type) || {}).value || "";
  const where = [zoneCity(timezone) && `horário de ${zoneCity(timezone)}`, offsetLabel(iso)].filter(Boolean).join(", ");
  return `${get("weekday")}, ${get("day")}/${get("month")}/${get("year")} às ${get("hour")}h${get("minute")}` +
    (where ? ` (${where})` : "");
}

export function clock(date = new Date(), timezone = undefined) {
  const opts = { hour: "2-digit", minute: "2-digit", second: "2-digit" };
  try {
    return new Intl.DateTimeFormat("pt-BR", { ...opts, timeZone: timezone }).format(date);
  } catch {
    return new Intl.DateTimeFormat("pt-BR", opts).format(date);
  }
}

/** "14:05" in the given IANA zone (the unit's), or in the browser's when none is given. */
export function timeOf(iso, timezone) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  try {
    return new Intl.DateTimeFormat("pt-BR", { hour: "2-digit", minute: "2-digit", timeZone: timezone || undefined }).format(date);
  } catch {
    return new Intl.DateTimeFormat("pt-BR", { hour: "2-digit", minute: "2-digit" }).format(date);
  }
}

/** "2026-06-14" → "14/06" without going through a Date (no time-zone shift). */
export function dayMonth(isoDate) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(isoDate));
  return m ? `${m[3]}/${m[2]}` : String(isoDate || "");
}

export function fullDate(isoDate) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(isoDate));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(isoDate || "");
}

const ROLE_LABELS = { parte: "Parte", advogado: "Advogado(a)", outro: "Outro" };

/** "Advogado(a) · OAB/AC 12345": who a citizen said they are, as the clerk reads it. */
export function profile(entry) {
  return [ROLE_LABELS[entry.role] || entry.role, entry.oab].filter(Boolean).join(" · ");
}

/** A clerk's presence as the console says it. */
export const PRESENCE_LABELS = { online: "disponível", paused: "em pausa", offline: "desconectado" };

// Legal priority grounds (Lei 10.048/2000 as amended by Lei 14.626/2023; Estatuto da Pessoa Idosa).
export const GROUNDS = [
  ["idoso_80", "Pessoa idosa com 80 anos ou mais"],
  ["idoso_60", "Pessoa idosa (60 anos ou mais)"],
  ["deficiencia", "Pessoa com deficiência"],
  ["tea", "Pessoa com transtorno do espectro autista (TEA)"],
  ["gestante", "Gestante"],
  ["lactante", "Lactante"],
  ["crianca_de_colo", "Pessoa com criança de colo"],
  ["obeso", "Pessoa obesa"],
  ["mobilidade_reduzida", "Pessoa com mobilidade reduzida"],
  ["doador_de_sangue", "Doador(a) de sangue"],
];
export const GROUND_LABELS = Object.fromEntries(GROUNDS);

// Accessibility a citizen may ask for at joining (Res. CNJ 401/2021).
export const ACCESSIBILITY = [
  ["libras", "Intérprete de Libras (Língua Brasileira de Sinais)"],
  ["outra", "Outra necessidade de acessibilidade"],
];

/** "Intérprete de Libras (…); Outra necessidade: rampa" as the clerk reads it, or "". */
export function accessibilityText(entry) {
  const labels = Object.fromEntries(ACCESSIBILITY);
  return (entry.accessibility || []).map((a) => (a === "outra" && entry.accessibilityNote
    ? `${labels.outra}: ${entry.accessibilityNote}` : labels[a] || a)).join("; ");
}

export const UFS = "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split(" ");

/** "segunda-feira, 15 de junho de 2026 às 09:00", or "" for a missing or invalid time. */
export function dateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat("pt-BR", { dateStyle: "full", timeStyle: "short" }).format(date);
}
