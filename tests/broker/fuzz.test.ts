// A fuzz test that stops by itself: a seeded MQTT fuzzer (support/fuzz/mqtt-fuzz.ts: generated and
// mutated packets from many raw TCP connections) and an HTTP fuzzer (support/fuzz/http-fuzz.ts: every
// API route with bad JSON, wrong types, huge bodies, bad headers) hit one real server while well-behaved
// devices publish QoS 1. The server must not crash, every good event must be in the journal (as many
// as were acknowledged), its memory must come back to where it was, and every HTTP refusal must be a
// 4xx JSON error. Bounded by packet and request counts (well under a minute here); the longer run is
// `npm run bench -- --case fuzz`.
import { connect as tcpConnect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic } from '../../protocol/topics.ts';
import { addDevice } from '../../server/store/devices.ts';
import { badAnswers, fuzzHttp } from '../support/fuzz/http-fuzz.ts';
import { fuzzMqtt, type FuzzIdentity } from '../support/fuzz/mqtt-fuzz.ts';
import { FLEET_ESTATE, provisionFleet, runFleet, type FleetDevice } from '../support/fleet.ts';
import { connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const SEED = Number(process.env.SE_FUZZ_SEED ?? 20261202);
const GOOD_DEVICES = 20;
const EVENTS_PER_DEVICE = 200;
const FUZZ_PACKETS = 12_000;
/** on a machine so loaded that the time cap ends the run first, at least this many (the report says how many) */
const FUZZ_PACKETS_MIN = 3_000;
const HTTP_REQUESTS = 800;
/** heap growth (after a full GC) allowed over the fuzz run; a leak of ~1 kB per fuzz connection or ~0.5 kB per packet breaks it */
const HEAP_BOUND_MB = 12;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

describe('fuzzing the broker and the API while good devices publish', () => {
  let server: TestServer;
  let identities: FuzzIdentity[];
  let good: FleetDevice[];
  let adminToken: string;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    server = await startTestServer();
    adminToken = await server.login(server.admin.username, server.admin.password);
    good = provisionFleet(server.db, GOOD_DEVICES);
    // the fuzzer's own devices (it connects as them, then misbehaves) and an operator (who may not publish)
    const fuzzDevices = Array.from({ length: 8 }, (_, i) => {
      const id = `fuzz-dev-${i}`;
      return { username: id, password: addDevice(server.db, { estate: FLEET_ESTATE.id, id, kind: i % 2 ? 'camera' : 'gate' }), prefix: deviceTopic(FLEET_ESTATE.id, id, 'checkin').replace(/checkin$/, '') };
    });
    identities = [...fuzzDevices];
  });

  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await server?.stop();
  });

  it('never crashes, stores every acknowledged good event, keeps its memory, answers 4xx JSON', { timeout: 120_000 }, async () => {
    const operator = server.addUser('fuzz-wall', 'operator', FLEET_ESTATE.id);
    identities.push({ username: operator.username, password: await server.login(operator.username, operator.password) });
    const mqttOptions = { host: '127.0.0.1', port: server.mqttPort, identities, protectedClientIds: good.map((d) => d.id), maxMs: 25_000 };
    const httpOptions = { host: '127.0.0.1', port: server.httpPort, estate: FLEET_ESTATE.id, device: { id: 'fuzz-dev-0', token: identities[0].password }, adminToken };

    // warm up (JIT, caches, statement cache, Aedes' pools) with another seed, then take the heap
    await Promise.all([fuzzMqtt({ ...mqttOptions, seed: SEED + 1, connections: 20, packets: 2_000 }), fuzzHttp({ ...httpOptions, seed: SEED + 1, requests: 100, concurrency: 8 })]);
    await until('the warm-up connections to close', () => server.broker.aedes.connectedClients === 0, 20_000, 20);
    const heapBefore = heapMb();

    const fleet = await runFleet(server.mqttUrl, good, { perDevice: EVENTS_PER_DEVICE, window: 10 });
    const [mqtt, http] = await Promise.all([fuzzMqtt({ ...mqttOptions, seed: SEED, connections: 40, packets: FUZZ_PACKETS }), fuzzHttp({ ...httpOptions, seed: SEED, requests: HTTP_REQUESTS, concurrency: 12 })]);
    await until('every good event acknowledged', () => fleet.acked.size === GOOD_DEVICES * EVENTS_PER_DEVICE, 60_000, 20);
    const stillConnected = server.broker.aedes.connectedClients;
    fleet.stop();
    await until('every connection to close', () => server.broker.aedes.connectedClients === 0, 20_000, 20);
    const heapAfter = heapMb();

    console.info(
      `fuzz: ${mqtt.packets.toLocaleString('en-US')} MQTT packets (${(mqtt.bytes / 2 ** 20).toFixed(1)} MB) on ${mqtt.connections.toLocaleString('en-US')} connections in ${(mqtt.ms / 1000).toFixed(1)} s ` +
        `(${mqtt.accepted} sessions accepted, ${mqtt.closedByServer} closed by the server); ${http.requests} HTTP requests ${JSON.stringify(http.byStatus)}; ` +
        `heap ${heapBefore.toFixed(1)} → ${heapAfter.toFixed(1)} MB`,
    );

    expect(uncaught).toEqual([]);
    expect(mqtt.packets).toBeGreaterThanOrEqual(FUZZ_PACKETS_MIN);
    expect(mqtt.connectErrors).toBe(0);
    // the good devices: never dropped while the fuzzer ran, each acknowledged event stored exactly once
    expect(stillConnected).toBe(GOOD_DEVICES);
    const stored = server.db.prepare(`SELECT count(*) AS n, count(DISTINCT device || '/' || event_id) AS u FROM events WHERE device LIKE 'dev-%'`).get() as { n: number; u: number };
    expect(stored).toEqual({ n: fleet.acked.size, u: fleet.acked.size });
    // the API: no 5xx, no HTML, every refusal a JSON {error}
    expect(badAnswers(http).map((a) => `${a.status} ${a.contentType} ← ${a.request}`)).toEqual([]);
    expect(Object.keys(http.byStatus).some((s) => s.startsWith('4'))).toBe(true);
    // and still healthy, with its memory back
    expect((await server.api('/api/v1/health')).status).toBe(200);
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_BOUND_MB);
  });

  // the cases the fuzzer found, kept as regression tests
  it("refuses a client id that is another device's id, so no device can lock another out", async () => {
    const [victim] = good;
    const squatter = identities[0];
    const refused = await connect(server.mqttUrl, squatter.username, squatter.password, { clientId: victim.id }).then(
      (c) => (c.end(true), 'accepted'),
      (err: Error & { code?: number }) => err.code ?? err.message,
    );
    expect(refused).toBe(2); // IDENTIFIER_REJECTED
    const device = await connect(server.mqttUrl, victim.id, victim.token, { clientId: victim.id });
    expect(device.connected).toBe(true);
    await device.endAsync();
  });

  it('answers requests the HTTP parser cannot read with a JSON error', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        let out = '';
        const socket = tcpConnect({ host: '127.0.0.1', port: server.httpPort }, () => socket.end(text));
        socket.on('data', (d) => (out += d.toString('latin1')));
        socket.on('close', () => resolve(out));
      });
    for (const [request, status] of [
      ['BREW /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}', 400],
      [`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ] as const) {
      const answer = await raw(request);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head, request.slice(0, 40)).toMatch(new RegExp(`^HTTP/1.1 ${status} .*\r\ncontent-type: application/json`, 'is'));
      expect(JSON.parse(body)).toMatchObject({ error: expect.any(String), reason: status === 431 ? 'headers_too_large' : 'malformed_http' });
    }
  });
});
