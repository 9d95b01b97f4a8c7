// Clerk console: attendance by chat (issue 14), kept apart from clerk.js, which tells this module of every
// queue refresh ("balcao:fila"). For each attendance of the signed-in clerk: "Atender por chat" (or back
// to video), the transcript, and the reply box; the transcript is read again every few seconds.

import { api, apiPath } from "./api.js";
import { h, $, replace } from "./dom.js";
import { chatPanel } from "./chat-view.js";

const REFRESH_MS = 2000;
const panels = new Map(); // ticketId → {panel, toggle, mode}
let unitId = "";
let timer = 0;

function section() {
  let el = $("#secao-chat");
  if (!el) {
    el = h("section", { id: "secao-chat", "aria-labelledby": "chat-secao-titulo", hidden: true },
      h("h2", { id: "chat-secao-titulo", text: "Atendimento por chat" }),
      h("p", { class: "dica", text: "Para quem não consegue usar o vídeo: a conversa é só por texto e fica guardada com a senha." }),
      h("div", { id: "chat-atendimentos" }));
    ($("#secao-extras") || $("#atual")).after(el);
  }
  return el;
}

const base = (ticketId) => `/clerk/units/${apiPath(unitId)}/attendances/${apiPath(ticketId)}`;

function attendance(c) {
  const panel = chatPanel({ id: `chat-${c.ticketId.replace(/\W/g, "-")}`, title: `Senha ${c.displayNumber}: conversa`, me: "clerk",
    send: async (text) => (await api(`${base(c.ticketId)}/chat`, { method: "POST", body: { text } })).data });
  const toggle = h("button", { type: "button", class: "secundario" });
  const item = { panel, toggle, mode: "video", el: h("div", { class: "chat-atendimento" }, h("div", { class: "acoes" }, toggle), panel.el) };
  toggle.addEventListener("click", async () => {
    const mode = item.mode === "chat" ? "video" : "chat";
    try {
      show(item, (await api(`${base(c.ticketId)}/mode`, { method: "PUT", body: { mode } })).data);
    } catch (err) {
      toggle.setAttribute("title", err.message);
    }
  });
  return item;
}

function show(item, chat) {
  item.mode = chat.mode;
  item.toggle.textContent = chat.mode === "chat" ? "Voltar ao atendimento por vídeo" : "Atender por chat";
  item.panel.el.hidden = chat.mode !== "chat" && !chat.lines.length;
  item.panel.show(chat);
}

async function refresh() {
  for (const [ticketId, item] of panels) {
    try {
      show(item, (await api(`${base(ticketId)}/chat`)).data);
    } catch {
      /* read again at the next refresh */
    }
  }
}

document.addEventListener("balcao:fila", ({ detail }) => {
  unitId = detail.unitId;
  const me = String((detail.queue.me && detail.queue.me.email) || "").toLowerCase();
  const mine = (detail.queue.called || []).filter((c) => String(c.calledBy || "").toLowerCase() === me);
  const list = section();
  for (const ticketId of [...panels.keys()]) if (!mine.some((c) => c.ticketId === ticketId)) panels.delete(ticketId);
  for (const c of mine) if (!panels.has(c.ticketId)) panels.set(c.ticketId, attendance(c));
  replace($("#chat-atendimentos", list), [...panels.values()].map((item) => item.el));
  list.hidden = panels.size === 0;
  window.clearInterval(timer);
  if (panels.size) {
    refresh();
    timer = window.setInterval(refresh, REFRESH_MS);
  }
});
