// Calls /api/v1 with the session's bearer token (kept in sessionStorage, sent as Authorization).

const TOKEN_KEY = 'capsule.token';
let unauthorizedHandler = () => {};

export class Unauthorized extends Error {
  constructor() { super('a token is required'); }
}

export class ApiError extends Error {
  constructor(status, errorType, message) {
    super(message);
    this.status = status;
    this.errorType = errorType;
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(value) { sessionStorage.setItem(TOKEN_KEY, value); }
export function clearToken() { sessionStorage.removeItem(TOKEN_KEY); }
export function onUnauthorized(handler) { unauthorizedHandler = handler; }

export function authHeaders(extra = {}) {
  const headers = {...extra};
  const value = token();
  if (value) headers.Authorization = 'Bearer ' + value;
  return headers;
}

export function reportUnauthorized() {
  unauthorizedHandler();
  return new Unauthorized();
}

export async function api(path, {method = 'GET', body} = {}) {
  const headers = authHeaders({Accept: 'application/json'});
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch('/api/v1' + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
  });
  if (response.status === 401) throw reportUnauthorized();
  if (response.status === 204) return null;
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
  if (!response.ok) {
    const type = parsed && parsed.error_type ? parsed.error_type : 'http_' + response.status;
    const message = parsed && parsed.message ? parsed.message : text.slice(0, 200);
    throw new ApiError(response.status, type, message);
  }
  return parsed;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) value.forEach((v) => search.append(key, v));
    else if (value !== null && value !== undefined && value !== '') search.append(key, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}
