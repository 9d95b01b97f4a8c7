// The conversation of an attendance by chat as the queue page and the clerk console show it, written
// once: the transcript (a log, announced politely), a text box with a live count and "Enviar". The
// messages are text nodes (dom.js), never HTML; the API refuses markup and attachments anyway.

import { h, replace } from "./dom.js";
import { timeOf } from "./format.js";

export const MAX_TEXT = 500; // domain/usecases/chat.py

/**
 * A chat panel. `me`: "citizen" | "clerk" (whose lines are "Você"); `send(text)` posts a message and
 * resolves to the new transcript, or throws an ApiError whose message is shown. Returns {el, show(chat)}.
 */
export function chatPanel({ id, title, me, send, timezone }) {
  const log = h("ol", { class: "chat-linhas" });
  const box = h("textarea", { id: `${id}-texto`, rows: 3, maxlength: String(MAX_TEXT), "aria-describedby": `${id}-dica` });
  const error = h("p", { class: "erro-campo", id: `${id}-erro`, role: "alert", hidden: true });
  const button = h("button", { type: "submit", text: "Enviar mensagem" });
  const form = h("form", { class: "chat-form", novalidate: true },
    h("label", { for: box.id, text: "Sua mensagem" }),
    h("p", { class: "dica", id: `${id}-dica`, text: `Apenas texto, até ${MAX_TEXT} caracteres. Não envie documentos do processo.` }),
    box, error, h("div", { class: "acoes" }, button));
  const el = h("section", { class: "chat cartao", id, "aria-labelledby": `${id}-titulo` },
    h("h2", { id: `${id}-titulo`, text: title }),
    h("div", { class: "chat-rolagem", role: "log", "aria-live": "polite", "aria-label": "Mensagens", tabindex: "0" }, log),
    form);
  let shown = 0;

  function show(chat) {
    const lines = (chat && chat.lines) || [];
    if (lines.length < shown) { replace(log); shown = 0; }
    for (const line of lines.slice(shown)) {
      const mine = line.author === me;
      log.append(h("li", { class: `chat-linha ${mine ? "minha" : "outra"}` },
        h("span", { class: "chat-quem", text: `${mine ? "Você" : line.author === "clerk" ? "Servidor(a)" : "Cidadão(ã)"} · ${timeOf(line.at, timezone)}` }),
        h("span", { class: "chat-texto", text: line.text })));
    }
    shown = lines.length;
    log.parentElement.scrollTop = log.parentElement.scrollHeight;
    form.hidden = !(chat && chat.open);
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = box.value.trim();
    error.hidden = true;
    box.removeAttribute("aria-invalid");
    if (!text) return;
    button.disabled = true;
    try {
      show(await send(text));
      box.value = "";
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      box.setAttribute("aria-invalid", "true");
    } finally {
      button.disabled = false;
      box.focus();
    }
  });
  return { el, show };
}
