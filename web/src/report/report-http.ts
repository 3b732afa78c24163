// The residents' page talks to the public (no-login) routes. Uploads go through XMLHttpRequest
// because fetch cannot report upload progress, and a resident on a weak link must see that three
// photos are on their way. Errors are sorted into what the page says differently: no network (keep
// the draft, try again), too many requests (say when to retry, from Retry-After), a refused photo,
// anything else with the server's own reason. Every answer's X-Server-Time sets the page's idea of
// the server clock (app/server-clock.ts), so a phone set wrong still counts the deadline right.
import { SERVER_TIME_HEADER } from '../../../protocol/api.ts';
import { observeServerTime } from '../app/server-clock.ts';

export type ReportFailure =
  | { kind: 'network'; message: string }
  | { kind: 'rate'; retryAt: number; message: string }
  | { kind: 'photo'; message: string }
  | { kind: 'not_found'; message: string }
  | { kind: 'server'; status: number; message: string }
  /** the floor, unit or room does not fit the building (400 with one of PLACE_REASONS) */
  | { kind: 'place'; reason: PlaceReason; message: string };

/** The server's 400 reasons for a floor / unit / room that is off the building (server/workorders/intake.ts placeInBuilding). */
export const PLACE_REASONS = ['floor_without_building', 'bad_floor', 'unknown_floor', 'unknown_unit', 'unknown_room', 'ambiguous_room', 'floor_mismatch'] as const;
export type PlaceReason = (typeof PLACE_REASONS)[number];

export class ReportError extends Error {
  constructor(readonly failure: ReportFailure) {
    super(failure.message);
    this.name = 'ReportError';
  }
}

/** Retry-After is delta-seconds or an HTTP date; missing or unreadable → a minute. */
export function retryAtFrom(header: string | null, now: number): number {
  if (header) {
    const seconds = Number(header.trim());
    if (Number.isFinite(seconds) && seconds >= 0) return now + Math.ceil(seconds) * 1000;
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(now, at);
  }
  return now + 60_000;
}

/** The server's `{error, reason}` → one line. */
function errorText(body: unknown, status: number): string {
  const b = body as { error?: unknown; reason?: unknown } | null;
  const error = typeof b?.error === 'string' ? b.error : '';
  const reason = typeof b?.reason === 'string' ? b.reason : '';
  if (error && reason && !error.includes(reason)) return `${error}: ${reason}`;
  return error || reason || `HTTP ${status}`;
}

/** A failed answer → what the page should say. `photo` tells whether photos were in the request. */
export function classify(status: number, body: unknown, retryAfter: string | null, now: number, photo = false): ReportFailure {
  const message = errorText(body, status);
  if (status === 0) return { kind: 'network', message };
  if (status === 429) return { kind: 'rate', retryAt: retryAtFrom(retryAfter, now), message };
  if (status === 404) return { kind: 'not_found', message };
  const reason = (body as { reason?: unknown } | null)?.reason;
  if (status === 400 && (PLACE_REASONS as readonly unknown[]).includes(reason)) {
    const error = (body as { error?: unknown }).error;
    return { kind: 'place', reason: reason as PlaceReason, message: typeof error === 'string' ? error : message };
  }
  if (photo && (status === 413 || status === 415 || (typeof reason === 'string' && /photo|image|media/i.test(reason)) || /photo|image|media/i.test(message))) return { kind: 'photo', message };
  return { kind: 'server', status, message };
}

export interface SendOptions {
  method: string;
  url: string;
  body?: FormData | string;
  /** 0..1 of the request body sent */
  onProgress?(fraction: number): void;
  /** the body is on the server; now waiting for its answer */
  onUploaded?(): void;
  hasPhotos?: boolean;
  signal?: AbortSignal;
}

/** One request; resolves with the JSON body of a 2xx, rejects with a ReportError otherwise. */
export function send<T>(options: SendOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(options.method, options.url);
    xhr.setRequestHeader('Accept', 'application/json');
    if (typeof options.body === 'string') xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => e.lengthComputable && options.onProgress?.(e.loaded / e.total);
    xhr.upload.onload = () => options.onUploaded?.();
    xhr.onerror = () => reject(new ReportError({ kind: 'network', message: 'network error' }));
    xhr.ontimeout = () => reject(new ReportError({ kind: 'network', message: 'timed out' }));
    xhr.onabort = () => reject(new ReportError({ kind: 'network', message: 'aborted' }));
    const sentAt = Date.now();
    xhr.onload = () => {
      observeServerTime(xhr.getResponseHeader(SERVER_TIME_HEADER), sentAt, Date.now());
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // not JSON (a proxy's error page): the status says enough
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(new ReportError(classify(xhr.status, body, xhr.getResponseHeader('Retry-After'), Date.now(), options.hasPhotos)));
    };
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.timeout = 120_000;
    xhr.send(options.body ?? null);
  });
}
