// The house registry (楼栋分层分户): building → unit (单元) → floor (层) → room (室), one row per room.
// An estate imports its own list (CSV, csv-import.ts) or generates one from each building's floors.
// Pure parts (generation, validation) apart from the SQLite writes.
import type { BuildingInfo } from '../../protocol/api.ts';
import type { Db } from '../store/db.ts';

export interface HouseRoom {
  building: string;
  /** 单元 label as the estate writes it ("1", "2单元", "A") */
  unit: string;
  /** storey: 1 = ground floor, negative = basement */
  floor: number;
  /** 室 number as written on the door ("301", "3-0301") */
  room: string;
}

export interface FloorSummary {
  floor: number;
  rooms: number;
}

export interface BuildingHouses {
  building: string;
  units: string[];
  floors: FloorSummary[];
  rooms: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS house_rooms (
  estate TEXT NOT NULL,
  building TEXT NOT NULL,
  unit TEXT NOT NULL,
  floor INTEGER NOT NULL,
  room TEXT NOT NULL,
  PRIMARY KEY (estate, building, unit, room)
);
CREATE INDEX IF NOT EXISTS house_rooms_floor ON house_rooms (estate, building, floor);
`;

export class HouseError extends Error {}

export function ensureHouseTables(db: Db): void {
  db.exec(SCHEMA);
}

export const MAX_FLOOR = 300;
export const MIN_FLOOR = -20;

export function isFloor(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n !== 0 && n >= MIN_FLOOR && n <= MAX_FLOOR;
}

export interface GenerateOptions {
  /** 单元 per building (default 2; 1 for buildings under 4 floors) */
  units?: number;
  /** rooms per floor in each unit (default 2) */
  roomsPerFloor?: number;
}

/**
 * A registry for a building that has none yet: `floors` storeys (BuildingInfo.floors, else its
 * height / 3 m), each unit with `roomsPerFloor` rooms numbered floor·100 + n (301, 302 …) as Chinese
 * estates number them.
 */
export function generateRooms(b: BuildingInfo, options: GenerateOptions = {}): HouseRoom[] {
  const floors = b.floors && b.floors > 0 ? Math.min(MAX_FLOOR, Math.round(b.floors)) : Math.max(1, Math.round(b.height / 3));
  const units = Math.max(1, Math.min(20, Math.round(options.units ?? (floors < 4 ? 1 : 2))));
  const per = Math.max(1, Math.min(50, Math.round(options.roomsPerFloor ?? 2)));
  const out: HouseRoom[] = [];
  for (let u = 1; u <= units; u++) {
    for (let f = 1; f <= floors; f++) {
      for (let r = 1; r <= per; r++) out.push({ building: b.id, unit: String(u), floor: f, room: String(f * 100 + r) });
    }
  }
  return out;
}

export interface WriteSummary {
  buildings: number;
  rooms: number;
}

/** Writes rooms in one transaction; `replace` first drops the registry of every building named. */
export function writeRooms(db: Db, estate: string, rooms: readonly HouseRoom[], options: { replace?: boolean } = {}): WriteSummary {
  ensureHouseTables(db);
  const buildings = new Set(rooms.map((r) => r.building));
  const insert = db.prepare(
    'INSERT INTO house_rooms (estate, building, unit, floor, room) VALUES (?, ?, ?, ?, ?) ON CONFLICT(estate, building, unit, room) DO UPDATE SET floor = excluded.floor',
  );
  const drop = db.prepare('DELETE FROM house_rooms WHERE estate = ? AND building = ?');
  db.transaction(() => {
    if (options.replace) for (const b of buildings) drop.run(estate, b);
    for (const r of rooms) insert.run(estate, r.building, r.unit, r.floor, r.room);
  })();
  return { buildings: buildings.size, rooms: rooms.length };
}

export function listRooms(db: Db, estate: string, building?: string): HouseRoom[] {
  ensureHouseTables(db);
  const sql = 'SELECT building, unit, floor, room FROM house_rooms WHERE estate = ?' + (building ? ' AND building = ?' : '') + ' ORDER BY building, unit, floor, room';
  return db.prepare(sql).all(...(building ? [estate, building] : [estate])) as HouseRoom[];
}

/** Per building: its units and how many rooms each floor has. */
export function summarizeHouses(db: Db, estate: string): BuildingHouses[] {
  ensureHouseTables(db);
  const rows = db.prepare('SELECT building, unit, floor, COUNT(*) AS n FROM house_rooms WHERE estate = ? GROUP BY building, unit, floor ORDER BY building, floor').all(estate) as Array<{ building: string; unit: string; floor: number; n: number }>;
  const out = new Map<string, { units: Set<string>; floors: Map<number, number>; rooms: number }>();
  for (const r of rows) {
    let b = out.get(r.building);
    if (!b) out.set(r.building, (b = { units: new Set(), floors: new Map(), rooms: 0 }));
    b.units.add(r.unit);
    b.floors.set(r.floor, (b.floors.get(r.floor) ?? 0) + r.n);
    b.rooms += r.n;
  }
  return [...out].map(([building, b]) => ({
    building,
    units: [...b.units].sort((a, c) => a.localeCompare(c, 'zh-CN', { numeric: true })),
    floors: [...b.floors].sort((a, c) => a[0] - c[0]).map(([floor, rooms]) => ({ floor, rooms })),
    rooms: b.rooms,
  }));
}

/** A storey as people write it: 3, "3", "3F", "3层", "B1" (= −1); undefined when it is not one. */
export function parseFloor(v: unknown): number | undefined {
  if (typeof v === 'number') return isFloor(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const text = v.trim().replace(/^(-?\d+)\s*(层|F|f)?$/, '$1').replace(/^B(\d+)$/i, '-$1');
  const n = text ? Number(text) : NaN;
  return isFloor(n) ? n : undefined;
}

export interface BuildingFloors {
  /** lowest and highest storey */
  min: number;
  max: number;
  /** the registry's storeys (it may skip some, e.g. no 4th or 13th floor); null = every one from 1 to max */
  listed: number[] | null;
}

/**
 * The storeys a building has: the house registry's when it lists rooms for it, else 1 … its floors
 * (BuildingInfo.floors, else height ÷ 3 m, as generateRooms counts them; basements only via the registry).
 */
export function buildingFloors(db: Db, estate: string, b: BuildingInfo): BuildingFloors {
  ensureHouseTables(db);
  const listed = (db.prepare('SELECT DISTINCT floor FROM house_rooms WHERE estate = ? AND building = ? ORDER BY floor').pluck().all(estate, b.id) as number[]);
  if (listed.length) return { min: listed[0], max: listed[listed.length - 1], listed };
  const floors = b.floors && b.floors > 0 ? Math.min(MAX_FLOOR, Math.round(b.floors)) : Math.max(1, Math.round(b.height / 3));
  return { min: 1, max: floors, listed: null };
}

export function hasFloor(f: BuildingFloors, floor: number): boolean {
  return f.listed ? f.listed.includes(floor) : floor >= f.min && floor <= f.max;
}

/** Rooms of a building with this 室 number (one per unit that has it), optionally in one unit. */
export function roomsNamed(db: Db, estate: string, building: string, room: string, unit?: string): HouseRoom[] {
  ensureHouseTables(db);
  const sql = 'SELECT building, unit, floor, room FROM house_rooms WHERE estate = ? AND building = ? AND room = ?' + (unit !== undefined ? ' AND unit = ?' : '') + ' ORDER BY unit';
  return db.prepare(sql).all(...(unit !== undefined ? [estate, building, room, unit] : [estate, building, room])) as HouseRoom[];
}

export function hasUnit(db: Db, estate: string, building: string, unit: string): boolean {
  ensureHouseTables(db);
  return db.prepare('SELECT 1 FROM house_rooms WHERE estate = ? AND building = ? AND unit = ? LIMIT 1').get(estate, building, unit) !== undefined;
}
