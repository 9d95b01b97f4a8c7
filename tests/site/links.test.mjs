// The ticket a link hands to the waiting page (site/assets/js/stored.js `ticketFromLink`, issue 13): the
// kiosk's `?senha={id}#t={token}` and a notice's `#u={unit}&t={id}.{token}`. The token is read from the
// fragment only. Ticket ids are `{unit}.{yyyymmdd}.{code}` (domain/tickets.py), tokens `{key}.{mac}`
// (domain/tokens.py). Run by tests/site/test_conversation.py (node --test).

import { test } from "node:test";
import assert from "node:assert/strict";

import { ticketFromLink } from "../../site/assets/js/stored.js";

const ID = "trf1-sjac-02vf.20261201.ab12cd34ef";
const TOKEN = "k1.wTuKHe1zCkMFOcoZS1LEKnPoy2i9MEJ1Uh41i1oAYcI";
const at = (href) => ticketFromLink(new URL(href, "https://balcao.example/"));

test("a notice's link: the ticket and the token after t= in the fragment", () => {
  assert.deepEqual(at(`/entrar.html#u=trf1-sjac-02vf&t=${ID}.${TOKEN}`),
    { ticketId: ID, token: TOKEN, unitId: "trf1-sjac-02vf", unitName: "" });
  assert.deepEqual(at(`/#t=${ID}.${TOKEN}`), { ticketId: ID, token: TOKEN, unitId: "trf1-sjac-02vf", unitName: "" });
});

test("the kiosk's link and the fragment-only form name the ticket apart from the token", () => {
  assert.equal(at(`/?senha=${ID}#t=${TOKEN}`).token, TOKEN);
  assert.equal(at(`/?senha=${ID}#t=${TOKEN}`).ticketId, ID);
  assert.equal(at(`/#senha=${ID}&t=${TOKEN}`).ticketId, ID);
  assert.equal(at(`/#senha=${ID}&t=${ID}.${TOKEN}`).token, TOKEN);
});

test("a token in the query string is never taken, nor a link without one", () => {
  assert.equal(at(`/?senha=${ID}&t=${TOKEN}`), null);
  assert.equal(at(`/?t=${ID}.${TOKEN}`), null);
  assert.equal(at(`/?senha=${ID}`), null);
  assert.equal(at("/#t=k1.abc"), null); // a token alone names no ticket
  assert.equal(at("/"), null);
});
