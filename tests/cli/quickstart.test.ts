// The README's promise, end to end with real processes: `smart-estate serve` with InfluxDB, a device
// added by the CLI while the server runs, a real `mosquitto_pub` check-in, found by the history API
// and by the `influx` CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { historyOf, runCli, startCli, until, type Child } from '../support/process.ts';

let influxd: InfluxdHandle;
let server: Child;
let dataDir: string;
let env: Record<string, string>;
let httpPort: number;
let mqttPort: number;

beforeAll(async () => {
  influxd = await startInfluxd();
  dataDir = mkdtempSync(join(tmpdir(), 'se-cli-'));
  httpPort = await freePort();
  mqttPort = await freePort();
  env = {
    SE_DATA_DIR: dataDir,
    SE_HTTP_PORT: String(httpPort),
    SE_MQTT_PORT: String(mqttPort),
    SE_HOST: '127.0.0.1',
    SE_INFLUX_URL: influxd.url,
    SE_ADMIN_PASSWORD: 'quickstart-admin',
  };
  const estate = runCli(['estate', 'add', '--id', 'garden', '--name', 'Garden Estate', '--name-zh', '花园小区', '--lat', '30.27', '--lon', '120.15'], env);
  expect(estate.status, estate.stderr).toBe(0);
  server = startCli(['serve'], env);
  await until('the server to answer', async () => (await fetch(`http://127.0.0.1:${httpPort}/api/v1/health`)).ok);
});

afterAll(async () => {
  server?.proc.kill('SIGTERM');
  await server?.exited;
  await influxd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('quick start with real processes', () => {
  it('lands a mosquitto_pub check-in from a device added while the server runs', async () => {
    const added = runCli(['device', 'add', '--estate', 'garden', '--id', 'handheld-07', '--kind', 'patrol', '--json'], env);
    expect(added.status, added.stderr).toBe(0);
    const device = JSON.parse(added.stdout.trim());
    expect(device).toMatchObject({ estate: 'garden', id: 'handheld-07', kind: 'patrol' });
    expect(device.token).toMatch(/^sed_/);
    // Only the hash is stored.
    const stored = execFileSync('node', ['-e', `const D=require('better-sqlite3');const d=new D(${JSON.stringify(join(dataDir, 'smart-estate.db'))},{readonly:true});console.log(d.prepare("select token_hash from devices where id='handheld-07'").get().token_hash)`]).toString().trim();
    expect(stored).not.toContain(device.token);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);

    const payload = JSON.stringify({ id: 'mq-1', ts: '2026-11-27T22:05:00+08:00', guard: 'g-li', checkpoint: 'CP-03', method: 'nfc' });
    execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mqttPort), '-u', 'handheld-07', '-P', device.token, '-q', '1', '-t', 'estates/garden/devices/handheld-07/checkin', '-m', payload]);

    const refused = (() => {
      try {
        execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mqttPort), '-u', 'handheld-07', '-P', 'sed_wrong', '-q', '1', '-t', 'estates/garden/devices/handheld-07/checkin', '-m', payload], { stdio: 'pipe' });
        return null;
      } catch (err) {
        return String((err as { stderr: Buffer }).stderr);
      }
    })();
    expect(refused).toMatch(/not authori[sz]ed|bad user name or password|Connection Refused/i);

    const history = await historyOf(httpPort, 'quickstart-admin', 'garden', 'kind=checkin&device=handheld-07', 'the check-in in the history API (InfluxDB)');
    expect(history.backend).toBe('influxdb');
    expect(history.events[0]).toMatchObject({ id: 'mq-1', device: 'handheld-07', ts: Date.parse('2026-11-27T22:05:00+08:00'), data: { guard: 'g-li', checkpoint: 'CP-03', method: 'nfc' } });

    const database = new URL(influxd.url).pathname.slice(1);
    const out = execFileSync('influx', ['-host', '127.0.0.1', '-port', String(influxd.port), '-database', database, '-format', 'json', '-execute', `SELECT "id", "guard" FROM "checkin" WHERE "device" = 'handheld-07'`]).toString();
    const series = JSON.parse(out).results[0].series[0];
    expect(series.values.map((v: unknown[]) => v[1])).toEqual(['mq-1']);
  });

  it('adds an operator while the server runs, who can log in at once', async () => {
    const r = runCli(['user', 'add', '--name', 'op-wang', '--role', 'operator', '--password', 'correct-horse', '--estate', 'garden'], env);
    expect(r.status, r.stderr).toBe(0);
    const login = await fetch(`http://127.0.0.1:${httpPort}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'op-wang', password: 'correct-horse' }) });
    expect(login.status).toBe(200);
    expect((await login.json()).user).toEqual({ name: 'op-wang', role: 'operator', estate: 'garden' });
  });

  it('explains bad settings and bad commands instead of starting', () => {
    const bad = runCli(['serve'], { ...env, SE_HTTP_PORT: 'eighty', SE_INFLUX_URL: 'ftp://x/db' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/SE_HTTP_PORT: 'eighty' is not a port number/);
    expect(bad.stderr).toMatch(/SE_INFLUX_URL: InfluxDB URL must start with http/);
    const usage = runCli(['device', 'add', '--estate', 'garden', '--id', 'x', '--kind', 'toaster'], env);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--kind must be one of patrol, camera, gate, sensor/);
    const noEstate = runCli(['device', 'add', '--estate', 'nowhere', '--id', 'x', '--kind', 'camera'], env);
    expect(noEstate.status).toBe(1);
    expect(noEstate.stderr).toMatch(/estate 'nowhere' not found/);
  });
});
