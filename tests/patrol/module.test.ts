// The patrol module in a real server: routes over REST, check-ins over MQTT and HTTP, a settable
// clock that closes windows (no waiting), late sync, duplicates, SOS, photos, the report, the guard
// app's /patrol/me, and a restart that keeps every tour and files what the journal got meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelTopic, deviceTopic, localFrame, type EstateEvent } from '../../protocol/index.ts';
import type { PatrolMe, PatrolReport, TourView } from '../../protocol/patrol.ts';
import type { AlertInput } from '../../server/alerts/sink.ts';
import type { ModuleFactory } from '../../server/modules.ts';
import { createPatrolModule, type PatrolModule } from '../../server/patrol/module.ts';
import { upsertCheckpoint, upsertEstate } from '../../server/store/estates.ts';
import { collect, connect } from '../support/mqtt.ts';
import { startTestServer, TEST_ESTATE, type TestServer } from '../support/server.ts';

const MIN = 60_000;
const START = Date.parse('2026-11-27T22:00:00+08:00');
const TOUR = 'night@2026-11-27T22:00';
const CPS = [
  { id: 'CP-01', name: '北门岗亭', code: 'CP-01', x: 0, y: 100 },
  { id: 'CP-02', name: '幼儿园北门', code: '04:A2:3B:91', x: 100, y: 100 },
  { id: 'CP-03', name: '东北角', code: 'CP-03', x: 100, y: 0 },
  { id: 'CP-04', name: '配电房', code: 'CP-04', x: 0, y: 0 },
];
const ROUTE = {
  name: 'Night round', nameZh: '夜间巡更',
  stops: CPS.map((c, i) => ({ checkpoint: c.id, afterMin: i ? 10 : 0 })),
  toleranceMin: 5, graceMin: 10,
  schedules: [{ id: 'night', start: '22:00', end: '06:00', everyMin: 120, guard: 'G01' }],
};

let now = START + 3 * MIN;
const raised: AlertInput[] = [];
const cleared: Array<{ source: string; type: string }> = [];
const recorder: ModuleFactory = () => ({
  name: 'alert-recorder',
  alertSink: { raise: (a) => raised.push(a), clear: (_e, source, type) => cleared.push({ source, type }) },
});
const options = () => ({ dataDir, now: () => now, modules: [createPatrolModule, recorder] });

let dataDir: string;
let server: TestServer;
let admin: string;
let handheldToken: string;
const patrol = () => server.modules.find((m) => m.name === 'patrol') as PatrolModule;
const tour = async (): Promise<TourView> => (await server.api(`/api/v1/estates/test/patrol/tours/${encodeURIComponent(TOUR)}`, { token: admin })).body;
const statuses = async () => (await tour()).stops.map((s) => s.status);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'se-patrol-'));
  server = await startTestServer(options());
  for (const c of CPS) upsertCheckpoint(server.db, 'test', c);
  admin = await server.login(server.admin.username, server.admin.password);
  handheldToken = server.addDevice('patrol', 'handheld-1');
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('patrol module', () => {
  it('lets admins configure routes, and no one else', async () => {
    const viewer = server.addUser('viewer-1', 'viewer', 'test');
    const op = server.addUser('op-1', 'operator', 'test');
    upsertEstate(server.db, { ...TEST_ESTATE, id: 'other' });
    const elsewhere = server.addUser('op-2', 'operator', 'other');
    const path = '/api/v1/estates/test/patrol/routes/night';
    expect((await server.api(path, { method: 'PUT', token: await server.login(op.username, op.password), body: ROUTE })).status).toBe(403);
    expect((await server.api(path, { method: 'PUT', token: await server.login(viewer.username, viewer.password), body: ROUTE })).status).toBe(403);
    expect((await server.api('/api/v1/estates/test/patrol/routes', { token: await server.login(elsewhere.username, elsewhere.password) })).status).toBe(403);
    const bad = await server.api(path, { method: 'PUT', token: admin, body: { ...ROUTE, stops: [{ checkpoint: 'CP-99', afterMin: 0 }] } });
    expect(bad).toEqual({ status: 400, body: { error: "stops.0: no checkpoint 'CP-99' in estate 'test'" } });
    const created = await server.api(path, { method: 'PUT', token: admin, body: ROUTE });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'night', estate: 'test', toleranceMin: 5, graceMin: 10, since: now });
    const routes = await server.api('/api/v1/estates/test/patrol/routes', { token: await server.login(viewer.username, viewer.password) });
    expect(routes.body.map((r: { id: string }) => r.id)).toEqual(['night']);
    expect((await server.api('/api/v1/estates/nowhere/patrol/routes', { token: admin })).status).toBe(404);
  });

  it('generates the tour in progress from the schedule, assigned to its guard', async () => {
    const tours = (await server.api('/api/v1/estates/test/patrol/tours', { token: admin })).body as TourView[];
    const t = tours.find((x) => x.id === TOUR)!;
    expect(t).toMatchObject({ state: 'active', guard: 'G01', assigned: true, day: '2026-11-27', start: START, opens: START - 5 * MIN });
    expect(t.stops.map((s) => [s.checkpoint, s.name, (s.plannedAt - START) / MIN, s.status])).toEqual([
      ['CP-01', '北门岗亭', 0, 'pending'], ['CP-02', '幼儿园北门', 10, 'pending'], ['CP-03', '东北角', 20, 'pending'], ['CP-04', '配电房', 30, 'pending'],
    ]);
    // the next tour of the night is planned too, after midnight but on the same day
    expect(tours.find((x) => x.id === 'night@2026-11-28T00:00')).toMatchObject({ state: 'scheduled', day: '2026-11-27' });
  });

  it('matches an MQTT check-in by tag code once, however often it is delivered, and publishes the tour', async () => {
    const op = server.addUser('op-watch', 'operator', 'test');
    const dash = await connect(server.mqttUrl, op.username, await server.login(op.username, op.password));
    const inbox = collect(dash);
    await dash.subscribeAsync(channelTopic('test', 'patrol'));
    const device = await connect(server.mqttUrl, 'handheld-1', handheldToken);
    const payload = JSON.stringify({ id: 'k-1', ts: START + 2 * MIN, guard: 'G01', checkpoint: 'cp-01', method: 'nfc' });
    for (let i = 0; i < 3; i++) await device.publishAsync(deviceTopic('test', 'handheld-1', 'checkin'), payload, { qos: 1 });
    await device.endAsync();
    const message = await inbox.next((m) => m.json.tour?.id === TOUR && m.json.tour.stops[0].status === 'on_time');
    expect(message.json.tour.stops[0].scan).toMatchObject({ device: 'handheld-1', id: 'k-1', ts: START + 2 * MIN, guard: 'G01' });
    dash.end(true);
    expect(await statuses()).toEqual(['on_time', 'pending', 'pending', 'pending']);
    expect(server.db.prepare("SELECT COUNT(*) AS n FROM events WHERE event_id = 'k-1'").get()).toEqual({ n: 1 });
    expect(server.db.prepare("SELECT COUNT(*) AS n FROM patrol_scans WHERE event_id = 'k-1'").get()).toEqual({ n: 1 });
  });

  it('matches a GPS check-in inside a checkpoint geofence (HTTP ingest)', async () => {
    const [lon, lat] = localFrame(TEST_ESTATE).toLonLat(104, 97);
    const res = await server.api('/api/v1/devices/handheld-1/checkin', { token: handheldToken, body: { id: 'k-2', ts: START + 11 * MIN, guard: 'G01', checkpoint: 'gps', method: 'gps', lat, lon } });
    expect(res.status).toBe(202);
    const t = await tour();
    expect(t.stops[1]).toMatchObject({ status: 'on_time', scan: { id: 'k-2', method: 'gps' } });
    expect(t.stops[1].scan!.distanceM).toBeCloseTo(5, 0);
  });

  it('marks a checkpoint missed when its window closes (the clock, not a wait) and raises one alert', async () => {
    now = START + 36 * MIN; // CP-03: planned 22:20, deadline 22:35
    patrol().tick();
    expect(await statuses()).toEqual(['on_time', 'on_time', 'missed', 'pending']);
    const missed = raised.filter((a) => a.type === 'patrol_missed');
    expect(missed.map((a) => [a.source, a.severity, a.at])).toEqual([['night:CP-03', 'warning', START + 35 * MIN]]);
    patrol().tick();
    expect(raised.filter((a) => a.type === 'patrol_missed')).toHaveLength(1);
  });

  it('re-evaluates the missed checkpoint when its scan syncs late, with the scan time the device recorded', async () => {
    now = START + 130 * MIN; // 00:10: the tour is over (and CP-03 of the 00:00 tour not yet due)
    patrol().tick();
    expect(await statuses()).toEqual(['on_time', 'on_time', 'missed', 'missed']);
    const res = await server.api('/api/v1/devices/handheld-1/checkin', { token: handheldToken, body: { id: 'k-3', ts: '2026-11-27T22:28:00+08:00', guard: 'G01', checkpoint: 'CP-03', method: 'qr', note: '路灯不亮' } });
    expect(res.status).toBe(202);
    const t = await tour();
    expect(t.stops[2]).toMatchObject({ status: 'late', scan: { id: 'k-3', ts: START + 28 * MIN, note: '路灯不亮' } });
    expect(t.state).toBe('done');
    expect(cleared).toContainEqual({ source: 'night:CP-03', type: 'patrol_missed' });
    expect(raised.filter((a) => a.type === 'patrol_late').map((a) => a.source)).toEqual(['night:CP-03']);
  });

  it('raises a critical alert for an SOS and keeps it out of the tour', async () => {
    const res = await server.api('/api/v1/devices/handheld-1/checkin', { token: handheldToken, body: { id: 'sos-1', ts: now, guard: 'G01', checkpoint: 'SOS', method: 'manual', note: 'SOS 需要支援' } });
    expect(res.status).toBe(202);
    expect(raised.filter((a) => a.type === 'patrol_sos')).toEqual([expect.objectContaining({ source: 'handheld-1', severity: 'critical', detail: expect.objectContaining({ guard: 'G01', note: 'SOS 需要支援' }) })]);
    const ledger = (await server.api('/api/v1/estates/test/patrol/checkins?from=0', { token: admin })).body as Array<{ id: string; sos: boolean; checkpoint: string | null }>;
    expect(ledger.find((r) => r.id === 'sos-1')).toMatchObject({ sos: true, checkpoint: null });
    // an unknown tag with no GPS fix is filed unresolved, and counted
    expect((await server.api('/api/v1/devices/handheld-1/checkin', { token: handheldToken, body: { id: 'k-x', ts: now, guard: 'G01', checkpoint: 'NO-SUCH-TAG', method: 'nfc' } })).status).toBe(202);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    for (const [result, n] of [['code', 2], ['gps', 1], ['sos', 1], ['unknown', 1]] as const) expect(metrics).toContain(`se_patrol_checkins_total{result="${result}"} ${n}`);
  });

  it('answers the guard app with its tour and next checkpoint (device token)', async () => {
    now = START + 132 * MIN; // 00:12 → the 00:00 tour
    const me = await server.api('/api/v1/patrol/me?device=handheld-1&guard=G01', { token: handheldToken });
    expect(me.status).toBe(200);
    const body = me.body as PatrolMe;
    expect(body.tour).toMatchObject({ id: 'night@2026-11-28T00:00', state: 'active', guard: 'G01' });
    expect(body.next).toMatchObject({ checkpoint: 'CP-01', status: 'pending' });
    expect(body.estate).toEqual({ id: 'test', name: TEST_ESTATE.name, nameZh: TEST_ESTATE.nameZh, timezone: 'Asia/Shanghai' });
    expect(body.checkpoints.map((c) => c.code)).toEqual(CPS.map((c) => c.code));
    expect((await server.api('/api/v1/patrol/me?device=handheld-1', { token: 'sed_wrong' })).status).toBe(401);
    expect((await server.api('/api/v1/patrol/me', { token: handheldToken })).body).toEqual({ error: 'missing ?device=<device id>' });
    const camera = server.addDevice('camera', 'cam-1');
    expect((await server.api('/api/v1/patrol/me?device=cam-1', { token: camera })).status).toBe(403);
  });

  it('stores a check-in photo idempotently and shows it to operators', async () => {
    const dataUrl = `data:image/jpeg;base64,${Buffer.from('not really a jpeg').toString('base64')}`;
    const put = (body: unknown) => server.api('/api/v1/patrol/photos/ph-1?device=handheld-1', { method: 'PUT', token: handheldToken, body });
    expect((await put({ dataUrl })).status).toBe(201);
    expect((await put({ dataUrl })).status).toBe(200);
    expect((await put({ dataUrl: 'data:text/html;base64,AAAA' })).status).toBe(400);
    const res = await fetch(`${server.url}/api/v1/estates/test/patrol/photos/handheld-1/ph-1`, { headers: { authorization: `Bearer ${admin}` } });
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('not really a jpeg');
  });

  it('keeps tours across a restart and files check-ins the journal got while the module did not see them', async () => {
    await server.stop();
    // a check-in committed to the journal whose onCommitted never ran (the process died in between)
    const { openDb, dbPath } = await import('../../server/store/db.ts');
    const db = openDb(dbPath(dataDir));
    const event: EstateEvent = { estate: 'test', device: 'handheld-1', kind: 'checkin', id: 'k-crash', ts: START + 2 * 60 * MIN + MIN, rx: Date.now(), data: { guard: 'G01', checkpoint: 'CP-01', method: 'nfc' } };
    db.prepare('INSERT INTO events (estate, device, kind, event_id, ts, rx, body) VALUES (?, ?, ?, ?, ?, ?, ?)').run(event.estate, event.device, event.kind, event.id, event.ts, event.rx, JSON.stringify(event));
    db.close();
    const before = raised.length;
    now = START + 2 * 60 * MIN + 16 * MIN; // 00:16
    const { username, password } = server.admin;
    server = await startTestServer(options());
    admin = await server.login(username, password);
    // the first tour is as it was, and nothing was raised again for it
    expect(await statuses()).toEqual(['on_time', 'on_time', 'late', 'missed']);
    expect(raised.slice(before).filter((a) => (a.detail as { tour: string }).tour === TOUR)).toEqual([]);
    const second = (await server.api(`/api/v1/estates/test/patrol/tours/${encodeURIComponent('night@2026-11-28T00:00')}`, { token: admin })).body as TourView;
    expect(second.stops[0]).toMatchObject({ status: 'on_time', scan: { id: 'k-crash' } });
  });

  it('reports per day, route and guard as JSON and CSV', async () => {
    now = START + 8 * 60 * MIN; // 06:00: the night is over
    const res = await server.api('/api/v1/estates/test/patrol/report?from=2026-11-27', { token: admin });
    expect(res.status).toBe(200);
    const report = res.body as PatrolReport;
    expect(report.rows).toEqual([
      expect.objectContaining({ day: '2026-11-27', route: 'night', guard: 'G01', tours: 4, planned: 16, visited: 4, on_time: 3, late: 1, missed: 12, completionPct: 25 }),
    ]);
    expect(report.rows[0].lateList.map((i) => i.checkpoint)).toEqual(['CP-03']);
    const csv = await fetch(`${server.url}/api/v1/estates/test/patrol/report?from=2026-11-27&format=csv&part=exceptions`, { headers: { authorization: `Bearer ${admin}` } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toContain('patrol-test-2026-11-27_2026-11-27-exceptions.csv');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM spreadsheets need
    const lines = bytes.toString('utf8').split('\r\n');
    expect(lines[0]).toBe('\uFEFFday,route,guard,tour,checkpoint,checkpoint_name,status,planned,scanned,minutes_off');
    expect(lines).toContain('2026-11-27,night,G01,night@2026-11-27T22:00,CP-03,东北角,late,2026-11-27 22:20,2026-11-27 22:28,8');
    expect(lines.filter((l) => l.includes(',missed,'))).toHaveLength(12);
    expect((await server.api('/api/v1/estates/test/patrol/report?from=2026-13-01', { token: admin })).body).toEqual({ error: 'from: expected a date YYYY-MM-DD, got "2026-13-01"' });
  });

  it('lets operators cancel a tour with a reason; its missed checkpoints are cleared', async () => {
    const v = server.addUser('viewer-3', 'viewer', 'test');
    const path = `/api/v1/estates/test/patrol/tours/${encodeURIComponent('night@2026-11-28T04:00')}/cancel`;
    expect((await server.api(path, { token: await server.login(v.username, v.password), body: { reason: 'typhoon' } })).status).toBe(403);
    const op = server.addUser('op-3', 'operator', 'test');
    const res = await server.api(path, { token: await server.login(op.username, op.password), body: { reason: '台风停巡 typhoon' } });
    expect(res.body).toMatchObject({ state: 'cancelled', cancelReason: '台风停巡 typhoon (op-3)' });
    const report = (await server.api('/api/v1/estates/test/patrol/report?from=2026-11-27', { token: admin })).body as PatrolReport;
    expect(report.rows[0]).toMatchObject({ tours: 3, planned: 12 });
  });
});
