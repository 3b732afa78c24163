// Validation of vehicle-list entries (REST bodies and CSV rows). Pure: the estate's buildings and car
// parks come in as plain lists. Every error names the field and says what is expected.
import { parseTime } from '../history/query.ts';
import { normalizePlate } from './plate.ts';

export interface EstateVocabulary {
  buildings: Array<{ id: string; name: string }>;
  carParks: Array<{ id: string; name: string }>;
}

export interface ResidentInput {
  plate: string;
  name: string;
  building: string;
  room: string;
  space: string;
  carPark: string;
  phone: string;
  note: string;
}

export interface VisitorInput {
  plate: string;
  name: string;
  host: string;
  validFrom: number;
  validUntil: number;
  note: string;
}

export interface BlacklistInput {
  plate: string;
  reason: string;
}

export type Valid<T> = { ok: true; value: T } | { ok: false; error: string };

/** A visitor pass longer than this is a resident in disguise: register the car as a resident instead. */
export const MAX_VISITOR_DAYS = 31;

const LIMITS = { name: 64, building: 64, room: 32, space: 32, carPark: 64, phone: 32, note: 500, host: 128, reason: 200 } as const;

function text(body: Record<string, unknown>, field: keyof typeof LIMITS, required = false): Valid<string> {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    return required ? { ok: false, error: `${field} is required` } : { ok: true, value: '' };
  }
  if (typeof v !== 'string' && typeof v !== 'number') return { ok: false, error: `${field} must be text` };
  const s = String(v).trim();
  if (required && !s) return { ok: false, error: `${field} is required` };
  if ([...s].length > LIMITS[field]) return { ok: false, error: `${field} is longer than ${LIMITS[field]} characters` };
  return { ok: true, value: s };
}

export function validPlate(value: unknown): Valid<string> {
  if (typeof value !== 'string' || !value.trim()) return { ok: false, error: 'plate is required (e.g. 浙A·12345 or 浙AD12345)' };
  const p = normalizePlate(value);
  return p.ok ? { ok: true, value: p.plate } : { ok: false, error: `plate: ${p.error}` };
}

function resolve(kind: string, value: string, known: Array<{ id: string; name: string }>): Valid<string> {
  if (!value) return { ok: true, value: '' };
  const hit = known.find((k) => k.id === value) ?? known.find((k) => k.name === value);
  if (hit) return { ok: true, value: hit.id };
  const some = known.slice(0, 5).map((k) => `${k.id} (${k.name})`).join(', ');
  return { ok: false, error: `${kind}: no ${kind} '${value}' in this estate${some ? `; e.g. ${some}` : ''}` };
}

function time(field: string, value: unknown): Valid<number> {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? { ok: true, value } : { ok: false, error: `${field}: epoch milliseconds must be a non-negative integer` };
  }
  if (typeof value !== 'string') return { ok: false, error: `${field}: expected ISO 8601 with a zone (2026-11-27T21:30:00+08:00) or epoch milliseconds` };
  const t = parseTime(field, value.trim());
  return t.ok ? { ok: true, value: t.value } : { ok: false, error: t.error };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function collect<T>(parts: Record<string, Valid<unknown>>): Valid<T> {
  for (const p of Object.values(parts)) if (!p.ok) return p as Valid<T>;
  return { ok: true, value: Object.fromEntries(Object.entries(parts).map(([k, p]) => [k, (p as { value: unknown }).value])) as T };
}

export function validateResident(body: unknown, vocab: EstateVocabulary): Valid<ResidentInput> {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object {plate, name?, building?, room?, space?, carPark?, phone?, note?}' };
  const building = text(body, 'building');
  const carPark = text(body, 'carPark');
  const phone = text(body, 'phone');
  if (phone.ok && phone.value && !/^[0-9+\-() ]+$/.test(phone.value)) return { ok: false, error: 'phone may hold digits, spaces and + - ( ) only' };
  return collect<ResidentInput>({
    plate: validPlate(body.plate),
    name: text(body, 'name'),
    building: building.ok ? resolve('building', building.value, vocab.buildings) : building,
    room: text(body, 'room'),
    space: text(body, 'space'),
    carPark: carPark.ok ? resolve('carPark', carPark.value, vocab.carParks) : carPark,
    phone,
    note: text(body, 'note'),
  });
}

/** `now` rejects passes that have already ended (a typo in the date, most likely). */
export function validateVisitor(body: unknown, now: number): Valid<VisitorInput> {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object {plate, validUntil, validFrom?, name?, host?, note?}' };
  if (body.validUntil === undefined) return { ok: false, error: 'validUntil is required (ISO 8601 with a zone, or epoch milliseconds)' };
  const from = body.validFrom === undefined ? ({ ok: true, value: now } as const) : time('validFrom', body.validFrom);
  const until = time('validUntil', body.validUntil);
  if (from.ok && until.ok) {
    if (until.value <= from.value) return { ok: false, error: 'validUntil must be after validFrom' };
    if (until.value < now) return { ok: false, error: 'validUntil is in the past: the pass would never be valid' };
    if (until.value - from.value > MAX_VISITOR_DAYS * 86_400_000) {
      return { ok: false, error: `a visitor pass may last ${MAX_VISITOR_DAYS} days at most: register a long-term car as a resident` };
    }
  }
  return collect<VisitorInput>({
    plate: validPlate(body.plate),
    name: text(body, 'name'),
    host: text(body, 'host'),
    validFrom: from,
    validUntil: until,
    note: text(body, 'note'),
  });
}

export function validateBlacklist(body: unknown): Valid<BlacklistInput> {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object {plate, reason}' };
  return collect<BlacklistInput>({ plate: validPlate(body.plate), reason: text(body, 'reason', true) });
}

/** CSV header names (English and the usual Chinese ones) → resident fields. */
export const RESIDENT_CSV_COLUMNS: Record<string, keyof ResidentInput> = {
  plate: 'plate', 车牌: 'plate', 车牌号: 'plate', 车牌号码: 'plate',
  name: 'name', 姓名: 'name', 业主: 'name', 车主: 'name', 业主姓名: 'name',
  building: 'building', 楼栋: 'building', 楼号: 'building',
  room: 'room', 房号: 'room', 房间号: 'room', 门牌号: 'room',
  space: 'space', 车位: 'space', 车位号: 'space',
  carpark: 'carPark', car_park: 'carPark', 'car park': 'carPark', 停车场: 'carPark', 车库: 'carPark',
  phone: 'phone', 电话: 'phone', 手机: 'phone', 联系电话: 'phone',
  note: 'note', 备注: 'note',
};
