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

export async function api(method, path, body, { etag } = {}) {
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
