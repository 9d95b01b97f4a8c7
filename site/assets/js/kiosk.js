// Kiosk mode of the queue page (`index.html?modo=quiosque`), for the shared computers of the Pontos de
// Inclusão Digital (Res. CNJ 508/2023): the whole screen, large touch targets, no navigation away, a QR
// code that moves the place in the line to the citizen's own phone, and nothing personal left behind —
// after a period without use (with a warning and a "Continuar" button) or once the attendance is over,
// the browser's storage is cleared and the page starts again. A citizen being called is never reset.

import { h, $ } from "./dom.js";
import { qrSvg } from "./qr.js";
import { storedTicket } from "./stored.js";

const FLAG = "balcao.quiosque";
const IDLE_MS = 120000; // two minutes without a touch or a key...
const AFTER_END_MS = 20000; // ...or twenty seconds once the attendance is over
const WARN_MS = 30000; // then thirty seconds of warning

function kioskOn() {
  const asked = new URLSearchParams(window.location.search).get("modo") === "quiosque";
  try {
    if (asked) window.sessionStorage.setItem(FLAG, "1");
    return asked || window.sessionStorage.getItem(FLAG) === "1";
  } catch {
    return asked;
  }
}

/** Forget everything this browser keeps for the Balcão and start again at the kiosk's first screen. */
function reset() {
  try {
    for (const store of [window.localStorage, window.sessionStorage]) {
      for (const key of Object.keys(store)) if (key.startsWith("balcao.")) store.removeItem(key);
    }
  } catch {
    /* nothing stored */
  }
  window.location.replace(`${window.location.pathname}?modo=quiosque`);
}

const shown = (selector) => {
  const el = $(selector);
  return Boolean(el && !el.hidden && !el.closest("[hidden]"));
};

function warningDialog(onStay) {
  const count = h("strong", { text: String(WARN_MS / 1000) });
  const stay = h("button", { type: "button", class: "grande", text: "Continuar usando", on: { click: onStay } });
  const dialog = h("dialog", { id: "quiosque-aviso", "aria-labelledby": "quiosque-aviso-titulo" },
    h("h2", { id: "quiosque-aviso-titulo", text: "Ainda está aí?" }),
    h("p", {}, "Para proteger seus dados, esta tela será limpa em ", count, " segundos."),
    h("p", { class: "dica", text: "Sua vaga na fila continua guardada: acompanhe pelo código QR no seu celular." }),
    h("div", { class: "acoes" }, stay));
  dialog.addEventListener("cancel", (ev) => { ev.preventDefault(); onStay(); });
  document.body.append(dialog);
  return { dialog, count, stay };
}

function watchIdle() {
  let idleTimer = 0;
  let tick = 0;
  let left = 0;
  const warning = warningDialog(() => arm());
  const ended = () => shown("#painel-fim") || shown("#pesquisa-obrigado");
  const beingCalled = () => shown("#painel-chamada");

  function warn() {
    if (beingCalled()) return arm();
    left = WARN_MS / 1000;
    warning.count.textContent = String(left);
    warning.dialog.showModal();
    warning.stay.focus();
    tick = window.setInterval(() => {
      left -= 1;
      warning.count.textContent = String(Math.max(left, 0));
      if (left <= 0) reset();
    }, 1000);
    return undefined;
  }

  function arm() {
    window.clearTimeout(idleTimer);
    window.clearInterval(tick);
    if (warning.dialog.open) warning.dialog.close();
    idleTimer = window.setTimeout(warn, ended() ? AFTER_END_MS : IDLE_MS);
  }

  for (const type of ["pointerdown", "keydown", "input", "wheel"]) {
    document.addEventListener(type, () => { if (!warning.dialog.open) arm(); }, { capture: true, passive: true });
  }
  // The end of the attendance shortens the wait; watch the panels the page shows and hides.
  for (const id of ["painel-fim", "pesquisa-obrigado"]) {
    const el = document.getElementById(id);
    if (el) new MutationObserver(() => { if (!warning.dialog.open) arm(); }).observe(el, { attributes: true, attributeFilter: ["hidden"] });
  }
  arm();
}

/** While waiting, the QR code of the link that follows this place in the line on another device. */
function showHandOver() {
  const box = h("section", { id: "quiosque-celular", class: "cartao quiosque-celular", "aria-labelledby": "quiosque-celular-titulo", hidden: true });
  $("#painel-fila").append(box);
  let drawnFor = "";
  const draw = () => {
    const ticket = storedTicket();
    if (!ticket || ticket.ticketId === drawnFor) return;
    drawnFor = ticket.ticketId;
    const link = new URL(window.location.pathname, window.location.origin);
    link.searchParams.set("senha", ticket.ticketId);
    link.hash = `t=${encodeURIComponent(ticket.token)}`;
    box.replaceChildren(
      h("h2", { id: "quiosque-celular-titulo", text: "Acompanhe no seu celular" }),
      qrSvg(link.href, "Código QR para acompanhar a sua vez no celular"),
      h("p", { text: "Aponte a câmera do celular para o código. Depois disso, pode sair deste computador: a sua vaga continua guardada e a tela será limpa." }));
    box.hidden = false;
  };
  new MutationObserver(draw).observe($("#vista-espera"), { attributes: true, attributeFilter: ["hidden"], subtree: false });
  new MutationObserver(draw).observe($("#espera-senha"), { childList: true, characterData: true, subtree: true });
  draw();
}

function main() {
  if (!kioskOn()) return;
  document.body.classList.add("quiosque");
  const full = () => document.documentElement.requestFullscreen?.().catch(() => {});
  document.addEventListener("pointerdown", full, { once: true, capture: true });
  showHandOver();
  watchIdle();
}

main();
