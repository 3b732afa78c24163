// The house registry: an estate's CSV (errors by line, nothing written unless every line is good),
// generation from a building's floors, and the REST + audit path on a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildingInfo } from '../../protocol/api.ts';
import { parseHouseCsv } from '../../server/houses/csv-import.ts';
import { generateRooms } from '../../server/houses/registry.ts';
import { upsertBuilding } from '../../server/store/estates.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const tower: BuildingInfo = { id: 'b1', name: '1号楼', use: 'residential', floors: 33, height: 99, minHeight: 0, polygons: [[[[0, 0], [20, 0], [20, 12], [0, 12], [0, 0]]]], center: [10, 6] };
const names = new Map([['b1', 'b1'], ['1号楼', 'b1']]);

describe('house registry', () => {
  it('reads an estate\'s list with Chinese headers, basements and 单元 suffixes', () => {
    const r = parseHouseCsv('\uFEFF楼栋,单元,楼层,室\n1号楼,1单元,3,301\n1号楼,2,B1,B101\nb1,1,33层,3302\n', names);
    expect(r).toEqual({ ok: true, rooms: [
      { building: 'b1', unit: '1', floor: 3, room: '301' },
      { building: 'b1', unit: '2', floor: -1, room: 'B101' },
      { building: 'b1', unit: '1', floor: 33, room: '3302' },
    ] });
  });

  it('names every bad line and keeps nothing of a bad file', () => {
    const r = parseHouseCsv('building,unit,floor,room\n9号楼,1,3,301\nb1,1,zero,302\nb1,1,4,401\nb1,1,4,401\n', names);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      "line 2: unknown building '9号楼'",
      "line 3: floor 'zero' is not a storey (1 = ground floor, -1 or B1 = basement)",
      'line 5: room 401 of unit 1 appears twice',
    ]);
    expect(parseHouseCsv('building,floor\nb1,3\n', names)).toMatchObject({ ok: false, errors: [expect.stringContaining('missing column(s) unit (单元), room (室)')] });
  });

  it('generates rooms numbered by floor from a building\'s storeys', () => {
    const rooms = generateRooms(tower, { units: 2, roomsPerFloor: 2 });
    expect(rooms.length).toBe(33 * 2 * 2);
    expect(rooms.filter((r) => r.floor === 12 && r.unit === '2').map((r) => r.room)).toEqual(['1201', '1202']);
    // no floors known: from the height, 3 m a storey; a low block has one unit
    expect(new Set(generateRooms({ ...tower, floors: null, height: 9 }).map((r) => r.unit))).toEqual(new Set(['1']));
  });

  describe('over REST', () => {
    let server: TestServer;
    let admin: string;
    let operator: string;
    beforeAll(async () => {
      server = await startTestServer();
      upsertBuilding(server.db, 'test', tower);
      admin = await server.login(server.admin.username, server.admin.password);
      const op = server.addUser('op', 'operator', null);
      operator = await server.login(op.username, op.password);
    });
    afterAll(() => server?.stop());

    it('imports for admins only, refuses a bad file whole, and audits the change', async () => {
      const csv = (text: string, token: string) => fetch(`${server.url}/api/v1/estates/test/houses/import`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: text });
      expect((await csv('building,unit,floor,room\nb1,1,3,301\n', operator)).status).toBe(403);
      const bad = await csv('building,unit,floor,room\nb1,1,3,301\nb2,1,3,301\n', admin);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ reason: 'bad_csv', errors: ["line 3: unknown building 'b2'"] });
      expect((await server.api('/api/v1/estates/test/houses', { token: operator })).body.buildings).toEqual([]);
      const ok = await csv('building,unit,floor,room\nb1,1,3,301\nb1,1,3,302\nb1,2,4,401\n', admin);
      expect(ok.status).toBe(201);
      const summary = (await server.api('/api/v1/estates/test/houses', { token: operator })).body.buildings;
      expect(summary).toEqual([{ building: 'b1', units: ['1', '2'], floors: [{ floor: 3, rooms: 2 }, { floor: 4, rooms: 1 }], rooms: 3 }]);
      const gen = await server.api('/api/v1/estates/test/houses/generate', { method: 'POST', token: admin, body: { building: 'b1', units: 1, roomsPerFloor: 4 } });
      expect(gen.body).toEqual({ buildings: 1, rooms: 132 });
      expect((await server.api('/api/v1/estates/test/houses/b1', { token: operator })).body.rooms.length).toBe(132);
      const audit = server.db.prepare("SELECT action, actor FROM audit_log WHERE action LIKE 'houses.%' ORDER BY rowid").all();
      expect(audit).toEqual([{ action: 'houses.import', actor: 'admin' }, { action: 'houses.generate', actor: 'admin' }]);
    });

    it('puts a device on a floor (and refuses what is not a storey)', async () => {
      server.addDevice('sensor', 'smoke-1');
      expect((await server.api('/api/v1/estates/test/devices/smoke-1/floor', { method: 'PUT', token: admin, body: { floor: 0 } })).body.reason).toBe('bad_floor');
      expect((await server.api('/api/v1/estates/test/devices/smoke-1/floor', { method: 'PUT', token: admin, body: { floor: 12 } })).status).toBe(200);
      const detail = (await server.api('/api/v1/estates/test', { token: operator })).body;
      expect(detail.devices.find((d: { id: string }) => d.id === 'smoke-1').floor).toBe(12);
    });
  });
});
