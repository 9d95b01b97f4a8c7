// The proof of work a unit near its cap asks for (issue 16; the rule is the API's, functions/proof.py), for
// the join form, the booking form and the widget alike.
//
// When: only after the API answers 428 (`verificacao-necessaria`). A page does not ask up front: in quiet
// times nothing is asked, so a citizen then pays nothing (no extra request, no work), and only the API knows
// the unit's pressure at the moment of the join. On a 428 the page fetches the challenge the answer names
// (`challenge`, GET /api/units/{unit}/challenge), solves it, and sends the same request once more with the
// solution in the `X-Balcao-Proof` header; a second refusal is shown as any other.
//
// What the citizen sees meanwhile: one plain line in a `role="status"` element ("Verificando que você não é
// um robô… isso leva alguns segundos"). Nothing to click, no third-party origin, no tracking: the challenge
// comes from our API and the work is done in the citizen's browser.
//
// How: ALTCHA's PoW v2 (PBKDF2/SHA-256, the challenge's `cost` iterations a try). The solver is the npm
// `altcha` package's own PBKDF2 worker, vendored unchanged in assets/vendor/altcha/ (pinned in package.json;
// tests/site/test_altcha_vendored.py compares the bytes). Not the package's <altcha-widget>: it starts its
// workers from blob: URLs and adds a <style> element, both refused by our Content-Security-Policy
// (script-src 'self', so workers from this origin only; style-src 'self'), and it shows a checkbox where the
// citizen needs only a line of text. The worker keeps the page responsive while it works.
//
// The widget runs on a court's own site, another origin, where a browser starts no worker from our origin;
// there the same search runs on the page itself (`solveHere`, a few lines on WebCrypto: every try is an
// await, so the page still responds). Both send the payload ALTCHA's libraries verify: base64 of
// {"challenge": …, "solution": {"counter", "derivedKey"}}.

import { ApiError } from "./api.js";

export const WORKING = "Verificando que você não é um robô… isso leva alguns segundos.";
export const HEADER = "X-Balcao-Proof";
const WORKER = new URL("../vendor/altcha/pbkdf2.js", import.meta.url);
const TOO_LONG = "A verificação demorou demais. Tente de novo.";
const MAX_MS = 90_000;

/**
 * `send(headers)` (the API call) once; when the API answers 428, solve the challenge it names, saying
 * WORKING in `status` (a role="status" element) meanwhile, and `send` once more with the proof.
 */
export async function withProof(api, send, status) {
  try {
    return await send({});
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 428 && typeof err.problem.challenge === "string")) throw err;
    status.textContent = WORKING;
    try {
      const path = err.problem.challenge.replace(/^\/api(?=\/)/, "");
      const { data } = await api(path);
      return await send({ [HEADER]: await solved(data) });
    } finally {
      status.textContent = "";
    }
  }
}

/** The payload for `X-Balcao-Proof`: the challenge and the counter found, base64 JSON. */
async function solved(challenge) {
  const left = Number(challenge.parameters.expiresAt) * 1000 - Date.now();
  const timeout = Math.max(1000, Math.min(MAX_MS, Number.isFinite(left) ? left : MAX_MS));
  const solution = await (inWorker(challenge, timeout) || solveHere(challenge, timeout));
  if (!solution) throw new ApiError(428, { detail: TOO_LONG });
  const json = JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } });
  return btoa(String.fromCharCode(...new TextEncoder().encode(json)));
}

/** The vendored worker's answer (null when it gave up), or null at once when no worker can start here. */
function inWorker(challenge, timeout) {
  let worker;
  try {
    if (window.location.origin !== WORKER.origin) return null; // the widget on a court's site
    worker = new Worker(WORKER);
  } catch {
    return null;
  }
  return new Promise((resolve, reject) => {
    const done = () => worker.terminate();
    worker.onmessage = ({ data }) => {
      done();
      if (data && data.error) reject(new ApiError(0, { detail: TOO_LONG }));
      else resolve(data);
    };
    worker.onerror = () => {
      done();
      resolve(solveHere(challenge, timeout));
    };
    worker.postMessage({ type: "work", challenge, timeout });
  });
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text) => Uint8Array.from(text.match(/../g) || [], (pair) => Number.parseInt(pair, 16));
const DIGESTS = { "PBKDF2/SHA-256": "SHA-256", "PBKDF2/SHA-384": "SHA-384", "PBKDF2/SHA-512": "SHA-512" };

/** The same search on this page: the password is the nonce and the counter (32 bits, big-endian). */
async function solveHere(challenge, timeout) {
  const { algorithm, nonce, salt, cost, keyLength = 32, keyPrefix } = challenge.parameters;
  const hash = DIGESTS[algorithm];
  if (!hash) throw new ApiError(0, { detail: TOO_LONG });
  const start = Date.now();
  const head = fromHex(nonce);
  const password = new Uint8Array(head.length + 4);
  password.set(head);
  const view = new DataView(password.buffer);
  for (let counter = 0; Date.now() - start < timeout; counter += 1) {
    view.setUint32(head.length, counter, false);
    const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", salt: fromHex(salt), iterations: cost, hash }, key, keyLength * 8);
    const derivedKey = hex(new Uint8Array(bits));
    if (derivedKey.startsWith(keyPrefix)) return { counter, derivedKey };
  }
  return null;
}
