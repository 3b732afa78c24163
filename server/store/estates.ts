// Estate configuration: estates, buildings, zones, checkpoints (devices live in devices.ts).
import type { BuildingInfo, CheckpointInfo, EstateSummary, ZoneInfo, ZoneKind } from '../../protocol/index.ts';
import type { Db } from './db.ts';

export function getEstate(db: Db, id: string): EstateSummary | undefined {
  const row = db.prepare('SELECT id, name, name_zh AS nameZh, lat, lon, timezone FROM estates WHERE id = ?').get(id);
  return row as EstateSummary | undefined;
}

export function listEstates(db: Db): EstateSummary[] {
  return db.prepare('SELECT id, name, name_zh AS nameZh, lat, lon, timezone FROM estates ORDER BY id').all() as EstateSummary[];
}

export function upsertEstate(db: Db, e: EstateSummary): void {
  db.prepare(
    `INSERT INTO estates (id, name, name_zh, lat, lon, timezone, created_at) VALUES (@id, @name, @nameZh, @lat, @lon, @timezone, @now)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh, lat = excluded.lat, lon = excluded.lon, timezone = excluded.timezone`,
  ).run({ ...e, now: Date.now() });
}

export function upsertBuilding(db: Db, estate: string, b: BuildingInfo): void {
  db.prepare(
    `INSERT INTO buildings (estate, id, name, use, floors, height, min_height, polygons, center_x, center_y)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(estate, id) DO UPDATE SET name = excluded.name, use = excluded.use, floors = excluded.floors, height = excluded.height,
       min_height = excluded.min_height, polygons = excluded.polygons, center_x = excluded.center_x, center_y = excluded.center_y`,
  ).run(estate, b.id, b.name, b.use, b.floors, b.height, b.minHeight, JSON.stringify(b.polygons), b.center[0], b.center[1]);
}

export function listBuildings(db: Db, estate: string): BuildingInfo[] {
  const rows = db.prepare('SELECT * FROM buildings WHERE estate = ? ORDER BY id').all(estate) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: r.id as string,
    name: r.name as string,
    use: r.use as string,
    floors: r.floors as number | null,
    height: r.height as number,
    minHeight: r.min_height as number,
    polygons: JSON.parse(r.polygons as string),
    center: [r.center_x as number, r.center_y as number],
  }));
}

export function upsertZone(db: Db, estate: string, z: ZoneInfo, hours?: unknown): void {
  db.prepare(
    `INSERT INTO zones (estate, id, name, kind, polygon, hours) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(estate, id) DO UPDATE SET name = excluded.name, kind = excluded.kind, polygon = excluded.polygon, hours = excluded.hours`,
  ).run(estate, z.id, z.name, z.kind, JSON.stringify(z.polygon), hours === undefined ? null : JSON.stringify(hours));
}

export function listZones(db: Db, estate: string): ZoneInfo[] {
  const rows = db.prepare('SELECT id, name, kind, polygon FROM zones WHERE estate = ? ORDER BY id').all(estate) as Array<Record<string, string>>;
  return rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind as ZoneKind, polygon: JSON.parse(r.polygon) }));
}

export function upsertCheckpoint(db: Db, estate: string, c: CheckpointInfo): void {
  db.prepare(
    `INSERT INTO checkpoints (estate, id, name, code, x, y) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(estate, id) DO UPDATE SET name = excluded.name, code = excluded.code, x = excluded.x, y = excluded.y`,
  ).run(estate, c.id, c.name, c.code, c.x, c.y);
}

export function listCheckpoints(db: Db, estate: string): CheckpointInfo[] {
  return db.prepare('SELECT id, name, code, x, y FROM checkpoints WHERE estate = ? ORDER BY id').all(estate) as CheckpointInfo[];
}
