// The event-history query, and its parser for the REST layer (`GET …/estates/:estate/events?…`).
import { isEventKind, isId, DEVICE_KINDS, type EventKind } from '../../protocol/index.ts';

export interface HistoryQuery {
  estate: string;
  kind?: EventKind;
  device?: string;
  /** epoch ms, inclusive */
  from?: number;
  /** epoch ms, inclusive */
  to?: number;
  /** 1..MAX_HISTORY_LIMIT */
  limit: number;
}

export const DEFAULT_HISTORY_LIMIT = 100;
export const MAX_HISTORY_LIMIT = 10_000;

export type ParseHistoryResult = { ok: true; query: HistoryQuery } | { ok: false; error: string };

const PARAMS = ['kind', 'device', 'from', 'to', 'limit'] as const;
/** A date, a time and an explicit zone: a bare local time would mean the server's zone, not the estate's. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;
const EPOCH_MS = /^\d{1,16}$/;
/** Date's own range: ±8.64e15 ms. */
const MAX_EPOCH_MS = 8.64e15;

function single(name: string, value: unknown): { ok: true; value: string | undefined } | { ok: false; error: string } {
  if (value === undefined) return { ok: true, value: undefined };
  if (Array.isArray(value)) {
    return value.length === 1 ? single(name, value[0]) : { ok: false, error: `${name}: given ${value.length} times, expected once` };
  }
  if (typeof value === 'number') return { ok: true, value: String(value) };
  if (typeof value !== 'string') return { ok: false, error: `${name}: expected a single value` };
  return { ok: true, value: value.trim() };
}

/** ISO 8601 date-time with a zone, or epoch milliseconds. */
export function parseTime(name: string, text: string): { ok: true; value: number } | { ok: false; error: string } {
  const hint = `${name}: expected ISO 8601 with a zone (e.g. 2026-11-27T21:30:00+08:00) or epoch milliseconds, got ${JSON.stringify(text)}`;
  if (EPOCH_MS.test(text)) {
    const value = Number(text);
    return value <= MAX_EPOCH_MS ? { ok: true, value } : { ok: false, error: `${name}: ${text} is beyond the last representable time` };
  }
  const parts = ISO_DATE_TIME.exec(text);
  if (!parts) return { ok: false, error: hint };
  // Date.parse is lenient (Feb 30 becomes Mar 2): check the calendar and the clock first.
  const [year, month, day, hour, minute, second = '0', zoneHour = '0', zoneMinute = '0'] = parts.slice(1);
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const valid =
    date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day) &&
    Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60 && Number(zoneHour) < 24 && Number(zoneMinute) < 60;
  const value = Date.parse(text);
  if (!valid || Number.isNaN(value)) return { ok: false, error: `${name}: ${JSON.stringify(text)} is not a valid date-time` };
  if (value < 0) return { ok: false, error: `${name}: ${JSON.stringify(text)} is before 1970` };
  return { ok: true, value };
}

export function parseHistoryQuery(estate: string, params: Record<string, unknown>): ParseHistoryResult {
  if (!isId(estate)) return { ok: false, error: `estate: ${JSON.stringify(estate)} is not an estate id` };
  const unknown = Object.keys(params).filter((key) => !(PARAMS as readonly string[]).includes(key));
  if (unknown.length) {
    return { ok: false, error: `unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (expected ${PARAMS.join(', ')})` };
  }
  const values: Partial<Record<(typeof PARAMS)[number], string>> = {};
  for (const name of PARAMS) {
    const got = single(name, params[name]);
    if (!got.ok) return got;
    if (got.value !== undefined && got.value !== '') values[name] = got.value;
  }

  const query: HistoryQuery = { estate, limit: DEFAULT_HISTORY_LIMIT };
  if (values.kind !== undefined) {
    if (!isEventKind(values.kind)) return { ok: false, error: `kind: ${JSON.stringify(values.kind)} is not an event kind (expected one of ${DEVICE_KINDS.join(', ')})` };
    query.kind = values.kind;
  }
  if (values.device !== undefined) {
    if (!isId(values.device)) return { ok: false, error: `device: ${JSON.stringify(values.device)} is not a device id` };
    query.device = values.device;
  }
  for (const name of ['from', 'to'] as const) {
    const text = values[name];
    if (text === undefined) continue;
    const time = parseTime(name, text);
    if (!time.ok) return time;
    query[name] = time.value;
  }
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    return { ok: false, error: `from (${new Date(query.from).toISOString()}) is after to (${new Date(query.to).toISOString()})` };
  }
  if (values.limit !== undefined) {
    const limit = /^\d+$/.test(values.limit) ? Number(values.limit) : NaN;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
      return { ok: false, error: `limit: expected an integer from 1 to ${MAX_HISTORY_LIMIT}, got ${JSON.stringify(values.limit)}` };
    }
    query.limit = limit;
  }
  return { ok: true, query };
}
