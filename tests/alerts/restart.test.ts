// Alerts survive a restart: stop the server, start a new one on the same data dir. Open alerts keep
// their ids, audit trails and 54321 deadlines (an on-site deadline that passed while the server was
// down escalates at start), de-duplication continues, a fire-lane episode keeps counting, and devices
// that were online are *unknown* until heard again (then offline after a full timeout).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { deviceTopic, type AlertUpsert } from '../../protocol/index.ts';
import { createAlertsModule, type AlertsModule } from '../../server/alerts/module.ts';
import { upsertZone } from '../../server/store/estates.ts';
import { collect, connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const E = 'test';
const MIN = 60_000;
const clock = { t: Date.parse('2026-11-27T12:00:00+08:00') };
const dataDir = mkdtempSync(join(tmpdir(), 'se-alerts-restart-'));
const rect = (x0: number, y0: number, x1: number, y1: number): Array<[number, number]> => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

let server: TestServer | null = null;
const clients: MqttClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.endAsync().catch(() => {});
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<TestServer> {
  server = await startTestServer({ dataDir, now: () => clock.t, modules: [createAlertsModule] });
  return server;
}

async function dashboard(s: TestServer, user: { username: string; password: string }) {
  const token = await s.login(user.username, user.password);
  const dash = await connect(s.mqttUrl, user.username, token);
  clients.push(dash);
  const inbox = collect(dash);
  await dash.subscribeAsync(`estates/${E}/alerts`, { qos: 1 });
  const upsert = (match: (a: AlertUpsert) => boolean) => inbox.next((m) => match(m.json as AlertUpsert)).then((m) => m.json as AlertUpsert);
  return { token, upsert };
}

describe('alerts across a restart', () => {
  it('keeps alerts, deadlines, de-duplication, rule state and device health honest', async () => {
    // ---- first life ----
    let s = await start();
    upsertZone(s.db, E, { id: 'power-room', name: '配电房', kind: 'restricted', polygon: [rect(113, 79, 131, 97)] });
    const user = s.addUser('op-zhao', 'operator', E);
    const camToken = s.addDevice('camera', 'cam-1', E, { x: 120, y: 90 });
    const laneToken = s.addDevice('camera', 'cam-lane', E, { x: -137, y: 60 });
    let { token, upsert } = await dashboard(s, user);
    const cam = await connect(s.mqttUrl, 'cam-1', camToken);
    const lane = await connect(s.mqttUrl, 'cam-lane', laneToken);
    let n = 0;
    const send = (client: MqttClient, device: string, kind: 'camera' | 'status', body: object) =>
      client.publishAsync(deviceTopic(E, device, kind), JSON.stringify({ id: `${device}-${++n}`, ts: clock.t, ...body }), { qos: 1 });

    await send(cam, 'cam-1', 'status', { online: true });
    await send(cam, 'cam-1', 'camera', { type: 'intrusion', phase: 'start', score: 0.9 });
    const raised = await upsert((a) => a.change === 'raised' && a.source === 'cam-1');
    const ack = await s.api(`/api/v1/estates/${E}/alerts/${raised.id}/acknowledge`, { token, body: { note: '已通知巡逻' } });
    expect(ack.status).toBe(200);
    await send(lane, 'cam-lane', 'camera', { type: 'fire_lane_blocked', phase: 'start', score: 0.8 });
    await until('health and the fire-lane episode seen', () => {
      const m = s.modules[0] as AlertsModule;
      return m.health('cam-1')?.state === 'online' && m.health('cam-lane')?.state === 'online';
    });
    await cam.endAsync();
    await lane.endAsync();
    await s.stop();
    server = null;

    // ---- ten minutes later, a new process on the same data dir ----
    clock.t += 10 * MIN;
    s = await start();
    ({ token, upsert } = await dashboard(s, user));
    const alerts = s.modules[0] as AlertsModule;
    alerts.tick();

    // the on-site deadline passed while the server was down: escalated at start, same alert, same clock
    const escalated = await upsert((a) => a.id === raised.id && a.change === 'escalated');
    expect(escalated).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'op-zhao', escalation: 1, severity: 'critical', openedAt: raised.openedAt, onSiteDue: raised.onSiteDue, fixDue: raised.fixDue });
    const detail = await s.api(`/api/v1/estates/${E}/alerts/${raised.id}`, { token });
    expect(detail.body.log.map((e: { action: string }) => e.action)).toEqual(['raised', 'acknowledged', 'escalated']);
    expect(detail.body.log[2].detail).toMatchObject({ due: raised.onSiteDue, reason: 'on_site_overdue' });

    // the fire lane has been blocked for ten minutes across the restart
    const blocked = await upsert((a) => a.source === 'cam-lane' && a.type === 'fire_lane_blocked');
    expect(blocked.change).toBe('raised');

    // devices that were online before are unknown now, never "all clear"
    const health = await s.api(`/api/v1/estates/${E}/device-health`, { token });
    expect(health.body.devices.find((d: { id: string }) => d.id === 'cam-1')).toMatchObject({ state: 'unknown' });
    expect(health.body.counts.online).toBe(0);

    // de-duplication continues: the same camera folds into the same alert
    const cam2 = await connect(s.mqttUrl, 'cam-1', camToken);
    clients.push(cam2);
    await send(cam2, 'cam-1', 'camera', { type: 'person', phase: 'start', score: 0.9 });
    alerts.tick();
    expect(await upsert((a) => a.id === raised.id && a.change === 'repeated')).toMatchObject({ count: 2 });
    const list = await s.api(`/api/v1/estates/${E}/alerts?status=active&type=intrusion`, { token });
    expect(list.body.total).toBe(1);

    // a silent device gets a full timeout from the restart, then is offline
    clock.t += 91_000;
    alerts.tick();
    const offline = await upsert((a) => a.source === 'cam-lane' && a.type === 'device_offline');
    expect(offline.detail).toMatchObject({ reason: 'timeout' });
  });
});
