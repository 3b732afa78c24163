// The house registry over REST (operators read, admins write):
//   GET  /estates/{e}/houses                     per building: units, rooms per floor
//   GET  /estates/{e}/houses/{building}          the building's rooms
//   POST /estates/{e}/houses/import[?replace=1]  admin; body text/csv (building,unit,floor,room)
//   POST /estates/{e}/houses/generate            admin; {building?, units?, roomsPerFloor?, replace?}
//   PUT  /estates/{e}/devices/{d}/floor          admin; {floor: n | null}: the storey a device is installed on
import express, { type Router } from 'express';
import { recordAudit } from '../audit/log.ts';
import { HttpError } from '../api/errors.ts';
import { assertEstateVisible, requireRole } from '../api/auth.ts';
import type { Db } from '../store/db.ts';
import { getEstate, listBuildings } from '../store/estates.ts';
import { parseHouseCsv } from './csv-import.ts';
import { generateRooms, isFloor, listRooms, summarizeHouses, writeRooms } from './registry.ts';
import { getDevice } from '../store/devices.ts';

export function buildingLookup(db: Db, estate: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of listBuildings(db, estate)) {
    out.set(b.id, b.id);
    if (b.name && !out.has(b.name)) out.set(b.name, b.id);
  }
  return out;
}

/** A change of the registry (or a device's floor): through the shared configuration with --config-db (ctx.configChange). */
type Change = <T>(work: () => T, after?: (value: T) => void) => Promise<T>;

export function houseRoutes(db: Db, router: Router, change: Change): void {
  const estateOf = (raw: unknown) => {
    const estate = String(raw);
    if (!getEstate(db, estate)) throw new HttpError(404, `estate '${estate}' not found`);
    return estate;
  };
  router.get('/estates/:estate/houses', (req, res) => {
    assertEstateVisible(req.user, String(req.params.estate));
    res.json({ buildings: summarizeHouses(db, estateOf(req.params.estate)) });
  });
  router.get('/estates/:estate/houses/:building', (req, res) => {
    assertEstateVisible(req.user, String(req.params.estate));
    const estate = estateOf(req.params.estate);
    res.json({ building: req.params.building, rooms: listRooms(db, estate, String(req.params.building)) });
  });
  router.post('/estates/:estate/houses/import', requireRole('admin'), express.text({ type: () => true, limit: '8mb' }), async (req, res) => {
    assertEstateVisible(req.user, String(req.params.estate));
    const estate = estateOf(req.params.estate);
    if (typeof req.body !== 'string' || !req.body.trim()) throw new HttpError(400, 'send the CSV as the request body (Content-Type: text/csv)', { reason: 'empty' });
    const parsed = parseHouseCsv(req.body, buildingLookup(db, estate));
    if (!parsed.ok) throw new HttpError(400, `house list refused, nothing imported: ${parsed.errors[0]}`, { reason: 'bad_csv', errors: parsed.errors });
    const replace = req.query.replace === '1' || req.query.replace === 'true';
    const summary = await change(
      () => writeRooms(db, estate, parsed.rooms, { replace }),
      (s) => recordAudit(db, { actor: req.user!.name, source: req.ip ?? null, action: 'houses.import', estate, summary: { ...s, replace } }),
    );
    res.status(201).json(summary);
  });
  router.put('/estates/:estate/devices/:device/floor', requireRole('admin'), async (req, res) => {
    assertEstateVisible(req.user, String(req.params.estate));
    const estate = estateOf(req.params.estate);
    const device = getDevice(db, String(req.params.device));
    if (!device || device.estate !== estate) throw new HttpError(404, `device '${String(req.params.device)}' not found in estate '${estate}'`);
    const floor = ((req.body ?? {}) as { floor?: unknown }).floor;
    if (floor !== null && !isFloor(floor)) throw new HttpError(400, 'floor must be a storey number (1 = ground floor, -1 = first basement) or null', { reason: 'bad_floor' });
    await change(
      () => db.prepare('UPDATE devices SET floor = ? WHERE id = ?').run(floor, device.id),
      () => recordAudit(db, { actor: req.user!.name, source: req.ip ?? null, action: 'device.floor.set', estate, target: device.id, summary: { floor } }),
    );
    res.json({ device: device.id, floor });
  });
  router.post('/estates/:estate/houses/generate', requireRole('admin'), async (req, res) => {
    assertEstateVisible(req.user, String(req.params.estate));
    const estate = estateOf(req.params.estate);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const num = (k: string) => {
      if (b[k] === undefined) return undefined;
      if (typeof b[k] !== 'number' || !Number.isInteger(b[k]) || (b[k] as number) < 1) throw new HttpError(400, `${k} must be a whole number ≥ 1`, { reason: 'bad_body' });
      return b[k] as number;
    };
    const options = { units: num('units'), roomsPerFloor: num('roomsPerFloor') };
    const buildings = listBuildings(db, estate).filter((x) => b.building === undefined || x.id === b.building);
    if (!buildings.length) throw new HttpError(404, b.building === undefined ? 'the estate has no buildings' : `building '${String(b.building)}' not found`);
    const rooms = buildings.flatMap((x) => generateRooms(x, options));
    const summary = await change(
      () => writeRooms(db, estate, rooms, { replace: b.replace !== false }),
      (s) => recordAudit(db, { actor: req.user!.name, source: req.ip ?? null, action: 'houses.generate', estate, target: typeof b.building === 'string' ? b.building : null, summary: { ...s, ...options } }),
    );
    res.status(201).json(summary);
  });
}
