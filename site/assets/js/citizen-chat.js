// The queue page's side of an attendance by chat (issue 14), kept apart from citizen.js: while the
// citizen is called or in service, the transcript is read every few seconds; when the clerk chose chat,
// the conversation shows under the call, with a box to answer.

import { api, apiPath, ticketAuth } from "./api.js";
import { $ } from "./dom.js";
import { chatPanel } from "./chat-view.js";
import { storedTicket } from "./stored.js";
import { INTERPRETER } from "./waiting.js";

const REFRESH_MS = 2000;

function main() {
  const call = $("#painel-chamada");
  if (!call) return;
  let panel = null;
  let ticket = null;
  let timer = 0;
  const path = () => `/tickets/${apiPath(ticket.ticketId)}/chat`;
  const auth = () => ticketAuth(ticket.token);

  async function refresh() {
    if (!ticket) return;
    try {
      const { data } = await api(path(), { headers: auth() });
      if (!panel && (data.mode === "chat" || data.lines.length)) {
        panel = chatPanel({ id: "chat-cidadao", title: "Atendimento por chat", me: "citizen",
          send: async (text) => (await api(path(), { method: "POST", body: { text }, headers: auth() })).data });
        call.append(panel.el);
      }
      if (panel) panel.show(data);
      const told = $("#chamada-interprete");
      if (data.interpreterInvited && told.hidden) {
        told.textContent = INTERPRETER;
        told.hidden = false;
      }
    } catch {
      /* tried again at the next refresh */
    }
  }

  const watch = () => {
    const live = !call.hidden && !call.closest("[hidden]");
    window.clearInterval(timer);
    ticket = live ? storedTicket() : null;
    if (!ticket) return;
    refresh();
    timer = window.setInterval(refresh, REFRESH_MS);
  };
  new MutationObserver(watch).observe(call, { attributes: true, attributeFilter: ["hidden"] });
  new MutationObserver(watch).observe($("#vista-espera"), { attributes: true, attributeFilter: ["hidden"] });
  watch();
}

main();
