// A real haproxy (TCP mode, send-proxy-v2) in front of real server nodes (#15, docs/scale-out.md):
// the node sees the device's own address through the balancer, refuses the header when the setting
// is off or the balancer is not on its trusted list, and a device whose node stops lands on the other.
// Devices connect from 127.0.0.2 / 127.0.0.3 (loopback, but not exempt from the per-address limits,
// as a site's devices would not be); haproxy reaches the nodes from 127.0.0.1.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AttemptPolicy } from '../../server/security/attempts.ts';
import { readFileSync } from 'node:fs';
import { makeTestCa, type TestCa } from '../support/certs.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Log } from '../../server/log.ts';
import { startHaproxy, type HaproxyHandle } from '../support/haproxy.ts';
import { freePort } from '../support/influxd.ts';
import { runCli, startCli, until, type Child } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

function captureLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (l: string) => void lines.push(l);
  return { lines, info: push, warn: push, error: push, debug: push };
}

/** An MQTT device connecting to `port` from `localAddress` (over TLS with `tlsCa`). */
function device(port: number, localAddress: string, username: string, password: string, extra: IClientOptions = {}, tlsCa?: string): MqttClient {
  return new mqtt.MqttClient(() => {
    const raw = connectTcp({ port, host: '127.0.0.1', localAddress });
    return tlsCa ? connectTls({ socket: raw, ca: readFileSync(tlsCa), servername: 'localhost' }) : raw;
  }, { username, password, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...extra });
}

/** Resolves with the client once connected; rejects when it closes or fails first. */
function connected(client: MqttClient): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

async function metricOf(httpPort: number, line: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').pop()) : 0;
}

/** A JSON POST from `localAddress` (fetch cannot pick its source address); status and body. */
function post(url: string, localAddress: string, body: unknown, ca?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', connection: 'close' }, ...(ca ? { ca: readFileSync(ca), servername: 'localhost' } : {}) }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const clients: MqttClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.end(true);
});

describe('haproxy send-proxy-v2 in front of `smart-estate serve` with SE_PROXY_PROTOCOL=1', () => {
  let dir: string;
  let node: Child;
  let haproxy: HaproxyHandle;
  let http: number;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se-haproxy-node-'));
    const cli = (args: string[]) => {
      const r = runCli([...args, '--data-dir', dir], {});
      if (r.status !== 0) throw new Error(`smart-estate ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    cli(['estate', 'add', '--id', 'test', '--name', 'Test', '--lat', '30.27', '--lon', '120.15']);
    for (const id of ['cam-a', 'cam-b', 'cam-c', 'cam-d']) tokens[id] = JSON.parse(cli(['device', 'add', '--estate', 'test', '--id', id, '--kind', 'camera', '--json'])).token;
    http = await freePort();
    const mqttPort = await freePort();
    // the default trusted list (loopback) includes haproxy's address; the cap is 2 per address
    node = startCli(['serve', '--data-dir', dir, '--host', '127.0.0.1', '--http-port', String(http), '--mqtt-port', String(mqttPort)], {
      SE_PROXY_PROTOCOL: '1', SE_MAX_CONNECTIONS_PER_ADDRESS: '2', SE_ADMIN_PASSWORD: 'haproxy-admin-pass-1',
    });
    await until('the node serves /metrics', async () => {
      if (node.proc.exitCode !== null) throw new Error(`the node exited: ${node.output()}`);
      return (await fetch(`http://127.0.0.1:${http}/metrics`)).ok;
    }, 60_000);
    haproxy = await startHaproxy([mqttPort]);
    await until('the node says the PROXY protocol is on', () => /proxy: PROXY protocol on every listener \(MQTT \d+, MQTTS off, HTTP \d+, HTTPS off\): headers believed from 127\.0\.0\.1, ::1, refused from anyone else/.test(node.output()));
  }, 90_000);
  afterAll(async () => {
    await haproxy?.stop();
    if (node && node.proc.exitCode === null) {
      node.proc.kill('SIGTERM');
      await node.exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the per-address cap counts the device's address, not haproxy's", async () => {
    clients.push(await connected(device(haproxy.port, '127.0.0.2', 'cam-a', tokens['cam-a'])));
    clients.push(await connected(device(haproxy.port, '127.0.0.2', 'cam-b', tokens['cam-b'])));
    // a third from the same device address is over its cap — haproxy's own address (127.0.0.1) is
    // exempt, so a node that saw haproxy's address would let it in
    const third = device(haproxy.port, '127.0.0.2', 'cam-c', tokens['cam-c']);
    clients.push(third);
    await expect(connected(third)).rejects.toThrow();
    expect(await metricOf(http, /^se_connections_refused_total\{reason="per_address"\}/)).toBe(1);
    await until('the refusal names the device address', () => /mqtt: 127\.0\.0\.2 has 2 connections open \(limit 2/.test(node.output()));
    // another device address through the same haproxy is let in
    clients.push(await connected(device(haproxy.port, '127.0.0.3', 'cam-d', tokens['cam-d'])));
    // the gauge follows the broker's own events, a moment after the CONNACK the client saw
    await until('three devices counted connected', async () => (await metricOf(http, /^se_connected_devices /)) === 3, 10_000, 20);
    expect(node.proc.exitCode).toBeNull();
  });
});

describe('haproxy send-proxy (v1) in front of MQTTS: TLS passes through, the header comes first', () => {
  let server: TestServer;
  let ca: TestCa;
  let haproxy: HaproxyHandle;
  let token: string;
  const log = captureLog();
  beforeAll(async () => {
    ca = makeTestCa();
    const cert = ca.issue('server', 'localhost', 'server');
    server = await startTestServer({ log, maxConnectionsPerAddress: 1, proxyProtocol: { trusted: ['127.0.0.1'] }, tls: { ...cert, ca: null }, httpsPort: 0, mqttsPort: 0 });
    token = server.addDevice('camera', 'cam-1');
    server.addDevice('camera', 'cam-2');
    haproxy = await startHaproxy([server.mqttsPort], { sendProxy: 'v1' });
  });
  afterAll(async () => {
    await haproxy?.stop();
    await server?.stop();
    ca?.remove();
  });

  it("the node's certificate is what the device sees, and its own address is what the node sees", async () => {
    clients.push(await connected(device(haproxy.port, '127.0.0.2', 'cam-1', token, {}, ca.ca)));
    const second = device(haproxy.port, '127.0.0.2', 'cam-2', 'sed_never_checked', {}, ca.ca);
    clients.push(second);
    await expect(connected(second)).rejects.toThrow();
    expect(await metricOf(server.httpPort, /^se_connections_refused_total\{reason="per_address"\}/)).toBe(1);
    expect(log.lines.some((l) => /mqtt: 127\.0\.0\.2 has 1 connections open \(limit 1/.test(l))).toBe(true);
  });
});

describe('haproxy send-proxy-v2 to a node that does not expect it', () => {
  let server: TestServer;
  let haproxy: HaproxyHandle;
  let token: string;
  const log = captureLog();
  beforeAll(async () => {
    server = await startTestServer({ log });
    token = server.addDevice('camera', 'cam-1');
    haproxy = await startHaproxy([server.mqttPort]);
  });
  afterAll(async () => {
    await haproxy?.stop();
    await server?.stop();
  });

  it('PROXY protocol off: the header is refused, counted, and the node goes on', async () => {
    const c = device(haproxy.port, '127.0.0.2', 'cam-1', token);
    clients.push(c);
    await expect(connected(c)).rejects.toThrow();
    expect(await metricOf(server.httpPort, /^se_connections_refused_total\{reason="proxy_header_off"\}/)).toBe(1);
    expect(log.lines.some((l) => /connection from 127\.0\.0\.1 refused: it sent a PROXY protocol header, but --proxy-protocol is off/.test(l))).toBe(true);
    // the node itself is fine: a direct connection works
    clients.push(await connected(device(server.mqttPort, '127.0.0.2', 'cam-1', token)));
  });
});

describe('haproxy not on the trusted list', () => {
  let server: TestServer;
  let haproxy: HaproxyHandle;
  let token: string;
  const log = captureLog();
  beforeAll(async () => {
    server = await startTestServer({ log, proxyProtocol: { trusted: ['10.9.9.9'] } });
    token = server.addDevice('camera', 'cam-1');
    haproxy = await startHaproxy([server.mqttPort]);
  });
  afterAll(async () => {
    await haproxy?.stop();
    await server?.stop();
  });

  it("its header is refused with the reason: nobody else may claim a device's address", async () => {
    const c = device(haproxy.port, '127.0.0.2', 'cam-1', token);
    clients.push(c);
    await expect(connected(c)).rejects.toThrow();
    expect(await metricOf(server.httpPort, /^se_connections_refused_total\{reason="proxy_untrusted"\}/)).toBe(1);
    expect(log.lines.some((l) => /connection from 127\.0\.0\.1 refused: it sent a PROXY protocol header, but 127\.0\.0\.1 is not a trusted proxy \(--trusted-proxies 10\.9\.9\.9\)/.test(l))).toBe(true);
  });
});

describe('two nodes behind haproxy', () => {
  const nodes: TestServer[] = [];
  let haproxy: HaproxyHandle;
  const logs = [captureLog(), captureLog()];
  const tokens: string[] = [];
  beforeAll(async () => {
    for (const log of logs) {
      const node = await startTestServer({ log, proxyProtocol: { trusted: ['127.0.0.1'] } });
      nodes.push(node);
      // configuration is per node until the shared store exists (docs/scale-out.md): the same device, its token on each
      tokens.push(node.addDevice('camera', 'cam-roam'));
    }
    haproxy = await startHaproxy(nodes.map((n) => n.mqttPort));
  });
  afterAll(async () => {
    await haproxy?.stop();
    for (const n of nodes) if (n.mqttPort) await n.stop().catch(() => {});
  });

  it('a device whose node stops reconnects through haproxy to the other, still with its own address', async () => {
    // the device knows one token; the nodes' registries are separate, so give node 2 the same hash
    nodes[1].db.prepare('UPDATE devices SET token_hash = ? WHERE id = ?').run(
      (nodes[0].db.prepare('SELECT token_hash FROM devices WHERE id = ?').get('cam-roam') as { token_hash: string }).token_hash,
      'cam-roam',
    );
    const c = device(haproxy.port, '127.0.0.2', 'cam-roam', tokens[0], { reconnectPeriod: 100 });
    clients.push(c);
    await connected(c);
    const holder = await until('one node holds the device', async () => {
      const counts = await Promise.all(nodes.map((n) => metricOf(n.httpPort, /^se_connected_devices /)));
      return counts[0] + counts[1] === 1 ? counts.indexOf(1) + 1 : null;
    });
    const first = nodes[holder - 1];
    const other = nodes[2 - holder];
    const reconnected = new Promise<void>((resolve) => c.once('connect', () => resolve()));
    await first.stop();
    (first as { mqttPort: number }).mqttPort = 0; // stopped: afterAll leaves it
    await reconnected;
    expect(await metricOf(other.httpPort, /^se_connected_devices /)).toBe(1);
    // the other node saw the device's address, not haproxy's: a wrong token from it names 127.0.0.2
    const wrong = device(haproxy.port, '127.0.0.2', 'cam-roam', 'sed_wrong');
    clients.push(wrong);
    await expect(connected(wrong)).rejects.toThrow(/bad username or password/i);
    expect(logs[2 - holder].lines.some((l) => /bad username or password \('cam-roam'.*from 127\.0\.0\.2\)/.test(l))).toBe(true);
  });
});

describe('haproxy send-proxy-v2 in front of HTTP and HTTPS as well', () => {
  // the address is locked after 2 failures; user names are never locked here
  const strict: AttemptPolicy = { freeFailures: 1, baseDelayMs: 30_000, maxDelayMs: 60_000, lockAfter: 2, lockMs: 600_000, windowMs: 600_000 };
  const lenient: AttemptPolicy = { freeFailures: 1000, baseDelayMs: 1000, maxDelayMs: 1000, lockAfter: 1000, lockMs: 1000, windowMs: 1000 };
  let server: TestServer;
  let ca: TestCa;
  let http: HaproxyHandle;
  let https: HaproxyHandle;
  let ws: HaproxyHandle;
  const log = captureLog();
  beforeAll(async () => {
    ca = makeTestCa();
    const cert = ca.issue('server', 'localhost', 'server');
    server = await startTestServer({ log, userPolicy: lenient, addressPolicy: strict, proxyProtocol: { trusted: ['127.0.0.1'] }, tls: { ...cert, ca: null }, httpsPort: 0, mqttsPort: 0 });
    http = await startHaproxy([server.httpPort]);
    https = await startHaproxy([server.httpsPort]);
    ws = await startHaproxy([server.httpPort]);
  });
  afterAll(async () => {
    for (const h of [http, https, ws]) await h?.stop();
    await server?.stop();
    ca?.remove();
  });

  it("REST sign-in limits hold the device's address back, not haproxy's (which is exempt)", async () => {
    for (const [url, who, caPath] of [[`http://127.0.0.1:${http.port}`, '127.0.0.2', undefined], [`https://127.0.0.1:${https.port}`, '127.0.0.3', ca.ca]] as const) {
      let last = { status: 0, body: {} as any };
      for (let i = 0; i < 4 && last.status !== 429; i++) last = await post(`${url}/api/v1/auth/login`, who, { username: `guess-${i}`, password: 'guess-guess' }, caPath);
      expect(last.status, url).toBe(429);
      expect(last.body.error).toMatch(new RegExp(`for address ${who.replace(/\./g, '\\.')}`));
    }
    // straight to the node from loopback (exempt, no header): not held back
    expect((await server.api('/api/v1/auth/login', { body: server.admin })).status).toBe(200);
  });

  it('MQTT over WebSocket through haproxy: the sign-in log names the device address', async () => {
    server.addDevice('camera', 'cam-ws');
    const c = mqtt.connect(`ws://127.0.0.1:${ws.port}/mqtt`, { username: 'cam-ws', password: 'sed_wrong', reconnectPeriod: 0, connectTimeout: 5000, wsOptions: { localAddress: '127.0.0.4' } });
    clients.push(c);
    await expect(connected(c)).rejects.toThrow(/bad username or password/i);
    expect(log.lines.some((l) => /bad username or password \('cam-ws'.*from 127\.0\.0\.4\)/.test(l))).toBe(true);
  });
});
