// The vehicle in/out ledger (车辆进出台账): sessions as sessions.ts pairs them, in SQLite.
import type { SessionStatus, VehicleList, VehicleSession } from '../../protocol/vehicles.ts';
import type { Db } from '../store/db.ts';
import { dwellMs, type LatestSession, type SessionChanges } from './sessions.ts';
import { prepared } from '../store/statements.ts';

const COLUMNS = `id, estate, plate, status, list, car_park AS carPark, gate_in AS gateIn, gate_out AS gateOut, entered_at AS enteredAt,
  exited_at AS exitedAt, in_event AS inEvent, out_event AS outEvent, valid_until AS validUntil, overstay`;

type Row = Omit<VehicleSession, 'dwellMs' | 'overstay'> & { overstay: number };
const toSession = (r: Row): VehicleSession => ({ ...r, overstay: r.overstay === 1, dwellMs: dwellMs(r.enteredAt, r.exitedAt) });

export function latestSession(db: Db, estate: string, plate: string): LatestSession | null {
  const row = prepared(db, 'SELECT id, status, car_park AS carPark, entered_at AS enteredAt, overstay FROM vehicle_sessions WHERE estate = ? AND plate = ? ORDER BY id DESC LIMIT 1')
    .get(estate, plate) as { id: number; status: SessionStatus; carPark: string; enteredAt: number | null; overstay: number } | undefined;
  return row ? { ...row, overstay: row.overstay === 1 } : null;
}

/**
 * Writes what pairRead decided; returns the id of the inserted session, if any. `id`: the new
 * session's id from a sequence unique across nodes (a cluster: every node holds a copy of the ledger,
 * ModuleContext.allocateId); undefined = SQLite's own rowid.
 */
export function applySessionChanges(db: Db, estate: string, changes: SessionChanges, id?: number): number | null {
  const u = changes.update;
  if (u) {
    prepared(db, 'UPDATE vehicle_sessions SET status = ?, exited_at = ?, gate_out = ?, out_event = ? WHERE id = ?').run(u.status, u.exitedAt, u.gateOut, u.outEvent, u.id);
  }
  const n = changes.insert;
  if (!n) return null;
  const { lastInsertRowid } = prepared(
    db,
      `INSERT INTO vehicle_sessions (id, estate, plate, status, list, car_park, gate_in, gate_out, entered_at, exited_at, in_event, out_event, valid_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(id ?? null, estate, n.plate, n.status, n.list, n.carPark, n.gateIn, n.gateOut, n.enteredAt, n.exitedAt, n.inEvent, n.outEvent, n.validUntil);
  return Number(lastInsertRowid);
}

export interface SessionQuery {
  status?: SessionStatus;
  plate?: string;
  list?: VehicleList;
  /** sessions with an id below this (paging, newest first) */
  before?: number;
  limit: number;
}

export function listSessions(db: Db, estate: string, q: SessionQuery): VehicleSession[] {
  const where = ['estate = ?'];
  const args: unknown[] = [estate];
  if (q.status) (where.push('status = ?'), args.push(q.status));
  if (q.plate) (where.push('plate = ?'), args.push(q.plate));
  if (q.list) (where.push('list = ?'), args.push(q.list));
  if (q.before !== undefined) (where.push('id < ?'), args.push(q.before));
  const rows = prepared(db, `SELECT ${COLUMNS} FROM vehicle_sessions WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...args, q.limit) as Row[];
  return rows.map(toSession);
}

/** Open visitor sessions without an overstay alert yet, every estate (the overstay timer). */
export function openVisitorSessions(db: Db): VehicleSession[] {
  const rows = prepared(db, `SELECT ${COLUMNS} FROM vehicle_sessions WHERE status = 'open' AND list = 'visitor' AND overstay = 0`).all() as Row[];
  return rows.map(toSession);
}

export function markOverstay(db: Db, id: number): void {
  prepared(db, 'UPDATE vehicle_sessions SET overstay = 1 WHERE id = ?').run(id);
}

/** A visitor's pass was extended while the car is inside: the overstay rule follows the new end. */
export function setValidUntil(db: Db, id: number, validUntil: number): void {
  prepared(db, 'UPDATE vehicle_sessions SET valid_until = ? WHERE id = ?').run(validUntil, id);
}
