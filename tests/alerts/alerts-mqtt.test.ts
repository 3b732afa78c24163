// Alerts end to end over real parts: a real server (Aedes over TCP, SQLite in a temp dir), real device
// clients publishing camera/status/check-in events over MQTT, an operator dashboard subscribed to
// `estates/test/alerts`, REST with real sessions. The modules' clock is injected, so the 54321
// deadlines are reached by moving the clock, not by waiting.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deviceTopic, type Alert, type AlertUpsert } from '../../protocol/index.ts';
import { createAlertsModule, type AlertsModule } from '../../server/alerts/module.ts';
import type { ModuleFactory } from '../../server/modules.ts';
import { upsertCheckpoint, upsertEstate, upsertZone } from '../../server/store/estates.ts';
import { collect, connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const E = 'test';
const MIN = 60_000;
const clock = { t: Date.parse('2026-11-27T20:00:00+08:00') }; // a Friday evening in Hangzhou
const rect = (x0: number, y0: number, x1: number, y1: number): Array<[number, number]> => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

// another capability raising and clearing through ctx.alerts (the vehicles engineer's blacklist, in miniature)
const plates: ModuleFactory = (ctx) => ({
  name: 'plates-probe',
  onCommitted(events) {
    for (const e of events) {
      if (e.kind !== 'vehicle' || e.data.plate !== '浙A·BAD01') continue;
      if (e.data.direction === 'in') {
        ctx.alerts.raise({ estate: e.estate, source: 'plate:浙ABAD01', type: 'blacklisted_plate', severity: 'major', tier: 'small', title: 'Blacklisted plate', titleZh: '黑名单车辆', x: e.x, y: e.y, device: e.device, at: e.ts });
      } else ctx.alerts.clear(e.estate, 'plate:浙ABAD01', 'blacklisted_plate', e.ts);
    }
  },
});

let server: TestServer;
let alerts: AlertsModule;
let dash: MqttClient;
let inbox: ReturnType<typeof collect>;
let op: string;
let viewer: string;
let admin: string;
let stranger: string;
const devices = new Map<string, MqttClient>();
const tokens = new Map<string, string>();

async function device(id: string, kind: 'camera' | 'patrol' | 'gate', place: { x?: number; y?: number } = {}, will = false): Promise<MqttClient> {
  const token = server.addDevice(kind, id, E, place);
  tokens.set(id, token);
  const client = await connect(server.mqttUrl, id, token, {
    clientId: id,
    ...(will ? { will: { topic: deviceTopic(E, id, 'status'), payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: true } } : {}),
  });
  devices.set(id, client);
  return client;
}

let seq = 0;
const publish = (client: MqttClient, id: string, kind: 'camera' | 'status' | 'checkin' | 'position' | 'vehicle', body: Record<string, unknown>) =>
  client.publishAsync(deviceTopic(E, id, kind), JSON.stringify({ id: `${id}-${++seq}`, ts: clock.t, ...body }), { qos: 1 });

/** Messages before this index belong to earlier tests. */
let mark = 0;
/** The first upsert on the alerts channel in this test that matches. */
const upsert = (match: (a: AlertUpsert) => boolean) =>
  until('an alert upsert', () => inbox.messages.slice(mark).find((m) => m.topic === `estates/${E}/alerts` && match(m.json as AlertUpsert))?.json as AlertUpsert | undefined, 15_000);

beforeAll(async () => {
  server = await startTestServer({ now: () => clock.t, modules: [createAlertsModule, plates] });
  alerts = server.modules.find((m) => m.name === 'alerts') as AlertsModule;
  // zones and a checkpoint before the first event (both sides cache an estate's layout for a few seconds)
  upsertZone(server.db, E, { id: 'perimeter', name: '周界', kind: 'perimeter', polygon: [rect(-150, -125, 150, 125)] });
  upsertZone(server.db, E, { id: 'power-room', name: '配电房', kind: 'restricted', polygon: [rect(113, 79, 131, 97)] });
  upsertCheckpoint(server.db, E, { id: 'CP-04', name: '配电房', code: 'CP-04', x: 131, y: 88 });
  upsertEstate(server.db, { id: 'other', name: 'Other', nameZh: '别的小区', lat: 30.2, lon: 120.1, timezone: 'Asia/Shanghai' });
  const users = { op: server.addUser('op-wang', 'operator', E), viewer: server.addUser('viewer-li', 'viewer', E), stranger: server.addUser('op-other', 'operator', 'other') };
  op = await server.login(users.op.username, users.op.password);
  viewer = await server.login(users.viewer.username, users.viewer.password);
  stranger = await server.login(users.stranger.username, users.stranger.password);
  admin = await server.login(server.admin.username, server.admin.password);
  dash = await connect(server.mqttUrl, users.op.username, op);
  inbox = collect(dash);
  await dash.subscribeAsync(`estates/${E}/alerts`, { qos: 1 });
  // the clock jumps by minutes here while devices send no heartbeats: only cameras that ask for it time out
  const timeout = await server.api(`/api/v1/estates/${E}/alert-config`, { token: admin, method: 'PUT', body: { deviceTimeoutSec: 86_400 } });
  expect(timeout.status).toBe(200);
});

beforeEach(() => {
  mark = inbox.messages.length;
});

afterAll(async () => {
  for (const c of devices.values()) await c.endAsync().catch(() => {});
  await dash?.endAsync();
  await server?.stop();
});

describe('alert lifecycle over MQTT and REST', () => {
  let alert: AlertUpsert;

  it('raises one alert for a restricted-zone intrusion and folds the repeat into it', async () => {
    const cam = await device('cam-power', 'camera', { x: 132, y: 100 });
    await publish(cam, 'cam-power', 'camera', { type: 'person', phase: 'start', score: 0.91, zone: 'power-room', label: '1 person' });
    alert = await upsert((a) => a.source === 'cam-power' && a.change === 'raised');
    expect(alert).toMatchObject({ type: 'intrusion', status: 'open', severity: 'major', tier: 'small', zone: 'power-room', device: 'cam-power', x: 132, y: 100, count: 1 });
    expect(alert.titleZh).toContain('禁区闯入');
    expect(alert.onSiteDue).toBe(clock.t + 5 * MIN);
    expect(alert.fixDue).toBe(clock.t + 40 * MIN);

    await publish(cam, 'cam-power', 'camera', { type: 'intrusion', phase: 'start', score: 0.95, zone: 'power-room' });
    const repeated = await upsert((a) => a.id === alert.id && a.change === 'repeated');
    expect(repeated.count).toBe(2);
    const list = await server.api(`/api/v1/estates/${E}/alerts?status=active`, { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, limit: 50, offset: 0 });
    expect(list.body.alerts[0]).toMatchObject({ id: alert.id, count: 2 });
  });

  it('refuses viewers (403), other estates (403), unknown alerts (404) and bad input (400)', async () => {
    const path = `/api/v1/estates/${E}/alerts/${alert.id}`;
    const viewerAck = await server.api(`${path}/acknowledge`, { token: viewer, body: {} });
    expect(viewerAck.status).toBe(403);
    expect(viewerAck.body.error).toMatch(/requires role/);
    expect((await server.api(path, { token: stranger })).status).toBe(403);
    expect((await server.api(`/api/v1/estates/${E}/alerts`, { token: stranger })).status).toBe(403);
    expect((await server.api(`/api/v1/estates/${E}/alerts/999999`, { token: op })).status).toBe(404);
    expect((await server.api(`/api/v1/estates/${E}/alerts/abc/acknowledge`, { token: op, body: {} })).status).toBe(404);
    expect((await server.api(`/api/v1/estates/nowhere/alerts`, { token: admin })).status).toBe(404);
    // an alert of this estate asked for under another estate is unknown there
    expect((await server.api(`/api/v1/estates/other/alerts/${alert.id}`, { token: admin })).status).toBe(404);
    expect((await server.api(`${path}/assign`, { token: op, body: {} })).body).toEqual({ error: 'assignee is required (a non-empty string)' });
    expect((await server.api(`/api/v1/estates/${E}/alerts?status=burning`, { token: op })).status).toBe(400);
    expect((await server.api(`/api/v1/estates/${E}/alerts?limit=0`, { token: op })).status).toBe(400);
    expect((await server.api(`${path}/tier`, { token: op, body: { tier: 'huge' } })).status).toBe(400);
  });

  it('is acknowledged, assigned, noted and resolved with the operator named, live and in the audit trail; illegal steps are 409', async () => {
    const path = `/api/v1/estates/${E}/alerts/${alert.id}`;
    const ack = await server.api(`${path}/acknowledge`, { token: op, body: { note: '已派人' } });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'op-wang' });
    expect(await upsert((a) => a.id === alert.id && a.change === 'acknowledged')).toMatchObject({ acknowledgedBy: 'op-wang', status: 'acknowledged' });
    const again = await server.api(`${path}/acknowledge`, { token: op, body: {} });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'already_acknowledged', status: 'acknowledged', error: expect.stringContaining('op-wang') });

    expect((await server.api(`${path}/assign`, { token: op, body: { assignee: 'G01' } })).body).toMatchObject({ assignee: 'G01' });
    expect((await server.api(`${path}/notes`, { token: op, body: { text: '门锁完好' } })).status).toBe(200);
    const done = await server.api(`${path}/resolve`, { token: admin, body: { note: '电工在检修' } });
    expect(done.body).toMatchObject({ status: 'resolved', resolution: 'resolved', resolvedBy: 'admin' });
    expect(await upsert((a) => a.id === alert.id && a.change === 'resolved')).toMatchObject({ resolvedBy: 'admin' });
    const twice = await server.api(`${path}/resolve`, { token: op, body: {} });
    expect(twice.status).toBe(409);
    expect(twice.body.reason).toBe('already_resolved');
    expect((await server.api(`${path}/assign`, { token: op, body: { assignee: 'G02' } })).status).toBe(409);

    const detail = await server.api(path, { token: viewer });
    expect(detail.body.log.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`)).toEqual([
      'raised:system', 'acknowledged:op-wang', 'assigned:op-wang', 'note:op-wang', 'resolved:admin',
    ]);
    expect(detail.body.log[1].text).toBe('已派人');
    const active = await server.api(`/api/v1/estates/${E}/alerts?status=active`, { token: op });
    expect(active.body.total).toBe(0);
  });

  it('stops the on-site clock when a guard checks in nearby, not by a click', async () => {
    const cam = await device('cam-smoke', 'camera', { x: 125, y: 92 });
    const handheld = await device('hh-1', 'patrol', { x: 0, y: 0 });
    await publish(cam, 'cam-smoke', 'camera', { type: 'smoke', phase: 'start', score: 0.88 });
    const smoke = await upsert((a) => a.source === 'cam-smoke' && a.change === 'raised');
    expect(smoke).toMatchObject({ severity: 'critical', tier: 'serious' });
    // a position far away proves nothing
    const frame = { lat: 30.27, lon: 120.15 }; // the estate origin: (0, 0), 150 m away
    await publish(handheld, 'hh-1', 'position', { guard: 'G01', ...frame });
    clock.t += 3 * MIN;
    await publish(handheld, 'hh-1', 'checkin', { guard: 'G01', checkpoint: 'CP-04', method: 'nfc' });
    const onSite = await upsert((a) => a.id === smoke.id && a.change === 'on_site');
    expect(onSite).toMatchObject({ onSiteBy: 'G01', onSiteAt: clock.t });
    const rest = await server.api(`/api/v1/estates/${E}/alerts/${smoke.id}`, { token: op });
    expect(rest.body.alert.onSiteAt - rest.body.alert.openedAt).toBe(3 * MIN);
    expect(rest.body.log.at(-1)).toMatchObject({ action: 'on_site', actor: 'G01', detail: { kind: 'checkin', seconds: 180 } });
    // on site in time: no level-1 escalation at the 5-minute mark
    clock.t += 3 * MIN;
    alerts.tick();
    expect((await server.api(`/api/v1/estates/${E}/alerts/${smoke.id}`, { token: op })).body.alert.escalation).toBe(0);
  });

  it('escalates an alert nobody reached: severity up, a live notice, then again at the fix deadline', async () => {
    const cam = await device('cam-tamper', 'camera', { x: -100, y: 0 });
    await publish(cam, 'cam-tamper', 'camera', { type: 'tamper', phase: 'start', score: 0.99 });
    const tamper = await upsert((a) => a.source === 'cam-tamper' && a.change === 'raised');
    clock.t += 5 * MIN;
    alerts.tick();
    const first = await upsert((a) => a.id === tamper.id && a.change === 'escalated');
    expect(first).toMatchObject({ escalation: 1, severity: 'critical' });
    clock.t += 35 * MIN;
    alerts.tick();
    expect(await upsert((a) => a.id === tamper.id && a.change === 'escalated' && a.escalation === 2)).toMatchObject({ severity: 'critical' });
    // the camera sees again: the tamper alert clears itself, history keeps the escalation
    await publish(cam, 'cam-tamper', 'camera', { type: 'tamper', phase: 'end', score: 0.99 });
    expect(await upsert((a) => a.id === tamper.id && a.change === 'auto_cleared')).toMatchObject({ status: 'resolved', resolvedBy: 'system', escalation: 2 });
  });

  it('takes alerts from other modules through ctx.alerts, de-duplicated and cleared', async () => {
    const gate = await device('lpr-north', 'gate', { x: 0, y: 125 });
    await publish(gate, 'lpr-north', 'vehicle', { plate: '浙A·BAD01', direction: 'in', confidence: 0.97 });
    const bad = await upsert((a) => a.type === 'blacklisted_plate' && a.change === 'raised');
    expect(bad).toMatchObject({ source: 'plate:浙ABAD01', device: 'lpr-north', titleZh: '黑名单车辆', x: 0, y: 125 });
    await publish(gate, 'lpr-north', 'vehicle', { plate: '浙A·BAD01', direction: 'in', confidence: 0.97 });
    expect(await upsert((a) => a.id === bad.id && a.change === 'repeated')).toMatchObject({ count: 2 });
    await publish(gate, 'lpr-north', 'vehicle', { plate: '浙A·BAD01', direction: 'out', confidence: 0.97 });
    expect(await upsert((a) => a.id === bad.id && a.change === 'auto_cleared')).toMatchObject({ resolution: 'auto_cleared' });
  });
});

describe('device health', () => {
  it('raises on the Last Will at once, clears when the device is back, and reports unknown as unknown', async () => {
    const cam = await device('cam-will', 'camera', { x: 10, y: 10 }, true);
    await publish(cam, 'cam-will', 'status', { online: true, firmware: 'IPC-5.7.3' });
    await until('cam-will online', () => alerts.health('cam-will')?.state === 'online');
    server.addDevice('camera', 'cam-never', E, { x: 1, y: 1 });
    // the connection dies without a DISCONNECT: the broker publishes the will
    cam.stream.destroy();
    const offline = await upsert((a) => a.source === 'cam-will' && a.type === 'device_offline' && a.change === 'raised');
    expect(offline).toMatchObject({ severity: 'major', x: 10, y: 10, detail: { reason: 'last_will' } });
    const health = await server.api(`/api/v1/estates/${E}/device-health`, { token: viewer });
    const state = (id: string) => health.body.devices.find((d: { id: string }) => d.id === id)?.state;
    expect(state('cam-will')).toBe('offline');
    expect(state('cam-never')).toBe('unknown');
    expect(health.body.counts.unknown).toBeGreaterThanOrEqual(1);

    // back: any event from the device proves life and clears the alert
    const revived = await connect(server.mqttUrl, 'cam-will', tokens.get('cam-will'), { clientId: 'cam-will' });
    devices.set('cam-will', revived);
    await publish(revived, 'cam-will', 'status', { online: true });
    expect(await upsert((a) => a.id === offline.id && a.change === 'auto_cleared')).toMatchObject({ status: 'resolved', resolvedBy: 'system' });
    expect(alerts.health('cam-will')?.state).toBe('online');
  });

  it('raises after the timeout for a device that went silent', async () => {
    const cam = await device('cam-silent', 'camera', { x: 20, y: 20 });
    const own = await server.api(`/api/v1/estates/${E}/alert-config/devices/cam-silent`, { token: admin, method: 'PUT', body: { timeoutSec: 90 } });
    expect(own.status).toBe(200);
    await publish(cam, 'cam-silent', 'status', { online: true });
    await until('cam-silent online', () => alerts.health('cam-silent')?.state === 'online');
    clock.t += 91_000;
    alerts.tick();
    const silent = await upsert((a) => a.source === 'cam-silent' && a.type === 'device_offline');
    expect(silent.detail).toMatchObject({ reason: 'timeout', timeoutSec: 90 });
    await publish(cam, 'cam-silent', 'status', { online: true });
    expect(await upsert((a) => a.id === silent.id && a.change === 'auto_cleared')).toMatchObject({ status: 'resolved' });
  });
});

describe('storms', () => {
  it('groups many cameras going offline at once into one incident that one acknowledgement covers', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `cam-storm-${i + 1}`);
    for (const [i, id] of ids.entries()) tokens.set(id, server.addDevice('camera', id, E, { x: -140 + i * 10, y: -120 }));
    // the switch dies: every camera's Last Will (posted over HTTP ingest here, the same pipeline)
    for (const id of ids) {
      const res = await server.api(`/api/v1/devices/${id}/status`, { token: tokens.get(id), body: { id: `${id}-will`, ts: clock.t, online: false } });
      expect(res.status).toBe(202);
    }
    const incident = await upsert((a) => a.type === 'incident' && a.change === 'raised');
    expect(incident).toMatchObject({ source: `device_offline:${incident.id}`, members: 5, detail: { memberType: 'device_offline' } });
    await until('all seven grouped', async () => (await server.api(`/api/v1/estates/${E}/alerts/${incident.id}`, { token: op })).body.members?.length === 7);
    // the wall screen lists the incident, not seven rows
    const top = await server.api(`/api/v1/estates/${E}/alerts?status=active&top=true&type=incident,device_offline`, { token: op });
    expect(top.body.alerts.map((a: Alert) => a.id)).toEqual([incident.id]);
    expect(top.body.alerts[0]).toMatchObject({ members: 7, titleZh: '告警风暴：设备离线 ×7' });
    const members = await server.api(`/api/v1/estates/${E}/alerts?incident=${incident.id}`, { token: op });
    expect(members.body.total).toBe(7);

    const ack = await server.api(`/api/v1/estates/${E}/alerts/${incident.id}/acknowledge`, { token: op, body: {} });
    expect(ack.status).toBe(200);
    await until('members acknowledged', async () => {
      const r = await server.api(`/api/v1/estates/${E}/alerts?incident=${incident.id}&status=acknowledged`, { token: op });
      return r.body.total === 7;
    });
    // the switch is back: every camera speaks, every member clears, and so does the incident
    for (const id of ids) await server.api(`/api/v1/devices/${id}/status`, { token: tokens.get(id), body: { id: `${id}-up`, ts: clock.t, online: true } });
    expect(await upsert((a) => a.id === incident.id && a.change === 'auto_cleared')).toMatchObject({ status: 'resolved' });
  });
});

describe('rule configuration and the report', () => {
  it('lets admins read and change rule parameters per estate and zone; operators only read', async () => {
    const config = await server.api(`/api/v1/estates/${E}/alert-config`, { token: op });
    expect(config.status).toBe(200);
    expect(config.body.params).toMatchObject({ fireLaneMinutes: 5, deviceTimeoutSec: 86_400, onSiteRadiusM: 30 });
    expect(config.body.zones.find((z: { id: string }) => z.id === 'perimeter')).toMatchObject({ hours: '22:00-06:00', types: ['intrusion', 'person'] });
    expect((await server.api(`/api/v1/estates/${E}/alert-config`, { token: op, method: 'PUT', body: { fireLaneMinutes: 3 } })).status).toBe(403);
    const bad = await server.api(`/api/v1/estates/${E}/alert-config`, { token: admin, method: 'PUT', body: { fireLaneMinutes: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/fireLaneMinutes/);
    expect((await server.api(`/api/v1/estates/${E}/alert-config`, { token: admin, method: 'PUT', body: { nonsense: 1 } })).status).toBe(400);
    const put = await server.api(`/api/v1/estates/${E}/alert-config`, { token: admin, method: 'PUT', body: { fireLaneMinutes: 3, tiers: { intrusion: 'serious' } } });
    expect(put.body.params).toMatchObject({ fireLaneMinutes: 3, tiers: { intrusion: 'serious', fire: 'serious' } });
    expect(put.body.overrides.find((o: { scope: string }) => o.scope === 'estate')).toMatchObject({ params: { deviceTimeoutSec: 86_400, fireLaneMinutes: 3 }, updatedBy: 'admin' });
    const zone = await server.api(`/api/v1/estates/${E}/alert-config/zones/perimeter`, { token: admin, method: 'PUT', body: { hours: 'always' } });
    expect(zone.body.zones.find((z: { id: string }) => z.id === 'perimeter').hours).toBe('always');
    expect((await server.api(`/api/v1/estates/${E}/alert-config/zones/perimeter`, { token: admin, method: 'PUT', body: { hours: '25:00-01:00' } })).status).toBe(400);
    expect((await server.api(`/api/v1/estates/${E}/alert-config/zones/nowhere`, { token: admin, method: 'PUT', body: {} })).status).toBe(404);
    expect((await server.api(`/api/v1/estates/${E}/alert-config/devices/hh-1`, { token: admin, method: 'PUT', body: { ignoreOffline: false } })).status).toBe(200);

    // now a person at the fence by day is an intrusion, with the new tier
    const cam = await device('cam-fence', 'camera', { x: 147, y: 0 });
    clock.t = Date.parse('2026-11-28T12:00:00+08:00');
    await publish(cam, 'cam-fence', 'camera', { type: 'person', phase: 'start', score: 0.8 });
    expect(await upsert((a) => a.source === 'cam-fence' && a.change === 'raised')).toMatchObject({ zone: 'perimeter', tier: 'serious' });
  });

  it('reports response times per tier and month as JSON and CSV', async () => {
    const json = await server.api(`/api/v1/estates/${E}/alerts/report?from=2026-11&to=2026-11`, { token: viewer });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ estate: E, timezone: 'Asia/Shanghai', from: '2026-11', to: '2026-11' });
    const serious = json.body.rows.find((r: { tier: string }) => r.tier === 'serious');
    // the smoke alert: a guard on site after 3 minutes
    expect(serious).toMatchObject({ month: '2026-11', onSite: 1, onSiteInTime: 1, onSiteMedianSec: 180 });
    const small = json.body.rows.find((r: { tier: string }) => r.tier === 'small');
    expect(small.resolved).toBeGreaterThanOrEqual(1);
    expect(small.escalated).toBeGreaterThanOrEqual(1);
    const res = await fetch(`${server.url}/api/v1/estates/${E}/alerts/report?from=2026-11&to=2026-11&format=csv`, { headers: { authorization: `Bearer ${op}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('alerts-test-2026-11-2026-11.csv');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0].startsWith('month,tier,alerts,')).toBe(true);
    expect(lines.some((l) => l.startsWith('2026-11,serious,'))).toBe(true);
    expect((await server.api(`/api/v1/estates/${E}/alerts/report?from=2026-13`, { token: op })).status).toBe(400);
  });
});

describe('the alert lane', () => {
  it('sends a journal group\'s alert upsert ahead of its live fan-out (the alert lane)', async () => {
    await dash.subscribeAsync(`estates/${E}/live/camera`, { qos: 0 });
    const cam = await device('cam-lane', 'camera', { x: 60, y: -60 });
    const bulk = await device('cam-bulk', 'camera', { x: 70, y: -60 });
    // ordinary detections in flight around it, so the tamper shares its group with bulk traffic
    const around = Array.from({ length: 40 }, (_, i) => publish(bulk, 'cam-bulk', 'camera', { type: 'person', phase: 'start', score: 0.5, label: `walker ${i}` }));
    const id = `cam-lane-${++seq}`;
    await cam.publishAsync(deviceTopic(E, 'cam-lane', 'camera'), JSON.stringify({ id, ts: clock.t, type: 'tamper', phase: 'start', score: 0.99 }), { qos: 1 });
    await Promise.all(around);
    const raised = await upsert((a) => a.source === 'cam-lane' && a.change === 'raised');
    const live = await until('the tamper on live/camera', () => inbox.messages.slice(mark).find((m) => m.topic === `estates/${E}/live/camera` && (m.json as { id?: string }).id === id), 15_000);
    const at = (m: unknown) => inbox.messages.indexOf(m as (typeof inbox.messages)[number]);
    // one connection, so TCP keeps the server's order: the upsert was published before the live copy
    expect(at(inbox.messages.find((m) => m.json === raised))).toBeLessThan(at(live));
    await dash.unsubscribeAsync(`estates/${E}/live/camera`);
    await cam.publishAsync(deviceTopic(E, 'cam-lane', 'camera'), JSON.stringify({ id: `cam-lane-${++seq}`, ts: clock.t, type: 'tamper', phase: 'end', score: 0.99 }), { qos: 1 });
    expect(await upsert((a) => a.id === raised.id && a.status === 'resolved')).toMatchObject({ resolution: 'auto_cleared' });
  });
});
