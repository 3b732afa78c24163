// Regression: Aedes numbers each packet when it is published and a client drops a packet numbered
// below one it already holds (its dedupe). A server message at QoS 1 reaches mqemitter a few
// microtasks after aedes.publish, a live event at QoS 0 at once — so an alert published just before
// a live batch in the same turn was silently lost for every dashboard subscribed to both. The broker
// now holds live batches until its QoS 1 messages have been emitted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateEvent } from '../../protocol/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { collect, connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';
import { deviceTopic } from '../../protocol/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const E = 'test';
const live = (i: number): EstateEvent => ({ estate: E, device: 'cam-1', kind: 'camera', id: `e${i}`, ts: 0, rx: 0, data: {} }) as unknown as EstateEvent;

describe('server messages and live events published in one turn', () => {
  it('all reach a dashboard subscribed to both, the server messages ahead of the live batches held behind them', async () => {
    const op = server.addUser('wall-order', 'viewer', E);
    const session = await server.login(op.username, op.password);
    const dash = await connect(server.mqttUrl, op.username, session);
    const inbox = collect(dash);
    await dash.subscribeAsync([`estates/${E}/alerts`, `estates/${E}/live/+`], { qos: 1 });
    // alert, live burst, alert, live burst — one synchronous run, as a journal group's onCommitted does
    const events = Array.from({ length: 20 }, (_, i) => live(i));
    const bodies = events.map((e) => JSON.stringify({ id: e.id }));
    server.broker.publishJson(`estates/${E}/alerts`, { n: 1 });
    server.broker.publishLive(events.slice(0, 10), bodies.slice(0, 10));
    server.broker.publishJson(`estates/${E}/alerts`, { n: 2 });
    server.broker.publishLive(events.slice(10), bodies.slice(10));
    await until('22 messages', () => inbox.messages.length >= 22, 10_000);
    const seen = inbox.messages.map((m) => (m.topic.endsWith('/alerts') ? `alert${(m.json as { n: number }).n}` : (m.json as { id: string }).id));
    expect(seen).toEqual(['alert1', 'alert2', ...events.map((e) => e.id)]);
    await dash.endAsync();
  });

  it("keeps another node's alert handed over (deliver) ahead of a live batch published in the same turn", async () => {
    const op = server.addUser('wall-deliver', 'viewer', E);
    const session = await server.login(op.username, op.password);
    const dash = await connect(server.mqttUrl, op.username, session);
    const inbox = collect(dash);
    await dash.subscribeAsync([`estates/${E}/alerts`, `estates/${E}/live/+`], { qos: 1 });
    const events = Array.from({ length: 10 }, (_, i) => live(100 + i));
    server.broker.deliver([{ topic: `estates/${E}/alerts`, payload: JSON.stringify({ n: 3 }), qos: 1, retain: false }]);
    server.broker.publishLive(events, events.map((e) => JSON.stringify({ id: e.id })));
    await until('11 messages', () => inbox.messages.length >= 11, 10_000);
    const seen = inbox.messages.map((m) => (m.topic.endsWith('/alerts') ? `alert${(m.json as { n: number }).n}` : (m.json as { id: string }).id));
    expect(seen).toEqual(['alert3', ...events.map((e) => e.id)]);
    await dash.endAsync();
  });

  it("delivers a device's retained status and its live copy to a dashboard subscribed to both", async () => {
    const op = server.addUser('wall-status', 'viewer', E);
    const session = await server.login(op.username, op.password);
    const dash = await connect(server.mqttUrl, op.username, session);
    const inbox = collect(dash);
    await dash.subscribeAsync([`estates/${E}/devices/+/status`, `estates/${E}/live/status`], { qos: 1 });
    const token = server.addDevice('camera', 'cam-status', E);
    const cam = await connect(server.mqttUrl, 'cam-status', token, { clientId: 'cam-status' });
    // the status is released at the journal commit, just before that group's live batch
    for (let i = 0; i < 5; i++) {
      await cam.publishAsync(deviceTopic(E, 'cam-status', 'status'), JSON.stringify({ id: `st-${i}`, ts: Date.now(), online: true, battery: 90 - i }), { qos: 1, retain: true });
    }
    await until('5 statuses and 5 live copies', () => inbox.messages.filter((m) => m.topic.endsWith('/devices/cam-status/status')).length >= 5 && inbox.messages.filter((m) => m.topic.endsWith('/live/status')).length >= 5, 10_000);
    await cam.endAsync();
    await dash.endAsync();
  });
});
