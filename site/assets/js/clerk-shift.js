// The console over a six-hour shift: live clocks (time since each call, when "Ausente" becomes
// available), a cue when someone joins the line (the title, a spoken notice and, when the clerk turns it
// on, a sound), and keyboard shortcuts that say when they are paused. Used by clerk.js.

import { $, announce } from "./dom.js";
import { duration } from "./clerk-view.js";

const SOUND_KEY = "balcao.console.som";
const FLASH_MS = 1000;

// ---------------------------------------------------------------------------------------------
// Clocks: the server's time, so a clerk's wrong computer clock does not move the no-show time

let offsetMs = 0;

/** `serverNow` (ISO) from the last queue view: how far the browser's clock is from the server's. */
export function syncClock(serverNow) {
  const server = Date.parse(serverNow || "");
  if (!Number.isNaN(server)) offsetMs = server - Date.now();
}

export function now() {
  return Date.now() + offsetMs;
}

/** Whether the unit's no-show time of a called ticket has passed. */
export function noShowDue(ticket) {
  const until = Date.parse(ticket.noShowAt || "");
  return Number.isNaN(until) || now() >= until;
}

function tick() {
  for (const el of document.querySelectorAll(".desde[data-since]")) {
    const since = Date.parse(el.dataset.since);
    if (!Number.isNaN(since)) el.textContent = `Chamada há ${duration(now() - since)}`;
  }
  for (const el of document.querySelectorAll(".prazo-ausencia[data-until]")) {
    const until = Date.parse(el.dataset.until);
    if (Number.isNaN(until)) continue;
    const left = until - now();
    el.textContent = left > 0
      ? `“Ausente” sem confirmação em ${duration(left)}`
      : "Prazo de espera encerrado: “Ausente” disponível";
    el.classList.toggle("vencido", left <= 0);
  }
}

export function startClocks() {
  tick();
  window.setInterval(tick, 1000);
  return tick;
}

// ---------------------------------------------------------------------------------------------
// New arrivals: title, live region, sound

let known = null; // ticket ids seen waiting; null until the first view of a unit
let baseTitle = document.title;
let flashTimer = 0;
let audio = null;

export function soundOn() {
  try {
    return window.localStorage.getItem(SOUND_KEY) === "1";
  } catch {
    return false;
  }
}

export function setSound(on) {
  try {
    window.localStorage.setItem(SOUND_KEY, on ? "1" : "0");
  } catch {
    /* private mode: the setting lasts until the page closes */
  }
  if (on) prepareAudio();
}

function prepareAudio() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx || audio) return;
  try {
    audio = new Ctx();
  } catch {
    audio = null;
  }
}

/** A short two-note chime: a new person in the line (distinct from the citizen page's call alert). */
function chime() {
  prepareAudio();
  if (!audio) return;
  try {
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const at = audio.currentTime + 0.02;
    [660, 990].forEach((hz, i) => {
      const tone = audio.createOscillator();
      const level = audio.createGain();
      tone.frequency.value = hz;
      level.gain.setValueAtTime(0.2, at + i * 0.15);
      level.gain.exponentialRampToValueAtTime(0.001, at + i * 0.15 + 0.14);
      tone.connect(level).connect(audio.destination);
      tone.start(at + i * 0.15);
      tone.stop(at + i * 0.15 + 0.15);
    });
  } catch {
    /* a courtesy: the title and the spoken notice remain */
  }
}

/** The page title for a unit, with the number of people waiting in front: "(3) Console: …". */
export function setTitle(unitName, waiting) {
  baseTitle = `Console: ${unitName} — Balcão Virtual`;
  if (!flashTimer) document.title = `(${waiting}) ${baseTitle}`;
  document.documentElement.dataset.aguardando = String(waiting);
}

export function forgetArrivals() {
  known = null;
}

/** Compare the line with the last view; cue the clerk when someone new is waiting. */
export function noticeArrivals(waiting, unitName) {
  const ids = new Set(waiting.map((e) => e.ticketId));
  const fresh = known ? waiting.filter((e) => !known.has(e.ticketId)) : [];
  known = ids;
  setTitle(unitName, waiting.length);
  if (!fresh.length) return;
  const numbers = fresh.map((e) => e.displayNumber).join(", ");
  announce($("#chegadas"), fresh.length === 1 ? `Nova pessoa na fila: senha ${numbers}.` : `${fresh.length} novas pessoas na fila: ${numbers}.`);
  if (soundOn()) chime();
  flashTitle(waiting.length);
}

function flashTitle(waiting) {
  window.clearInterval(flashTimer);
  let on = true;
  const show = () => {
    document.title = on ? `● Nova chegada (${waiting}) — ${baseTitle}` : `(${waiting}) ${baseTitle}`;
    on = !on;
  };
  show();
  flashTimer = window.setInterval(() => {
    if (!document.hidden && document.hasFocus()) {
      stopFlash(waiting);
      return;
    }
    show();
  }, FLASH_MS);
  if (!document.hidden && document.hasFocus()) window.setTimeout(() => stopFlash(waiting), 4 * FLASH_MS);
}

function stopFlash(waiting) {
  window.clearInterval(flashTimer);
  flashTimer = 0;
  document.title = `(${waiting}) ${baseTitle}`;
}

// ---------------------------------------------------------------------------------------------
// Shortcuts: where they pause, and saying so

/** Typing targets: a letter there is text, not a shortcut. Radios, checkboxes and buttons are not. */
export function typingIn(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest("textarea, select, [contenteditable=''], [contenteditable='true']")) return true;
  const input = target.closest("input");
  return Boolean(input) && !["radio", "checkbox", "button", "submit", "reset"].includes(input.type);
}

/** Keep the shortcuts' status line true to where the focus is; Esc leaves a field for the shortcuts. */
export function watchShortcutFocus(statusEl, fallbackFocus) {
  const update = () => {
    const paused = typingIn(document.activeElement);
    statusEl.textContent = paused
      ? "Atalhos pausados enquanto o cursor está num campo de texto ou de seleção. Tecle Esc para voltar aos atalhos."
      : "Atalhos ativos: N chama o próximo; I inicia, F finaliza e A marca ausência da senha chamada.";
    statusEl.classList.toggle("pausado", paused);
  };
  document.addEventListener("focusin", update);
  document.addEventListener("focusout", () => window.setTimeout(update, 0));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && typingIn(ev.target) && !ev.target.closest("dialog")) {
      fallbackFocus().focus();
      update();
    }
  });
  update();
}
