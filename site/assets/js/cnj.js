// CNJ unified process number (Res. CNJ 65/2008): NNNNNNN-DD.AAAA.J.TR.OOOO, DD by ISO 7064 MOD 97-10
// over NNNNNNN AAAA J TR OOOO 00. Same rule as domain/validation.py, so an invalid number is refused
// in the browser before any request is sent.

// As a citizen reads it on the case papers: 20 numbers, the 2 after the dash being the check digits.
const FORMAT = "0000000-00.0000.0.00.0000";
const SHAPE = /^(\d{7})-?(\d{2})\.?(\d{4})\.?(\d)\.?(\d{2})\.?(\d{4})$/;

/** Remainder of a long decimal string by 97, digit by digit (no BigInt needed). */
export function mod97(digits) {
  let rest = 0;
  for (const ch of digits) rest = (rest * 10 + (ch.charCodeAt(0) - 48)) % 97;
  return rest;
}

export function checkDigits(sequence, year, segment, court, origin) {
  const value = 98 - mod97(`${sequence}${year}${segment}${court}${origin}00`);
  return String(value).padStart(2, "0");
}

/**
 * Check what was typed. Returns {state: "empty"|"incomplete"|"invalid"|"valid", message, value}.
 * `value` is the canonical formatted number when valid.
 */
export function checkProcessNumber(raw) {
  const text = String(raw || "").replace(/\s/g, "");
  if (!text) return { state: "empty", message: "", value: "" };
  const digits = text.replace(/\D/g, "");
  if (/[^\d.-]/.test(text)) {
    return { state: "invalid", message: `Use apenas números, no formato ${FORMAT}.`, value: "" };
  }
  const match = SHAPE.exec(text) || (digits.length === 20 ? SHAPE.exec(digits) : null);
  if (!match) {
    if (digits.length < 20) {
      return { state: "incomplete", message: `Número incompleto: são 20 dígitos, no formato ${FORMAT}.`, value: "" };
    }
    return { state: "invalid", message: `O número deve ter 20 dígitos, no formato ${FORMAT}.`, value: "" };
  }
  const [, seq, dd, year, seg, tr, origin] = match;
  if (checkDigits(seq, year, seg, tr, origin) !== dd) {
    return {
      state: "invalid",
      message: "Número de processo inválido: os dígitos verificadores (os 2 números depois do traço) não conferem. " +
        "Confira o número.",
      value: "",
    };
  }
  return { state: "valid", message: "Número de processo válido.", value: `${seq}-${dd}.${year}.${seg}.${tr}.${origin}` };
}

// The justice segment (J) of a process number and, within it, the court (TR): Res. CNJ 65/2008, annex.
const SEGMENTS = { 1: "do Supremo Tribunal Federal", 2: "do Conselho Nacional de Justiça", 3: "do Superior Tribunal de Justiça",
  4: "da Justiça Federal", 5: "da Justiça do Trabalho", 6: "da Justiça Eleitoral", 7: "da Justiça Militar da União",
  8: "da Justiça Estadual", 9: "da Justiça Militar Estadual" };
const STATE_COURTS = "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SE SP TO".split(" ");

/** Whose a valid process number is, in plain words: "da Justiça Estadual (SP)", "da Justiça Federal (1ª Região)". */
export function courtOfNumber(value) {
  const match = /^\d{7}-\d{2}\.\d{4}\.(\d)\.(\d{2})\.\d{4}$/.exec(String(value));
  if (!match) return null;
  const [, segment, court] = match;
  const n = Number(court);
  let where = "";
  if (segment === "8" || segment === "9" || segment === "6") where = STATE_COURTS[n - 1] || "";
  else if (segment === "4" || segment === "5") where = n ? `${n}ª Região` : "";
  return { code: `${segment}.${court}`, text: `${SEGMENTS[segment] || "de outro ramo da Justiça"}${where ? ` (${where})` : ""}` };
}
