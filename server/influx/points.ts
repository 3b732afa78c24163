// EstateEvent ⇄ InfluxDB point. Pure: no I/O, no clock.
//
// Layout
//   measurement  = event kind (checkin, camera, vehicle, position, status)
//   tags         = estate, device, and the kind's enums: checkin.method; camera.type, camera.phase;
//                  vehicle.direction. Nothing else: every tag value multiplies the series count.
//   fields       = seq (journal order), id, rx, x, y, building, and every other data key as-is.
//                  A data key that would collide with those names (or with "time", or with a tag
//                  key of its kind, or that is an enum not fit for a tag) is written as
//                  `data.<key>`; so is a data key that itself starts with "data." or "env.".
//                  Unknown top-level keys of a newer EstateEvent are kept as JSON text in
//                  `env.<key>`, so an additive protocol change still round-trips.
//   numbers      = always floats (never the `i` suffix): battery 80 and 80.5 are one field type.
//
// Time (precision ns)
//   time = ts × 1_000_000 + (seq mod 1_000_000)
//   A point's identity is (measurement, tag set, time). Devices that send ISO times with second
//   resolution produce many events in one millisecond; with ms precision they would overwrite each
//   other. Folding the journal seq into the sub-millisecond digits keeps them apart, and because it
//   is a pure function of the journal row, a retried batch writes the very same points: retries are
//   idempotent, never duplicates. ts = floor(time / 1e6) reads back exactly; seq is a field, so
//   history can order by (ts, seq) like the journal does. Two events of one series still collide
//   only if they carry the same device millisecond AND their seqs differ by a multiple of 1,000,000
//   (a device whose clock is stuck for a million journal events); the journal keeps both anyway.
//
// In a cluster (slot 'id'): time = ts × 1_000_000 + (hash(device, id) mod 1_000_000)
//   Each node forwards its own journal, and a device whose PUBACK died with its node resends the
//   event to another: two journals, two seqs — with the seq fold, two points. Folding a hash of the
//   event's identity instead makes both nodes write the very same point (fields merge, the last
//   write wins), so it is in history once. The price: two events of one series in the same device
//   millisecond overwrite each other when their hashes meet (1 in 1,000,000 per such pair; a
//   device with a second-resolution clock sending k events a second meets it ~k²/2,000,000 times
//   a second). Events without an id keep the seq fold (nothing says two of them are one).
import type { IPoint } from 'influx';
import { DEVICE_KINDS, isEventKind, type EstateEvent, type EventKind } from '../../protocol/index.ts';

export const POINT_PRECISION = 'n' as const;
/** Sub-millisecond slots per ms available to the seq fold. */
export const SEQ_SLOTS = 1_000_000;
const NS_PER_MS = 1_000_000n;
/** InfluxDB 1.x accepts times up to this many ns after the epoch (2262-04-11). */
const MAX_TIME_NS = 9_223_372_036_854_775_806n;
/** The last ms whose every sub-ms slot is still a representable time (checked without BigInt). */
const MAX_TS_MS = Number((MAX_TIME_NS - (NS_PER_MS - 1n)) / NS_PER_MS);

/** Enum fields of each kind that become tags (low cardinality, and what dashboards group by). */
export const TAG_KEYS: Readonly<Record<EventKind, readonly string[]>> = {
  checkin: ['method'],
  camera: ['type', 'phase'],
  vehicle: ['direction'],
  position: [],
  status: [],
};

const ENVELOPE_FIELDS = ['seq', 'id', 'rx', 'x', 'y', 'building'] as const;
const DATA_PREFIX = 'data.';
const ENV_PREFIX = 'env.';
/** Field names a data key may not take directly, per kind. */
const RESERVED: Readonly<Record<EventKind, ReadonlySet<string>>> = Object.fromEntries(
  DEVICE_KINDS.map((kind) => [kind, new Set<string>([...ENVELOPE_FIELDS, 'time', 'estate', 'device', ...TAG_KEYS[kind]])]),
) as unknown as Record<EventKind, ReadonlySet<string>>;

export type PointResult = { ok: true; point: IPoint } | { ok: false; reason: string };

/**
 * A tag value must be non-empty, must not end in `\` (it would escape the delimiter after it) and
 * must not contain a line break (the line protocol has no escape for it).
 */
export function isTagValue(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !value.endsWith('\\') && !/[\r\n]/.test(value);
}

/** What fills a point's sub-millisecond digits: the journal seq (one node), or a hash of (device, id) (a cluster; see the header). */
export type PointSlot = 'seq' | 'id';

/** The point's time in ns, as a decimal string (beyond 2^53: never a JS number). `slot` is taken mod SEQ_SLOTS. */
export function pointTime(ts: number, slot: number): string {
  const sub = slot % SEQ_SLOTS;
  // ts > 0: the decimal digits of ts followed by six of the slot are exactly ts × 10⁶ + slot, with
  // no BigInt on the forwarder's hot path (a third of eventToPoint's time measured here).
  if (ts > 0) return `${ts}${String(sub).padStart(6, '0')}`;
  return (BigInt(ts) * NS_PER_MS + BigInt(sub)).toString();
}

/** FNV-1a (32 bit) of device, NUL, id: the same on every node for one event. */
export function identitySlot(device: string, id: string): number {
  let h = 0x811c9dc5;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  };
  mix(device);
  h = Math.imul(h, 0x01000193); // the NUL between them
  mix(id);
  return (h >>> 0) % SEQ_SLOTS;
}

/** ns since the epoch → ms bounds for queries: first ns of `ms`, last ns of `ms`. */
export function msToNsRange(ms: number): { first: bigint; last: bigint } {
  const first = BigInt(ms) * NS_PER_MS;
  return { first, last: first + NS_PER_MS - 1n };
}

export function eventToPoint(event: EstateEvent, seq: number, slot: PointSlot = 'seq'): PointResult {
  if (typeof event !== 'object' || event === null) return { ok: false, reason: 'journal body is not an object' };
  const { kind, estate, device, ts } = event;
  if (typeof kind !== 'string' || !isEventKind(kind)) return { ok: false, reason: `unknown event kind ${JSON.stringify(kind)}` };
  if (!isTagValue(estate)) return { ok: false, reason: `estate ${JSON.stringify(estate)} cannot be an InfluxDB tag value` };
  if (!isTagValue(device)) return { ok: false, reason: `device ${JSON.stringify(device)} cannot be an InfluxDB tag value` };
  if (!Number.isSafeInteger(ts) || ts < 0) return { ok: false, reason: `ts ${JSON.stringify(ts)} is not a non-negative integer of ms` };
  if (!Number.isSafeInteger(seq) || seq < 0) return { ok: false, reason: `seq ${seq} is not a non-negative integer` };
  if (ts > MAX_TS_MS) {
    return { ok: false, reason: `ts ${ts} is beyond InfluxDB's last representable time (2262-04-11)` };
  }

  const tags: Record<string, string> = { estate, device };
  const fields: Record<string, string | number | boolean> = { seq };
  const tagKeys = TAG_KEYS[kind];
  const reserved = RESERVED[kind];

  const data = event.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) return { ok: false, reason: 'data is not an object' };
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (!(typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      return { ok: false, reason: `data.${key} is ${value === null ? 'null' : typeof value}, not a string, finite number or boolean` };
    }
    if (key === '') return { ok: false, reason: 'data has an empty key' };
    if (tagKeys.includes(key) && isTagValue(value)) {
      tags[key] = value;
    } else if (reserved.has(key) || key.startsWith(DATA_PREFIX) || key.startsWith(ENV_PREFIX)) {
      fields[DATA_PREFIX + key] = value;
    } else {
      fields[key] = value;
    }
  }

  for (const [key, value] of Object.entries(event)) {
    if (value === undefined || key === 'estate' || key === 'device' || key === 'kind' || key === 'ts' || key === 'data') continue;
    const native =
      (key === 'id' && typeof value === 'string') ||
      (key === 'rx' && typeof value === 'number' && Number.isFinite(value)) ||
      ((key === 'x' || key === 'y') && typeof value === 'number' && Number.isFinite(value)) ||
      (key === 'building' && typeof value === 'string');
    if (native) fields[key] = value as string | number;
    else if (key === 'id' && value === null) continue;
    else fields[ENV_PREFIX + key] = JSON.stringify(value);
  }

  const sub = slot === 'id' && typeof event.id === 'string' && event.id !== '' ? identitySlot(device, event.id) : seq;
  return { ok: true, point: { measurement: kind, tags, fields, timestamp: pointTime(ts, sub) } };
}

const escapeKey = (s: string) => s.replace(/[,= ]/g, '\\$&');
const escapeMeasurement = (s: string) => s.replace(/[, ]/g, '\\$&');
const quoteString = (s: string) =>
  s.indexOf('"') < 0 && s.indexOf('\\') < 0 ? `"${s}"` : `"${s.replace(/[\\"]/g, '\\$&')}"`;

/**
 * Escaped keys and tag values seen before (measurements, field keys, estates, devices: a few thousand
 * at most). The forwarder writes every event through here, so escaping each name anew is measurable.
 */
const ESCAPED_CAP = 50_000;
const escapedKeys = new Map<string, string>();
const escapedMeasurements = new Map<string, string>();
function cachedEscape(cache: Map<string, string>, escape: (s: string) => string, s: string): string {
  let e = cache.get(s);
  if (e === undefined) {
    e = escape(s);
    if (cache.size >= ESCAPED_CAP) cache.clear();
    cache.set(s, e);
  }
  return e;
}

/** Line protocol of one field value, numbers always as floats. */
function fieldValue(value: unknown): string {
  if (typeof value === 'string') return quoteString(value);
  return String(value);
}

/** One line of InfluxDB line protocol (precision ns), as written to InfluxDB and kept in dead_letters. */
export function toLineProtocol(point: IPoint): string {
  let line = cachedEscape(escapedMeasurements, escapeMeasurement, point.measurement ?? '');
  const tags = point.tags;
  if (tags) for (const key in tags) line += ',' + cachedEscape(escapedKeys, escapeKey, key) + '=' + cachedEscape(escapedKeys, escapeKey, tags[key]);
  let sep = ' ';
  const fields = point.fields;
  if (fields) {
    for (const key in fields) {
      line += sep + cachedEscape(escapedKeys, escapeKey, key) + '=' + fieldValue(fields[key]);
      sep = ',';
    }
  }
  if (point.timestamp !== undefined) line += ' ' + String(point.timestamp);
  return line;
}

/** Parses InfluxDB's RFC 3339 time (`2026-01-01T00:00:00.123456789Z`, trailing zeros trimmed) to ns. */
export function parseRfc3339Nano(time: string): bigint {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!match) throw new Error(`unexpected InfluxDB time ${JSON.stringify(time)}`);
  const seconds = Date.parse(`${match[1]}Z`);
  return BigInt(seconds) * NS_PER_MS + BigInt((match[2] ?? '').padEnd(9, '0'));
}

export interface StoredEvent {
  seq: number;
  event: EstateEvent;
}

/**
 * One row of `SELECT *` from measurement `kind` (column name → value; `time` as RFC 3339 or ns)
 * back to the event that was written, and its journal seq. The inverse of eventToPoint.
 */
export function rowToEvent(kind: EventKind, row: Record<string, unknown>): StoredEvent {
  const time = row.time;
  const ns = typeof time === 'string' && !/^\d+$/.test(time) ? parseRfc3339Nano(time) : BigInt(time as string | number | bigint);
  const ts = Number(ns / NS_PER_MS);
  const tagKeys = TAG_KEYS[kind];
  // rx is set below from its field; built loosely so an event that had none reads back without one.
  const event = { estate: String(row.estate), device: String(row.device), kind, id: null, ts, data: {} } as unknown as EstateEvent;
  let seq = Number(ns % NS_PER_MS);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    // SELECT * gives null for fields (and tags) a point does not carry, "" for absent tags.
    if (value === null || value === undefined || key === 'time' || key === 'estate' || key === 'device') continue;
    if (tagKeys.includes(key)) {
      if (value !== '') event.data[key] = value as string;
    } else if (key.startsWith(DATA_PREFIX)) {
      event.data[key.slice(DATA_PREFIX.length)] = value as string | number | boolean;
    } else if (key.startsWith(ENV_PREFIX)) {
      extra[key.slice(ENV_PREFIX.length)] = JSON.parse(value as string);
    } else if (key === 'seq') {
      seq = value as number;
    } else if (key === 'id') {
      event.id = value as string;
    } else if (key === 'rx') {
      event.rx = value as number;
    } else if (key === 'x' || key === 'y') {
      event[key] = value as number;
    } else if (key === 'building') {
      event.building = value as string;
    } else {
      event.data[key] = value as string | number | boolean;
    }
  }
  Object.assign(event, extra);
  return { seq, event };
}
