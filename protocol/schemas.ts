// Payload schemas of device contract v1 (DESIGN.md), and the normalised event the server emits.
// Devices send these; the server validates with them; the simulators build them; the web reads EstateEvent.
import { z } from 'zod';
import type { EventKind } from './topics.ts';
import { fastPayload } from './fast-validate.ts';
import { CAMERA_PHASES, CAMERA_TYPES, CHECKIN_METHODS, VEHICLE_DIRECTIONS } from './enums.ts';

/** Largest payload accepted from a device, in bytes (MQTT and HTTP alike). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

const text = (max: number) => z.string().trim().min(1).max(max);
const eventId = text(128);
/** ISO 8601 with a date and time, or epoch milliseconds. Missing = time of receipt. */
const timestamp = z.union([
  z.number().int().min(0).max(8.64e15),
  z.string().max(40).refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'must be ISO 8601 (e.g. 2026-11-27T21:30:00+08:00) or epoch milliseconds',
  }),
]);
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const unit = z.number().min(0).max(1);

export { CAMERA_PHASES, CAMERA_TYPES, CHECKIN_METHODS, VEHICLE_DIRECTIONS };

export const checkinSchema = z.object({
  id: eventId,
  ts: timestamp.optional(),
  guard: text(64),
  checkpoint: text(64),
  method: z.enum(CHECKIN_METHODS),
  lat: latitude.optional(),
  lon: longitude.optional(),
  note: z.string().max(1000).optional(),
});

export const cameraSchema = z.object({
  id: eventId,
  ts: timestamp.optional(),
  type: z.enum(CAMERA_TYPES),
  phase: z.enum(CAMERA_PHASES),
  score: unit,
  zone: text(64).optional(),
  label: text(128).optional(),
  snapshot: z.string().max(2048).optional(),
});

export const vehicleSchema = z.object({
  id: eventId,
  ts: timestamp.optional(),
  plate: text(16),
  direction: z.enum(VEHICLE_DIRECTIONS),
  confidence: unit,
  vehicleType: text(32).optional(),
  color: text(32).optional(),
});

export const positionSchema = z.object({
  id: eventId.optional(),
  ts: timestamp.optional(),
  guard: text(64).optional(),
  lat: latitude,
  lon: longitude,
  accuracy: z.number().min(0).max(100000).optional(),
});

export const statusSchema = z.object({
  id: eventId.optional(),
  ts: timestamp.optional(),
  online: z.boolean(),
  battery: z.number().min(0).max(100).optional(),
  rssi: z.number().min(-200).max(50).optional(),
  firmware: text(64).optional(),
});

export const payloadSchemas = {
  checkin: checkinSchema,
  camera: cameraSchema,
  vehicle: vehicleSchema,
  position: positionSchema,
  status: statusSchema,
} as const;

export type CheckinPayload = z.infer<typeof checkinSchema>;
export type CameraPayload = z.infer<typeof cameraSchema>;
export type VehiclePayload = z.infer<typeof vehicleSchema>;
export type PositionPayload = z.infer<typeof positionSchema>;
export type StatusPayload = z.infer<typeof statusSchema>;
export interface PayloadByKind {
  checkin: CheckinPayload;
  camera: CameraPayload;
  vehicle: VehiclePayload;
  position: PositionPayload;
  status: StatusPayload;
}

/** Scalar event fields after normalisation (the payload without `id` and `ts`). */
export type EventData = Record<string, string | number | boolean>;

/**
 * The normalised event: what the journal stores, `live/{kind}` carries and the history API returns.
 * `ts` is the device's time (epoch ms), `rx` the server's receive time; `x`/`y` are local metres
 * east/north of the estate origin (from the event's lat/lon or the device's installed position).
 */
export interface EstateEvent<K extends EventKind = EventKind> {
  estate: string;
  device: string;
  kind: K;
  id: string | null;
  ts: number;
  rx: number;
  data: EventData;
  x?: number;
  y?: number;
  building?: string;
}

/** Server → device on `errors`. */
export interface DeviceError {
  id?: string;
  topic: string;
  error: string;
}

/** Why a payload was refused: a stable label for metrics; `error` is the human sentence. */
export type RejectReason = 'too_large' | 'malformed_json' | 'invalid_payload';

export type DecodeResult<K extends EventKind> =
  | { ok: true; payload: PayloadByKind[K] }
  | { ok: false; reason: RejectReason; error: string; id?: string };

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Parses and validates one payload. Errors name the field and the rule, for the device's `errors` topic. */
export function decodePayload<K extends EventKind>(kind: K, raw: string | Uint8Array): DecodeResult<K> {
  const size = typeof raw === 'string' ? utf8Encoder.encode(raw).length : raw.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'too_large', error: `payload too large: ${size} bytes, limit ${MAX_PAYLOAD_BYTES}` };
  const textValue = typeof raw === 'string' ? raw : utf8Decoder.decode(raw);
  let json: unknown;
  try {
    json = JSON.parse(textValue);
  } catch (err) {
    return { ok: false, reason: 'malformed_json', error: `malformed JSON: ${(err as Error).message}` };
  }
  return validatePayload(kind, json);
}

/** Validates an already-parsed JSON value (HTTP ingest). */
export function validatePayload<K extends EventKind>(kind: K, json: unknown): DecodeResult<K> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'invalid_payload', error: `payload must be a JSON object, got ${Array.isArray(json) ? 'array' : json === null ? 'null' : typeof json}` };
  }
  // The common case without zod: same rules, same output (protocol/fast-validate.ts); zod for the rest.
  const fast = fastPayload(kind, json as Record<string, unknown>);
  if (fast) return { ok: true, payload: fast };
  const candidateId = (json as { id?: unknown }).id;
  const id = typeof candidateId === 'string' ? candidateId : undefined;
  const parsed = payloadSchemas[kind].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(payload)';
    return { ok: false, reason: 'invalid_payload', error: `invalid ${kind}: ${where}: ${issue.message}`, id };
  }
  return { ok: true, payload: parsed.data as PayloadByKind[K] };
}

/** Device time in epoch ms; falls back to the receive time. */
export function eventTime(ts: string | number | undefined, receivedAt: number): number {
  if (ts === undefined) return receivedAt;
  return typeof ts === 'number' ? ts : Date.parse(ts);
}
