// Imports an estate file (GeoJSON, see geojson.ts for the property convention) into the store, in one
// transaction: a bad file or a clash (a device id owned by another estate) changes nothing.
// Re-importing updates what is there and never duplicates: every row is keyed by (estate, id).
// Features removed from the file are not deleted (they may have been added by other means).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Db } from '../store/db.ts';
import { upsertBuilding, upsertCheckpoint, upsertEstate, upsertZone } from '../store/estates.ts';
import { addDevice, getDevice, placeDevice } from '../store/devices.ts';
import { EstateFileError, parseEstateGeoJson, type ParseOptions, type ParsedEstate } from './geojson.ts';
import { ensureGateTables, setCarParkCapacity, upsertGate } from './gates.ts';
import { ensureCameraTables, setStreams } from '../cameras/store.ts';

export type ImportOptions = ParseOptions;

export interface ImportSummary {
  /** the estate id */
  estate: string;
  buildings: number;
  zones: number;
  checkpoints: number;
  devices: number;
  /** devices registered by this import (the others existed and kept their tokens) */
  newDevices: number;
  /** gates (stored in `gates`, with the car park each one counts for) */
  gates: number;
  skipped: number;
}

export function readEstateFile(path: string, options: ImportOptions = {}): ParsedEstate {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EstateFileError(`${path}: no such file (looked for ${resolve(path)}): check the path`);
    if (code === 'EISDIR') throw new EstateFileError(`${path}: is a directory: give the .geojson file inside it`);
    throw new EstateFileError(`${path}: cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new EstateFileError(`${path}: not JSON: ${(err as Error).message}`);
  }
  try {
    return parseEstateGeoJson(json, options);
  } catch (err) {
    if (err instanceof EstateFileError) throw new EstateFileError(`${path}: ${err.message}`, err.feature, err.problems.map((p) => `${path}: ${p}`));
    throw err;
  }
}

export function importEstateFile(db: Db, path: string, options: ImportOptions = {}): ImportSummary {
  return importEstate(db, readEstateFile(path, options));
}

/**
 * Writes a parsed estate. New devices are registered (their tokens are not returned: issue one with
 * `smart-estate device add --rotate`, or provisionDemo for the demo); devices already registered in
 * this estate get the file's placement and keep their tokens.
 */
export function importEstate(db: Db, parsed: ParsedEstate): ImportSummary {
  const { estate } = parsed;
  let newDevices = 0;
  ensureGateTables(db); // DDL outside the transaction
  ensureCameraTables(db);
  db.transaction(() => {
    upsertEstate(db, estate);
    for (const b of parsed.buildings) upsertBuilding(db, estate.id, b);
    for (const z of parsed.zones) upsertZone(db, estate.id, { id: z.id, name: z.name, kind: z.kind, polygon: z.polygon }, z.hours);
    for (const z of parsed.zones) if (z.capacity !== undefined) setCarParkCapacity(db, estate.id, z.id, z.capacity);
    for (const g of parsed.gates) upsertGate(db, estate.id, g);
    for (const c of parsed.checkpoints) upsertCheckpoint(db, estate.id, c);
    for (const d of parsed.devices) {
      const record = { estate: estate.id, id: d.id, kind: d.kind, name: d.name, x: d.x, y: d.y, heading: d.heading, fov: d.fov, floor: d.floor ?? null };
      if (getDevice(db, d.id)) placeDevice(db, record);
      else {
        addDevice(db, record);
        newDevices++;
      }
      if (d.streams) setStreams(db, estate.id, d.id, d.streams, []);
    }
  })();
  return {
    estate: estate.id,
    buildings: parsed.buildings.length,
    zones: parsed.zones.length,
    checkpoints: parsed.checkpoints.length,
    devices: parsed.devices.length,
    newDevices,
    gates: parsed.gates.length,
    skipped: parsed.skipped.length,
  };
}
