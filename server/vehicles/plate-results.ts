// The common third-party plate-camera webhook (Plate Recognizer's Snapshot and Stream webhooks, and the
// many bridges that copy them): `{results: [{plate, score, direction, region, vehicle, …}]}`, bare or
// wrapped as `{hook, data: {results, timestamp, camera_id, filename}}` → device-contract `vehicle`
// payloads, one per result. Pure.
//
// Ids: the webhook carries no id per read, and a camera that got no 2xx posts the very same body again.
// So a result's id is the result's own `id`/`uuid` when it has one, else a hash of what identifies the
// read in the body (time, camera, file, position in the list, plate, box): a retry maps to the same ids
// and the journal stores each read once.
import { createHash } from 'node:crypto';
import type { VehiclePayload } from '../../protocol/index.ts';

/** Results per post: a frame with more plates than this is not a gate. */
export const MAX_RESULTS = 50;

export interface WebhookOptions {
  /** `?direction=in|out`: for results without one (a camera watching one lane) */
  direction?: 'in' | 'out';
  /** `?inHeading=deg`: results whose direction is an angle count as `in` within 90° of this */
  inHeading?: number;
}

export type MappedResult = { index: number; ok: true; payload: VehiclePayload } | { index: number; ok: false; error: string };

export type WebhookParse = { ok: true; results: MappedResult[] } | { ok: false; error: string };

const IN_WORDS = new Set(['in', 'entry', 'enter', 'entering', 'inbound', 'arrive', 'arriving', 'approach', 'approaching']);
const OUT_WORDS = new Set(['out', 'exit', 'leave', 'leaving', 'outbound', 'depart', 'departing', 'away']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Their `timestamp`: ISO 8601, or "YYYY-MM-DD HH:MM:SS.ffffff" in UTC, or epoch seconds / ms. */
export function webhookTime(value: unknown): number | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value < 1e11 ? value * 1000 : value);
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
  if (!m) return null;
  const ms = (m[3] ?? '').slice(0, 3).padEnd(3, '0');
  const zone = m[4] ? (m[4].toUpperCase() === 'Z' ? 'Z' : m[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
  const t = Date.parse(`${m[1]}T${m[2].length === 5 ? `${m[2]}:00` : m[2]}.${ms}${zone}`);
  return Number.isNaN(t) ? null : t;
}

function direction(value: unknown, options: WebhookOptions): 'in' | 'out' | null {
  if (typeof value === 'string' && value.trim() !== '') {
    const word = value.trim().toLowerCase();
    if (IN_WORDS.has(word)) return 'in';
    if (OUT_WORDS.has(word)) return 'out';
    const angle = Number(word);
    if (Number.isFinite(angle)) return direction(angle, options);
    return null;
  }
  if (typeof value === 'number' && Number.isFinite(value) && options.inHeading !== undefined) {
    const diff = Math.abs((((value - options.inHeading) % 360) + 540) % 360 - 180);
    return diff <= 90 ? 'in' : 'out';
  }
  return options.direction ?? null;
}

/** `vehicle: {type}`, `color: [{color, score}, …]` (best first), or plain text. */
function label(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length ? label(value[0]) : undefined;
  const raw = isObject(value) ? value.type ?? value.color ?? value.label : value;
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  return raw.trim().slice(0, 32);
}

function idOf(result: Record<string, unknown>, index: number, envelope: Record<string, unknown>, plate: unknown): string {
  const own = result.id ?? result.uuid;
  if ((typeof own === 'string' || typeof own === 'number') && String(own).trim() && String(own).length <= 100) return `wh-${String(own).trim()}`;
  const basis = JSON.stringify([envelope.timestamp ?? null, envelope.camera_id ?? null, envelope.filename ?? null, result.timestamp ?? null, index, plate, result.box ?? null]);
  return `wh-${createHash('sha256').update(basis).digest('base64url').slice(0, 27)}`;
}

export function mapPlateResults(body: unknown, options: WebhookOptions = {}): WebhookParse {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object with a results array (or {hook, data: {results}})' };
  const envelope = isObject(body.data) && Array.isArray(body.data.results) ? body.data : body;
  const results = envelope.results;
  if (!Array.isArray(results)) return { ok: false, error: 'no results array: expected {results: [{plate, score, direction?, region?, vehicle?}]}' };
  if (results.length > MAX_RESULTS) return { ok: false, error: `${results.length} results in one post: at most ${MAX_RESULTS}` };
  const shared = webhookTime(envelope.timestamp);

  return {
    ok: true,
    results: results.map((r, index): MappedResult => {
      if (!isObject(r)) return { index, ok: false, error: `results[${index}] is not an object` };
      if (typeof r.plate !== 'string' || !r.plate.trim()) return { index, ok: false, error: `results[${index}].plate: missing` };
      const score = typeof r.score === 'number' ? r.score : typeof r.score === 'string' ? Number(r.score) : NaN;
      if (!(score >= 0 && score <= 1)) return { index, ok: false, error: `results[${index}].score: a confidence 0…1 is required` };
      const dir = direction(r.direction, options);
      if (!dir) {
        return { index, ok: false, error: `results[${index}].direction: ${JSON.stringify(r.direction ?? null)} is neither in nor out; add ?direction=in|out (or ?inHeading=<degrees>) to the webhook URL` };
      }
      const own = webhookTime(r.timestamp);
      if (own === null || (own === undefined && shared === null)) return { index, ok: false, error: `results[${index}]: timestamp is not a date-time` };
      const ts = own ?? shared ?? undefined;
      const vehicleType = label(r.vehicle);
      const color = label(r.color);
      return {
        index,
        ok: true,
        payload: {
          id: idOf(r, index, envelope, r.plate),
          ...(ts !== undefined ? { ts } : {}),
          plate: r.plate.trim().slice(0, 16),
          direction: dir,
          confidence: score,
          ...(vehicleType ? { vehicleType } : {}),
          ...(color ? { color } : {}),
        },
      };
    }),
  };
}
