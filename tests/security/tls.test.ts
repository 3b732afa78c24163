// TLS with real processes and real clients: `smart-estate serve` with a test CA's certificate (made
// here with openssl), mosquitto_pub over MQTTS (token, and a client certificate whose CN names the
// device), MQTT.js over wss://, a certificate reloaded on SIGHUP while a connection stays up, and the
// start-up errors for missing or mismatched files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import mqtt, { type MqttClient } from 'mqtt';
import { dbPath, openDb } from '../../server/store/db.ts';
import { addDevice } from '../../server/store/devices.ts';
import { upsertEstate } from '../../server/store/estates.ts';
import { freePort } from '../support/influxd.ts';
import { runCli, startCli, until, type Child } from '../support/process.ts';
import { collect } from '../support/mqtt.ts';
import { makeTestCa, fingerprint, type TestCa } from '../support/certs.ts';
import { TEST_ESTATE } from '../support/server.ts';
import { loadTls } from '../../server/security/tls.ts';
import { loadConfig } from '../../server/config.ts';

let ca: TestCa;
let server: Child;
let dataDir: string;
let env: Record<string, string>;
const ports = { http: 0, mqtt: 0, https: 0, mqtts: 0 };
let live: { cert: string; key: string };
let first: { cert: string; key: string };
let second: { cert: string; key: string };
let gateCert: { cert: string; key: string };
let token: string;
const clients: MqttClient[] = [];

function pub(args: string[], message: string, topic: string) {
  return spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(ports.mqtts), '--cafile', ca.ca, '-q', '1', '-t', topic, '-m', message, ...args], { encoding: 'utf8', timeout: 20_000 });
}

/** The fingerprint of the certificate a new TLS connection to `port` gets. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(ca.ca), servername: 'localhost' }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
}

async function events(kind: string): Promise<Array<{ device: string; id: string }>> {
  const login = await fetch(`http://127.0.0.1:${ports.http}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'tls-admin-pass' }) });
  const { token: session } = (await login.json()) as { token: string };
  const res = await fetch(`http://127.0.0.1:${ports.http}/api/v1/estates/test/events?kind=${kind}&limit=50`, { headers: { authorization: `Bearer ${session}` } });
  return ((await res.json()) as { events: Array<{ device: string; id: string }> }).events;
}

beforeAll(async () => {
  ca = makeTestCa();
  first = ca.issue('server-1', '127.0.0.1', 'server');
  second = ca.issue('server-2', 'localhost', 'server');
  gateCert = ca.issue('gate-01', 'gate-01', 'client');
  live = { cert: join(ca.dir, 'live.pem'), key: join(ca.dir, 'live.key') };
  copyFileSync(first.cert, live.cert);
  copyFileSync(first.key, live.key);

  dataDir = mkdtempSync(join(tmpdir(), 'se-tls-'));
  const db = openDb(dbPath(dataDir));
  upsertEstate(db, TEST_ESTATE);
  token = addDevice(db, { estate: 'test', id: 'hh-01', kind: 'patrol' });
  addDevice(db, { estate: 'test', id: 'gate-01', kind: 'gate' });
  db.close();

  for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
  env = {
    SE_DATA_DIR: dataDir,
    SE_HOST: '127.0.0.1',
    SE_HTTP_PORT: String(ports.http),
    SE_MQTT_PORT: String(ports.mqtt),
    SE_HTTPS_PORT: String(ports.https),
    SE_MQTTS_PORT: String(ports.mqtts),
    SE_TLS_CERT: live.cert,
    SE_TLS_KEY: live.key,
    SE_TLS_CA: ca.ca,
    SE_ADMIN_PASSWORD: 'tls-admin-pass',
  };
  server = startCli(['serve'], env);
  // tsx compiles the server at start: on a loaded machine that takes a while
  await until('the server to answer', async () => (await fetch(`http://127.0.0.1:${ports.http}/api/v1/health`)).ok, 120_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${server.output()}`);
  });
}, 150_000);

afterAll(async () => {
  for (const c of clients) c.end(true);
  server?.proc.kill('SIGTERM');
  await server?.exited;
  ca?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('MQTTS and WSS with a test CA', () => {
  it('a dashboard over wss:// sees a check-in mosquitto_pub sent over MQTTS, and it is in the journal', async () => {
    const login = await fetch(`http://127.0.0.1:${ports.http}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'tls-admin-pass' }) });
    const { token: session } = (await login.json()) as { token: string };
    const dashboard = await mqtt.connectAsync(`wss://127.0.0.1:${ports.https}/mqtt`, { username: 'admin', password: session, ca: readFileSync(ca.ca), reconnectPeriod: 0, connectTimeout: 10_000 });
    clients.push(dashboard);
    const seen = collect(dashboard);
    await dashboard.subscribeAsync('estates/test/live/checkin');
    const r = pub(['-u', 'hh-01', '-P', token], JSON.stringify({ id: 'tls-1', guard: 'g-1', checkpoint: 'CP-1', method: 'nfc' }), 'estates/test/devices/hh-01/checkin');
    expect(r.status, r.stderr).toBe(0);
    const msg = await seen.next((m) => m.json?.id === 'tls-1');
    expect(msg.json).toMatchObject({ device: 'hh-01', kind: 'checkin' });
    expect((await events('checkin')).map((e) => e.id)).toContain('tls-1');
  });

  it('refuses a client that does not trust the server certificate', () => {
    const r = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(ports.mqtts), '--cafile', second.cert, '-u', 'hh-01', '-P', token, '-t', 'estates/test/devices/hh-01/checkin', '-m', '{}'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).not.toBe(0);
  });

  it('a verified client certificate: its CN is the device, no token needed; a given username or token must still agree', async () => {
    const certArgs = ['--cert', gateCert.cert, '--key', gateCert.key];
    const ok = pub(certArgs, JSON.stringify({ id: 'gate-c1', guard: 'g-2', checkpoint: 'CP-2', method: 'qr' }), 'estates/test/devices/gate-01/checkin');
    expect(ok.status, ok.stderr).toBe(0);
    expect((await events('checkin')).find((e) => e.id === 'gate-c1')).toMatchObject({ device: 'gate-01' });
    // the certificate says gate-01: it cannot sign in as hh-01
    const other = pub([...certArgs, '-u', 'hh-01'], '{}', 'estates/test/devices/hh-01/checkin');
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/not authorised|bad user name or password|refused/i);
    // the right CN with a wrong token is refused: a token given is checked
    const wrongToken = pub([...certArgs, '-u', 'gate-01', '-P', 'sed_wrong'], '{}', 'estates/test/devices/gate-01/checkin');
    expect(wrongToken.status).not.toBe(0);
    // without a certificate, nobody is anonymous
    const anonymous = pub([], '{}', 'estates/test/devices/gate-01/checkin');
    expect(anonymous.status).not.toBe(0);
    await until('the refusal to be logged with its reason', () => /username 'hh-01' is not the client certificate's CN 'gate-01'/.test(server.output()));
  });
});

describe('certificate reload on SIGHUP', () => {
  it('keeps an open connection and gives new ones the new certificate; a bad file keeps the old one', async () => {
    expect(await servedFingerprint(ports.mqtts)).toBe(fingerprint(first.cert));
    const device = await mqtt.connectAsync(`mqtts://127.0.0.1:${ports.mqtts}`, { username: 'hh-01', password: token, ca: readFileSync(ca.ca), reconnectPeriod: 0, clientId: 'hh-01-reload' });
    clients.push(device);
    let dropped = false;
    device.on('close', () => (dropped = true));

    copyFileSync(second.cert, live.cert);
    copyFileSync(second.key, live.key);
    server.proc.kill('SIGHUP');
    await until('MQTTS to serve the new certificate', async () => (await servedFingerprint(ports.mqtts)) === fingerprint(second.cert));
    expect(await servedFingerprint(ports.https)).toBe(fingerprint(second.cert));
    expect(server.output()).toMatch(/tls: reloaded .*CN=localhost/);

    // the connection opened before the reload is still the same one and still acknowledged
    await device.publishAsync('estates/test/devices/hh-01/checkin', JSON.stringify({ id: 'tls-after-reload', guard: 'g-1', checkpoint: 'CP-1', method: 'nfc' }), { qos: 1 });
    expect(dropped).toBe(false);
    expect((device.stream as unknown as { getPeerCertificate(): { fingerprint256: string } }).getPeerCertificate().fingerprint256).toBe(fingerprint(first.cert));
    expect((await events('checkin')).map((e) => e.id)).toContain('tls-after-reload');

    // a key that is not the certificate's: refused, logged, the working certificate stays
    copyFileSync(first.key, live.key);
    const before = server.output().length;
    server.proc.kill('SIGHUP');
    await until('the refused reload to be logged', () => /certificate not reloaded, the old one stays in use:[\s\S]*do not match/.test(server.output().slice(before)));
    expect(await servedFingerprint(ports.mqtts)).toBe(fingerprint(second.cert));
    copyFileSync(second.key, live.key);
  });
});

describe('start-up errors', () => {
  // the ports are the running server's: these refuse before listening
  const base = () => ({ ...env, SE_DATA_DIR: join(dataDir, 'never') });

  it('the command names a key that is not the certificate\'s in one line and exits 1, no stack', () => {
    const mismatched = runCli(['serve'], { ...base(), SE_TLS_CERT: first.cert, SE_TLS_KEY: gateCert.key });
    expect(mismatched.status).toBe(1);
    expect(mismatched.stderr).toMatch(/do not match: .*gate-01\.key is not the private key of the certificate/);
    expect(mismatched.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a missing file, a file that is not PEM, and a certificate without a key', () => {
    expect(() => loadTls({ cert: first.cert, key: join(ca.dir, 'nope.key') })).toThrow(/--tls-key \/ SE_TLS_KEY: cannot read .*nope\.key: no such file/);
    expect(() => loadTls({ cert: first.key, key: first.key })).toThrow(/--tls-cert \/ SE_TLS_CERT: .* is not a PEM certificate/);
    expect(() => loadTls({ cert: first.cert, key: first.cert })).toThrow(/is not an unencrypted PEM private key/);
    expect(() => loadTls({ cert: first.cert, key: first.key, ca: join(ca.dir, 'missing-ca.pem') })).toThrow(/--tls-ca \/ SE_TLS_CA: cannot read/);
    expect(() => loadConfig({}, { SE_TLS_CERT: first.cert })).toThrow(/SE_TLS_CERT needs SE_TLS_KEY/);
    expect(() => loadConfig({}, { SE_TLS_CA: ca.ca })).toThrow(/SE_TLS_CA \(client certificates\) needs/);
    expect(() => loadConfig({ 'http-port': '0' }, {})).toThrow(/switches plain HTTP off, but there is no HTTPS listener/);
    expect(loadConfig({ 'mqtt-port': '0', 'tls-cert': first.cert, 'tls-key': first.key }, {})).toMatchObject({ mqttPort: null, mqttsPort: 8883, httpsPort: 8443, httpPort: 8080 });
  });
});
