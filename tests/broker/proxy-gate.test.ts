// The PROXY protocol at the MQTT listeners of a real server, over real sockets (server/broker/
// proxy-gate.ts): the address a trusted proxy's header gives is the one the per-address cap counts;
// the same header from anyone else, or with the setting off, closes the connection with a reason
// and a count, and the server goes on serving. haproxy itself: tests/broker/haproxy.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { createServer, type Server } from 'node:net';
import { v1Header, v2Header } from '../../server/broker/proxy-protocol.ts';
import { createProxyGate, trustedMatcher } from '../../server/broker/proxy-gate.ts';
import { createMetrics } from '../../server/metrics.ts';
import type { Log } from '../../server/log.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTestCa, type TestCa } from '../support/certs.ts';
import { until } from '../support/process.ts';

function captureLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (l: string) => void lines.push(l);
  return { lines, info: push, warn: push, error: push, debug: push };
}

async function metric(server: TestServer, line: RegExp): Promise<number> {
  const text = (await server.api('/metrics')).body as string;
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').pop()) : 0;
}

/** A raw TCP connection from `localAddress` that sends `header` first. */
function rawSocket(port: number, header: Buffer, localAddress = '127.0.0.1'): Socket {
  const s = connectTcp({ port, host: '127.0.0.1', localAddress });
  s.write(header);
  return s;
}

/** An MQTT client whose connection starts with `header` (what a balancer would send), over TCP or TLS. */
function viaHeader(port: number, header: Buffer, username: string, password: string, opts: { localAddress?: string; tlsCa?: string } = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = new mqtt.MqttClient(() => {
      const raw = rawSocket(port, header, opts.localAddress);
      return opts.tlsCa ? connectTls({ socket: raw, ca: readFileSync(opts.tlsCa), servername: 'localhost' }) : raw;
    }, { username, password, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** Resolves once the server closed `socket` (no CONNACK ever came). */
function closedByServer(socket: Socket): Promise<Buffer> {
  const got: Buffer[] = [];
  socket.on('data', (d) => got.push(d));
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(got))));
}

const CONNECT_BYTES = Buffer.from('101000044d5154540402003c0004746573740000', 'hex').subarray(0, 18); // a truncated CONNECT: never complete, never answered

const clients: MqttClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.end(true);
});

describe('PROXY protocol off (the default)', () => {
  let server: TestServer;
  const log = captureLog();
  beforeAll(async () => {
    server = await startTestServer({ log });
  });
  afterAll(async () => server?.stop());

  it('a v1 or v2 header is refused before MQTT sees it, counted, and the server goes on', async () => {
    for (const header of [v1Header('203.0.113.7', 5000, '10.0.0.5', 1883), v2Header('203.0.113.7', 5000, '10.0.0.5', 1883)]) {
      const reply = await closedByServer(rawSocket(server.mqttPort, Buffer.concat([header, CONNECT_BYTES])));
      expect(reply.length).toBe(0);
    }
    expect(await metric(server, /^se_connections_refused_total\{reason="proxy_header_off"\}/)).toBe(2);
    expect(log.lines.some((l) => /connection from 127\.0\.0\.1 refused: it sent a PROXY protocol header, but --proxy-protocol is off/.test(l))).toBe(true);
    const token = server.addDevice('camera', 'cam-off');
    const c = await mqtt.connectAsync(server.mqttUrl, { username: 'cam-off', password: token, reconnectPeriod: 0 });
    clients.push(c);
    expect(c.connected).toBe(true);
  });
});

describe('PROXY protocol on, loopback trusted', () => {
  let server: TestServer;
  let ca: TestCa;
  const log = captureLog();
  let token: string;
  beforeAll(async () => {
    ca = makeTestCa();
    const cert = ca.issue('server', 'localhost', 'server');
    // loopback is not exempt here, so the cap applies to whatever address a connection is given
    server = await startTestServer({ log, limitsExempt: [], maxConnectionsPerAddress: 1, proxyProtocol: { trusted: ['127.0.0.1'] }, tls: { ...cert, ca: null }, httpsPort: 0, mqttsPort: 0 });
    token = server.addDevice('camera', 'cam-1');
    server.addDevice('camera', 'cam-2');
  });
  afterAll(async () => {
    await server?.stop();
    ca?.remove();
  });

  it("the per-address cap counts the header's address, not the proxy's (TCP, v2 and v1)", async () => {
    const first = await viaHeader(server.mqttPort, v2Header('203.0.113.7', 40001, '10.0.0.5', 1883), 'cam-1', token);
    clients.push(first);
    const before = await metric(server, /^se_connections_refused_total\{reason="per_address"\}/);
    // the same device address again: over its cap of 1, although the proxy's own address has room
    await expect(viaHeader(server.mqttPort, v1Header('203.0.113.7', 40002, '10.0.0.5', 1883), 'cam-1', token)).rejects.toThrow();
    expect(await metric(server, /^se_connections_refused_total\{reason="per_address"\}/)).toBe(before + 1);
    expect(log.lines.some((l) => /mqtt: 203\.0\.113\.7 has 1 connections open \(limit 1/.test(l))).toBe(true);
    // another device address through the same proxy address is let in
    const other = server.addDevice('camera', 'cam-3');
    clients.push(await viaHeader(server.mqttPort, v1Header('203.0.113.8', 40003, '10.0.0.5', 1883), 'cam-3', other));
  });

  it('the address reaches the sign-in log lines', async () => {
    await expect(viaHeader(server.mqttPort, v2Header('198.51.100.9', 40004, '10.0.0.5', 1883), 'cam-2', 'sed_wrong')).rejects.toThrow(/bad username or password/i);
    expect(log.lines.some((l) => /bad username or password \('cam-2'.*from 198\.51\.100\.9\)/.test(l))).toBe(true);
  });

  it('MQTTS: the header comes before the TLS handshake, and is read the same way', async () => {
    const tlsToken = server.addDevice('camera', 'cam-tls');
    const first = await viaHeader(server.mqttsPort, v2Header('203.0.113.20', 40005, '10.0.0.5', 8883), 'cam-tls', tlsToken, { tlsCa: ca.ca });
    clients.push(first);
    const before = await metric(server, /^se_connections_refused_total\{reason="per_address"\}/);
    await expect(viaHeader(server.mqttsPort, v2Header('203.0.113.20', 40006, '10.0.0.5', 8883), 'cam-tls', tlsToken, { tlsCa: ca.ca })).rejects.toThrow();
    expect(await metric(server, /^se_connections_refused_total\{reason="per_address"\}/)).toBe(before + 1);
  });

  it('a trusted proxy without a header is its own address (a local client)', async () => {
    const t = server.addDevice('camera', 'cam-local');
    const c = await mqtt.connectAsync(server.mqttUrl, { username: 'cam-local', password: t, reconnectPeriod: 0 });
    clients.push(c);
    expect(c.connected).toBe(true);
  });

  it('a malformed header from the trusted proxy is refused with its reason', async () => {
    const reply = await closedByServer(rawSocket(server.mqttPort, Buffer.from('PROXY TCP4 203.0.113.300 10.0.0.5 1 1883\r\n')));
    expect(reply.length).toBe(0);
    expect(await metric(server, /^se_connections_refused_total\{reason="proxy_invalid"\}/)).toBe(1);
    expect(log.lines.some((l) => /refused: bad PROXY protocol header: v1 header: '203\.0\.113\.300' is not an IPv4 address/.test(l))).toBe(true);
  });

  it('a header from an address not on the list is refused with the reason, its own address counted first', async () => {
    // 127.0.0.2 is loopback too, but not on the trusted list
    const reply = await closedByServer(rawSocket(server.mqttPort, v2Header('203.0.113.99', 1, '10.0.0.5', 1883), '127.0.0.2'));
    expect(reply.length).toBe(0);
    expect(await metric(server, /^se_connections_refused_total\{reason="proxy_untrusted"\}/)).toBe(1);
    expect(log.lines.some((l) => /connection from 127\.0\.0\.2 refused: it sent a PROXY protocol header, but 127\.0\.0\.2 is not a trusted proxy \(--trusted-proxies 127\.0\.0\.1\)/.test(l))).toBe(true);
    // its own connection slot was given back: the address may connect (without a header) again
    let n = 0;
    await until('127.0.0.2 may connect again', async () => {
      const id = `cam-u${++n}`;
      const t = server.addDevice('camera', id);
      const c = await new Promise<MqttClient>((resolve, reject) => {
        const cl = new mqtt.MqttClient(() => connectTcp({ port: server.mqttPort, host: '127.0.0.1', localAddress: '127.0.0.2' }), { username: id, password: t, reconnectPeriod: 0, protocolVersion: 4 });
        cl.once('connect', () => resolve(cl));
        cl.once('error', reject);
        cl.once('close', () => reject(new Error('closed')));
      }).catch(() => null);
      if (c) clients.push(c);
      return c;
    }, 5000);
  });
});

describe('garbage at the door', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ proxyProtocol: { trusted: ['127.0.0.1'] } });
  });
  afterAll(async () => server?.stop());

  it('random bytes behind either PROXY prefix, from a trusted and an untrusted address, never take the server down', async () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xff;
    const prefixes = [Buffer.from('PROXY '), Buffer.from('PROXY TCP4 '), v2Header('203.0.113.7', 1, '10.0.0.5', 1883).subarray(0, 13), v2Header('203.0.113.7', 1, '10.0.0.5', 1883)];
    for (let i = 0; i < 120; i++) {
      const tail = Buffer.from(Array.from({ length: 1 + (rand() % 200) }, rand));
      const from = i % 3 === 0 ? '127.0.0.2' : '127.0.0.1';
      const s = rawSocket(server.mqttPort, Buffer.concat([prefixes[i % prefixes.length], tail]), from);
      // whatever the bytes, the connection ends: refused at the gate, or by Aedes' parser, or at the
      // first-bytes deadline for a header still incomplete (not waited for here: end it ourselves)
      const done = closedByServer(s);
      s.end();
      await done;
    }
    const token = server.addDevice('camera', 'cam-after');
    const c = await mqtt.connectAsync(server.mqttUrl, { username: 'cam-after', password: token, reconnectPeriod: 0 });
    clients.push(c);
    expect(c.connected).toBe(true);
    const refused = await Promise.all(['proxy_untrusted', 'proxy_invalid'].map((r) => metric(server, new RegExp(`^se_connections_refused_total\\{reason="${r}"\\}`))));
    expect(refused[0]).toBeGreaterThan(0);
    expect(refused[1]).toBeGreaterThan(0);
  });
});

describe('the gate on its own', () => {
  it('the trusted list takes addresses and CIDR blocks, IPv4 and IPv6', () => {
    const trusted = trustedMatcher(['10.0.0.2', '10.0.1.0/24', 'fd00::/8', '::1']);
    expect(['10.0.0.2', '10.0.1.77', 'fd12::5', '::1'].map(trusted)).toEqual([true, true, true, true]);
    expect(['10.0.0.3', '10.0.2.1', 'fe80::1', '127.0.0.1', 'unknown'].map(trusted)).toEqual([false, false, false, false, false]);
    expect(() => trustedMatcher(['haproxy.lan'])).toThrow(/not an IP address or CIDR block/);
  });

  it('a trusted proxy that stops halfway through a header is closed at the deadline, its bytes never handed on', async () => {
    const log = captureLog();
    const gate = createProxyGate({ proxy: { trusted: ['127.0.0.1'] }, metrics: createMetrics(), log, timeoutMs: 300 });
    let accepted = 0;
    const server: Server = createServer((s) => gate(s, () => true, () => void accepted++));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const reply = await closedByServer(rawSocket(port, v2Header('203.0.113.7', 1, '10.0.0.5', 1883).subarray(0, 20)));
      expect(reply.length).toBe(0);
      expect(accepted).toBe(0);
      expect(log.lines.some((l) => /127\.0\.0\.1 sent an incomplete PROXY header within 0\.3 s; closed/.test(l))).toBe(true);
    } finally {
      server.close();
    }
  });
});
