// Where every problem enters: residents (/report), Open311 clients, staff findings and alerts. One
// path checks the input, picks tier and department from the estate's categories, places the order
// on its building, auto-dispatches by the estate's rules and commits it (with the resident's token
// hash) in one transaction before anything is answered.
import { createHash, randomBytes } from 'node:crypto';
import { WORKORDER_LIMITS, isSlaTier, type PhotoRef, type Reporter, type SlaTier, type WorkOrder, type WorkOrderSource } from '../../protocol/index.ts';
import { HttpError } from '../api/errors.ts';
import { RESEND_KEEP_MS, clientHash, openToken, sealToken } from './resend.ts';
import type { Db } from '../store/db.ts';
import { getEstate, listBuildings } from '../store/estates.ts';
import type { BuildingInfo } from '../../protocol/api.ts';
import { buildingFloors, hasFloor, hasUnit, parseFloor, roomsNamed } from '../houses/registry.ts';
import { EstateContexts, buildingAt } from '../ingest/estate-context.ts';
import { autoDispatch, category, unknownCategory } from './config.ts';
import { createOrder, dispatch, retier, isRefusal, SYSTEM, type Transition } from './lifecycle.ts';
import type { Actor, WorkOrderService } from './service.ts';

export interface IntakeInput {
  source: WorkOrderSource;
  category: unknown;
  description: unknown;
  building?: unknown;
  /** storey (3, "3F", "B1"), and/or the house registry's unit and room: checked against the building */
  floor?: unknown;
  unit?: unknown;
  room?: unknown;
  lat?: unknown;
  lon?: unknown;
  x?: unknown;
  y?: unknown;
  address?: unknown;
  name?: unknown;
  phone?: unknown;
  mediaUrls?: string[];
  photos?: PhotoRef[];
  alert?: number;
  tier?: unknown;
  reason?: unknown;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const bad = (message: string, reason: string) => new HttpError(400, message, { reason });

/** A trimmed string within a limit, or undefined when absent. */
export function optionalText(v: unknown, field: string, max: number): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw bad(`${field}: expected text`, 'bad_field');
  const t = v.trim();
  if (!t) return undefined;
  if (t.length > max) throw bad(`${field} is too long: ${t.length} characters, at most ${max}`, 'too_long');
  return t;
}

export function requiredText(v: unknown, field: string, max: number): string {
  const t = optionalText(v, field, max);
  if (t === undefined) throw bad(`${field} is required`, 'missing_field');
  return t;
}

function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw bad(`${field}: expected a number, got ${JSON.stringify(v)}`, 'bad_field');
  return n;
}

const floorRange = (f: { min: number; max: number; listed: number[] | null }) =>
  f.listed && f.listed.length !== f.max - f.min + 1 ? `floors ${f.listed.join(', ')}` : f.min === f.max ? `only floor ${f.min}` : `floors ${f.min}–${f.max}`;

/**
 * Where in its building an order is: a floor (checked against the building's floors — the house
 * registry's, else 1 … its floor count) and/or a registered unit and room (the room gives the floor).
 * Refuses with 400 and a reason: bad_floor, floor_without_building, unknown_floor, unknown_unit,
 * unknown_room, ambiguous_room, floor_mismatch.
 */
export function placeInBuilding(db: Db, estate: string, b: BuildingInfo | undefined, input: Pick<IntakeInput, 'floor' | 'unit' | 'room'>): { floor?: number; unit?: string; room?: string } {
  const room = optionalText(input.room, 'room', 32);
  const unit = optionalText(input.unit, 'unit', 32)?.replace(/单元$/, '');
  let floor: number | undefined;
  if (input.floor !== undefined && input.floor !== null && input.floor !== '') {
    floor = parseFloor(input.floor);
    if (floor === undefined) throw bad(`floor: expected a storey (1 = ground floor, -1 or B1 = first basement), got ${JSON.stringify(input.floor)}`, 'bad_floor');
  }
  if (floor === undefined && room === undefined && unit === undefined) return {};
  const what = room !== undefined ? 'room' : floor !== undefined ? 'floor' : 'unit';
  if (!b) throw bad(`${what} needs a building: give building (or a position inside one)`, 'floor_without_building');
  if (unit !== undefined && !hasUnit(db, estate, b.id, unit)) throw bad(`building '${b.id}' has no unit '${unit}' in the house registry`, 'unknown_unit');
  if (room !== undefined) {
    const rooms = roomsNamed(db, estate, b.id, room, unit);
    if (!rooms.length) throw bad(`building '${b.id}' has no room '${room}'${unit !== undefined ? ` in unit ${unit}` : ''} in the house registry`, 'unknown_room');
    if (rooms.length > 1) throw bad(`room '${room}' is in units ${rooms.map((r) => r.unit).join(', ')} of building '${b.id}': give the unit`, 'ambiguous_room');
    const r = rooms[0];
    if (floor !== undefined && floor !== r.floor) throw bad(`room '${room}' of building '${b.id}' is on floor ${r.floor}, not ${floor}`, 'floor_mismatch');
    return { floor: r.floor, unit: r.unit, room: r.room };
  }
  if (floor !== undefined) {
    const floors = buildingFloors(db, estate, b);
    if (!hasFloor(floors, floor)) throw bad(`building '${b.id}' has ${floorRange(floors)}: no floor ${floor}`, 'unknown_floor');
  }
  return { floor, ...(unit !== undefined ? { unit } : {}) };
}

export class Intake {
  readonly places: EstateContexts;

  constructor(private readonly db: Db, private readonly service: WorkOrderService) {
    this.places = new EstateContexts(db);
  }

  /** Checks, builds and commits a new order; returns it with the resident's token (when asked). */
  create(
    estate: string,
    input: IntakeInput,
    actor: Actor,
    now: number,
    opts: { token?: boolean; extra?: (order: WorkOrder) => void; photos?: () => PhotoRef[]; clientId?: string } = {},
  ): { order: WorkOrder; token?: string; resent?: true } {
    const e = getEstate(this.db, estate);
    if (!e) throw new HttpError(404, `estate '${estate}' not found`, { reason: 'unknown_estate' });
    // a resend of a request already taken: its receipt again, nothing new (no second order, no photos stored)
    const kept = opts.clientId && opts.token ? this.service.store.resend(clientHash(estate, opts.clientId)) : undefined;
    if (kept) {
      const order = this.service.get(kept.workorder) ?? this.service.store.get(kept.workorder);
      const token = openToken(estate, opts.clientId!, kept.tokenBox);
      if (order && token) return { order, token, resent: true };
    }
    const config = this.service.config(estate);
    const cat = typeof input.category === 'string' ? category(config, input.category) : undefined;
    if (!cat) throw bad(unknownCategory(input.category), 'unknown_category');
    const description = requiredText(input.description, 'description', WORKORDER_LIMITS.descriptionChars);
    const name = optionalText(input.name, 'name', WORKORDER_LIMITS.nameChars);
    const phone = optionalText(input.phone, 'phone', WORKORDER_LIMITS.phoneChars);
    if (phone !== undefined && !/^[0-9+\-() ]{3,32}$/.test(phone)) throw bad('phone: digits, spaces and + - ( ) only', 'bad_field');
    const address = optionalText(input.address, 'address', 200);
    let building = optionalText(input.building, 'building', 64);
    const buildings = listBuildings(this.db, estate);
    let x = num(input.x, 'x');
    let y = num(input.y, 'y');
    const lat = num(input.lat, 'lat');
    const lon = num(input.lon, 'long');
    if ((lat === undefined) !== (lon === undefined)) throw bad('lat and long go together', 'bad_field');
    if (lat !== undefined && (Math.abs(lat) > 90 || Math.abs(lon!) > 180)) throw bad('lat/long: out of range', 'bad_field');
    if (lat !== undefined && x === undefined) {
      const ctx = this.places.get(estate);
      if (ctx) {
        [x, y] = ctx.frame.toLocal(lon!, lat);
        building ??= buildingAt(ctx, x, y);
      }
    }
    const b = building !== undefined ? buildings.find((c) => c.id === building) : undefined;
    if (building !== undefined) {
      if (!b) throw bad(`unknown building '${building}' in estate '${estate}'`, 'unknown_building');
      if (x === undefined || y === undefined) [x, y] = b.center;
    }
    let place: ReturnType<typeof placeInBuilding>;
    try {
      place = placeInBuilding(this.db, estate, b, input);
    } catch (err) {
      // an alert's device floor was set by an admin without the building's floors at hand: the order is made anyway, on the building
      if (input.source !== 'alert') throw err;
      place = {};
    }
    let tier: SlaTier = cat.tier;
    if (input.tier !== undefined) {
      if (!isSlaTier(input.tier)) throw bad(`tier: small, serious, complex or special, got ${JSON.stringify(input.tier)}`, 'bad_field');
      tier = input.tier;
    }
    const transitions: Transition[] = [];
    const photos = input.photos ?? opts.photos?.();
    const created = createOrder(
      {
        estate, source: input.source, category: cat.code, tier: cat.tier, department: cat.department, description, building, ...place, x, y, lat, lon, address,
        reporter: name || phone ? ({ ...(name ? { name } : {}), ...(phone ? { phone } : {}) } as Reporter) : undefined,
        photos, mediaUrls: input.mediaUrls, alert: input.alert,
      },
      this.service.store.nextId(),
      actor.name,
      now,
    );
    transitions.push(created);
    let order = created.order;
    if (tier !== cat.tier) {
      const reason = optionalText(input.reason, 'reason', WORKORDER_LIMITS.reasonChars) ?? 'set when entered';
      const t = retier(order, actor.name, tier, reason, now);
      if (!isRefusal(t)) (transitions.push(t), (order = t.order));
    }
    const to = autoDispatch(config, cat.code, building);
    if (to) {
      const team = to.team ? config.teams.find((t) => t.id === to.team) : undefined;
      const t = dispatch(order, SYSTEM, to, now, 'auto-dispatch');
      if (!isRefusal(t)) {
        if (team?.department) t.order.department = team.department;
        transitions.push(t);
        order = t.order;
      }
    }
    const token = opts.token ? randomBytes(24).toString('base64url') : undefined;
    this.service.commit(transitions, actor, () => {
      if (token) this.service.store.setTokenHash(order.id, hashToken(token));
      if (token && opts.clientId) this.service.store.keepResend(clientHash(estate, opts.clientId), order.id, sealToken(estate, opts.clientId, token), now, RESEND_KEEP_MS);
      opts.extra?.(order);
    });
    return { order, token };
  }
}
