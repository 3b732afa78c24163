// The vehicles module's tables. Created by the module at start and by the demo seeding (which may run
// in another process, `smart-estate sim`), so every statement is idempotent.
import type { Db } from '../store/db.ts';
import { ensureGateTables } from '../estate/gates.ts';

const SCHEMA = `
-- 车辆名单: plates are stored normalised (浙A12345), so a lookup is one index probe.
CREATE TABLE IF NOT EXISTS vehicle_residents (
  id INTEGER PRIMARY KEY,
  estate TEXT NOT NULL,
  plate TEXT NOT NULL,
  name TEXT NOT NULL,
  building TEXT NOT NULL,          -- building id ('' = not given)
  room TEXT NOT NULL,
  space TEXT NOT NULL,             -- car-park space, e.g. B1-023
  car_park TEXT NOT NULL,          -- zone id ('' = not given)
  phone TEXT NOT NULL,
  note TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (estate, plate)
);
CREATE TABLE IF NOT EXISTS vehicle_visitors (
  id INTEGER PRIMARY KEY,
  estate TEXT NOT NULL,
  plate TEXT NOT NULL,
  name TEXT NOT NULL,
  host TEXT NOT NULL,              -- who is visited
  valid_from INTEGER NOT NULL,     -- epoch ms, inclusive
  valid_until INTEGER NOT NULL,    -- epoch ms, inclusive
  note TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS vehicle_visitors_plate ON vehicle_visitors (estate, plate);
CREATE TABLE IF NOT EXISTS vehicle_blacklist (
  id INTEGER PRIMARY KEY,
  estate TEXT NOT NULL,
  plate TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (estate, plate)
);
-- 车辆进出台账: one row per stay (or refused entry), paired by plate in journal order.
CREATE TABLE IF NOT EXISTS vehicle_sessions (
  id INTEGER PRIMARY KEY,
  estate TEXT NOT NULL,
  plate TEXT NOT NULL,
  status TEXT NOT NULL,            -- open | closed | exit_missed | entry_missed | denied | turned_away
  list TEXT NOT NULL,              -- resident | visitor | blacklist | none (at entry)
  car_park TEXT NOT NULL,
  gate_in TEXT NOT NULL,
  gate_out TEXT NOT NULL,
  entered_at INTEGER,
  exited_at INTEGER,
  in_event TEXT NOT NULL,          -- device/id of the reads
  out_event TEXT NOT NULL,
  valid_until INTEGER,             -- a visitor's validity end at entry
  overstay INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS vehicle_sessions_plate ON vehicle_sessions (estate, plate, id);
CREATE INDEX IF NOT EXISTS vehicle_sessions_open ON vehicle_sessions (estate, status) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS vehicle_sessions_time ON vehicle_sessions (estate, id);
CREATE TABLE IF NOT EXISTS vehicle_occupancy (
  estate TEXT NOT NULL,
  car_park TEXT NOT NULL,
  parked INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (estate, car_park)
);
CREATE TABLE IF NOT EXISTS vehicle_occupancy_corrections (
  id INTEGER PRIMARY KEY,
  estate TEXT NOT NULL,
  car_park TEXT NOT NULL,
  before INTEGER NOT NULL,
  after INTEGER NOT NULL,
  user TEXT NOT NULL,
  note TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS vehicle_settings (
  estate TEXT PRIMARY KEY,
  settings TEXT NOT NULL           -- JSON VehicleSettings
);
`;

const ready = new WeakSet<Db>();

export function ensureVehicleTables(db: Db): void {
  if (ready.has(db)) return;
  ensureGateTables(db);
  db.exec(SCHEMA);
  ready.add(db);
}
