// One SQLite file holds estate configuration, credentials and the event journal. WAL mode lets the
// CLI (`device add`, `user add`) write while the server runs: the server reads credentials per
// connect, so a new device can connect at once.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { prepared } from './statements.ts';
import { ensureAuditSchema } from '../audit/log.ts';
import { ensureOrgSchema } from '../org/schema.ts';

export type Db = Database.Database;
export type Synchronous = 'FULL' | 'NORMAL';

export const DB_FILE = 'smart-estate.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS estates (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_zh TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  timezone TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS buildings (
  estate TEXT NOT NULL REFERENCES estates(id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  use TEXT NOT NULL,
  floors INTEGER,
  height REAL NOT NULL,
  min_height REAL NOT NULL,
  polygons TEXT NOT NULL,          -- JSON: Polygon[] in local metres
  center_x REAL NOT NULL,
  center_y REAL NOT NULL,
  PRIMARY KEY (estate, id)
);
CREATE TABLE IF NOT EXISTS zones (
  estate TEXT NOT NULL REFERENCES estates(id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  polygon TEXT NOT NULL,           -- JSON: Polygon in local metres
  hours TEXT,                      -- JSON, rule parameters (alerts work)
  PRIMARY KEY (estate, id)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  estate TEXT NOT NULL REFERENCES estates(id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  code TEXT NOT NULL,              -- NFC UID / QR payload
  x REAL NOT NULL,
  y REAL NOT NULL,
  PRIMARY KEY (estate, id)
);
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,             -- also the MQTT username: unique across estates
  estate TEXT NOT NULL REFERENCES estates(id),
  kind TEXT NOT NULL,              -- patrol | camera | gate | sensor
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL,        -- sha256 of a 256-bit random token
  x REAL, y REAL, heading REAL, fov REAL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  estate TEXT,                     -- NULL = every estate
  password_hash TEXT NOT NULL,     -- scrypt
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER             -- epoch ms: idle expiry (store/users.ts SESSION_IDLE_MS)
);
-- The journal: every accepted event, committed before the device is acknowledged.
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, -- journal order, never reused after trimming: the forwarder's checkpoint refers to it
  estate TEXT NOT NULL,
  device TEXT NOT NULL,
  kind TEXT NOT NULL,
  event_id TEXT,                   -- the device's own id; NULL for kinds where it is optional
  ts INTEGER NOT NULL,             -- device time, epoch ms
  rx INTEGER NOT NULL,             -- receive time, epoch ms
  body TEXT NOT NULL               -- JSON EstateEvent
);
CREATE UNIQUE INDEX IF NOT EXISTS events_dedupe ON events (device, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_estate_ts ON events (estate, ts);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Points InfluxDB refused (4xx): kept with the reason instead of blocking the rest.
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  reason TEXT NOT NULL,
  line TEXT NOT NULL,
  at INTEGER NOT NULL
);
`;

export interface OpenDbOptions {
  synchronous?: Synchronous;
  readonly?: boolean;
}

export function dbPath(dataDir: string): string {
  return join(dataDir, DB_FILE);
}

export function openDb(file: string, options: OpenDbOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  // The CLI and the server share the file; wait for the other's write instead of failing.
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.exec(SCHEMA);
    addColumn(db, 'sessions', 'last_used_at', 'INTEGER'); // idle expiry (docs/security.md)
    addColumn(db, 'devices', 'floor', 'INTEGER'); // the storey a device is installed on (house registry, docs/wallscreen.md)
    ensureAuditSchema(db);
    ensureOrgSchema(db);
  }
  return db;
}

/** Adds a column to a table made by an older version of the schema (CREATE TABLE IF NOT EXISTS keeps the old one). */
export function addColumn(db: Db, table: string, column: string, type: string): void {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

/**
 * SQLite's data_version: changes when another connection (another process, a worker's connection)
 * committed since the last call, never for this connection's own commits.
 */
export function dataVersion(db: Db): number {
  return prepared(db, 'PRAGMA data_version').pluck().get() as number;
}

export function getMeta(db: Db, key: string): string | undefined {
  const row = prepared(db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  prepared(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
