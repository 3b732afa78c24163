// Work orders on a floor of their building (#18): the floor (and the registry's unit and room) is set
// from the staff API, the resident's report and Open311, checked against the building's floors,
// stored in its own column (added to an older table) and carried in what the web reads; an alert
// from a device on a floor, turned into a work order, gives it that floor. Real server, real MQTT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildingInfo } from '../../protocol/api.ts';
import type { WorkOrder } from '../../protocol/index.ts';
import { openDb } from '../../server/store/db.ts';
import { upsertBuilding } from '../../server/store/estates.ts';
import { WorkOrderStore } from '../../server/workorders/store.ts';
import { deviceTopic } from '../../protocol/index.ts';
import { connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const B1: BuildingInfo = { id: 'B1', name: '1号楼', use: 'residential', floors: 6, height: 18, minHeight: 0, polygons: [[[[0, 0], [40, 0], [40, 20], [0, 20], [0, 0]]]], center: [20, 10] };
const B2: BuildingInfo = { ...B1, id: 'B2', name: '2号楼', polygons: [[[[100, 0], [140, 0], [140, 20], [100, 20], [100, 0]]]], center: [120, 10] };

let server: TestServer;
let token: string;
const staff = (body: Record<string, unknown>) => server.api('/api/v1/estates/test/workorders', { token, method: 'POST', body: { category: 'plumbing', description: '管道堵塞', ...body } });

beforeAll(async () => {
  server = await startTestServer();
  upsertBuilding(server.db, 'test', B1);
  upsertBuilding(server.db, 'test', B2);
  token = await server.login(server.admin.username, server.admin.password);
  // B2 has a registry: 2 units, 2 rooms a floor (301, 302 in each unit); B1 has none (its 6 floors count)
  const gen = await server.api('/api/v1/estates/test/houses/generate', { token, method: 'POST', body: { building: 'B2', units: 2, roomsPerFloor: 2 } });
  expect(gen.status).toBe(201);
});
afterAll(() => server?.stop());

describe('a work order on a floor', () => {
  it('takes a floor of the building from staff, stores it in its column and lists by it', async () => {
    const res = await staff({ building: 'B1', floor: 3 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ building: 'B1', floor: 3 });
    expect(server.db.prepare('SELECT floor FROM workorders WHERE id = ?').pluck().get(res.body.id)).toBe(3);
    expect((await staff({ building: 'B1', floor: '5F' })).body.floor).toBe(5);
    const third = await server.api('/api/v1/estates/test/workorders?building=B1&floor=3', { token });
    expect(third.status).toBe(200);
    expect(third.body.orders.map((o: WorkOrder) => o.id)).toEqual([res.body.id]);
    // the detail the web reads carries it
    expect((await server.api(`/api/v1/estates/test/workorders/${res.body.id}`, { token })).body.order.floor).toBe(3);
  });

  it('refuses a floor the building does not have, or one without a building, with a reason', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ building: 'B1', floor: 9 }, 'unknown_floor', "building 'B1' has floors 1–6: no floor 9"],
      [{ building: 'B1', floor: -1 }, 'unknown_floor', 'no floor -1'],
      [{ building: 'B1', floor: 'roof' }, 'bad_floor', 'floor: expected a storey'],
      [{ building: 'B1', floor: 2.5 }, 'bad_floor', 'floor: expected a storey'],
      [{ floor: 3 }, 'floor_without_building', 'floor needs a building'],
      [{ building: 'B2', floor: 7 }, 'unknown_floor', "building 'B2' has floors 1–6: no floor 7"],
    ];
    for (const [body, reason, message] of cases) {
      const res = await staff(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.reason).toBe(reason);
      expect(res.body.error).toContain(message);
    }
    expect((await server.api('/api/v1/estates/test/workorders?floor=up', { token })).body.reason).toBe('bad_floor');
  });

  it('takes a registered room: the room gives the floor; an ambiguous, unknown or contradicting room is refused', async () => {
    const ok = await staff({ building: 'B2', unit: '2单元', room: '401' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ building: 'B2', floor: 4, unit: '2', room: '401' });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ building: 'B2', room: '401' }, 'ambiguous_room', "room '401' is in units 1, 2 of building 'B2': give the unit"],
      [{ building: 'B2', unit: '1', room: '901' }, 'unknown_room', "building 'B2' has no room '901' in unit 1"],
      [{ building: 'B2', unit: '1', room: '401', floor: 5 }, 'floor_mismatch', "room '401' of building 'B2' is on floor 4, not 5"],
      [{ building: 'B2', unit: '7', floor: 2 }, 'unknown_unit', "building 'B2' has no unit '7'"],
      [{ building: 'B1', room: '101' }, 'unknown_room', "building 'B1' has no room '101'"],
    ];
    for (const [body, reason, message] of cases) {
      const res = await staff(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ reason });
      expect(res.body.error).toContain(message);
    }
  });

  it('takes the floor from a resident report (form fields) and shows it on the tracking page', async () => {
    const f = new FormData();
    for (const [k, v] of Object.entries({ category: 'water_leak', description: '楼上漏水', building: 'B1', floor: '2层' })) f.append(k, v);
    const res = await fetch(`${server.url}/api/v1/public/estates/test/requests`, { method: 'POST', body: f });
    expect(res.status).toBe(201);
    const receipt = await res.json();
    const track = await (await fetch(`${server.url}/api/v1/public/requests/${receipt.token}`)).json();
    expect(track).toMatchObject({ building: 'B1', floor: 2 });
    const badFloor = await fetch(`${server.url}/api/v1/public/estates/test/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category: 'water_leak', description: '漏水', building: 'B1', floor: 40 }) });
    expect(badFloor.status).toBe(400);
    expect(await badFloor.json()).toMatchObject({ reason: 'unknown_floor' });
  });

  it('takes floor, unit and room from Open311 attributes (form-encoded)', async () => {
    const res = await fetch(`${server.url}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ jurisdiction_id: 'test', service_code: 'lighting', address_id: 'B2', 'attribute[unit]': '1', 'attribute[room]': '602', description: 'Corridor light out' }).toString(),
    });
    expect(res.status).toBe(201);
    const [created] = await res.json();
    const detail = await server.api(`/api/v1/estates/test/workorders/${created.service_request_id}`, { token });
    expect(detail.body.order).toMatchObject({ building: 'B2', floor: 6, unit: '1', room: '602' });
    const bad = await fetch(`${server.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'jurisdiction_id=test&service_code=lighting&address_id=B1&floor=12&description=x' });
    expect(bad.status).toBe(400);
    expect((await bad.json())[0].description).toContain("building 'B1' has floors 1–6: no floor 12");
  });
});

describe('an alert from a device on a floor', () => {
  it('turned into a work order, gives the order that floor (and a floor the building lacks gives none)', async () => {
    // two smoke cameras inside B1 (floors 1–6): one in the 4th-floor stairwell, one set to floor 9 by mistake
    const cams = [
      { id: 'cam-stair-4', floor: 4, x: 10, y: 5 },
      { id: 'cam-stair-9', floor: 9, x: 30, y: 15 },
    ];
    const orders: Record<string, WorkOrder> = {};
    for (const c of cams) {
      const password = server.addDevice('camera', c.id, 'test', { x: c.x, y: c.y });
      expect((await server.api(`/api/v1/estates/test/devices/${c.id}/floor`, { method: 'PUT', token, body: { floor: c.floor } })).status).toBe(200);
      // the camera's own detection, over MQTT as a device sends it: smoke seen
      const client = await connect(server.mqttUrl, c.id, password, { clientId: c.id });
      try {
        await client.publishAsync(deviceTopic('test', c.id, 'camera'), JSON.stringify({ id: `${c.id}-smoke-1`, ts: Date.now(), type: 'smoke', phase: 'start', score: 0.93 }), { qos: 1 });
      } finally {
        await client.endAsync();
      }
      const alert = await until(`${c.id}'s smoke alert`, async () => {
        const list = await server.api('/api/v1/estates/test/alerts?status=active', { token });
        return (list.body.alerts as Array<{ id: number; source: string; device?: string; building?: string }>).find((a) => a.device === c.id || a.source === c.id);
      });
      // the alert stands in B1 (the camera's position), from this device
      expect(alert).toMatchObject({ building: 'B1', device: c.id });
      const made = await server.api(`/api/v1/estates/test/alerts/${alert.id}/workorder`, { token, method: 'POST', body: {} });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      orders[c.id] = made.body;
    }
    expect(orders['cam-stair-4']).toMatchObject({ source: 'alert', building: 'B1', floor: 4 });
    expect(server.db.prepare('SELECT floor FROM workorders WHERE id = ?').pluck().get(orders['cam-stair-4'].id)).toBe(4);
    const onFour = await server.api('/api/v1/estates/test/workorders?building=B1&floor=4', { token });
    expect(onFour.body.orders.map((o: WorkOrder) => o.id)).toContain(orders['cam-stair-4'].id);
    // B1 has no floor 9: the order is still made (an alert is not refused), on the building without a floor
    expect(orders['cam-stair-9']).toMatchObject({ source: 'alert', building: 'B1' });
    expect(orders['cam-stair-9'].floor).toBeUndefined();
  });
});

describe('the floor column', () => {
  it('is added to a workorders table made before it, and kept on update', () => {
    const db = openDb(':memory:');
    new WorkOrderStore(db);
    db.exec('ALTER TABLE workorders DROP COLUMN floor'); // the table as an older version made it
    const columns = () => (db.prepare('PRAGMA table_info(workorders)').all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns()).not.toContain('floor');
    const store = new WorkOrderStore(db);
    expect(columns()).toContain('floor');
    db.close();
    void store;
  });
});
