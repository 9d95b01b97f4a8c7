// What a join request goes through before it is sent, for the queue page's form and the widget alike.
// A module that must add to the request (the proof of work a unit near its cap asks for, issue 16)
// registers a hook with `beforeJoin` and is imported by citizen.js and balcao-virtual.js; the legal-basis
// notice (privacy.js) is shown by the form and said by the conversation.

const hooks = [];

/** Register `hook(body, {unitId, api})` → the body to send (may be async; may add fields). */
export function beforeJoin(hook) {
  hooks.push(hook);
}

/** The request body after every registered hook, in the order they were registered. */
export async function prepareJoin(body, context) {
  let out = body;
  for (const hook of hooks) out = await hook(out, context);
  return out;
}
