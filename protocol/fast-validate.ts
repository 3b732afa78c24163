// The ingest hot path's check of a device payload: the same rules as the zod schemas in schemas.ts,
// written out as plain loops (zod took ~5 µs of the ~7 µs an event's decode cost on the 2-core
// target). It only ever says "valid, and here is exactly what zod would return" or "ask zod": a
// payload it does not accept goes to zod, which decides and words the error. tests/protocol/
// fast-validate.test.ts holds it to zod over thousands of generated payloads, valid and not.
import { CAMERA_PHASES, CAMERA_TYPES, CHECKIN_METHODS, VEHICLE_DIRECTIONS } from './enums.ts';
import type { PayloadByKind } from './schemas.ts';
import type { EventKind } from './topics.ts';

type Rule =
  /** z.string().trim().min(1).max(max) */
  | { key: string; type: 'text'; max: number; optional: boolean }
  /** z.string().max(max) */
  | { key: string; type: 'string'; max: number; optional: boolean }
  | { key: string; type: 'enum'; values: ReadonlySet<string>; optional: boolean }
  /** z.number().min(min).max(max) */
  | { key: string; type: 'number'; min: number; max: number; optional: boolean }
  | { key: string; type: 'boolean'; optional: boolean }
  /** epoch ms (integer 0…8.64e15) or an ISO 8601 string of at most 40 characters */
  | { key: string; type: 'timestamp'; optional: boolean };

const text = (key: string, max: number, optional = false): Rule => ({ key, type: 'text', max, optional });
const num = (key: string, min: number, max: number, optional = false): Rule => ({ key, type: 'number', min, max, optional });
const oneOf = (key: string, values: readonly string[]): Rule => ({ key, type: 'enum', values: new Set(values), optional: false });
const ts: Rule = { key: 'ts', type: 'timestamp', optional: true };

/** In the schemas' key order (zod's output follows it). */
const RULES: Record<EventKind, readonly Rule[]> = {
  checkin: [text('id', 128), ts, text('guard', 64), text('checkpoint', 64), oneOf('method', CHECKIN_METHODS), num('lat', -90, 90, true), num('lon', -180, 180, true), { key: 'note', type: 'string', max: 1000, optional: true }],
  camera: [text('id', 128), ts, oneOf('type', CAMERA_TYPES), oneOf('phase', CAMERA_PHASES), num('score', 0, 1), text('zone', 64, true), text('label', 128, true), { key: 'snapshot', type: 'string', max: 2048, optional: true }],
  vehicle: [text('id', 128), ts, text('plate', 16), oneOf('direction', VEHICLE_DIRECTIONS), num('confidence', 0, 1), text('vehicleType', 32, true), text('color', 32, true)],
  position: [text('id', 128, true), ts, text('guard', 64, true), num('lat', -90, 90), num('lon', -180, 180), num('accuracy', 0, 100_000, true)],
  status: [text('id', 128, true), ts, { key: 'online', type: 'boolean', optional: false }, num('battery', 0, 100, true), num('rssi', -200, 50, true), text('firmware', 64, true)],
};

const ISO_START = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const NOT_THERE = Symbol('not there');

/** The value zod would output for `value` under `rule`, or NOT_THERE when this path is unsure. */
function check(rule: Rule, value: unknown): unknown {
  switch (rule.type) {
    case 'text': {
      if (typeof value !== 'string') return NOT_THERE;
      const trimmed = value.trim();
      return trimmed.length >= 1 && trimmed.length <= rule.max ? trimmed : NOT_THERE;
    }
    case 'string':
      return typeof value === 'string' && value.length <= rule.max ? value : NOT_THERE;
    case 'enum':
      return typeof value === 'string' && rule.values.has(value) ? value : NOT_THERE;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max ? value : NOT_THERE;
    case 'boolean':
      return typeof value === 'boolean' ? value : NOT_THERE;
    case 'timestamp':
      if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 8.64e15 ? value : NOT_THERE;
      return typeof value === 'string' && value.length <= 40 && ISO_START.test(value) && !Number.isNaN(Date.parse(value)) ? value : NOT_THERE;
  }
}

/**
 * The payload as zod would return it (unknown keys dropped, texts trimmed, schema key order), or
 * null when zod must decide (anything invalid, or unusual: a key present with value undefined).
 */
export function fastPayload<K extends EventKind>(kind: K, json: Record<string, unknown>): PayloadByKind[K] | null {
  const rules = RULES[kind];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const value = json[rule.key];
    if (value === undefined) {
      if (!rule.optional || rule.key in json) return null;
      continue;
    }
    const checked = check(rule, value);
    if (checked === NOT_THERE) return null;
    out[rule.key] = checked;
  }
  return out as PayloadByKind[K];
}
