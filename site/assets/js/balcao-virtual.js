// <balcao-virtual>: the Balcão Virtual as a conversation a court embeds in its own site with one tag,
//
//   <script type="module" src="https://<balcão>/assets/js/balcao-virtual.js"></script>
//   <balcao-virtual unidade="tjac-rbr-1vce"></balcao-virtual>      (unidade: optional, fixes the unit)
//
// A custom element with its own shadow DOM and no framework. The conversation itself (what is asked, how
// an answer is checked, the commands, the survey) is the server's, the same as on WhatsApp: this file posts
// what the citizen types or chooses to POST /api/conversa with the signed state it was last given, shows
// the messages as chat bubbles (text only, never markup) and their options as buttons, and follows the
// ticket once the citizen is in line (conversation.js says what the polls mean). `api="…"` names another
// API; by default the one beside this file. No inline script or style: the style is a constructed
// stylesheet, so the widget works under a strict Content-Security-Policy (script-src and connect-src
// must allow this origin). The place in the line is kept in the court site's localStorage.

import { ApiError, apiClient, apiPath, ticketAuth } from "./api.js";
import { WELCOME, chatStep, unitLines, viewStep } from "./conversation.js";
import { h, replace, safeUrl } from "./dom.js";
import { withProof } from "./proof.js";
import { widgetSheet } from "./balcao-virtual-style.js";

const POLL_MS = 1500;
const CHAT_MS = 2000;
const MAX_BACKOFF_MS = 10000;
const STORE = "balcao.widget.senha";
const DEFAULT_API = new URL("../../api", import.meta.url).href;
const UNREACHABLE = "Não foi possível falar com o Balcão Virtual. Verifique sua conexão e tente de novo.";

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
    this.scroller = h("div", { class: "rolagem", role: "log", "aria-live": "polite", "aria-label": "Conversa", tabindex: "0" }, this.log);
    root.append(h("section", { class: "bv", "aria-labelledby": `${this.uid}-t` },
      h("h2", { id: `${this.uid}-t`, text: "Balcão Virtual — atendimento on-line" }),
      this.scroller, this.status, this.form, this.urgent));
    this.turn = null; // the server's last answer: its signed state, the question's shape
    this.follow = { ticket: null };
    const unitId = this.getAttribute("unidade") || "";
    const ticket = stored();
    if (ticket && (!unitId || ticket.unitId === unitId)) {
      this.bubble({ text: WELCOME });
      this.bubble({ text: "Você está na fila. Vamos acompanhar a sua vez por aqui." });
      this.startFollowing(ticket);
      this.prompt([]);
    } else if (unitId) {
      this.open(unitId);
    } else {
      this.send({});
    }
  }

  disconnectedCallback() {
    this.stopFollowing();
  }

  /** A widget fixed to a unit: its summary first; a unit that does not attend now says so and stops. */
  async open(unitId) {
    try {
      const unit = (await this.api(`/units/${apiPath(unitId)}`)).data;
      if (unit.active && unit.openNow) return this.send({ unit: unitId }); // the conversation greets
      this.bubble({ text: WELCOME });
      for (const line of unitLines(unit)) this.bubble(line);
    } catch (err) {
      this.bubble({ text: err instanceof ApiError && err.status === 404 ? "Não encontrei esta unidade." : UNREACHABLE, tone: "error" });
    }
    this.form.hidden = true;
  }

  // -- the conversation --------------------------------------------------------------------------

  /** Post one message (or the opening) to the conversation and show its answer. */
  async send(message, quiet = false) {
    const ticket = this.follow.ticket;
    const body = this.turn ? { state: this.turn.state, ...message }
      : ticket ? { ticketId: ticket.ticketId, token: ticket.token, ...message } : message;
    this.scroller.setAttribute("aria-busy", "true");
    this.form.inert = true; // one answer at a time: a second press must not send the same answer again
    try {
      const { data } = await withProof(this.api, (headers) => this.api("/conversa", { method: "POST", body, headers }), this.status);
      this.form.inert = false; // before the prompt takes the focus
      this.show(data);
    } catch (err) {
      if (!quiet) this.bubble({ text: (err instanceof ApiError && err.problem.detail) || UNREACHABLE, tone: "error" });
    } finally {
      this.scroller.removeAttribute("aria-busy");
      this.form.inert = false;
    }
  }

  show(turn) {
    this.turn = turn;
    if (turn.unit) for (const line of unitLines(turn.unit)) this.bubble(line);
    const errorId = `${this.uid}-erro`;
    this.log.querySelector(`#${errorId}`)?.removeAttribute("id"); // the box is described by the latest refusal
    for (const m of turn.messages) this.bubble({ text: m.text.replace(/\*/g, ""), tone: m.error ? "error" : "" }, false, m.error ? errorId : null);
    const had = this.follow.ticket;
    if (turn.ticket && (!had || had.ticketId !== turn.ticket.ticketId)) {
      this.startFollowing({ ticketId: turn.ticket.ticketId, token: turn.ticket.token, unitId: turn.ticket.ticketId.split(".")[0] });
    } else if (!turn.ticket && had) {
      this.stopFollowing();
      keep(null);
      this.follow = { ticket: null };
    }
    this.prompt(turn.messages, turn.messages.some((m) => m.error));
  }

  /** The citizen answered: echo it as their bubble and send it. */
  answer(message, echo) {
    if (echo) this.bubble({ text: echo }, true);
    if (this.follow.chatMode === "chat") return this.chatSay(message.text || "");
    return this.send(message);
  }

  // -- the bubbles -------------------------------------------------------------------------------

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

  // -- the prompt: the options of the last message, and a box to write in -------------------------

  prompt(messages, refused = false) {
    const turn = this.turn || {};
    const options = [...messages].reverse().find((m) => m.options.length)?.options || [];
    const id = `${this.uid}-resposta`;
    const chat = this.follow.chatMode === "chat";
    const input = h("input", { id, type: "text", autocomplete: "off", "aria-invalid": refused ? "true" : null,
      "aria-describedby": refused ? `${this.uid}-erro` : null });
    const sendText = () => input.value.trim() && this.answer({ text: input.value }, input.value.trim());
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); sendText(); } });
    const controls = [];
    if (options.length && turn.multiple && !chat) {
      const boxes = options.map((o, i) => h("label", { class: "opcao" },
        h("input", { type: "checkbox", value: o.id, id: `${id}-${i}` }), h("span", { text: o.label })));
      const go = () => {
        const picked = boxes.map((l) => l.firstChild).filter((b) => b.checked);
        if (!picked.length) return this.answer({ text: "0" }, "Nenhuma das opções");
        return this.answer({ text: picked.map((b) => b.value).join(", ") }, picked.map((b) => b.nextSibling.textContent).join("; "));
      };
      controls.push(h("fieldset", {}, h("legend", { text: "Marque as opções" }), boxes), h("div", { class: "acoes" },
        h("button", { type: "button", text: "Continuar", on: { click: go } }),
        h("button", { type: "button", class: "secundario", text: "Nenhuma das opções", on: { click: () => this.answer({ text: "0" }, "Nenhuma das opções") } })));
    } else if (options.length && !chat) {
      controls.push(h("div", { class: "opcoes", role: "group", "aria-label": "Opções" },
        options.map((o) => h("button", { type: "button", class: "opcao-botao", text: o.label,
          on: { click: () => this.answer({ option: o.id }, o.label) } }))));
    }
    const skip = turn.optional && !turn.multiple && !chat
      ? h("button", { type: "button", class: "secundario", text: "Pular", on: { click: () => this.answer({ text: "0" }, "Pular") } }) : null;
    controls.push(h("label", { for: id, text: chat ? "Sua mensagem" : "Sua resposta" }), h("div", { class: "linha" }, input),
      h("div", { class: "acoes" }, h("button", { type: "button", text: "Enviar", on: { click: sendText } }), skip));
    this.form.hidden = false;
    replace(this.form, controls);
    const first = this.form.querySelector("input, button");
    if (first && this.isConnected) first.focus({ preventScroll: true });
  }

  // -- following the ticket ----------------------------------------------------------------------

  startFollowing(ticket) {
    keep(ticket);
    this.follow = { ...this.follow, ticket, view: null };
    this.stopFollowing();
    this.following = { ticket, etag: null, failures: 0, timer: 0 };
    this.poll(this.following);
  }

  stopFollowing() {
    if (this.following) window.clearTimeout(this.following.timer);
    window.clearInterval(this.chatTimer);
    this.following = null;
  }

  step({ follow, lines, effects }) {
    const chatBefore = this.follow.chatMode === "chat";
    this.follow = follow;
    for (const line of lines) this.bubble(line);
    for (const effect of effects) {
      if (effect.type === "follow") this.startFollowing(effect.ticket);
      else if (effect.type === "stop") { this.stopFollowing(); keep(null); this.follow = { ticket: null }; }
      else if (effect.type === "followChat") this.followChat(follow.ticket);
      else if (effect.type === "survey") this.send({ text: "posição" }, true); // the machine asks the survey
    }
    if ((this.follow.chatMode === "chat") !== chatBefore) this.prompt([]); // chat: the box writes to the clerk
  }

  /** While called, the attendance may go on by chat: its transcript is read every few seconds. */
  followChat(ticket) {
    window.clearInterval(this.chatTimer);
    const read = () => this.api(`/tickets/${apiPath(ticket.ticketId)}/chat`, { headers: bearer(ticket) })
      .then(({ data }) => { if (this.following) this.step(chatStep(this.follow, data)); }).catch(() => {});
    this.chatTimer = window.setInterval(read, CHAT_MS);
    read();
  }

  async chatSay(text) {
    const ticket = this.follow.ticket;
    try {
      const { data } = await this.api(`/tickets/${apiPath(ticket.ticketId)}/chat`, { method: "POST", body: { text }, headers: bearer(ticket) });
      this.step(chatStep(this.follow, data));
    } catch (err) {
      this.bubble({ text: (err instanceof ApiError && err.problem.detail) || UNREACHABLE, tone: "error" });
    }
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
        this.step(viewStep(this.follow, answer.data));
      }
    } catch (err) {
      if (this.following !== run) return;
      if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
        this.bubble({ text: "Esta senha não é mais válida. Se precisar de atendimento, entre na fila novamente." });
        this.step({ follow: { ticket: null }, lines: [], effects: [{ type: "stop" }] });
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

if (!customElements.get("balcao-virtual")) customElements.define("balcao-virtual", BalcaoVirtual);
