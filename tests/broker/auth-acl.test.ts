// Broker authentication and topic ACLs over real sockets (TCP and WebSocket) against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { startTestServer, type TestServer } from '../support/server.ts';
import { closed, collect, connect, connectRefused, subscribeCodes } from '../support/mqtt.ts';

let server: TestServer;
let token1: string;
let token2: string;
const clients: MqttClient[] = [];
const track = (c: MqttClient) => (clients.push(c), c);
const count = (sql: string, ...args: unknown[]) => (server.db.prepare(sql).get(...args) as { n: number }).n;

beforeAll(async () => {
  server = await startTestServer();
  token1 = server.addDevice('patrol', 'hh-01');
  token2 = server.addDevice('camera', 'cam-01');
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  await server.stop();
});

describe('authentication', () => {
  it('refuses a wrong token, an unknown device and an anonymous client', async () => {
    const wrong = await connectRefused(server.mqttUrl, 'hh-01', token2);
    expect(wrong.message).toMatch(/bad username or password/i);
    const unknown = await connectRefused(server.mqttUrl, 'nobody', token1);
    expect(unknown.message).toMatch(/bad username or password/i);
    const anonymous = await connectRefused(server.mqttUrl);
    expect(anonymous.message).toMatch(/bad username or password/i);
    const metrics = await server.api('/metrics');
    expect(metrics.body).toMatch(/se_auth_failures_total\{who="anonymous"\} 1/);
  });

  it('accepts the right token', async () => {
    const c = track(await connect(server.mqttUrl, 'hh-01', token1));
    expect(c.connected).toBe(true);
    c.end(true);
  });

  it('refuses a client id held by another identity instead of kicking its holder off', async () => {
    const holder = track(await connect(server.mqttUrl, 'hh-01', token1, { clientId: 'shared-id' }));
    const err = await new Promise<Error>((resolve) => {
      import('mqtt').then(({ default: mqtt }) => {
        const c = mqtt.connect(server.mqttUrl, { username: 'cam-01', password: token2, clientId: 'shared-id', reconnectPeriod: 0 });
        c.on('error', (e) => (c.end(true), resolve(e)));
      });
    });
    expect(err.message).toMatch(/identifier rejected/i);
    expect(holder.connected).toBe(true);
  });
});

describe('device publishing', () => {
  let device: MqttClient;
  let inbox: ReturnType<typeof collect>;
  let watcher: ReturnType<typeof collect>;

  beforeAll(async () => {
    device = track(await connect(server.mqttUrl, 'hh-01', token1));
    inbox = collect(device);
    await device.subscribeAsync('estates/test/devices/hh-01/errors', { qos: 1 });
    const op = server.addUser('op-watch', 'operator', 'test');
    const session = await server.login(op.username, op.password);
    const dash = track(await connect(server.mqttUrl, op.username, session));
    watcher = collect(dash);
    await dash.subscribeAsync('estates/test/live/#');
  });

  it('answers malformed JSON on the errors topic and keeps the connection working', async () => {
    await device.publishAsync('estates/test/devices/hh-01/checkin', '{"id": "x1", guard', { qos: 1 });
    const error = await inbox.next((m) => m.topic.endsWith('/errors') && /malformed JSON/.test(m.json.error));
    expect(error.json.topic).toBe('estates/test/devices/hh-01/checkin');
    expect(device.connected).toBe(true);

    const ok = { id: 'ci-1', ts: '2026-11-27T21:30:00+08:00', guard: 'g-zhang', checkpoint: 'CP-01', method: 'qr' };
    await device.publishAsync('estates/test/devices/hh-01/checkin', JSON.stringify(ok), { qos: 1 });
    // The PUBACK came after the commit: the row is already there.
    expect(count("SELECT count(*) AS n FROM events WHERE device = 'hh-01' AND event_id = 'ci-1'")).toBe(1);
    const live = await watcher.next((m) => m.topic === 'estates/test/live/checkin' && m.json.id === 'ci-1');
    expect(live.json).toMatchObject({ estate: 'test', device: 'hh-01', kind: 'checkin', ts: Date.parse(ok.ts), data: { guard: 'g-zhang', checkpoint: 'CP-01', method: 'qr' } });
  });

  it('names the invalid field and echoes the event id', async () => {
    await device.publishAsync('estates/test/devices/hh-01/checkin', JSON.stringify({ id: 'bad-2', guard: 'g', checkpoint: 'CP-02', method: 'teleport' }), { qos: 1 });
    const error = await inbox.next((m) => m.json.id === 'bad-2');
    expect(error.json.error).toMatch(/invalid checkin: method/);
    expect(count("SELECT count(*) AS n FROM events WHERE event_id = 'bad-2'")).toBe(0);
  });

  it("refuses publishing to another device's topic, on the errors topic, and stores nothing", async () => {
    await device.publishAsync('estates/test/devices/cam-01/camera', JSON.stringify({ id: 'spoof', type: 'fire', phase: 'start', score: 1 }), { qos: 1 });
    const error = await inbox.next((m) => /may publish only below/.test(m.json.error));
    expect(error.json.topic).toBe('estates/test/devices/cam-01/camera');
    expect(count("SELECT count(*) AS n FROM events WHERE event_id = 'spoof'")).toBe(0);
    expect(watcher.messages.some((m) => m.json.id === 'spoof')).toBe(false);
    expect(device.connected).toBe(true);
  });

  it('answers an unknown topic suffix and a payload over the size limit', async () => {
    await device.publishAsync('estates/test/devices/hh-01/telemetry', '{}', { qos: 1 });
    await inbox.next((m) => /unknown topic/.test(m.json.error));
    await device.publishAsync('estates/test/devices/hh-01/position', JSON.stringify({ lat: 30.27, lon: 120.15, pad: 'x'.repeat(70_000) }), { qos: 1 });
    await inbox.next((m) => /payload too large/.test(m.json.error));
    expect(device.connected).toBe(true);
    const metrics = (await server.api('/metrics')).body as string;
    expect(metrics).toMatch(/se_events_rejected_total\{reason="unknown_topic",transport="mqtt"\} 1/);
    expect(metrics).toMatch(/se_events_rejected_total\{reason="too_large",transport="mqtt"\} 1/);
    expect(metrics).toMatch(/se_events_rejected_total\{reason="malformed_json",transport="mqtt"\} 1/);
  });

  it('cuts a connection at the header of a packet far over the limit, before reading its body', async () => {
    const { port } = new URL(server.mqttUrl);
    const sock = createConnection({ host: '127.0.0.1', port: Number(port) });
    const connack = new Promise<Buffer>((resolve) => sock.once('data', resolve));
    sock.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'big-sender', clean: true, keepalive: 60, username: 'cam-01', password: Buffer.from(token2) }));
    expect((await connack)[3]).toBe(0); // accepted
    const gone = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    // PUBLISH QoS 1 announcing 201,326,592 bytes; the body never comes
    sock.write(Buffer.from([0x32, 0x80, 0x80, 0x80, 0x60]));
    await gone;
    const metrics = (await server.api('/metrics')).body as string;
    expect(metrics).toMatch(/se_events_rejected_total\{reason="too_large",transport="mqtt"\} 2/);
    // everyone else goes on
    await device.publishAsync('estates/test/devices/hh-01/checkin', JSON.stringify({ id: 'after-big', guard: 'g', checkpoint: 'CP-03', method: 'nfc' }), { qos: 1 });
    expect(count("SELECT count(*) AS n FROM events WHERE event_id = 'after-big'")).toBe(1);
  });

  it('stores a repeated event id once and still acknowledges it', async () => {
    const dup = JSON.stringify({ id: 'dup-1', guard: 'g', checkpoint: 'CP-03', method: 'nfc' });
    await device.publishAsync('estates/test/devices/hh-01/checkin', dup, { qos: 1 });
    await device.publishAsync('estates/test/devices/hh-01/checkin', dup, { qos: 1 });
    expect(count("SELECT count(*) AS n FROM events WHERE event_id = 'dup-1'")).toBe(1);
  });

  it('does not let a device subscribe to other devices or to live topics', async () => {
    expect(await subscribeCodes(device, ['estates/test/devices/cam-01/#', 'estates/test/live/#', 'estates/test/devices/hh-01/#'])).toEqual([128, 128, 0]);
  });
});

describe('operators (dashboards)', () => {
  it('subscribe only to their estates and cannot publish', async () => {
    const op = server.addUser('op-1', 'operator', 'test');
    const session = await server.login(op.username, op.password);
    const dash = track(await connect(server.mqttUrl, op.username, session));
    expect(await subscribeCodes(dash, ['estates/test/live/#', 'estates/test/alerts', 'estates/other/live/#', '#', 'estates/test/devices/+/checkin'])).toEqual([0, 0, 128, 128, 128]);

    const listener = track(await connect(server.mqttUrl, 'cam-01', token2));
    const heard = collect(listener);
    await listener.subscribeAsync('estates/test/devices/cam-01/#');
    const gone = closed(dash);
    dash.publish('estates/test/devices/cam-01/camera', JSON.stringify({ id: 'op-pub', type: 'fire', phase: 'start', score: 1 }), { qos: 1 });
    await gone; // read-only: the broker drops a dashboard that publishes
    expect(count("SELECT count(*) AS n FROM events WHERE event_id = 'op-pub'")).toBe(0);
    expect(heard.messages.length).toBe(0);
  });

  it('need a valid session token for the user name', async () => {
    const op = server.addUser('op-2', 'viewer', 'test');
    const session = await server.login(op.username, op.password);
    const err = await connectRefused(server.mqttUrl, 'op-1', session);
    expect(err.message).toMatch(/bad username or password/i);
  });

  it('receive live events over WebSocket at /mqtt', async () => {
    const op = server.addUser('op-ws', 'viewer', 'test');
    const session = await server.login(op.username, op.password);
    const dash = track(await connect(`ws://127.0.0.1:${server.httpPort}/mqtt`, op.username, session));
    const live = collect(dash);
    await dash.subscribeAsync('estates/test/live/vehicle');
    const gate = track(await connect(server.mqttUrl, 'cam-01', token2));
    await gate.publishAsync('estates/test/devices/cam-01/vehicle', JSON.stringify({ id: 'v-1', plate: '浙A12345', direction: 'in', confidence: 0.97 }), { qos: 1 });
    const m = await live.next((x) => x.json.id === 'v-1');
    expect(m.json.data.plate).toBe('浙A12345');
  });
});
