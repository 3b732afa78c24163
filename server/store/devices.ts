// The device registry: who may connect, and where each device is installed.
import { isId, type DeviceClass, type DeviceInfo } from '../../protocol/index.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import { DEVICE_TOKEN_PREFIX, hashToken, newToken, safeEqualHex } from './secrets.ts';
import { getEstate } from './estates.ts';
import { EventEmitter } from 'node:events';

export interface DeviceRecord extends DeviceInfo {
  estate: string;
}

export interface NewDevice {
  estate: string;
  id: string;
  kind: DeviceClass;
  name?: string;
  x?: number | null;
  y?: number | null;
  heading?: number | null;
  fov?: number | null;
  /** storey the device is installed on (1 = ground floor, negative = basement); null = not on a floor */
  floor?: number | null;
}

export class DeviceError extends Error {}

/**
 * Registers a device and returns its token (shown once; only its hash is stored).
 * With `rotate`, an existing device of the same estate gets a new token instead of an error.
 */
export function addDevice(db: Db, d: NewDevice, options: { rotate?: boolean } = {}): string {
  if (!isId(d.id)) throw new DeviceError(`invalid device id '${d.id}': use letters, digits, '_', '-', '.' (max 64)`);
  if (!getEstate(db, d.estate)) {
    throw new DeviceError(`estate '${d.estate}' not found: create it first (smart-estate estate add, or import buildings)`);
  }
  const token = newToken(DEVICE_TOKEN_PREFIX);
  const existing = getDevice(db, d.id);
  if (existing) {
    if (!options.rotate) throw new DeviceError(`device '${d.id}' already exists (in estate '${existing.estate}')`);
    if (existing.estate !== d.estate) throw new DeviceError(`device '${d.id}' belongs to estate '${existing.estate}', not '${d.estate}'`);
    db.prepare('UPDATE devices SET token_hash = ?, kind = ?, name = ?, x = ?, y = ?, heading = ?, fov = ?, floor = ? WHERE id = ?').run(
      hashToken(token), d.kind, d.name ?? d.id, d.x ?? null, d.y ?? null, d.heading ?? null, d.fov ?? null, d.floor ?? null, d.id,
    );
    return token;
  }
  db.prepare(
    'INSERT INTO devices (id, estate, kind, name, token_hash, x, y, heading, fov, floor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(d.id, d.estate, d.kind, d.name ?? d.id, hashToken(token), d.x ?? null, d.y ?? null, d.heading ?? null, d.fov ?? null, d.floor ?? null, Date.now());
  return token;
}

export function getDevice(db: Db, id: string): DeviceRecord | undefined {
  return prepared(db, 'SELECT id, estate, kind, name, x, y, heading, fov, floor FROM devices WHERE id = ?').get(id) as DeviceRecord | undefined;
}

export function listDevices(db: Db, estate: string): DeviceInfo[] {
  return prepared(db, 'SELECT id, kind, name, x, y, heading, fov, floor FROM devices WHERE estate = ? ORDER BY id').all(estate) as DeviceInfo[];
}

/** The device if the token is right, else undefined. */
export function authenticateDevice(db: Db, id: string, token: string): DeviceRecord | undefined {
  const row = prepared(db, 'SELECT token_hash FROM devices WHERE id = ?').get(id) as { token_hash: string } | undefined;
  if (!row || !safeEqualHex(row.token_hash, hashToken(token))) return undefined;
  return getDevice(db, id);
}

/**
 * Updates where a registered device is installed (kind, name, position, heading, fov) and keeps its
 * token: re-importing an estate file must not lock out devices already in the field.
 */
export function placeDevice(db: Db, d: NewDevice): void {
  const existing = getDevice(db, d.id);
  if (!existing) throw new DeviceError(`device '${d.id}' not found`);
  if (existing.estate !== d.estate) throw new DeviceError(`device '${d.id}' belongs to estate '${existing.estate}', not '${d.estate}'`);
  db.prepare('UPDATE devices SET kind = ?, name = ?, x = ?, y = ?, heading = ?, fov = ?, floor = ? WHERE id = ?').run(
    d.kind, d.name ?? d.id, d.x ?? null, d.y ?? null, d.heading ?? null, d.fov ?? null, d.floor ?? null, d.id,
  );
}

/**
 * A revoked device keeps its row (its events and placement still name it) but its token hash is
 * replaced by a marker no token hashes to, so it can never authenticate again; `device add
 * --rotate` issues a new token. The server's broker disconnects it: at once when the revoke ran in
 * the server's process (REST), within a second when another process did it (the CLI; see broker.ts).
 */
export const REVOKED = 'revoked';

/** In-process notice of revocations (the broker listens), emitted after the change is committed. */
export const deviceRevocations = new EventEmitter<{ revoked: [id: string] }>();

export function revokeDevice(db: Db, id: string): DeviceRecord {
  const existing = getDevice(db, id);
  if (!existing) throw new DeviceError(`device '${id}' not found`);
  db.prepare('UPDATE devices SET token_hash = ? WHERE id = ?').run(REVOKED, id);
  return existing;
}

export function revokedDeviceIds(db: Db): string[] {
  return prepared(db, 'SELECT id FROM devices WHERE token_hash = ?').pluck().all(REVOKED) as string[];
}

export function isRevoked(db: Db, id: string): boolean {
  return prepared(db, 'SELECT 1 FROM devices WHERE id = ? AND token_hash = ?').get(id, REVOKED) !== undefined;
}
