// Additions to the queue page (index.html) for scheduling and the asynchronous channel, kept apart from
// citizen.js: on a unit's page, links to book a time (when the unit lets citizens book now) and to send
// a text message (when the unit has the asynchronous channel); after an attendance, the follow-up the
// clerk booked (Resolução CNJ nº 372/2021, art. 4º), with the link that follows it.

import { api, apiPath, ticketAuth } from "./api.js";
import { h, $, replace } from "./dom.js";
import { APPOINTMENTS, appointmentLink, remember, storedTicket } from "./stored.js";

async function unitOptions(unitId) {
  const box = $("#entrada-outros");
  if (!box) return;
  const [slots, channel] = await Promise.all([
    api(`/units/${apiPath(unitId)}/slots?days=1`).then((r) => r.data).catch(() => null),
    api(`/units/${apiPath(unitId)}/async-channel`).then((r) => r.data).catch(() => null),
  ]);
  const items = [];
  if (slots && slots.enabled && slots.selfBooking && slots.selfBooking.allowed) {
    items.push(h("li", {},
      h("a", { href: `agendar.html?unidade=${encodeURIComponent(unitId)}`, text: "Agendar um horário" }),
      ` — ${slots.selfBooking.message}`));
  }
  if (channel && channel.enabled) {
    items.push(h("li", {},
      h("a", { href: `mensagem.html?unidade=${encodeURIComponent(unitId)}`, text: "Enviar uma mensagem de texto" }),
      ` — ${channel.responseTimeText}`));
  }
  if (!items.length) return;
  replace(box, h("h2", { text: "Outras formas de atendimento desta unidade" }), h("ul", {}, items));
  box.hidden = false;
}

const FOLLOW_UP_TRIES = 18; // the clerk may book it just after finishing: look again for 3 minutes
const FOLLOW_UP_EVERY_MS = 10000;

async function showFollowUp(ticket, tries = FOLLOW_UP_TRIES) {
  const box = $("#fim-retorno");
  if (!box || !ticket) return;
  let offered;
  try {
    offered = (await api(`/tickets/${apiPath(ticket.ticketId)}/follow-up`, {
      headers: ticketAuth(ticket.token),
    })).data;
  } catch {
    // none booked (yet), or not reachable now
    if (tries > 1 && !$("#painel-fim").hidden) {
      window.setTimeout(() => showFollowUp(ticket, tries - 1), FOLLOW_UP_EVERY_MS);
    }
    return;
  }
  remember(APPOINTMENTS, offered.appointmentId, { token: offered.token, unitId: ticket.unitId, unitName: ticket.unitName });
  const link = appointmentLink(offered.appointmentId, offered.token);
  replace(box,
    h("h2", { text: "Seu retorno foi agendado" }),
    h("p", { text: `O servidor agendou a continuação do seu atendimento para ${offered.when}.` }),
    h("p", {}, h("a", { class: "botao", href: link, text: "Ver o agendamento" })),
    h("p", { class: "dica", text: "Guarde o link do agendamento: por ele você acompanha, remarca ou cancela o horário." }));
  box.hidden = false;
}

function main() {
  const unitId = new URLSearchParams(window.location.search).get("unidade");
  if (unitId && !storedTicket()) unitOptions(unitId);
  const end = $("#painel-fim");
  if (!end) return;
  let shownFor = "";
  const check = () => {
    const ticket = storedTicket();
    if (!end.hidden && ticket && ticket.ticketId !== shownFor) {
      shownFor = ticket.ticketId;
      showFollowUp(ticket);
    }
  };
  new MutationObserver(check).observe(end, { attributes: true, attributeFilter: ["hidden"] });
  check();
}

main();
