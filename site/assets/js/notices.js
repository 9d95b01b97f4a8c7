// How a citizen is told off the page (issue 13): the service worker (/sw.js) that shows notifications
// and keeps the waiting page's shell for offline use, and the "Como quer ser avisado?" choices — the
// channels the unit offers (`noticeChannels` of GET /api/units/{unit}: push, whatsapp, sms, email) with
// the contact each needs, sent with the join request or later with PUT /api/tickets/{id}/notices.
//
// A server that does not offer notices yet (no `noticeChannels`) gets no choices: the page works as
// before. A push subscription that cannot be made (no push service reachable, permission refused) never
// stops a join: the citizen joins without it and is told, with a way to try again on the waiting page.

import { h, $, $$, replace } from "./dom.js";
import { clearFieldError, setFieldError } from "./forms.js";

export const CHANNELS = ["push", "whatsapp", "sms", "email"];

/** The channels a unit offers for its notices (none when its answer lists none). */
export const offeredChannels = (unit) => (unit && Array.isArray(unit.noticeChannels) ? unit.noticeChannels : []);
const PHONE_CHANNELS = ["whatsapp", "sms"];
const WORKER_WAIT_MS = 10000;
const SUBSCRIBE_WAIT_MS = 15000;

const WHAT = {
  push: {
    label: "Notificação neste celular ou computador",
    help: "O navegador mostra um aviso quando sua vez estiver chegando e quando for chamado(a), mesmo com esta página fechada. Ele vai pedir sua permissão.",
  },
  whatsapp: {
    label: "WhatsApp",
    help: "Você recebe uma mensagem do tribunal no WhatsApp deste número.",
  },
  sms: {
    label: "Mensagem de texto (SMS)",
    help: "Você recebe uma mensagem de texto neste número.",
  },
  email: {
    label: "E-mail",
    help: "Você recebe um e-mail com o link para voltar à fila e para entrar no atendimento.",
  },
};

/** "WhatsApp e SMS": the channels in plain words. */
export function channelsText(names) {
  const words = names.filter((n) => WHAT[n]).map((n) => ({ push: "notificação", whatsapp: "WhatsApp", sms: "SMS", email: "e-mail" })[n]);
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} e ${words[words.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// The service worker

let registering = null;

/** Register /sw.js (scope /) once; resolves to the registration, or null where there is none. */
export function registerWorker() {
  if (!registering) {
    registering = "serviceWorker" in navigator
      ? navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => null)
      : Promise.resolve(null);
  }
  return registering;
}

function within(promise, ms, what) {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error(what)), ms);
    promise.then((v) => { window.clearTimeout(timer); resolve(v); }, (e) => { window.clearTimeout(timer); reject(e); });
  });
}

/** The active registration, or null (no support, or it never became active). */
async function activeWorker() {
  if (!(await registerWorker())) return null;
  try {
    return await within(navigator.serviceWorker.ready, WORKER_WAIT_MS, "service worker");
  } catch {
    return null;
  }
}

/**
 * Show a notification through the service worker (Android Chrome refuses `new Notification()` in a
 * page). `data.url` is where a click leads. Nothing happens without the permission.
 */
export async function showNotification(title, { body, tag, url, ticket }) {
  if (!("Notification" in window) || window.Notification.permission !== "granted") return;
  const registration = await activeWorker();
  const options = { body, tag, renotify: true, requireInteraction: true, data: { url, ticket },
                    icon: "/assets/img/app-192.png", actions: [{ action: "open", title: "Entrar no atendimento" }] };
  try {
    if (!registration) return;
    // A Web Push notice of the same ticket already on screen says it: one notification, not two.
    if ((await registration.getNotifications({ tag })).length) return;
    await registration.showNotification(title, options);
  } catch {
    /* a notification is a courtesy: the page still beeps and flashes */
  }
}

// ---------------------------------------------------------------------------------------------
// Web Push subscription

export const pushSupported = () =>
  "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

function keyBytes(base64url) {
  const text = String(base64url).replace(/-/g, "+").replace(/_/g, "/");
  const raw = window.atob(text + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function sameKey(buffer, bytes) {
  if (!buffer) return false;
  const have = new Uint8Array(buffer);
  return have.length === bytes.length && have.every((b, i) => b === bytes[i]);
}

export class PushUnavailable extends Error {}

/**
 * Ask permission (call it straight from a click: browsers want a gesture) and subscribe to the push
 * service with the unit's VAPID key; the subscription as JSON, or PushUnavailable in plain pt-BR.
 */
export async function subscribePush(publicKey) {
  if (!pushSupported() || !publicKey) throw new PushUnavailable("Este navegador não recebe notificações do Balcão Virtual.");
  const asked = window.Notification.requestPermission();
  const registering = registerWorker();
  if ((await asked) !== "granted") {
    throw new PushUnavailable("As notificações não foram permitidas neste navegador. Você pode permitir nas configurações do navegador e tentar de novo.");
  }
  await registering;
  const registration = await activeWorker();
  if (!registration) throw new PushUnavailable("Este navegador não conseguiu preparar as notificações.");
  const key = keyBytes(publicKey);
  try {
    let subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription.options && subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    if (!subscription) {
      subscription = await within(registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
        SUBSCRIBE_WAIT_MS, "push service");
    }
    return subscription.toJSON();
  } catch {
    throw new PushUnavailable("Não foi possível ligar as notificações neste navegador agora.");
  }
}

// ---------------------------------------------------------------------------------------------
// "Como quer ser avisado?"

/** Digits typed as a Brazilian mobile (with or without +55) in E.164; the server judges the rest. */
export function phoneE164(typed) {
  const trimmed = String(typed || "").trim();
  if (!trimmed) return "";
  const digits = trimmed.replace(/\D/g, "");
  if (trimmed.startsWith("+")) return `+${digits}`;
  return digits.length <= 11 ? `+55${digits}` : `+${digits}`;
}

const TOLD_IN_LINE = "Escolha como o Balcão Virtual avisa você quando sua vez estiver chegando e quando for chamado(a). É opcional.";
const KEPT_WITH_TICKET = "Seu celular e seu e-mail servem só para estes avisos. Eles são apagados junto com a sua senha.";

/**
 * The choices, rendered in `container` with ids starting `prefix` (one set on the join form, one on the
 * waiting page, one on the message form). `offered`: the unit's `noticeChannels`; `saved`: {channels,
 * phone, email} chosen before; `told` and `kept`: what the citizen is told of and how long the contacts
 * are kept (the line's by default). Returns {collect, items, errorsFrom, clear}.
 */
export function noticeChoices(container, { prefix, offered, saved = {}, told = TOLD_IN_LINE, kept = KEPT_WITH_TICKET }) {
  // A kiosk is a shared computer (kiosk.js): its notifications would reach the next person, not this one.
  const shared = document.body.classList.contains("quiosque");
  const channels = CHANNELS.filter((c) => offered.includes(c) && (c !== "push" || (pushSupported() && !shared)));
  const id = (name) => `${prefix}-${name}`;
  const chosen = new Set(saved.channels || []);
  const field = (name, label, hint, attrs) => h("div", { class: "campo", id: id(`campo-${name}`), hidden: true },
    h("label", { for: id(name), text: label }),
    h("span", { class: "dica", id: id(`${name}-dica`), text: hint }),
    h("input", { id: id(name), "aria-describedby": id(`${name}-dica`), ...attrs }),
    h("p", { class: "erro-campo", id: id(`${name}-erro`), hidden: true }));
  const boxes = channels.map((c) => h("label", { class: "opcao" },
    h("input", { type: "checkbox", name: "aviso", value: c, id: id(`canal-${c}`), checked: chosen.has(c),
                 "aria-describedby": id(`canal-${c}-dica`) }),
    h("span", {}, ` ${WHAT[c].label}`, h("span", { class: "dica", id: id(`canal-${c}-dica`), text: WHAT[c].help }))));
  replace(container,
    h("fieldset", { id: id("canais"), class: "avisos" },
      h("legend", { text: "Como quer ser avisado?" }),
      h("p", { class: "dica", id: id("dica"), text: told }),
      h("div", {}, boxes),
      h("p", { class: "erro-campo", id: id("canais-erro"), hidden: true }),
      field("telefone", "Celular com DDD (para WhatsApp e SMS)", "Exemplo: (92) 99123-4567. O número +55 do Brasil é colocado sozinho.",
        { type: "tel", inputmode: "tel", autocomplete: "tel", value: saved.phone || "" }),
      field("email", "E-mail", "Exemplo: maria@exemplo.com.br",
        { type: "email", inputmode: "email", autocomplete: "email", spellcheck: "false", value: saved.email || "" }),
      h("p", { class: "dica", id: id("privacidade"), text: kept }),
      h("p", { class: "aviso alerta", id: id("push-status"), role: "status", hidden: true })));

  const checked = () => $$(`input[name="aviso"]:checked`, container).map((el) => el.value);
  const sync = () => {
    const on = checked();
    $(`#${id("campo-telefone")}`).hidden = !on.some((c) => PHONE_CHANNELS.includes(c));
    $(`#${id("campo-email")}`).hidden = !on.includes("email");
  };
  container.addEventListener("change", sync);
  sync();

  let sent = []; // the channels in the order of the last request's items, to place its errors

  return {
    channels,
    wantsPush: () => checked().includes("push"),
    /** The items without the push subscription ({items, errors, phone, email}). */
    collect() {
      const errors = [];
      const items = [];
      const phone = $(`#${id("telefone")}`).value.trim();
      const email = $(`#${id("email")}`).value.trim();
      for (const channel of checked()) {
        if (channel === "push") continue;
        if (PHONE_CHANNELS.includes(channel)) {
          if (!phone) errors.push({ id: id("telefone"), message: "Informe o número do celular com DDD." });
          else items.push({ channel, phone: phoneE164(phone) });
        } else if (channel === "email") {
          if (!email) errors.push({ id: id("email"), message: "Informe o e-mail." });
          else items.push({ channel, email });
        }
      }
      const unique = errors.filter((e, i) => errors.findIndex((o) => o.id === e.id) === i);
      return { items, errors: unique, phone, email };
    },
    /** Remember which item is which before a request, to place its refusal. */
    sending(items) {
      sent = items.map((item) => item.channel);
    },
    /** API field (`notices[1].phone`) → this form's field id. */
    fieldOf(key) {
      const match = /^notices(?:\[(\d+)\])?(?:\.(\w+))?/.exec(key);
      if (!match) return null;
      const channel = match[1] !== undefined ? sent[Number(match[1])] : "";
      if (channel === "push" || match[2] === "subscription") return id("canais");
      if (match[2] === "phone" || PHONE_CHANNELS.includes(channel)) return id("telefone");
      if (match[2] === "email" || channel === "email") return id("email");
      return id("canais");
    },
    pushStatus(text) {
      const line = $(`#${id("push-status")}`);
      line.textContent = text || "";
      line.hidden = !text;
    },
    clear() {
      for (const name of ["telefone", "email", "canais"]) clearFieldError(id(name));
    },
    showErrors(errors) {
      for (const e of errors) setFieldError(e.id, e.message);
    },
  };
}

/** Field errors of a refusal, keyed by this page's ids through `fieldOf` (others are left out). */
export function mapProblem(err, fieldOf) {
  const errors = (err && err.problem && err.problem.errors) || {};
  const mapped = {};
  for (const [key, message] of Object.entries(errors)) {
    const target = fieldOf(key);
    if (target) mapped[target] = String(message);
    else mapped[key] = String(message);
  }
  return mapped;
}

/**
 * What a form with the choices (`optIn`, null when the unit offers none) gives `handleSubmit`: API
 * fields (`notices[i].phone` …) placed next to the choices, and the body with the chosen items.
 * `withPush(body, publicKey)` adds the push subscription (asked inside the click: browsers show the
 * permission prompt only after a gesture) and returns why push could not be set up ("" when it was, or
 * was not asked for); the request then goes without it.
 */
export function submitWithChoices(optIn, collectAnswers) {
  return {
    fields: new Proxy({}, { get: (_, key) => (optIn && typeof key === "string" ? optIn.fieldOf(key) : null) }),
    collect() {
      const answers = collectAnswers();
      if (!optIn) return answers;
      const notices = optIn.collect();
      const body = { ...answers.body };
      if (notices.items.length) body.notices = notices.items;
      return { body, errors: [...answers.errors, ...notices.errors] };
    },
    async withPush(body, publicKey) {
      let note = "";
      if (optIn && optIn.wantsPush()) {
        try {
          const subscription = await subscribePush(publicKey);
          body.notices = [...(body.notices || []), { channel: "push", subscription }];
        } catch (err) {
          if (!(err instanceof PushUnavailable)) throw err;
          note = err.message;
        }
      }
      if (optIn) optIn.sending(body.notices || []);
      return note;
    },
  };
}

/**
 * A citizen form's "Como quer ser avisado?" in the `#{prefix}s` block it adds right after the questions
 * (`#perguntas`; empty when the unit offers no channel; `told` and `kept` as in noticeChoices) and what
 * handleSubmit takes from it (submitWithChoices).
 */
export function formChoices(unit, { prefix, told, kept }, collectAnswers) {
  const offered = offeredChannels(unit);
  const container = h("div", { id: `${prefix}s` });
  $("#perguntas").after(container);
  const optIn = offered.length ? noticeChoices(container, { prefix, offered, told, kept }) : null;
  return submitWithChoices(optIn, collectAnswers); // told, kept: undefined takes noticeChoices' defaults
}
