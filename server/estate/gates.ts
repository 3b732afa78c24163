// Gates (大门 / 出入口) and the car parks their vehicle passes count for, as the estate file describes
// them (`se:kind: gate` with `se:car_park`, `se:devices`; car-park zones with `capacity`). Kept beside the
// zones table in tables of their own, created here, so the store's schema stays as it is.
import type { GateDetail } from '../../protocol/vehicles.ts';
import type { Db } from '../store/db.ts';
import type { GateInfo } from './geojson.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gates (
  estate TEXT NOT NULL REFERENCES estates(id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  access TEXT NOT NULL,            -- JSON: ["vehicle", "pedestrian"]
  x REAL NOT NULL,
  y REAL NOT NULL,
  car_park TEXT,                   -- zone id (kind car_park) its vehicle passes count for
  devices TEXT NOT NULL,           -- JSON: plate-camera device ids
  PRIMARY KEY (estate, id)
);
CREATE TABLE IF NOT EXISTS car_parks (
  estate TEXT NOT NULL REFERENCES estates(id),
  zone TEXT NOT NULL,              -- zone id (kind car_park)
  capacity INTEGER,                -- spaces; NULL = not known
  PRIMARY KEY (estate, zone)
);
`;

const ready = new WeakSet<Db>();

export function ensureGateTables(db: Db): void {
  if (ready.has(db)) return;
  db.exec(SCHEMA);
  ready.add(db);
}

export function upsertGate(db: Db, estate: string, g: GateInfo): void {
  ensureGateTables(db);
  db.prepare(
    `INSERT INTO gates (estate, id, name, access, x, y, car_park, devices) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(estate, id) DO UPDATE SET name = excluded.name, access = excluded.access, x = excluded.x, y = excluded.y,
       car_park = excluded.car_park, devices = excluded.devices`,
  ).run(estate, g.id, g.name, JSON.stringify(g.access), g.x, g.y, g.carPark ?? null, JSON.stringify(g.devices ?? []));
}

export function listGates(db: Db, estate: string): GateDetail[] {
  ensureGateTables(db);
  const rows = db.prepare('SELECT id, name, access, x, y, car_park, devices FROM gates WHERE estate = ? ORDER BY id').all(estate) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: String(r.id),
    name: String(r.name),
    access: JSON.parse(String(r.access)) as string[],
    x: Number(r.x),
    y: Number(r.y),
    carPark: (r.car_park as string | null) ?? '',
    devices: JSON.parse(String(r.devices)) as string[],
  }));
}

/** Sets (or, with null, forgets) a car park's number of spaces. */
export function setCarParkCapacity(db: Db, estate: string, zone: string, capacity: number | null): void {
  ensureGateTables(db);
  db.prepare(
    'INSERT INTO car_parks (estate, zone, capacity) VALUES (?, ?, ?) ON CONFLICT(estate, zone) DO UPDATE SET capacity = excluded.capacity',
  ).run(estate, zone, capacity);
}

/** The estate's car parks (zones of kind car_park) with their capacity. */
export function listCarParks(db: Db, estate: string): Array<{ id: string; name: string; capacity: number | null }> {
  ensureGateTables(db);
  return db
    .prepare(
      `SELECT z.id AS id, z.name AS name, c.capacity AS capacity FROM zones z
       LEFT JOIN car_parks c ON c.estate = z.estate AND c.zone = z.id
       WHERE z.estate = ? AND z.kind = 'car_park' ORDER BY z.id`,
    )
    .all(estate) as Array<{ id: string; name: string; capacity: number | null }>;
}
