// The JSON API, with the session's CSRF token on writes and problem+json errors as exceptions.
let csrfToken = null;

export function setCSRF(token) { csrfToken = token; }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  /** Messages by field, from the problem's `errors`. */
  get fields() {
    const byField = {};
    for (const e of this.problem.errors || []) byField[e.field] = e.message;
    return byField;
  }
}

/** While any request is under way the page says so (a bar on top, `aria-busy` on the page). */
let inFlight = 0;
function busy(delta) {
  inFlight += delta;
  document.documentElement.toggleAttribute('data-busy', inFlight > 0);
  document.body?.setAttribute('aria-busy', String(inFlight > 0));
}

export async function api(method, path, body, { etag } = {}) {
  busy(1);
  try {
    return await request(method, path, body, etag);
  } finally {
    busy(-1);
  }
}

async function request(method, path, body, etag) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (etag) headers['If-Match'] = etag;
  const response = await fetch(`/api/v1${path}`, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const token = response.headers.get('X-CSRF-Token');
  if (token) csrfToken = token;
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, etag: response.headers.get('ETag') };
}

/** Every item of a paged list (`items` and `nextCursor`), fetched 500 at a time. */
export async function listAll(path) {
  const items = [];
  let cursor = null;
  do {
    const page = `${path}${path.includes('?') ? '&' : '?'}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const { data } = await api('GET', page);
    items.push(...data.items);
    cursor = data.nextCursor;
  } while (cursor);
  return items;
}
