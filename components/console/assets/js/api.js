// The API client: the key lives in sessionStorage only (never localStorage, never a URL);
// every call goes to this origin with `Authorization: Bearer`.

const TOKEN_KEY = "cadenya.apiKey";
const WS_KEY = "cadenya.workspace";

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** What to show a person: status, code and the server's message. */
  describe() {
    if (!this.status) return this.message;
    return `${this.message} (HTTP ${this.status}${this.code ? ` ${this.code}` : ""})`;
  }
}

export const session = {
  me: null,
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  get workspaceId() {
    return sessionStorage.getItem(WS_KEY) || this.me?.workspace?.metadata?.id || this.me?.workspaces?.[0]?.metadata?.id || null;
  },
  set workspaceId(id) {
    sessionStorage.setItem(WS_KEY, id);
  },
  signIn(token, me) {
    sessionStorage.setItem(TOKEN_KEY, token);
    this.me = me;
    const reach = (me.workspaces || []).map((w) => w.metadata.id);
    const stored = sessionStorage.getItem(WS_KEY);
    if (!stored || !reach.includes(stored)) {
      const first = me.workspace?.metadata?.id || reach[0];
      if (first) sessionStorage.setItem(WS_KEY, first);
      else sessionStorage.removeItem(WS_KEY);
    }
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(WS_KEY);
    this.me = null;
  },
  get scopes() {
    return this.me?.scopes || [];
  },
  get workspace() {
    const id = this.workspaceId;
    return (this.me?.workspaces || []).find((w) => w.metadata.id === id) || this.me?.workspace || null;
  },
};

/** Whether the key's scopes allow `scope` (`*` is everything; `x:write` implies `x:read`). */
export function can(scope) {
  const scopes = session.scopes;
  if (scopes.includes("*") || scopes.includes(scope)) return true;
  const [resource, action] = scope.split(":");
  return action === "read" && scopes.includes(`${resource}:write`);
}

/** Listeners for a 401 (the key was revoked, rotated or disabled). */
const unauthorizedHandlers = [];
export function onUnauthorized(fn) {
  unauthorizedHandlers.push(fn);
}

function query(params) {
  if (!params) return "";
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The canonical path of a workspace route: ws("/agents") → /v1/workspaces/{ws}/agents. */
export function ws(path) {
  const id = session.workspaceId;
  if (!id) throw new ApiError(0, "no_workspace", "This key reaches no workspace.");
  return `/v1/workspaces/${encodeURIComponent(id)}${path}`;
}

export async function parseError(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  const err = body?.error;
  return new ApiError(res.status, err?.code || "http_error", err?.message || `${res.status} ${res.statusText}`,
    Array.isArray(err?.details) ? err.details : []);
}

/** Calls the API; returns the parsed JSON (null for 204) or throws ApiError. */
export async function api(method, path, { body, params, signal, token = session.token, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, cache: "no-store" };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path + query(params), init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "Could not reach the server. Check your connection and try again.");
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (res.status === 401 && token === session.token) unauthorizedHandlers.forEach((fn) => fn(err));
    throw err;
  }
  if (res.status === 204) return null;
  return res.json();
}

export const get = (path, params, opts = {}) => api("GET", path, { ...opts, params });
export const post = (path, body, opts = {}) => api("POST", path, { ...opts, body });

/** One page of a list: {items, nextCursor, total}. */
export async function page(path, params, opts) {
  const res = await get(path, params, opts);
  return { items: res.items || [], nextCursor: res.pagination?.nextCursor || null, total: res.pagination?.total };
}

/** Every item of a list, following cursors (at most `max` items). */
export async function all(path, params = {}, { max = 1000, signal } = {}) {
  const items = [];
  let cursor = null;
  do {
    const p = await page(path, { limit: 200, ...params, cursor }, { signal });
    items.push(...p.items);
    cursor = p.nextCursor;
  } while (cursor && items.length < max);
  return items;
}
