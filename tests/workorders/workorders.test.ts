// Work orders against a real server (real SQLite, real HTTP, real MQTT): residents' requests with
// photos, the staff flow, handheld actions exactly once, bad input, ledgers read back, Open311 from
// the spec alone, and a restart in the middle of a pause. One server for the file (restarted once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { rmSync } from 'node:fs';
import { localFrame, channelTopic, type WorkOrder } from '../../protocol/index.ts';
import { upsertBuilding, upsertEstate } from '../../server/store/estates.ts';
import type { WorkOrdersModule } from '../../server/workorders/module.ts';
import { startTestServer, TEST_ESTATE, type TestServer } from '../support/server.ts';
import { connect } from '../support/mqtt.ts';

const MIN = 60_000;
let clock = Date.UTC(2026, 11, 2, 2, 0, 0);
const now = () => clock;
let server: TestServer;
let token: string;
let device: string;

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
const B1 = { id: 'B1', name: '1号楼', use: 'residential', floors: 6, height: 18, minHeight: 0, polygons: [[[[0, 0], [40, 0], [40, 20], [0, 20], [0, 0]]]] as [number, number][][][], center: [20, 10] as [number, number] };
const frame = localFrame(TEST_ESTATE);
const [inLon, inLat] = frame.toLonLat(30, 15);
const [farLon, farLat] = frame.toLonLat(300, 300);

let admin: { username: string; password: string };
async function start(dataDir?: string) {
  server = await startTestServer({ now, ...(dataDir ? { dataDir } : {}) });
  upsertBuilding(server.db, 'test', B1 as never);
  admin ??= server.admin; // a restart keeps the first admin (the user exists already)
  token = await server.login(admin.username, admin.password);
}
const module = () => server.modules.find((m) => m.name === 'workorders') as WorkOrdersModule;
const staff = (path: string, body?: unknown) => server.api(`/api/v1/estates/test/workorders${path}`, { token, ...(body !== undefined ? { body } : {}) });

function form(fields: Record<string, string>, photos: Array<{ data: Buffer; type: string; name: string }> = []): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const p of photos) f.append('photos', new Blob([new Uint8Array(p.data)], { type: p.type }), p.name);
  return f;
}
async function resident(estate: string, body: FormData | Record<string, unknown>) {
  const init: RequestInit = body instanceof FormData ? { method: 'POST', body } : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const res = await fetch(`${server.url}/api/v1/public/estates/${estate}/requests`, init);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

beforeAll(async () => {
  await start();
  upsertEstate(server.db, { ...TEST_ESTATE, id: 'flood', name: 'Flood', nameZh: '洪水' });
  const put = await server.api('/api/v1/estates/test/workorder-config', {
    token,
    method: 'PUT',
    body: { limits: { perIpPerHour: 500, perEstatePerHour: 5000 }, teams: [{ id: 'eng', name: '工程班', lead: 'lead-zhao', members: ['g-li'] }], rules: [{ category: 'water_leak', team: 'eng', assignee: 'g-li' }] },
  });
  expect(put.status).toBe(200);
  device = server.addDevice('patrol', 'hh-1');
});
let firstDir = '';
afterAll(async () => {
  await server?.stop();
  if (firstDir) rmSync(firstDir, { recursive: true, force: true });
});

describe('a resident reports a leak with a photo', () => {
  let created: { id: number; token: string; fixDue: number };

  it('is acknowledged with a tracking token, auto-dispatched, and appears live on estates/test/workorders', async () => {
    const dash = await connect(server.mqttUrl.replace('mqtt://', 'mqtt://'), 'admin', token);
    const got: WorkOrder[] = [];
    await dash.subscribeAsync(channelTopic('test', 'workorders'), { qos: 0 });
    const seen = new Promise<void>((resolve) => dash.on('message', (_t, p) => (got.push(JSON.parse(p.toString())), got.length >= 2 && resolve())));
    const res = await resident('test', form({ category: 'water_leak', description: '卫生间天花板漏水', building: 'B1', name: '王女士', phone: '138 0000 0000' }, [{ data: PNG, type: 'image/jpeg', name: 'leak.jpg' }]));
    expect(res.status).toBe(201);
    created = res.body;
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(created.fixDue).toBe(clock + 3 * 3600_000); // water_leak → serious
    await seen;
    await dash.endAsync();
    expect(got.map((u: any) => u.change)).toEqual(['created', 'dispatched']);
    expect(got[1]).toMatchObject({ id: created.id, status: 'dispatched', team: 'eng', assignee: 'g-li', building: 'B1' });
    const detail = await staff(`/${created.id}`);
    expect(detail.body.order.photos[0]).toMatchObject({ mime: 'image/png', by: 'resident' }); // detected, not the claimed jpeg
    expect(detail.body.order.reporter).toEqual({ name: '王女士', phone: '138 0000 0000' });
    // only the hash of the token is stored
    const raw = JSON.stringify(server.db.prepare('SELECT * FROM workorders WHERE id = ?').get(created.id));
    expect(raw).not.toContain(created.token);
  });

  it('the tracking page shows status and deadline but never the reporter; photos go out as the detected type with nosniff', async () => {
    const t = await server.api(`/api/v1/public/requests/${created.token}`);
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ id: created.id, status: 'dispatched', tier: 'serious', fixDue: created.fixDue, canConfirm: false });
    expect(JSON.stringify(t.body)).not.toContain('138');
    const photo = await fetch(`${server.url}/api/v1/public/requests/${created.token}/photos/${t.body.photos[0].hash}`);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(photo.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await photo.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('the handheld accepts, proves arrival in the geofence, pauses, resumes, resolves — each action exactly once', async () => {
    const act = (body: Record<string, unknown>) => server.api(`/api/v1/workorders/actions?device=hh-1`, { token: device, body: { guard: 'g-li', order: created.id, ...body } });
    const me = await server.api('/api/v1/workorders/me?device=hh-1&guard=g-li', { token: device });
    expect(me.body.orders.map((o: WorkOrder) => o.id)).toContain(created.id);
    const a1 = await act({ actionId: 'act-accept-0001', kind: 'accept' });
    expect(a1.body).toMatchObject({ applied: true, status: 200, order: { status: 'accepted' } });
    const again = await act({ actionId: 'act-accept-0001', kind: 'accept' });
    expect(again.body).toMatchObject({ applied: false, status: 200 });
    clock += 3 * MIN;
    const far = await act({ actionId: 'act-onsite-0001', kind: 'on_site', lat: farLat, lon: farLon });
    expect(far.status).toBe(409);
    expect(far.body.reason).toBe('not_on_site');
    const near = await act({ actionId: 'act-onsite-0002', kind: 'on_site', lat: inLat, lon: inLon, accuracy: 5 });
    expect(near.body.order).toMatchObject({ status: 'on_site', onSiteMs: 3 * MIN });
    clock += 2 * MIN;
    await act({ actionId: 'act-pause-0001', kind: 'pause', reason: '等待配件' });
    clock += 60 * MIN;
    const resumed = await act({ actionId: 'act-resume-0001', kind: 'resume' });
    expect(resumed.body.order.pausedMs).toBe(60 * MIN);
    expect(resumed.body.order.fixDue).toBe(created.fixDue + 60 * MIN);
    clock += 10 * MIN;
    const done = await act({ actionId: 'act-resolve-0001', kind: 'resolve', text: '已更换密封圈' });
    expect(done.body.order).toMatchObject({ status: 'resolved', fixMs: 15 * MIN });
    const dup = await act({ actionId: 'act-resolve-0001', kind: 'resolve' });
    expect(dup.body).toMatchObject({ applied: false, status: 200 });
    const log = (await staff(`/${created.id}`)).body.log.map((e: any) => e.action);
    expect(log.filter((a: string) => a === 'resolved')).toHaveLength(1);
    expect(log.filter((a: string) => a === 'accepted')).toHaveLength(1);
    const audit = server.db.prepare("SELECT count(*) FROM audit_log WHERE target = ? AND action LIKE 'workorder.%'").pluck().get(String(created.id));
    expect(audit).toBeGreaterThanOrEqual(6);
  });

  it('the resident rates it (基本满意) and the order closes; the ledger and the report show the measured times without the pause', async () => {
    const rated = await server.api(`/api/v1/public/requests/${created.token}/confirm`, { body: { rating: 'basic', comment: '修好了' } });
    expect(rated.body).toMatchObject({ status: 'closed', rating: { score: 'basic' }, canConfirm: false });
    const again = await server.api(`/api/v1/public/requests/${created.token}/confirm`, { body: { rating: 'satisfied' } });
    expect(again.status).toBe(409);
    const ledger = await server.api('/api/v1/estates/test/ledgers/problems?category=water_leak', { token });
    expect(ledger.body.rows[0]).toMatchObject({ id: created.id, fixMinutes: 15, onTime: true, rating: 'basic', department: 'engineering' });
    const report = await staff('/report?from=2026-12&to=2026-12');
    const row = report.body.rows.find((r: any) => r.category === 'water_leak');
    expect(row).toMatchObject({ tier: 'serious', orders: 1, resolved: 1, onSiteInTime: 1, fixedInTime: 1, fixMedianSec: 900, onSiteMedianSec: 180, pausedSec: 3600, basic: 1, satisfaction: 1 });
  });

  it('exports the ledgers as CSV with a BOM and as XLSX that exceljs reads back', async () => {
    const csv = await fetch(`${server.url}/api/v1/estates/test/ledgers/problems?format=csv`, { headers: { authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('卫生间天花板漏水');
    const xlsx = await fetch(`${server.url}/api/v1/estates/test/ledgers/problems?format=xlsx`, { headers: { authorization: `Bearer ${token}` } });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
    const ws = book.worksheets[0];
    expect(ws.getRow(1).getCell(1).value).toBe('编号 ID');
    const ids = [];
    for (let r = 2; r <= ws.rowCount; r++) ids.push(ws.getRow(r).getCell(1).value);
    expect(ids).toContain(created.id);
  });
});

describe('staff flows', () => {
  it('an inspection finding, a rectification plan and its check land in the rectification ledger', async () => {
    const o = await staff('', { category: 'facade', description: '外墙瓷砖松动', building: 'B1' });
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ source: 'inspection', tier: 'complex', needsPlan: true });
    const id = o.body.id;
    expect((await staff(`/${id}/plan`, { department: 'engineering', measures: '搭设防护棚并更换瓷砖', deadline: clock + 7 * 86_400_000 })).status).toBe(200);
    expect((await staff(`/${id}/resolve`, {})).body.reason).toBe('not_on_site');
    await staff(`/${id}/accept`, {});
    const site = await staff(`/${id}/on-site`, { lat: inLat, lon: inLon });
    expect(site.body.status).toBe('on_site');
    await staff(`/${id}/resolve`, { note: 'done' });
    expect((await staff(`/${id}/check`, { result: 'passed' })).body.check.result).toBe('passed');
    const led = await server.api('/api/v1/estates/test/ledgers/rectifications', { token });
    expect(led.body.rows.find((r: any) => r.id === id)).toMatchObject({ measures: '搭设防护棚并更换瓷砖', checkResult: 'passed', department: 'engineering' });
  });

  it('re-tier needs a reason; cancel and spam are recorded; viewers cannot act', async () => {
    const o = (await staff('', { category: 'noise', description: '夜间施工' })).body;
    expect((await staff(`/${o.id}/tier`, { tier: 'serious' })).status).toBe(400);
    expect((await staff(`/${o.id}/tier`, { tier: 'serious', reason: '持续扰民' })).body).toMatchObject({ tier: 'serious', fixDue: o.openedAt + 3 * 3600_000 });
    const viewer = server.addUser('v1', 'viewer', 'test');
    const vt = await server.login(viewer.username, viewer.password);
    expect((await server.api(`/api/v1/estates/test/workorders/${o.id}/cancel`, { token: vt, body: { reason: 'x' } })).status).toBe(403);
    expect((await staff(`/${o.id}/spam`, { reason: '广告' })).body).toMatchObject({ spam: true, status: 'cancelled' });
    expect((await staff(`/${o.id}/spam`, {})).status).toBe(409);
  });

  it('warns the team lead before the on-site deadline and escalates after it', async () => {
    const o = (await resident('test', { category: 'water_leak', description: '楼道水管爆裂', building: 'B1' })).body;
    clock += 4 * MIN + 1;
    module().tick();
    clock += MIN;
    module().tick();
    const log = (await staff(`/${o.id}`)).body.log;
    const w = log.find((e: any) => e.action === 'warned');
    const x = log.find((e: any) => e.action === 'escalated');
    expect(w.detail).toMatchObject({ deadline: 'on_site', notify: ['lead-zhao', 'g-li'] });
    expect(x.detail).toMatchObject({ level: 1, reason: 'on_site_overdue' });
    const summary = await staff('/summary');
    expect(summary.body.overdue).toBeGreaterThanOrEqual(1);
  });
});

describe('bad input is refused with a reason and loses nothing else', () => {
  it('oversize and fake-type photos, a 10 KB description, an unknown category', async () => {
    const before = server.db.prepare('SELECT count(*) FROM workorders').pluck().get() as number;
    const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]);
    const r1 = await resident('test', form({ category: 'plumbing', description: 'x' }, [{ data: big, type: 'image/png', name: 'big.png' }]));
    expect(r1).toMatchObject({ status: 413, body: { reason: 'photo_too_large' } });
    const r2 = await resident('test', form({ category: 'plumbing', description: 'x' }, [{ data: Buffer.from('<html><script>alert(1)</script>'), type: 'image/jpeg', name: 'x.jpg' }]));
    expect(r2).toMatchObject({ status: 415, body: { reason: 'photo_type' } });
    const r3 = await resident('test', form({ category: 'plumbing', description: '漏'.repeat(10_240) }));
    expect(r3.status).toBe(400);
    expect(r3.body.reason).toBe('too_long');
    const r4 = await resident('test', { category: 'unicorns', description: 'x' });
    expect(r4).toMatchObject({ status: 400, body: { reason: 'unknown_category' } });
    expect(r4.body.error).toContain('water_leak');
    const r5 = await resident('test', form({ category: 'plumbing', description: 'x' }, Array.from({ length: 4 }, () => ({ data: PNG, type: 'image/png', name: 'p.png' }))));
    expect(r5.body.reason).toBe('too_many_photos');
    expect(server.db.prepare('SELECT count(*) FROM workorders').pluck().get()).toBe(before);
    const ok = await resident('test', { category: 'plumbing', description: '下水道堵了' });
    expect(ok.status).toBe(201);
  });

  it('a resend after a lost answer (same client id) gets the same receipt, not a second order; the database keeps no usable token', async () => {
    const before = server.db.prepare('SELECT count(*) FROM workorders').pluck().get() as number;
    const clientId = 'r-mkz1x2-0011223344556677';
    const fields = { category: 'plumbing', description: '厨房下水慢', building: 'B1', clientId };
    const first = await resident('test', form(fields, [{ data: PNG, type: 'image/png', name: 'sink.png' }]));
    expect(first.status).toBe(201);
    const again = await resident('test', form(fields, [{ data: PNG, type: 'image/png', name: 'sink.png' }]));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body); // same order, same tracking token
    expect((await server.api(`/api/v1/public/requests/${again.body.token}`)).body.id).toBe(first.body.id);
    // the header works too (other clients), and a different id is a different request
    const viaHeader = await fetch(`${server.url}/api/v1/public/estates/test/requests`, { method: 'POST', body: JSON.stringify({ category: 'plumbing', description: '厨房下水慢' }), headers: { 'content-type': 'application/json', 'idempotency-key': clientId } });
    expect(viaHeader.status).toBe(200);
    expect((await viaHeader.json()).id).toBe(first.body.id);
    const other = await resident('test', { ...fields, clientId: 'r-mkz1x2-8899aabbccddeeff' });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    expect(server.db.prepare('SELECT count(*) FROM workorders').pluck().get()).toBe(before + 2);
    // what is stored: a hash of the id and a sealed token, neither the id nor the token itself
    const rows = server.db.prepare('SELECT client_hash, token_box FROM workorder_resends').all() as Array<{ client_hash: string; token_box: string }>;
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(clientId);
    expect(dump).not.toContain(first.body.token);
    const bad = await resident('test', { ...fields, clientId: 'no spaces allowed' });
    expect(bad).toMatchObject({ status: 400, body: { reason: 'bad_field' } });
  });

  it('a flood of 200 requests from one address: the first ones are kept, the rest get 429 with Retry-After', async () => {
    const results = [];
    for (let i = 0; i < 200; i++) results.push(await resident('flood', { category: 'other', description: `flood ${i}` }));
    const accepted = results.filter((r) => r.status === 201);
    const limited = results.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(10);
    expect(limited).toHaveLength(190);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited[0].body.reason).toBe('rate_limited');
    expect(server.db.prepare("SELECT count(*) FROM workorders WHERE estate = 'flood'").pluck().get()).toBe(10);
  });
});

describe('Open311 GeoReport v2, from the spec alone', () => {
  // A minimal client written from http://wiki.open311.org/GeoReport_v2 — form-encoded POST, JSON answers.
  const base = () => `${server.url}/open311/v2`;
  const get = async (path: string) => (await fetch(`${base()}${path}`)).json();

  it('lists services, creates a request, and reads it back with expected_datetime = the tier deadline', async () => {
    const services = await get('/services.json?jurisdiction_id=test');
    const leak = services.find((s: any) => s.service_code === 'water_leak');
    expect(leak).toMatchObject({ metadata: false, type: 'realtime' });
    const res = await fetch(`${base()}/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ jurisdiction_id: 'test', service_code: 'water_leak', lat: String(inLat), long: String(inLon), description: 'Water coming through the ceiling', first_name: 'Ada', phone: '12345678' }).toString(),
    });
    expect(res.status).toBe(201);
    const [created] = await res.json();
    expect(created.service_request_id).toMatch(/^\d+$/);
    const postedAt = clock;
    const [one] = await get(`/requests/${created.service_request_id}.json?jurisdiction_id=test`);
    expect(one).toMatchObject({ service_request_id: created.service_request_id, status: 'open', service_code: 'water_leak', address_id: 'B1' });
    expect(Date.parse(one.expected_datetime)).toBe(Math.floor((postedAt + 3 * 3600_000) / 1000) * 1000);
    expect(Date.parse(one.requested_datetime)).toBe(Math.floor(postedAt / 1000) * 1000);
    expect(JSON.stringify(one)).not.toContain('12345678');
    const list = await get(`/requests.json?jurisdiction_id=test&service_request_id=${created.service_request_id}`);
    expect(list).toHaveLength(1);
  });

  it('answers errors as [{code, description}]', async () => {
    const res = await fetch(`${base()}/requests.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'jurisdiction_id=test&service_code=nope&address_string=x&description=y' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body[0].code).toBe(400);
    expect(body[0].description).toContain('unknown category');
    const missing = await fetch(`${base()}/requests/999999.json?jurisdiction_id=test`);
    expect((await missing.json())[0].code).toBe(404);
  });
});

describe('alerts become work orders, linked both ways', () => {
  it('POST /alerts/{id}/workorder', async () => {
    const alerts = server.modules.find((m) => m.name === 'alerts')!;
    alerts.alertSink!.raise({ estate: 'test', source: 'cam-9', type: 'fire_lane_blocked', severity: 'major', title: 'Fire lane blocked', titleZh: '消防通道堵塞', at: clock, x: 10, y: 5, building: 'B1' });
    const list = await server.api('/api/v1/estates/test/alerts?status=active', { token });
    const alert = list.body.alerts.find((a: any) => a.source === 'cam-9');
    const made = await server.api(`/api/v1/estates/test/alerts/${alert.id}/workorder`, { token, body: {} });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ source: 'alert', alert: alert.id, category: 'fire_safety', tier: alert.tier });
    const again = await server.api(`/api/v1/estates/test/alerts/${alert.id}/workorder`, { token, body: {} });
    expect(again).toMatchObject({ status: 200, body: { id: made.body.id } });
    const linked = await server.api(`/api/v1/estates/test/alerts/${alert.id}`, { token });
    expect(linked.body.alert.workOrder).toBe(made.body.id);
  });
});

describe('restart in the middle of a pause', () => {
  it('the clock stays stopped while down and resumes with the pause excluded', async () => {
    const o = (await staff('', { category: 'lighting', description: '走廊灯不亮', building: 'B1' })).body;
    await staff(`/${o.id}/accept`, {});
    clock += 2 * MIN;
    await staff(`/${o.id}/on-site`, { lat: inLat, lon: inLon });
    clock += 3 * MIN;
    expect((await staff(`/${o.id}/pause`, { reason: '业主不在家' })).body.status).toBe('paused');
    const dir = server.dataDir;
    firstDir = dir;
    await server.close();
    clock += 120 * MIN; // far past the 40-minute deadline, all of it paused
    await start(dir);
    module().tick();
    const during = (await staff(`/${o.id}`)).body;
    expect(during.order).toMatchObject({ status: 'paused', escalation: 0 });
    const resumed = (await staff(`/${o.id}/resume`, {})).body;
    expect(resumed).toMatchObject({ status: 'on_site', pausedMs: 120 * MIN, fixDue: o.openedAt + 40 * MIN + 120 * MIN });
    clock += 5 * MIN;
    const done = (await staff(`/${o.id}/resolve`, {})).body;
    expect(done.fixMs).toBe(10 * MIN);
    module().tick();
    expect((await staff(`/${o.id}`)).body.order.escalation).toBe(0);
  });
});
