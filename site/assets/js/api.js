// The Balcão Virtual API as the pages use it: JSON in, JSON out, RFC 9457 problems turned into
// ApiError (status + problem document with a pt-BR `detail` and per-field `errors`).

// Same origin by default (Static Web App with the Functions app linked as its backend, or the dev host).
// A page may point elsewhere with <meta name="balcao-api" content="https://…/api">; that origin must
// then also be added to connect-src in the page's Content-Security-Policy, and allowed by CORS.
const meta = document.querySelector('meta[name="balcao-api"]');
export const API_BASE = (meta && meta.content ? meta.content : "/api").replace(/\/$/, "");

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || "Erro ao falar com o servidor.");
    this.status = status;
    this.problem = problem || {};
  }

  get fields() {
    return (this.problem && this.problem.errors) || {};
  }
}

// Extra headers for some paths (the Teams SSO token for the staff API, set by teams.js).
// A citizen's ticket token, in its own header: a Static Web App replaces `Authorization` on its way to its
// linked Function App (README, "Who decides who is staff"); the functions read this header first.
export const ticketAuth = (token) => ({ "X-Balcao-Authorization": `Bearer ${token}` });

let authorization = null;

/** `headers()` (async) is added to every request whose path `applies(path)`. */
export function setAuthorization(headers, applies) {
  authorization = { headers, applies };
}

const OFFLINE = {
  title: "Sem conexão",
  detail: "Não foi possível falar com o Balcão Virtual. Verifique sua conexão; tentaremos de novo.",
};

const SSO_FAILED = {
  title: "Entrada pelo Teams indisponível",
  detail: "O Teams não forneceu a sua identificação. Feche e abra a aba novamente; se continuar, avise a equipe de TI.",
};

/**
 * A caller of the API at `base` (the widget, embedded in a court's page, names ours): `(path, {method,
 * body, headers, etag, signal})` returns {status, data, etag}; 304 returns data = null. Throws
 * ApiError for 4xx/5xx (status 0 when the network failed).
 */
export function apiClient(base) {
  const root = String(base).replace(/\/$/, "");
  return (path, options) => call(root, path, options);
}

async function call(root, path, { method = "GET", body, headers = {}, etag, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, cache: "no-store", signal,
                 credentials: "same-origin" };
  if (etag) init.headers["If-None-Match"] = etag;
  if (authorization && authorization.applies(path)) {
    try {
      Object.assign(init.headers, await authorization.headers());
    } catch {
      throw new ApiError(401, SSO_FAILED);
    }
  }
  // Every write says it is JSON, with a body or not: the API refuses any other (415), so that a page of
  // another site cannot post to it without the browser asking first (CORS preflight; issue 16).
  if (body !== undefined || !["GET", "HEAD"].includes(method.toUpperCase())) {
    init.headers["Content-Type"] = "application/json";
  }
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(`${root}${path}`, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, OFFLINE);
  }
  const tag = response.headers.get("ETag");
  if (response.status === 304) return { status: 304, data: null, etag: tag || etag };
  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (response.status !== 204 && /json/.test(type)) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const problem = data && typeof data === "object" ? data : {
      title: response.statusText || "Erro",
      status: response.status,
      detail: response.status >= 500
        ? "O serviço está indisponível no momento. Tente novamente em instantes."
        : "A solicitação não pôde ser atendida.",
    };
    const error = new ApiError(response.status, problem);
    error.retryAfter = Number.parseInt(response.headers.get("Retry-After") || "", 10) || 0;
    throw error;
  }
  return { status: response.status, data, etag: tag };
}

/** The API of this site (or of `<meta name="balcao-api">`). */
export const api = apiClient(API_BASE);

export const apiPath = (...parts) => parts.map((p) => encodeURIComponent(p)).join("/");
