// The one way the page scripts talk to the server: same-origin credentials, the page's
// language and CSRF token on every request, and one kind of error for every refusal.
// The API answers an error as {"detail": message, "code", "field"?} (app/core/errors.py).

/** The server answered, but not with success: `detail` is its message when it sent one. */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = serverMessage(body);
    super(detail || `The server answered HTTP ${status}.`);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.code = (body && body.code) || null;
    this.field = (body && body.field) || null;
  }
}

/** No answer came: the network, or the server, is down. */
export class NetworkError extends Error {
  constructor(cause) {
    super("The server could not be reached (network error).", { cause });
    this.name = "NetworkError";
  }
}

// A message a person can read: ours is a string; FastAPI's own is a list of problems.
function serverMessage(body) {
  if (!body || typeof body !== "object") return null;
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail) && body.detail.length && typeof body.detail[0].msg === "string") {
    return body.detail[0].msg;
  }
  return typeof body.message === "string" ? body.message : null;
}

/** What to tell the reader about `error`: the server's words, else the page's `fallback`. */
export function messageOf(error, fallback) {
  return error instanceof ApiError && error.detail ? error.detail : fallback;
}

/** For catch(): a refusal (ApiError) stands for `value`; no answer stays an error. */
export function refusedAs(value) {
  return (error) => {
    if (error instanceof ApiError) return value;
    throw error;
  };
}

// The token is in <meta name="csrf-token"> on every page (templates/base.html).
/** The headers every request of the page sends: its language and the CSRF token. */
export function requestHeaders(accept, extra) {
  const out = { Accept: accept, "Accept-Language": document.documentElement.lang || "da", ...extra };
  const csrf = document.querySelector("meta[name=csrf-token]");
  if (csrf) out["X-CSRF-Token"] = csrf.content;
  return out;
}

function parseJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null; // not JSON: a proxy's error page, say
  }
}

/**
 * One request. `json` goes as JSON, `form` (FormData or URLSearchParams) as a form.
 * Resolves with the answer's JSON (null for 204 No Content), or its text when `html`;
 * rejects with an ApiError (the server refused) or a NetworkError (no answer).
 */
export async function request(url, { method = "GET", json, form, html = false } = {}) {
  const extra = json === undefined ? {} : { "Content-Type": "application/json" };
  const body = json === undefined ? form : JSON.stringify(json);
  let res;
  try {
    res = await fetch(url, {
      method,
      body,
      headers: requestHeaders(html ? "text/html" : "application/json", extra),
      credentials: "same-origin",
    });
  } catch (err) {
    throw new NetworkError(err);
  }
  if (!res.ok) throw new ApiError(res.status, parseJSON(await res.text()));
  if (res.status === 204) return null;
  return html ? res.text() : res.json();
}

/**
 * One request whose answer's status and headers the caller reads itself (tus: tussend.js),
 * with the page's language and CSRF token. Resolves with the Response, whatever its status;
 * rejects with a NetworkError (no answer).
 */
export async function exchange(url, { method = "GET", headers: extra = {}, body } = {}) {
  try {
    return await fetch(url, {
      method,
      body,
      headers: requestHeaders("application/json", extra),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (err) {
    throw new NetworkError(err);
  }
}

export const getJSON = (url) => request(url);
export const getHTML = (url) => request(url, { html: true });
export const sendJSON = (method, url, json) => request(url, { method, json });
