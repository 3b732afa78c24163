// An estate's own room list as CSV (RFC 4180, UTF-8, as spreadsheets export it): a header row with
// the columns building, unit, floor, room — or their Chinese names 楼栋, 单元, 楼层, 室 (房号) — in any
// order. Pure: every bad line is reported (with its number) and nothing is written unless all are good.
import { parseCsv } from '../vehicles/csv.ts';
import { parseFloor, type HouseRoom } from './registry.ts';

const COLUMNS: Record<keyof HouseRoom, string[]> = {
  building: ['building', '楼栋', '楼号', '幢'],
  unit: ['unit', '单元'],
  floor: ['floor', '楼层', '层'],
  room: ['room', '室', '房号', '户号'],
};

export type HouseCsvResult = { ok: true; rooms: HouseRoom[] } | { ok: false; errors: string[] };

/** Parses the CSV; `buildings` (ids, and names → ids) checks that each row names a known building. */
export function parseHouseCsv(text: string, buildings: ReadonlyMap<string, string>): HouseCsvResult {
  const csv = parseCsv(text);
  if (!csv.ok) return { ok: false, errors: [csv.error] };
  const [header, ...records] = csv.records;
  if (!header) return { ok: false, errors: ['the file is empty: expected a header row building,unit,floor,room (楼栋,单元,楼层,室)'] };
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const index = {} as Record<keyof HouseRoom, number>;
  const missing: string[] = [];
  for (const [key, aliases] of Object.entries(COLUMNS) as Array<[keyof HouseRoom, string[]]>) {
    const i = names.findIndex((n) => aliases.includes(n));
    if (i < 0) missing.push(`${key} (${aliases[1]})`);
    index[key] = i;
  }
  if (missing.length) return { ok: false, errors: [`line 1: missing column(s) ${missing.join(', ')}; got ${header.fields.join(',')}`] };
  const errors: string[] = [];
  const rooms: HouseRoom[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const get = (k: keyof HouseRoom) => (r.fields[index[k]] ?? '').trim();
    const buildingText = get('building');
    const building = buildings.get(buildingText);
    const floor = parseFloor(get('floor'));
    const unit = get('unit').replace(/单元$/, '') || '1';
    const room = get('room');
    const problems: string[] = [];
    if (!building) problems.push(`unknown building '${buildingText}'`);
    if (floor === undefined) problems.push(`floor '${get('floor')}' is not a storey (1 = ground floor, -1 or B1 = basement)`);
    if (!room) problems.push('no room');
    else if (room.length > 32) problems.push('room longer than 32 characters');
    if (unit.length > 32) problems.push('unit longer than 32 characters');
    const key = `${building}|${unit}|${room}`;
    if (!problems.length && seen.has(key)) problems.push(`room ${room} of unit ${unit} appears twice`);
    if (problems.length) {
      if (errors.length < 50) errors.push(`line ${r.line}: ${problems.join('; ')}`);
      continue;
    }
    seen.add(key);
    rooms.push({ building: building!, unit, floor: floor!, room });
  }
  if (errors.length) return { ok: false, errors };
  if (!rooms.length) return { ok: false, errors: ['no rooms: the file has a header but no rows'] };
  return { ok: true, rooms };
}
