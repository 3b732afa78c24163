// Car-park occupancy: counts moved by gate passes (sessions.ts decides the deltas), set by operators
// with an audit trail (a count by gate reads drifts: a missed read, a car waved through by hand).
import type { CarParkOccupancy, OccupancyCorrection } from '../../protocol/vehicles.ts';
import type { Db } from '../store/db.ts';
import { listCarParks } from '../estate/gates.ts';
import type { OccupancyDelta } from './sessions.ts';
import { prepared } from '../store/statements.ts';

/** Applies gate-pass deltas (never below 0). Returns the car parks that changed. */
export function applyOccupancy(db: Db, estate: string, deltas: readonly OccupancyDelta[], now: number): string[] {
  const changed: string[] = [];
  const stmt = prepared(
    db,
    `INSERT INTO vehicle_occupancy (estate, car_park, parked, updated_at) VALUES (?, ?, max(0, ?), ?)
     ON CONFLICT(estate, car_park) DO UPDATE SET parked = max(0, parked + ?), updated_at = excluded.updated_at`,
  );
  for (const d of deltas) {
    if (!d.delta) continue;
    stmt.run(estate, d.carPark, d.delta, now, d.delta);
    changed.push(d.carPark);
  }
  return changed;
}

/** An operator's count (after a walk round the car park): recorded with who, when and why. */
/** `id`: from a sequence unique across nodes in a cluster (ModuleContext.allocateId); undefined = SQLite's rowid. */
export function correctOccupancy(db: Db, estate: string, carPark: string, parked: number, user: string, note: string, now: number, id?: number): OccupancyCorrection {
  return db.transaction(() => {
    const row = prepared(db, 'SELECT parked FROM vehicle_occupancy WHERE estate = ? AND car_park = ?').get(estate, carPark) as { parked: number } | undefined;
    const before = row?.parked ?? 0;
    prepared(
    db,
      `INSERT INTO vehicle_occupancy (estate, car_park, parked, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(estate, car_park) DO UPDATE SET parked = excluded.parked, updated_at = excluded.updated_at`,
    ).run(estate, carPark, parked, now);
    const { lastInsertRowid } = prepared(db, 'INSERT INTO vehicle_occupancy_corrections (id, estate, car_park, before, after, user, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id ?? null, estate, carPark, before, parked, user, note, now);
    return { id: Number(lastInsertRowid), estate, carPark, before, after: parked, user, note, at: now };
  })();
}

export function listCorrections(db: Db, estate: string, carPark: string | undefined, limit: number): OccupancyCorrection[] {
  const where = carPark ? 'estate = ? AND car_park = ?' : 'estate = ?';
  const args = carPark ? [estate, carPark] : [estate];
  return prepared(db, `SELECT id, estate, car_park AS carPark, before, after, user, note, at FROM vehicle_occupancy_corrections WHERE ${where} ORDER BY id DESC LIMIT ?`)
    .all(...args, limit) as OccupancyCorrection[];
}

/** Every car park of the estate with its count, capacity and free spaces. */
export function occupancySnapshot(db: Db, estate: string): CarParkOccupancy[] {
  const counts = new Map(
    (prepared(db, 'SELECT car_park AS carPark, parked, updated_at AS updatedAt FROM vehicle_occupancy WHERE estate = ?').all(estate) as Array<{
      carPark: string;
      parked: number;
      updatedAt: number;
    }>).map((r) => [r.carPark, r]),
  );
  return listCarParks(db, estate).map((c) => {
    const n = counts.get(c.id);
    const parked = n?.parked ?? 0;
    return { id: c.id, name: c.name, capacity: c.capacity, parked, free: c.capacity === null ? null : Math.max(0, c.capacity - parked), updatedAt: n?.updatedAt ?? 0 };
  });
}
