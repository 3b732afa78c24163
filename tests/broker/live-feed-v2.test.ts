// Live feed v2 (protocol/topics.ts liveBatchTopic): one message per journal commit group and kind,
// a JSON array of the stored events in commit order — what the web reads. The per-event v1 feed
// is published only while a connected client subscribes to it (server/broker/live-subscribers.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishPacket } from 'aedes';
import { deviceTopic, type EstateEvent } from '../../protocol/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { collect, connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';

let server: TestServer;
/** every live message the broker published, v1 and v2 */
const published: Array<{ topic: string; payload: string }> = [];
const disconnected = new Set<string>();
const ready = new Set<string>();
beforeAll(async () => {
  server = await startTestServer();
  // what the server hands to Aedes, seen at the call (Aedes' own 'publish' event comes after delivery)
  const aedes = server.broker.aedes;
  const publish = aedes.publish.bind(aedes);
  aedes.publish = ((packet: PublishPacket, ...rest: unknown[]) => {
    if (/^estates\/[^/]+\/live2?\//.test(packet.topic)) published.push({ topic: packet.topic, payload: String(packet.payload) });
    return (publish as (...a: unknown[]) => void)(packet, ...rest);
  }) as typeof aedes.publish;
  server.broker.aedes.on('clientDisconnect', (client) => disconnected.add(client.id));
  server.broker.aedes.on('clientReady', (client) => ready.add(client.id));
});
afterAll(() => server.stop());

const E = 'test';
const ev = (kind: string, id: string) => ({ estate: E, device: 'd-1', kind, id, ts: 0, rx: 0, data: {} }) as unknown as EstateEvent;
const v1 = () => published.filter((p) => p.topic.includes('/live/'));

async function dashboard(name: string, extra = {}) {
  const op = server.addUser(name, 'viewer', E);
  const session = await server.login(op.username, op.password);
  return connect(server.mqttUrl, op.username, session, extra);
}

describe('live feed v2', () => {
  it('sends one array per kind of a commit group, in commit order, and no v1 message while nobody reads v1', async () => {
    const dash = await dashboard('v2-only');
    const inbox = collect(dash);
    await dash.subscribeAsync(`estates/${E}/live2/+`, { qos: 0 });
    const events = [ev('camera', 'c0'), ev('checkin', 'k0'), ev('camera', 'c1'), ev('checkin', 'k1'), ev('camera', 'c2')];
    server.broker.publishLive(events, events.map((e) => JSON.stringify(e)));
    await until('two arrays', () => inbox.messages.length >= 2);
    const byTopic = Object.fromEntries(inbox.messages.map((m) => [m.topic, (m.json as EstateEvent[]).map((e) => e.id)]));
    expect(byTopic).toEqual({ [`estates/${E}/live2/camera`]: ['c0', 'c1', 'c2'], [`estates/${E}/live2/checkin`]: ['k0', 'k1'] });
    expect(v1()).toEqual([]);
    await dash.endAsync();
  });

  it("carries a device's committed events to the dashboard, each once and in order", async () => {
    const dash = await dashboard('v2-device');
    const inbox = collect(dash);
    await dash.subscribeAsync(`estates/${E}/live2/checkin`, { qos: 0 });
    const token = server.addDevice('patrol', 'hh-v2', E);
    const hh = await connect(server.mqttUrl, 'hh-v2', token, { clientId: 'hh-v2' });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        hh.publishAsync(deviceTopic(E, 'hh-v2', 'checkin'), JSON.stringify({ id: `ck-${i}`, ts: Date.now(), guard: 'g-zhang', checkpoint: 'CP-01', method: 'qr' }), { qos: 1 }),
      ),
    );
    const seen = () => inbox.messages.flatMap((m) => (m.json as EstateEvent[]).map((e) => e.id));
    await until('six check-ins', () => seen().length >= 6);
    expect(seen()).toEqual(['ck-0', 'ck-1', 'ck-2', 'ck-3', 'ck-4', 'ck-5']);
    await hh.endAsync();
    await dash.endAsync();
  });

  it('publishes v1 per event only for the estate and kind a connected client reads, and stops when it leaves', async () => {
    const dash = await dashboard('v1-camera', { clientId: 'v1-camera' });
    const inbox = collect(dash);
    await dash.subscribeAsync(`estates/${E}/live/camera`, { qos: 0 });
    published.length = 0;
    const events = [ev('camera', 'c10'), ev('checkin', 'k10'), ev('camera', 'c11')];
    server.broker.publishLive(events, events.map((e) => JSON.stringify(e)));
    await until('two camera events on v1', () => inbox.messages.length >= 2);
    expect(inbox.messages.map((m) => [m.topic, (m.json as EstateEvent).id])).toEqual([[`estates/${E}/live/camera`, 'c10'], [`estates/${E}/live/camera`, 'c11']]);
    expect(v1().map((p) => p.topic)).toEqual([`estates/${E}/live/camera`, `estates/${E}/live/camera`]); // no checkin: nobody reads it
    await dash.endAsync();
    await until('the broker saw it leave', () => disconnected.has('v1-camera'));
    published.length = 0;
    server.broker.publishLive([ev('camera', 'c12')], [JSON.stringify(ev('camera', 'c12'))]);
    expect(published.map((p) => p.topic)).toEqual([`estates/${E}/live2/camera`]);
  });

  it('counts no refused filter as a v1 reader, and keeps v1 in commit order across kinds', async () => {
    const scoped = await dashboard('v1-refused', { clientId: 'v1-refused' });
    // an estate's user may not read every estate: SUBACK 0x80
    await expect(scoped.subscribeAsync(`estates/+/live/#`, { qos: 0 })).rejects.toThrow(/Subscribe error/);
    published.length = 0;
    server.broker.publishLive([ev('camera', 'c30')], [JSON.stringify(ev('camera', 'c30'))]);
    expect(published.map((p) => p.topic)).toEqual([`estates/${E}/live2/camera`]);
    await scoped.endAsync();

    const all = await dashboard('v1-all', { clientId: 'v1-all' });
    const inbox = collect(all);
    await all.subscribeAsync(`estates/${E}/live/#`, { qos: 0 });
    const events = [ev('camera', 'c20'), ev('checkin', 'k20'), ev('camera', 'c21')];
    server.broker.publishLive(events, events.map((e) => JSON.stringify(e)));
    await until('three v1 events', () => inbox.messages.length >= 3);
    expect(inbox.messages.map((m) => (m.json as EstateEvent).id)).toEqual(['c20', 'k20', 'c21']);
    await all.endAsync();
  });

  it('keeps v1 for a persistent session whose subscription comes back without a SUBSCRIBE', async () => {
    const op = server.addUser('v1-keep', 'viewer', E);
    const session = await server.login(op.username, op.password);
    const first = await connect(server.mqttUrl, op.username, session, { clientId: 'v1-keep', clean: false });
    await first.subscribeAsync(`estates/${E}/live/position`, { qos: 0 });
    await first.endAsync();
    await until('the broker saw it leave', () => disconnected.has('v1-keep'));
    ready.delete('v1-keep');
    published.length = 0;
    server.broker.publishLive([ev('position', 'p0')], [JSON.stringify(ev('position', 'p0'))]);
    expect(published.map((p) => p.topic)).toEqual([`estates/${E}/live2/position`]); // offline: nobody reads v1
    const again = await connect(server.mqttUrl, op.username, session, { clientId: 'v1-keep', clean: false });
    await until('the session is restored', () => ready.has('v1-keep')); // Aedes may answer CONNACK first
    published.length = 0;
    server.broker.publishLive([ev('position', 'p1')], [JSON.stringify(ev('position', 'p1'))]);
    expect(published.map((p) => p.topic)).toEqual([`estates/${E}/live2/position`, `estates/${E}/live/position`]);
    await again.endAsync();
  });

  it("turns another node's live events, handed over one per message, into one array", async () => {
    const dash = await dashboard('v2-deliver');
    const inbox = collect(dash);
    await dash.subscribeAsync(`estates/${E}/live2/+`, { qos: 0 });
    server.broker.deliver(['v0', 'v1', 'v2'].map((id) => ({ topic: `estates/${E}/live/vehicle`, payload: JSON.stringify(ev('vehicle', id)), qos: 0 as const, retain: false })));
    await until('one array', () => inbox.messages.length >= 1);
    expect(inbox.messages.map((m) => [m.topic, (m.json as EstateEvent[]).map((e) => e.id)])).toEqual([[`estates/${E}/live2/vehicle`, ['v0', 'v1', 'v2']]]);
    await dash.endAsync();
  });
});
