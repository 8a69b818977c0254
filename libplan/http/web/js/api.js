// Calls to the REST/JSON API (docs/rest.md) from the browser: the session's
// CSRF token on every write, the person's name on an agent, and errors as
// ApiError with the fields the server named.

let session = null;

// Who the app acts for, as GET /auth/session answered.
export function setSession(value) {
  session = value;
}
export function currentSession() {
  return session;
}

// The name a person gave on an agent, kept in this browser.
const NAME_KEY = 'prevent.personName';
export function personName() {
  return window.localStorage.getItem(NAME_KEY) || '';
}
export function setPersonName(name) {
  window.localStorage.setItem(NAME_KEY, name);
}

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `The server answered ${status}`);
    this.status = status;
    this.code = error.status || '';
    this.reason = '';
    this.violations = [];
    for (const detail of error.details || []) {
      if (detail.reason) this.reason = detail.reason;
      for (const v of detail.fieldViolations || []) {
        this.violations.push({ field: v.field, description: v.description });
      }
    }
  }
}

// Calls METHOD /path (path starts with "/"); `query` is an object of query
// parameters, `body` an object sent as JSON. Answers the parsed JSON (or
// the text, with `text`). Throws ApiError.
export async function call(method, path, { query, body, text } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') {
      url.searchParams.set(key, value);
    }
  }
  const headers = {};
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (session && session.csrfToken) headers['X-CSRF-Token'] = session.csrfToken;
  }
  if (session && session.method === 'agent' && personName()) {
    headers['X-Prevent-User'] = personName();
  }
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? (method === 'GET' ? undefined : '') : JSON.stringify(body),
  });
  if (!response.ok) {
    let error = {};
    try {
      error = (await response.json()).error || {};
    } catch (e) {
      error = { message: `The server answered ${response.status}` };
    }
    throw new ApiError(response.status, error);
  }
  if (text) return response.text();
  return response.json();
}

// Every item of a paged list: GET path, following nextPageToken.
export async function listAll(path, field, query = {}) {
  const items = [];
  let pageToken = '';
  do {
    const page = await call('GET', path, { query: { ...query, pageSize: 1000, pageToken } });
    items.push(...(page[field] || []));
    pageToken = page.nextPageToken || '';
  } while (pageToken);
  return items;
}
