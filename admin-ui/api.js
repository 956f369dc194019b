// The Admin API, as the panel uses it: a bearer session kept in sessionStorage (never a
// cookie), and every error turned into an exception carrying Strapi's envelope.

const KEY = 'vellum.session';

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY);
  },
};

/** An API error: `status`, `message`, and field errors as `{path: message}`. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `The server answered ${status}`);
    this.status = status;
    this.fields = {};
    for (const item of (error.details && error.details.errors) || []) {
      const path = (item.path || []).join('.');
      if (!(path in this.fields)) this.fields[path] = item.message;
    }
  }
}

let onUnauthorized = () => {};
let onBusy = () => {};
export function configure(handlers) {
  onUnauthorized = handlers.unauthorized;
  onBusy = handlers.busy;
}

let pending = 0;

/** Calls the Admin API; resolves to the body's `data` (or the body, for Strapi's
 * `{results, pagination}` lists). A 401 ends the session. */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  pending += 1;
  onBusy(true);
  try {
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = new ApiError(response.status, parsed);
      if (response.status === 401 && session.token) onUnauthorized();
      throw error;
    }
    return parsed && 'data' in parsed ? parsed.data : parsed;
  } finally {
    pending -= 1;
    if (pending === 0) onBusy(false);
  }
}
