// The guard app's REST calls, with the device token (not an operator session). The last answer of
// /patrol/me is kept, so the app shows the tour offline.
import { API_PREFIX } from '../../../protocol/api.ts';
import type { ApiError } from '../../../protocol/api.ts';
import type { PatrolMe } from '../../../protocol/patrol.ts';
import type { HandheldAction, HandheldActionResponse, HandheldWorkResponse } from '../../../protocol/workorders.ts';
import type { GuardCredentials } from './credentials.ts';

export class GuardApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function call<T>(c: GuardCredentials, path: string, init: RequestInit = {}): Promise<T> {
  const sep = path.includes('?') ? '&' : '?';
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${c.token}`);
  headers.set('Accept', 'application/json');
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  let res: Response;
  try {
    res = await fetch(`${API_PREFIX}${path}${sep}device=${encodeURIComponent(c.device)}`, { ...init, headers, cache: 'no-store' });
  } catch (err) {
    throw new GuardApiError((err as Error).message, 0);
  }
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as Partial<ApiError>;
      if (body.error) message = body.error;
    } catch {
      // not JSON
    }
    throw new GuardApiError(message, res.status);
  }
  return (await res.json()) as T;
}

const ME_KEY = 'smart-estate.guard.me';

export async function fetchMe(c: GuardCredentials, signal?: AbortSignal): Promise<PatrolMe> {
  const me = await call<PatrolMe>(c, `/patrol/me?guard=${encodeURIComponent(c.guard)}`, { signal });
  try {
    localStorage.setItem(ME_KEY, JSON.stringify({ device: c.device, at: Date.now(), me }));
  } catch {
    // storage full: the app still works online
  }
  return me;
}

/** The last /patrol/me of this device, and when it was fetched. */
export function cachedMe(c: GuardCredentials): { me: PatrolMe; at: number } | null {
  try {
    const saved = JSON.parse(localStorage.getItem(ME_KEY) ?? 'null') as { device: string; at: number; me: PatrolMe } | null;
    return saved && saved.device === c.device ? { me: saved.me, at: saved.at } : null;
  } catch {
    return null;
  }
}

export function clearCachedMe(): void {
  localStorage.removeItem(ME_KEY);
}

export function uploadPhoto(c: GuardCredentials, id: string, dataUrl: string): Promise<{ ref: string }> {
  return call(c, `/patrol/photos/${encodeURIComponent(id)}`, { method: 'PUT', body: JSON.stringify({ dataUrl }) });
}

/** One queued work-order action. 200 = applied (or applied before); 409 = refused for good (the reason says why): both are answers, kept by the server per actionId. */
export async function postAction(c: GuardCredentials, action: HandheldAction): Promise<HandheldActionResponse> {
  try {
    return await call<HandheldActionResponse>(c, '/workorders/actions', { method: 'POST', body: JSON.stringify(action) });
  } catch (err) {
    const e = err as GuardApiError;
    if (e.status === 409) return { actionId: action.actionId, applied: false, status: 409, error: e.message };
    throw err;
  }
}

const WORK_KEY = 'smart-estate.guard.work';

/** The guard's open work orders; the last answer is kept for the offline view. */
export async function fetchWork(c: GuardCredentials, signal?: AbortSignal): Promise<HandheldWorkResponse> {
  const work = await call<HandheldWorkResponse>(c, `/workorders/me?guard=${encodeURIComponent(c.guard)}`, { signal });
  try {
    localStorage.setItem(WORK_KEY, JSON.stringify({ device: c.device, at: Date.now(), work }));
  } catch {
    // storage full: the tab still works online
  }
  return work;
}

export function cachedWork(c: GuardCredentials): { work: HandheldWorkResponse; at: number } | null {
  try {
    const saved = JSON.parse(localStorage.getItem(WORK_KEY) ?? 'null') as { device: string; at: number; work: HandheldWorkResponse } | null;
    return saved && saved.device === c.device ? { work: saved.work, at: saved.at } : null;
  } catch {
    return null;
  }
}
