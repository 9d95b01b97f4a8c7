// The proof of work a unit near its cap asks for (issue 16; the rule: functions/proof.py; why and what the
// citizen sees: README), for the join form, the booking form and the widget alike.
//
// Only after the API answers 428: in quiet times nothing is asked, so nothing is fetched nor computed. Then
// the challenge the answer names is solved in the browser, with a role="status" line meanwhile, and the
// same request is sent once more with the solution in `X-Balcao-Proof` (a second refusal shows as any other).
// The solver is the npm `altcha` package's own PBKDF2 worker, vendored unchanged (assets/vendor/altcha/).
// The widget runs on a court's site, another origin, where no worker of ours may start: there the same
// search runs on the page's thread (`solveHere`, WebCrypto; each try awaits, so the page keeps answering).
// The payload is what ALTCHA's libraries verify: base64 of {"challenge", "solution": {counter, derivedKey}}.

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
  return new Promise((resolve) => {
    const done = () => worker.terminate();
    const here = () => {
      done();
      resolve(solveHere(challenge, timeout));
    };
    worker.onmessage = ({ data }) => {
      if (data && data.error) return here(); // the worker failed: the same search on the page
      done();
      resolve(data);
    };
    worker.onerror = here;
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
