// Parse Adaptive Cards with the official `adaptivecards` package and report every problem it sees.
//
// stdin: a JSON array; each item is a card, or a Teams webhook payload whose attachments carry cards.
// stdout: a JSON array, one result per item:
//   {events: [...parse events...], validation: [...validateProperties events...],
//    droppedKeys: ["path", ...], version: "1.4", error: null}
// `droppedKeys` lists properties present in the input but absent from the parser's own serialization
// of the card: the parser ignores unknown properties silently, so this is how a typo (or a property the
// target version does not have) shows up. Parsing targets schema 1.4 (what Teams Workflows accepts).
//
// The dist bundle loads without a DOM as long as nothing is rendered; lib/ does not resolve under Node.
"use strict";

const path = require("path");
const AC = require(path.join(__dirname, "..", "..", "node_modules", "adaptivecards", "dist", "adaptivecards.js"));

// Present in valid cards but not round-tripped by the parser.
const IGNORED_KEYS = new Set(["$schema"]);

function droppedKeys(input, output, where, out) {
  if (Array.isArray(input)) {
    input.forEach((item, i) => {
      const other = Array.isArray(output) ? output[i] : undefined;
      if (other === undefined) out.push(`${where}[${i}]`);
      else droppedKeys(item, other, `${where}[${i}]`, out);
    });
    return out;
  }
  if (input !== null && typeof input === "object") {
    for (const key of Object.keys(input)) {
      if (IGNORED_KEYS.has(key)) continue;
      const other = output !== null && typeof output === "object" ? output[key] : undefined;
      if (other === undefined) {
        // The serializer omits values equal to their default; `null` inputs are dropped too.
        if (input[key] !== null) out.push(`${where}.${key}`);
      } else {
        droppedKeys(input[key], other, `${where}.${key}`, out);
      }
    }
  }
  return out;
}

function describe(event) {
  return {
    phase: event.phase,
    event: event.event,
    eventName: AC.ValidationEvent[event.event],
    message: event.message,
  };
}

function check(cardJson) {
  const result = { events: [], validation: [], droppedKeys: [], version: null, error: null };
  try {
    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext(AC.Versions.v1_4);
    card.parse(cardJson, context);
    for (let i = 0; i < context.eventCount; i++) result.events.push(describe(context.getEventAt(i)));
    const validation = card.validateProperties();
    result.validation = validation.validationEvents.map(describe);
    result.version = card.version ? card.version.toString() : null;
    const roundTrip = card.toJSON(new AC.SerializationContext(AC.Versions.v1_4));
    result.droppedKeys = droppedKeys(cardJson, roundTrip, "$", []);
  } catch (err) {
    result.error = String(err && err.stack ? err.stack : err);
  }
  return result;
}

function cardsOf(item) {
  if (item && item.type === "message" && Array.isArray(item.attachments)) {
    return item.attachments.map((a) => a.content);
  }
  return [item];
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const items = JSON.parse(input);
  const results = items.map((item) => {
    const perCard = cardsOf(item).map(check);
    if (perCard.length === 1) return perCard[0];
    return {
      events: perCard.flatMap((r) => r.events),
      validation: perCard.flatMap((r) => r.validation),
      droppedKeys: perCard.flatMap((r) => r.droppedKeys),
      version: perCard.map((r) => r.version).join(","),
      error: perCard.map((r) => r.error).filter(Boolean).join("\n") || null,
    };
  });
  process.stdout.write(JSON.stringify(results));
});
