// <balcao-virtual>: the Balcão Virtual as a conversation a court embeds in its own site with one tag,
//
//   <script type="module" src="https://<balcão>/assets/js/balcao-virtual.js"></script>
//   <balcao-virtual unidade="tjac-rbr-1vce"></balcao-virtual>      (unidade: optional, fixes the unit)
//
// A custom element with its own shadow DOM and no framework. The conversation itself (what is asked, what
// is said, what happens next) is conversation.js; this file only shows its messages as chat bubbles,
// renders the prompt it asks, and performs its effects against the public API (`api="…"` names another
// API; by default the one beside this file). No inline script or style: the style is a constructed
// stylesheet, so the widget works under a strict Content-Security-Policy (script-src and connect-src
// must allow this origin). The place in the line is kept in the court site's localStorage.

import { ApiError, apiClient, apiPath, ticketAuth } from "./api.js";
import { converse, initialState, promptOf } from "./conversation.js";
import { h, replace, safeUrl } from "./dom.js";
import { withProof } from "./proof.js";
import { widgetSheet } from "./balcao-virtual-style.js";

const POLL_MS = 1500;
const CHAT_MS = 2000;
const MAX_BACKOFF_MS = 10000;
const STORE = "balcao.widget.senha";
const DEFAULT_API = new URL("../../api", import.meta.url).href;
const LONG_HELP = 160; // longer help texts fold under "Saiba mais"

function stored() {
  try {
    const data = JSON.parse(window.localStorage.getItem(STORE) || "null");
    return data && typeof data.ticketId === "string" && typeof data.token === "string" ? data : null;
  } catch {
    return null;
  }
}

function keep(ticket) {
  try {
    if (ticket) window.localStorage.setItem(STORE, JSON.stringify(ticket));
    else window.localStorage.removeItem(STORE);
  } catch {
    /* private mode: the conversation still works until the page is closed */
  }
}

let serial = 0;

class BalcaoVirtual extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [widgetSheet()];
    this.uid = `bv${++serial}`;
    this.api = apiClient(this.getAttribute("api") || DEFAULT_API);
    this.log = h("ol", { class: "conversa" });
    this.urgent = h("p", { class: "sr", "aria-live": "assertive" });
    this.status = h("p", { class: "conexao", role: "status" });
    this.form = h("form", { class: "resposta", novalidate: true });
    this.form.addEventListener("submit", (ev) => ev.preventDefault());
    root.append(h("section", { class: "bv", "aria-labelledby": `${this.uid}-t` },
      h("h2", { id: `${this.uid}-t`, text: "Balcão Virtual — atendimento on-line" }),
      h("div", { class: "rolagem", role: "log", "aria-live": "polite", "aria-label": "Conversa", tabindex: "0" }, this.log),
      this.status, this.form, this.urgent));
    this.state = initialState();
    this.promptKey = "";
    const unitId = this.getAttribute("unidade") || "";
    const ticket = stored();
    this.feed({ type: "start", unitId, ticket: ticket && (!unitId || ticket.unitId === unitId) ? ticket : null });
  }

  disconnectedCallback() {
    this.stopFollowing();
  }

  /** One event through the conversation: show what it says, ask what it asks, do what it needs. */
  feed(event) {
    const { state, messages, effects } = converse(this.state, event);
    this.state = state;
    for (const message of messages) this.bubble(message);
    this.renderPrompt();
    for (const effect of effects) this.perform(effect);
  }

  // -- the conversation's bubbles ---------------------------------------------------------------

  bubble(message, mine = false, id = null) {
    const link = message.link && safeUrl(message.link.href);
    const item = h("li", { class: `msg ${mine ? "eu" : "bot"} ${message.tone || ""}`, id },
      h("span", { class: "sr", text: mine ? "Você: " : "Balcão Virtual: " }),
      h("span", { class: "texto", text: message.text }),
      message.items && message.items.length ? h("ul", {}, message.items.map((text) => h("li", { text }))) : null,
      link ? h("a", { class: "botao grande", href: link, target: "_blank", rel: "noopener noreferrer" },
        message.link.text, h("span", { class: "sr", text: " (abre em nova aba)" })) : null);
    this.log.append(item);
    item.scrollIntoView({ block: "nearest" });
    if (message.urgent) {
      this.urgent.textContent = "";
      window.setTimeout(() => { this.urgent.textContent = link ? `${message.text} Use o botão ${message.link.text}.` : message.text; }, 50);
    }
    const anchor = item.querySelector("a");
    if (anchor && this.hasFocusInside()) anchor.focus();
  }

  hasFocusInside() {
    const active = document.activeElement;
    return !active || active === document.body || active === this;
  }

  // -- the prompt --------------------------------------------------------------------------------

  renderPrompt() {
    const prompt = promptOf(this.state);
    const key = `${this.state.phase}|${prompt.id}|${prompt.error ? `${prompt.error}|${this.replies}` : ""}`;
    if (key === this.promptKey) return;
    const fresh = !this.promptKey.startsWith(`${this.state.phase}|${prompt.id}|`);
    this.promptKey = key;
    if (fresh && prompt.text) this.bubble({ text: prompt.text });
    if (fresh && prompt.kind === "confirm" && prompt.help) this.bubble({ text: prompt.help }); // the notice itself
    const errorId = `${this.uid}-erro`;
    this.log.querySelector(`#${errorId}`)?.removeAttribute("id"); // the field is described by the latest error
    if (prompt.error) this.bubble({ text: prompt.error, tone: "error" }, false, errorId);
    if (prompt.kind === "none") {
      replace(this.form);
      this.form.hidden = true;
      return;
    }
    this.form.hidden = false;
    replace(this.form, this.controls(prompt));
    const first = this.form.querySelector("input, select, textarea, button");
    if (first && this.isConnected) first.focus({ preventScroll: true });
  }

  controls(prompt) {
    const id = `${this.uid}-${prompt.id}`;
    const help = prompt.help && prompt.kind !== "confirm" ? helpText(prompt.help, `${id}-dica`) : null;
    const describedBy = [help && `${id}-dica`, prompt.error && `${this.uid}-erro`].filter(Boolean).join(" ") || null;
    const skip = prompt.skip ? h("button", { type: "button", class: "secundario", text: prompt.skip.label,
      on: { click: () => this.answer(prompt.skip.value, prompt.skip.label) } }) : null;
    if (prompt.kind === "text") {
      const input = h("input", { id, type: "text", autocomplete: prompt.id === "nome" ? "name" : "off",
        "aria-describedby": describedBy, "aria-invalid": prompt.error ? "true" : null });
      const send = () => this.answer(input.value, input.value.trim());
      input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); send(); } });
      return [h("label", { for: id, text: prompt.label || prompt.text }), help,
        h("div", { class: "linha" }, input), h("div", { class: "acoes" },
          h("button", { type: "button", text: "Enviar", on: { click: send } }), skip)];
    }
    if (prompt.kind === "multi") {
      const boxes = prompt.options.map((o, i) => h("label", { class: "opcao" },
        h("input", { type: "checkbox", value: o.value, id: `${id}-${i}` }), h("span", { text: o.label })));
      const chosen = () => boxes.map((l) => l.firstChild).filter((b) => b.checked);
      const go = () => {
        const picked = chosen();
        if (!picked.length && prompt.skip) this.answer(prompt.skip.value, prompt.skip.label);
        else this.answer(picked.map((b) => b.value), picked.map((b) => b.nextSibling.textContent).join("; "));
      };
      return [h("fieldset", { "aria-describedby": describedBy }, h("legend", { text: prompt.label }), boxes),
        help, h("div", { class: "acoes" }, h("button", { type: "button", text: "Continuar", on: { click: go } }), skip)];
    }
    const group = h("div", { class: "opcoes", role: "group", "aria-label": prompt.text || prompt.label || "Opções",
      "aria-describedby": describedBy });
    if (prompt.options.length > 8) {
      const select = h("select", { id, "aria-label": prompt.label || prompt.text },
        h("option", { value: "", text: "Selecione" }), prompt.options.map((o) => h("option", { value: o.value, text: o.label })));
      const go = () => select.value && this.answer(select.value, select.selectedOptions[0].textContent);
      replace(group, select, h("button", { type: "button", text: "Continuar", on: { click: go } }));
    } else {
      replace(group, prompt.options.map((o) => h("button", { type: "button", class: prompt.kind === "confirm" ? null : "opcao-botao",
        text: o.label, on: { click: () => this.answer(o.value, o.label) } })));
    }
    return [help, group];
  }

  /** The citizen answered: echo it as their bubble and feed it to the conversation. */
  answer(value, echo) {
    this.replies = (this.replies || 0) + 1; // the same mistake twice is said twice
    if (echo) this.bubble({ text: echo }, true);
    this.feed({ type: "reply", value });
  }

  // -- effects -----------------------------------------------------------------------------------

  async perform(effect) {
    try {
      switch (effect.type) {
        case "searchUnits": {
          const { data } = await this.api(`/units?q=${encodeURIComponent(effect.q)}`);
          this.feed({ type: "units", units: (data && data.units) || [] });
          break;
        }
        case "loadUnit":
          this.feed({ type: "unit", unit: (await this.api(`/units/${apiPath(effect.unitId)}`)).data });
          break;
        case "join": {
          const { data } = await withProof(this.api, (headers) => this.api(`/units/${apiPath(effect.unitId)}/tickets`,
            { method: "POST", body: effect.body, headers }), this.status);
          this.feed({ type: "joined", ticket: { ticketId: data.ticketId, token: data.token, unitId: data.unitId || effect.unitId } });
          break;
        }
        case "follow":
          keep(effect.ticket);
          this.follow(effect.ticket);
          break;
        case "stop":
          this.stopFollowing();
          keep(null);
          break;
        case "followChat":
          this.followChat(effect.ticket);
          break;
        case "chatSay":
          this.feed({ type: "chat", chat: (await this.api(`/tickets/${apiPath(effect.ticket.ticketId)}/chat`,
            { method: "POST", body: { text: effect.text }, headers: bearer(effect.ticket) })).data });
          break;
        case "survey":
          await this.api(`/tickets/${apiPath(effect.ticket.ticketId)}/survey`, { method: "POST", body: effect.body, headers: bearer(effect.ticket) });
          this.feed({ type: "surveyed" });
          break;
        case "leave":
          await this.api(`/tickets/${apiPath(effect.ticket.ticketId)}`, { method: "DELETE", headers: bearer(effect.ticket) });
          this.feed({ type: "left" });
          break;
        default:
          break;
      }
    } catch (err) {
      this.feed({ type: "failed", effect: effect.type, status: err instanceof ApiError ? err.status : 0,
        problem: err instanceof ApiError ? err.problem : {} });
    }
  }

  follow(ticket) {
    this.stopFollowing();
    this.following = { ticket, etag: null, failures: 0, timer: 0 };
    this.poll(this.following);
  }

  stopFollowing() {
    if (this.following) window.clearTimeout(this.following.timer);
    window.clearInterval(this.chatTimer);
    this.following = null;
  }

  /** While called, the attendance may go on by chat: its transcript is read every few seconds. */
  followChat(ticket) {
    window.clearInterval(this.chatTimer);
    const read = () => this.api(`/tickets/${apiPath(ticket.ticketId)}/chat`, { headers: bearer(ticket) })
      .then(({ data }) => { if (this.following) this.feed({ type: "chat", chat: data }); }).catch(() => {});
    this.chatTimer = window.setInterval(read, CHAT_MS);
    read();
  }

  async poll(run) {
    if (this.following !== run) return;
    let wait = POLL_MS;
    try {
      const answer = await this.api(`/tickets/${apiPath(run.ticket.ticketId)}`, { headers: bearer(run.ticket), etag: run.etag });
      if (this.following !== run) return;
      run.failures = 0;
      this.status.textContent = "";
      if (answer.status !== 304 && answer.data) {
        run.etag = answer.etag;
        this.feed({ type: "view", view: answer.data });
      }
    } catch (err) {
      if (this.following !== run) return;
      if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
        this.feed({ type: "failed", effect: "follow", status: err.status, problem: err.problem });
        return;
      }
      run.failures += 1;
      this.status.textContent = "Sem conexão com o Balcão Virtual. Sua vaga continua guardada; tentando reconectar…";
      wait = Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** Math.min(run.failures, 3));
    }
    if (this.following === run) run.timer = window.setTimeout(() => this.poll(run), wait);
  }
}

const bearer = (ticket) => ticketAuth(ticket.token);

function helpText(text, id) {
  if (text.length <= LONG_HELP) return h("p", { class: "dica", id, text });
  return h("details", { class: "dica" }, h("summary", { text: "Saiba mais" }), h("p", { id, text }));
}

if (!customElements.get("balcao-virtual")) customElements.define("balcao-virtual", BalcaoVirtual);
