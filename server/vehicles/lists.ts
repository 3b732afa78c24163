// The vehicle lists (车辆名单): residents, visitors with a validity window, the blacklist. Plates are
// stored normalised; every write is checked by validate.ts first.
import type { BlacklistEntry, ResidentVehicle, VisitorVehicle } from '../../protocol/vehicles.ts';
import type { Db } from '../store/db.ts';
import type { ListMatch } from './decision.ts';
import type { BlacklistInput, ResidentInput, VisitorInput } from './validate.ts';
import { prepared } from '../store/statements.ts';

export class ListConflict extends Error {}

const RESIDENT_COLUMNS = 'id, estate, plate, name, building, room, space, car_park AS carPark, phone, note, updated_at AS updatedAt';
const VISITOR_COLUMNS = 'id, estate, plate, name, host, valid_from AS validFrom, valid_until AS validUntil, note, created_by AS createdBy, updated_at AS updatedAt';
const BLACKLIST_COLUMNS = 'id, estate, plate, reason, created_by AS createdBy, updated_at AS updatedAt';

/** Everything the lists say about one normalised plate: three index probes. */
export function matchPlate(db: Db, estate: string, plate: string): ListMatch {
  const black = prepared(db, 'SELECT id, reason FROM vehicle_blacklist WHERE estate = ? AND plate = ?').get(estate, plate) as { id: number; reason: string } | undefined;
  const resident = prepared(db, 'SELECT id, car_park AS carPark FROM vehicle_residents WHERE estate = ? AND plate = ?').get(estate, plate) as
    | { id: number; carPark: string }
    | undefined;
  const visitors = prepared(db, 'SELECT id, valid_from AS validFrom, valid_until AS validUntil FROM vehicle_visitors WHERE estate = ? AND plate = ?')
    .all(estate, plate) as ListMatch['visitors'];
  return { blacklist: black ?? null, resident: resident ?? null, visitors };
}

// ---- residents ------------------------------------------------------------------------------------

export function listResidents(db: Db, estate: string, plate?: string): ResidentVehicle[] {
  if (plate) return prepared(db, `SELECT ${RESIDENT_COLUMNS} FROM vehicle_residents WHERE estate = ? AND plate = ?`).all(estate, plate) as ResidentVehicle[];
  return prepared(db, `SELECT ${RESIDENT_COLUMNS} FROM vehicle_residents WHERE estate = ? ORDER BY building, room, plate`).all(estate) as ResidentVehicle[];
}

export function getResident(db: Db, estate: string, id: number): ResidentVehicle | undefined {
  return prepared(db, `SELECT ${RESIDENT_COLUMNS} FROM vehicle_residents WHERE estate = ? AND id = ?`).get(estate, id) as ResidentVehicle | undefined;
}

export function addResident(db: Db, estate: string, r: ResidentInput, now: number): ResidentVehicle {
  if (prepared(db, 'SELECT 1 FROM vehicle_residents WHERE estate = ? AND plate = ?').get(estate, r.plate)) {
    throw new ListConflict(`plate ${r.plate} is already a resident's: change that entry instead`);
  }
  const { lastInsertRowid } = prepared(db, 'INSERT INTO vehicle_residents (estate, plate, name, building, room, space, car_park, phone, note, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(estate, r.plate, r.name, r.building, r.room, r.space, r.carPark, r.phone, r.note, now);
  return getResident(db, estate, Number(lastInsertRowid))!;
}

/** Insert or update by plate (CSV import). Returns whether the plate was new. */
export function upsertResident(db: Db, estate: string, r: ResidentInput, now: number): boolean {
  const existed = !!prepared(db, 'SELECT 1 FROM vehicle_residents WHERE estate = ? AND plate = ?').get(estate, r.plate);
  prepared(
    db,
    `INSERT INTO vehicle_residents (estate, plate, name, building, room, space, car_park, phone, note, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(estate, plate) DO UPDATE SET name = excluded.name, building = excluded.building, room = excluded.room, space = excluded.space,
       car_park = excluded.car_park, phone = excluded.phone, note = excluded.note, updated_at = excluded.updated_at`,
  ).run(estate, r.plate, r.name, r.building, r.room, r.space, r.carPark, r.phone, r.note, now);
  return !existed;
}

export function updateResident(db: Db, estate: string, id: number, r: ResidentInput, now: number): ResidentVehicle | undefined {
  const clash = prepared(db, 'SELECT id FROM vehicle_residents WHERE estate = ? AND plate = ? AND id <> ?').get(estate, r.plate, id);
  if (clash) throw new ListConflict(`plate ${r.plate} is already another resident's`);
  const { changes } = prepared(db, 'UPDATE vehicle_residents SET plate = ?, name = ?, building = ?, room = ?, space = ?, car_park = ?, phone = ?, note = ?, updated_at = ? WHERE estate = ? AND id = ?')
    .run(r.plate, r.name, r.building, r.room, r.space, r.carPark, r.phone, r.note, now, estate, id);
  return changes ? getResident(db, estate, id) : undefined;
}

export function deleteResident(db: Db, estate: string, id: number): boolean {
  return prepared(db, 'DELETE FROM vehicle_residents WHERE estate = ? AND id = ?').run(estate, id).changes > 0;
}

// ---- visitors -------------------------------------------------------------------------------------

/** `activeAt`: only passes valid at that time (or starting later). */
export function listVisitors(db: Db, estate: string, options: { plate?: string; activeAt?: number } = {}): VisitorVehicle[] {
  const where = ['estate = ?'];
  const args: unknown[] = [estate];
  if (options.plate) (where.push('plate = ?'), args.push(options.plate));
  if (options.activeAt !== undefined) (where.push('valid_until >= ?'), args.push(options.activeAt));
  return prepared(db, `SELECT ${VISITOR_COLUMNS} FROM vehicle_visitors WHERE ${where.join(' AND ')} ORDER BY valid_from DESC, id DESC`).all(...args) as VisitorVehicle[];
}

export function getVisitor(db: Db, estate: string, id: number): VisitorVehicle | undefined {
  return prepared(db, `SELECT ${VISITOR_COLUMNS} FROM vehicle_visitors WHERE estate = ? AND id = ?`).get(estate, id) as VisitorVehicle | undefined;
}

export function addVisitor(db: Db, estate: string, v: VisitorInput, user: string, now: number): VisitorVehicle {
  const { lastInsertRowid } = prepared(db, 'INSERT INTO vehicle_visitors (estate, plate, name, host, valid_from, valid_until, note, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(estate, v.plate, v.name, v.host, v.validFrom, v.validUntil, v.note, user, now);
  return getVisitor(db, estate, Number(lastInsertRowid))!;
}

export function updateVisitor(db: Db, estate: string, id: number, v: VisitorInput, now: number): VisitorVehicle | undefined {
  const { changes } = prepared(db, 'UPDATE vehicle_visitors SET plate = ?, name = ?, host = ?, valid_from = ?, valid_until = ?, note = ?, updated_at = ? WHERE estate = ? AND id = ?')
    .run(v.plate, v.name, v.host, v.validFrom, v.validUntil, v.note, now, estate, id);
  return changes ? getVisitor(db, estate, id) : undefined;
}

export function deleteVisitor(db: Db, estate: string, id: number): boolean {
  return prepared(db, 'DELETE FROM vehicle_visitors WHERE estate = ? AND id = ?').run(estate, id).changes > 0;
}

// ---- blacklist ------------------------------------------------------------------------------------

export function listBlacklist(db: Db, estate: string, plate?: string): BlacklistEntry[] {
  if (plate) return prepared(db, `SELECT ${BLACKLIST_COLUMNS} FROM vehicle_blacklist WHERE estate = ? AND plate = ?`).all(estate, plate) as BlacklistEntry[];
  return prepared(db, `SELECT ${BLACKLIST_COLUMNS} FROM vehicle_blacklist WHERE estate = ? ORDER BY plate`).all(estate) as BlacklistEntry[];
}

export function getBlacklisted(db: Db, estate: string, id: number): BlacklistEntry | undefined {
  return prepared(db, `SELECT ${BLACKLIST_COLUMNS} FROM vehicle_blacklist WHERE estate = ? AND id = ?`).get(estate, id) as BlacklistEntry | undefined;
}

export function addBlacklisted(db: Db, estate: string, b: BlacklistInput, user: string, now: number): BlacklistEntry {
  if (prepared(db, 'SELECT 1 FROM vehicle_blacklist WHERE estate = ? AND plate = ?').get(estate, b.plate)) {
    throw new ListConflict(`plate ${b.plate} is already on the blacklist: change that entry instead`);
  }
  const { lastInsertRowid } = prepared(db, 'INSERT INTO vehicle_blacklist (estate, plate, reason, created_by, updated_at) VALUES (?, ?, ?, ?, ?)')
    .run(estate, b.plate, b.reason, user, now);
  return getBlacklisted(db, estate, Number(lastInsertRowid))!;
}

/** Insert or update by plate (demo seeding). */
export function upsertBlacklisted(db: Db, estate: string, b: BlacklistInput, user: string, now: number): void {
  prepared(
    db,
    `INSERT INTO vehicle_blacklist (estate, plate, reason, created_by, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(estate, plate) DO UPDATE SET reason = excluded.reason, updated_at = excluded.updated_at`,
  ).run(estate, b.plate, b.reason, user, now);
}

export function updateBlacklisted(db: Db, estate: string, id: number, b: BlacklistInput, now: number): BlacklistEntry | undefined {
  const clash = prepared(db, 'SELECT id FROM vehicle_blacklist WHERE estate = ? AND plate = ? AND id <> ?').get(estate, b.plate, id);
  if (clash) throw new ListConflict(`plate ${b.plate} is already on the blacklist`);
  const { changes } = prepared(db, 'UPDATE vehicle_blacklist SET plate = ?, reason = ?, updated_at = ? WHERE estate = ? AND id = ?').run(b.plate, b.reason, now, estate, id);
  return changes ? getBlacklisted(db, estate, id) : undefined;
}

export function deleteBlacklisted(db: Db, estate: string, id: number): boolean {
  return prepared(db, 'DELETE FROM vehicle_blacklist WHERE estate = ? AND id = ?').run(estate, id).changes > 0;
}
