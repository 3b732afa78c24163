// REST client: every call carries the session's bearer token; a 401 ends the session and sends the
// user back to the login page with a message. Errors carry the server's own `{error}` text.
import { API_PREFIX, SERVER_TIME_HEADER } from '../../../protocol/api.ts';
import type { ApiError, EstateDetail, EstateSummary, EventsResponse, LoginRequest, LoginResponse } from '../../../protocol/api.ts';
import { currentToken, signOut } from './session.ts';
import { observeServerTime } from './server-clock.ts';

export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as Partial<ApiError>;
    if (typeof body.error === 'string' && body.error) return body.error;
  } catch {
    // not JSON: fall through to the status line
  }
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

async function request<T>(path: string, init: RequestInit & { auth?: boolean } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json');
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  const auth = init.auth ?? true;
  if (auth) {
    const token = currentToken();
    if (token) headers.set('Authorization', `Bearer ${token}`);
  }
  let response: Response;
  const sentAt = Date.now();
  try {
    response = await fetch(`${API_PREFIX}${path}`, { ...init, headers });
  } catch (err) {
    throw new ApiRequestError((err as Error).message, 0);
  }
  observeServerTime(response.headers.get(SERVER_TIME_HEADER), sentAt, Date.now());
  if (!response.ok) {
    const message = await errorText(response);
    if (auth && response.status === 401) signOut('session.expired');
    throw new ApiRequestError(message, response.status);
  }
  return (await response.json()) as T;
}

export function login(credentials: LoginRequest): Promise<LoginResponse> {
  return request<LoginResponse>('/auth/login', { method: 'POST', body: JSON.stringify(credentials), auth: false });
}

export function listEstates(signal?: AbortSignal): Promise<EstateSummary[]> {
  return request<EstateSummary[]>('/estates', { signal });
}

export function getEstate(estate: string, signal?: AbortSignal): Promise<EstateDetail> {
  return request<EstateDetail>(`/estates/${encodeURIComponent(estate)}`, { signal });
}

export interface EventQuery {
  kind?: string;
  device?: string;
  /** epoch ms, inclusive */
  from?: number;
  to?: number;
  limit?: number;
}

/** The event history (newest first), any filter of GET /estates/{e}/events. */
export function queryEvents(estate: string, query: EventQuery, signal?: AbortSignal): Promise<EventsResponse> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return request<EventsResponse>(`/estates/${encodeURIComponent(estate)}/events?${params}`, { signal });
}

/** Any GET under the API with the session's token (for capabilities' endpoints). */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { signal });
}

/** POST under the API with the session's token. */
export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { method: 'POST', body: JSON.stringify(body), signal });
}

export function recentEvents(estate: string, limit: number, signal?: AbortSignal): Promise<EventsResponse> {
  return request<EventsResponse>(`/estates/${encodeURIComponent(estate)}/events?limit=${limit}`, { signal });
}
