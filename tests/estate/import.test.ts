import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFrame } from '../../protocol/index.ts';
import { openDb, type Db } from '../../server/store/db.ts';
import { addDevice, authenticateDevice, getDevice, listDevices } from '../../server/store/devices.ts';
import { getEstate, listBuildings, listCheckpoints, listZones, upsertEstate } from '../../server/store/estates.ts';
import { DEMO_ESTATE_FILE, DEMO_ESTATE_ID, provisionDemo, simulationPlan } from '../../server/estate/demo.ts';
import { importEstateFile } from '../../server/estate/import.ts';
import { EstateFileError } from '../../server/estate/geojson.ts';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'se-estate-'));
  db = openDb(join(dir, 'smart-estate.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const rows = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('importEstateFile', () => {
  it('imports the demo estate into SQLite', () => {
    const summary = importEstateFile(db, DEMO_ESTATE_FILE);
    expect(summary).toMatchObject({ estate: 'garden', checkpoints: 12, zones: 5, gates: 3, devices: 46, newDevices: 46, skipped: 0 });
    expect(summary.buildings).toBeGreaterThanOrEqual(28);
    expect(getEstate(db, 'garden')).toMatchObject({ name: 'Garden Estate', nameZh: '花园小区', timezone: 'Asia/Shanghai' });
    const buildings = listBuildings(db, 'garden');
    expect(buildings).toHaveLength(summary.buildings);
    const club = buildings.find((b) => b.id === 'clubhouse')!;
    expect(club.polygons[0]).toHaveLength(2); // courtyard survives the round trip
    expect(buildings.find((b) => b.id === 'kindergarten')!.polygons).toHaveLength(2);
    expect(listZones(db, 'garden').map((z) => z.kind).sort()).toEqual(['car_park', 'car_park', 'fire_lane', 'perimeter', 'restricted']);
    expect(listCheckpoints(db, 'garden')[0]).toMatchObject({ id: 'CP-01', code: 'CP-01', name: '北门岗亭' });
    const cam = getDevice(db, 'garden-cam-01')!;
    expect(cam).toMatchObject({ estate: 'garden', kind: 'camera', name: '周界 01', fov: 60 });
    expect(typeof cam.heading).toBe('number');
  });

  it('re-import updates and never duplicates; devices keep their tokens', () => {
    importEstateFile(db, DEMO_ESTATE_FILE);
    const token = addDevice(db, { estate: 'garden', id: 'garden-cam-01', kind: 'camera' }, { rotate: true });
    const counts = ['estates', 'buildings', 'zones', 'checkpoints', 'devices'].map(rows);
    const again = importEstateFile(db, DEMO_ESTATE_FILE);
    expect(again.newDevices).toBe(0);
    expect(['estates', 'buildings', 'zones', 'checkpoints', 'devices'].map(rows)).toEqual(counts);
    // placement is back from the file, the token still works
    expect(getDevice(db, 'garden-cam-01')).toMatchObject({ name: '周界 01', fov: 60 });
    expect(authenticateDevice(db, 'garden-cam-01', token)?.id).toBe('garden-cam-01');
  });

  it('imports a plain OSM-style file into an estate named by the option', () => {
    const frame = localFrame({ lat: 31.2, lon: 121.4 });
    const sq = (x: number) => [frame.toLonLat(x, 0), frame.toLonLat(x + 10, 0), frame.toLonLat(x + 10, 10), frame.toLonLat(x, 10), frame.toLonLat(x, 0)];
    const file = writeJson('osm.geojson', {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', id: 'way/1', properties: { building: 'apartments', 'building:levels': '18' }, geometry: { type: 'Polygon', coordinates: [sq(0)] } },
        { type: 'Feature', id: 'way/2', properties: { building: 'yes', height: '12 m' }, geometry: { type: 'Polygon', coordinates: [sq(40)] } },
        { type: 'Feature', properties: { highway: 'footway' }, geometry: { type: 'LineString', coordinates: [frame.toLonLat(0, 0), frame.toLonLat(5, 5)] } },
      ],
    });
    expect(importEstateFile(db, file, { estate: 'osm' })).toMatchObject({ estate: 'osm', buildings: 2, devices: 0, skipped: 1 });
    expect(listBuildings(db, 'osm').map((b) => [b.id, b.height])).toEqual([['way/1', 54], ['way/2', 12]]);
  });

  it('a failing import changes nothing', () => {
    upsertEstate(db, { id: 'other', name: 'Other', nameZh: '别的', lat: 30, lon: 120, timezone: 'Asia/Shanghai' });
    addDevice(db, { estate: 'other', id: 'garden-cam-07', kind: 'camera' });
    expect(() => importEstateFile(db, DEMO_ESTATE_FILE)).toThrow(/device 'garden-cam-07' belongs to estate 'other'/);
    expect(getEstate(db, 'garden')).toBeUndefined();
    expect(rows('buildings')).toBe(0);
    expect(listDevices(db, 'garden')).toEqual([]);
  });

  it('bad files: unreadable, not JSON, bad features — the path and the feature in the message', () => {
    expect(() => importEstateFile(db, join(dir, 'missing.geojson'))).toThrow(/missing\.geojson: no such file/);
    expect(() => importEstateFile(db, writeJson('broken.geojson', '{"type": "FeatureCollection", '))).toThrow(/broken\.geojson: not JSON/);
    const bad = writeJson('bad.geojson', {
      type: 'FeatureCollection', 'se:estate': { id: 'x', lat: 30, lon: 120 },
      features: [{ type: 'Feature', properties: { building: 'yes', name: '1号楼', height: 'tall' }, geometry: { type: 'Polygon', coordinates: [[[120, 30], [120.001, 30], [120.001, 30.001], [120, 30]]] } }],
    });
    const err = (() => {
      try {
        importEstateFile(db, bad);
      } catch (e) {
        return e as EstateFileError;
      }
    })();
    expect(err).toBeInstanceOf(EstateFileError);
    expect(err!.message).toMatch(/bad\.geojson: features\[0\] \("1号楼"\): non-numeric height "tall"/);
    expect(err!.feature).toBe(0);
    expect(getEstate(db, 'x')).toBeUndefined();
  });
});

describe('provisionDemo and simulationPlan', () => {
  it('gives every demo device a fresh token, placed in WGS84', () => {
    const first = provisionDemo(db);
    expect(first.estate.id).toBe(DEMO_ESTATE_ID);
    expect(first.credentials).toHaveLength(46);
    for (const c of first.credentials) expect(authenticateDevice(db, c.id, c.token)?.id).toBe(c.id);
    const guard = first.credentials.find((c) => c.kind === 'patrol')!;
    expect(guard.guard).toMatch(/^G0\d$/);
    const cam = first.credentials.find((c) => c.id === 'garden-cam-01')!;
    expect(Math.abs(cam.lat - first.estate.lat)).toBeLessThan(0.002);
    expect(Math.abs(cam.lon - first.estate.lon)).toBeLessThan(0.002);

    const second = provisionDemo(db);
    expect(rows('devices')).toBe(46);
    expect(authenticateDevice(db, cam.id, cam.token)).toBeUndefined(); // rotated
    expect(authenticateDevice(db, cam.id, second.credentials.find((c) => c.id === cam.id)!.token)?.id).toBe(cam.id);
  });

  it('builds the simulation plan from the store', () => {
    const { estate, credentials } = provisionDemo(db);
    const plan = simulationPlan(db, estate.id, credentials);
    expect(plan.estate).toEqual({ id: 'garden', lat: estate.lat, lon: estate.lon, timezone: 'Asia/Shanghai' });
    expect(plan.devices).toHaveLength(46);
    expect(plan.devices.find((d) => d.kind === 'patrol')?.guard).toMatch(/^G0/);
    expect(plan.checkpoints.map((c) => c.code)).toEqual(listCheckpoints(db, 'garden').map((c) => c.code));
    const frame = localFrame(estate);
    const cp = listCheckpoints(db, 'garden')[3];
    const [x, y] = frame.toLocal(plan.checkpoints[3].lon, plan.checkpoints[3].lat);
    expect(x).toBeCloseTo(cp.x, 1);
    expect(y).toBeCloseTo(cp.y, 1);
    expect(() => simulationPlan(db, 'nowhere', credentials)).toThrow(/estate 'nowhere' not found/);
    upsertEstate(db, { id: 'empty', name: 'E', nameZh: 'E', lat: 30, lon: 120, timezone: 'Asia/Shanghai' });
    expect(() => simulationPlan(db, 'empty', credentials)).toThrow(/none of the 46 credentials/);
  });
});
