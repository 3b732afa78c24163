// Guessing and flood limits against real servers over real sockets (loopback is made non-exempt
// here, as a site's NAT'ed gateway would be): REST login answers 429 + Retry-After, MQTT CONNACK is
// refused, a locked address waits even with the right password, and /metrics counts it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as connectTcp } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { AttemptPolicy } from '../../server/security/attempts.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { connect, connectRefused } from '../support/mqtt.ts';

const strict: AttemptPolicy = { freeFailures: 2, baseDelayMs: 30_000, maxDelayMs: 60_000, lockAfter: 4, lockMs: 600_000, windowMs: 600_000 };
const lenient: AttemptPolicy = { freeFailures: 1000, baseDelayMs: 1000, maxDelayMs: 1000, lockAfter: 1000, lockMs: 1000, windowMs: 1000 };

async function metric(server: TestServer, line: RegExp): Promise<number> {
  const text = (await server.api('/metrics')).body as string;
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').pop()) : 0;
}

describe('guessing limits per user name', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ limitsExempt: [], userPolicy: strict, addressPolicy: lenient });
    token = server.addDevice('camera', 'cam-1');
  });
  afterAll(async () => server?.stop());

  it('REST login: wrong passwords, then 429 + Retry-After even for the right one', async () => {
    const op = server.addUser('op-zhao', 'operator', 'test');
    const wrong = { username: op.username, password: 'not-the-password' };
    for (let i = 0; i < strict.freeFailures + 1; i++) {
      const r = await server.api('/api/v1/auth/login', { body: wrong });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: 'wrong username or password', reason: 'bad_credentials' });
    }
    const res = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(op) });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(29);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(await res.json()).toMatchObject({ reason: 'delayed', error: expect.stringMatching(/too many failed sign-ins for user 'op-zhao'/) });
    // another user from the same address is not affected
    expect((await server.api('/api/v1/auth/login', { body: server.admin })).status).toBe(200);
    expect(await metric(server, /^se_auth_held_back_total\{transport="http",reason="delayed"\}/)).toBe(1);
  });

  it('MQTT CONNECT: wrong tokens, then "not authorized" even for the right token; the lock is counted', async () => {
    for (let i = 0; i < strict.freeFailures + 1; i++) {
      expect((await connectRefused(server.mqttUrl, 'cam-1', 'sed_wrong')).message).toMatch(/bad username or password/i);
    }
    expect((await connectRefused(server.mqttUrl, 'cam-1', token)).message).toMatch(/not authorized/i);
    expect(await metric(server, /^se_auth_held_back_total\{transport="mqtt",reason="delayed"\}/)).toBe(1);
    // the HTTP user above reaches its lock on its next failure once the delay is over; MQTT's
    // lock needs lockAfter failures — which the delay keeps anyone from making quickly
    expect(await metric(server, /^se_auth_locks_total/)).toBe(0);
  });
});

describe('guessing limits per address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ limitsExempt: [], userPolicy: lenient, addressPolicy: strict });
  });
  afterAll(async () => server?.stop());

  it('locks an address that guesses at many names; the right password from it waits the lock out', async () => {
    for (let i = 0; i < strict.lockAfter; i++) {
      const r = await server.api('/api/v1/auth/login', { body: { username: `guess-${i}`, password: 'guess-guess' } });
      expect(r.status).toBe(i < strict.freeFailures + 1 ? 401 : 429);
      if (r.status === 429) break;
    }
    // the address is held back now (30 s delay): the right password of another user waits too
    const before = await metric(server, /^se_auth_held_back_total\{transport="http"/);
    const r = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(server.admin) });
    expect(r.status).toBe(429);
    expect(await r.json()).toMatchObject({ error: expect.stringMatching(/for address 127\.0\.0\.1/) });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await metric(server, /^se_auth_held_back_total\{transport="http"/)).toBe(before + 1);
    // MQTT from the same address is held back as well: the address is one key for both doors
    const token = server.addDevice('camera', 'cam-9');
    expect((await connectRefused(server.mqttUrl, 'cam-9', token)).message).toMatch(/not authorized/i);
  });
});

describe('a lock', () => {
  let server: TestServer;
  beforeAll(async () => {
    // no delay phase: every failure up to the lock is answered at once
    server = await startTestServer({ limitsExempt: [], userPolicy: { ...strict, freeFailures: 10 }, addressPolicy: lenient });
  });
  afterAll(async () => server?.stop());

  it('after lockAfter failures: 429 "locked" for lockMs, logged in /metrics', async () => {
    const op = server.addUser('op-qian', 'operator', 'test');
    for (let i = 0; i < strict.lockAfter; i++) expect((await server.api('/api/v1/auth/login', { body: { username: op.username, password: 'wrong-wrong' } })).status).toBe(401);
    const res = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(op) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBe(strict.lockMs / 1000);
    expect(await res.json()).toMatchObject({ reason: 'locked' });
    expect(await metric(server, /^se_auth_locks_total\{transport="http",by="user"\}/)).toBe(1);
  });
});

/** One CONNECT: the client (connected), the refusal, or 'closed' when the server hung up unanswered. */
function attempt(url: string, username: string, password: string, clientId: string): Promise<MqttClient | Error | 'closed'> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { username, password, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => (c.end(true), resolve(err)));
    c.once('close', () => resolve('closed'));
  });
}

function rawConnectionClosed(port: number): Promise<boolean> {
  // true = the server closed it without a word (nothing read)
  return new Promise((resolve) => {
    const sock = connectTcp(port, '127.0.0.1');
    let got = 0;
    sock.on('data', (d) => (got += d.length));
    sock.on('close', () => resolve(got === 0));
    sock.on('error', () => undefined);
  });
}

describe('flood limits', () => {
  let server: TestServer;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    server = await startTestServer({ limitsExempt: [], maxConnectionsPerAddress: 3, connectRatePerAddress: 0, flapMaxConnects: 3, flapHoldSeconds: 300 });
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await server?.stop();
  });

  it('caps open connections per address and takes one again once a place is free', async () => {
    const token = server.addDevice('sensor', 's-1');
    for (let i = 0; i < 3; i++) clients.push(await connect(server.mqttUrl, 's-1', token, { clientId: `s-1-${i}` }));
    expect(await rawConnectionClosed(server.mqttPort)).toBe(true);
    expect(await metric(server, /^se_connections_refused_total\{reason="per_address"\}/)).toBe(1);
    const gone = clients.pop()!;
    await new Promise<void>((resolve) => gone.end(false, {}, () => resolve()));
    // the server frees the place when it sees the socket close: retry until it has
    let again: MqttClient | null = null;
    for (let i = 0; i < 50 && !again; i++) again = await connect(server.mqttUrl, 's-1', token, { clientId: 's-1-again' }).catch(() => null);
    expect(again).not.toBeNull();
    clients.push(again!);
  });

  it('holds off a client id that reconnects in a tight loop ("server unavailable"), not the others', async () => {
    for (const c of clients.splice(0)) c.end(true);
    const token = server.addDevice('camera', 'cam-flap');
    let refused: Error | null = null;
    for (let i = 0; i < 10 && !refused; i++) {
      const c = await attempt(server.mqttUrl, 'cam-flap', token, 'cam-flap');
      if (c instanceof Error) refused = c;
      else if (c !== 'closed') c.end(true);
    }
    expect(refused?.message).toMatch(/server unavailable/i);
    expect(await metric(server, /^se_connections_refused_total\{reason="flapping"\}/)).toBeGreaterThanOrEqual(1);
    const other = await connect(server.mqttUrl, 'cam-flap', token, { clientId: 'cam-flap-2' });
    expect(other.connected).toBe(true);
    await other.endAsync();
  });
});

describe('CONNECT rate per address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ limitsExempt: [], connectRatePerAddress: 1, connectBurstPerAddress: 4, flapMaxConnects: 0 });
  });
  afterAll(async () => server?.stop());

  it('lets the burst in and closes the CONNECTs beyond it unanswered', async () => {
    const token = server.addDevice('sensor', 's-rate');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => attempt(server.mqttUrl, 's-rate', token, `s-rate-${i}`)),
    );
    for (const c of results) if (typeof c === 'object' && !(c instanceof Error)) c.end(true);
    expect(results.some((c) => c instanceof Error)).toBe(false);
    const refused = results.filter((c) => c === 'closed').length;
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(await metric(server, /^se_connections_refused_total\{reason="connect_rate"\}/)).toBe(refused);
  });
});

describe('exempt addresses', () => {
  let server: TestServer;
  beforeAll(async () => {
    // default: loopback exempt from the per-address limits
    server = await startTestServer({ maxConnectionsPerAddress: 1 });
  });
  afterAll(async () => server?.stop());

  it('are not capped per address', async () => {
    const token = server.addDevice('sensor', 's-ex');
    const a = await connect(server.mqttUrl, 's-ex', token, { clientId: 'ex-a' });
    const b = await connect(server.mqttUrl, 's-ex', token, { clientId: 'ex-b' });
    expect(a.connected && b.connected).toBe(true);
    a.end(true);
    b.end(true);
  });
});
