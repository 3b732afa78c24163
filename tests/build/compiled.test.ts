// The compiled server (#16): scripts/build-server.mjs into a fresh package-shaped temp dir (bin/ and
// dist/server only, no TypeScript sources beside them), then the real `smart-estate` from there as
// child processes. A module-resolution probe (--import, which Node runs in every thread) records each
// file the server's threads load, so the test can see that no tsx and no .ts file is ever loaded and
// that both worker threads start from their compiled bundles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { freePort, startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { historyOf, until } from '../support/process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Inside the checkout, so the bundles' bare imports (better-sqlite3, aedes, …) find its node_modules.
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const pkg = mkdtempSync(join(ROOT, '.tmp', 'compiled-'));
const outdir = join(pkg, 'dist', 'server');
const cli = join(pkg, 'bin', 'smart-estate.js');
const loadedLog = join(pkg, 'loaded.log');
const probe = join(pkg, 'probe.mjs');

/** the child's environment: no NODE_OPTIONS (vitest's or anyone's), nothing that could load tsx */
const childEnv = (extra: Record<string, string>) => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST') && !k.startsWith('TSX')) env[k] = v;
  return { ...env, ...extra };
};
const run = (args: string[], env: Record<string, string>) => spawnSync(process.execPath, ['--import', probe, cli, ...args], { env: childEnv(env), encoding: 'utf8', timeout: 30_000 });
const loaded = () => readFileSync(loadedLog, 'utf8').trim().split('\n');

let influxd: InfluxdHandle;
let server: ChildProcess;
let output = '';
let dataDir: string;
let env: Record<string, string>;
let httpPort: number;
let mqttPort: number;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-server.mjs'), '--outdir', outdir]);
  mkdirSync(join(pkg, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'smart-estate.js'), cli);
  writeFileSync(loadedLog, '');
  const hooks = join(pkg, 'probe-hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.startsWith('file:')) appendFileSync(${JSON.stringify(loadedLog)}, r.url + '\\n');
  return r;
}
`);
  writeFileSync(probe, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  influxd = await startInfluxd();
  dataDir = mkdtempSync(join(tmpdir(), 'se-compiled-'));
  httpPort = await freePort();
  mqttPort = await freePort();
  env = { SE_DATA_DIR: dataDir, SE_HTTP_PORT: String(httpPort), SE_MQTT_PORT: String(mqttPort), SE_HOST: '127.0.0.1', SE_INFLUX_URL: influxd.url, SE_ADMIN_PASSWORD: 'compiled-admin' };
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await influxd?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  rmSync(pkg, { recursive: true, force: true });
});

describe('the compiled server', () => {
  it('answers --help from dist/server without loading tsx or any .ts file', () => {
    const r = run(['--help'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/smart-estate serve/);
    expect(r.stderr).toBe('');
    const files = loaded();
    expect(files).toContain(`file://${outdir}/cli.js`);
    expect(files.filter((f) => /\/node_modules\/tsx\/|\.ts$/.test(f))).toEqual([]);
  });

  it('without a build and without tsx (a production install never built) says how to build, in one line', () => {
    const bare = mkdtempSync(join(tmpdir(), 'se-unbuilt-'));
    try {
      mkdirSync(join(bare, 'bin'));
      copyFileSync(join(ROOT, 'bin', 'smart-estate.js'), join(bare, 'bin', 'smart-estate.js'));
      const r = spawnSync(process.execPath, [join(bare, 'bin', 'smart-estate.js'), 'serve'], { env: childEnv(env), encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('smart-estate: the server is not built: run `npm run build`\n');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('maps a thrown error’s stack to the .ts source', () => {
    const r = run(['restore', '--from', join(pkg, 'nope.db'), '--debug'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no such backup file/);
    // a frame in the TypeScript source, line and column, not in dist/server/cli.js
    expect(r.stderr).toMatch(/server\/backup\/backup\.ts:\d+:\d+/);
  });

  it('serves: a device publishes at QoS 1 and is acknowledged, both worker threads run their compiled bundles, no tsx anywhere', async () => {
    const estate = run(['estate', 'add', '--id', 'garden', '--name', 'Garden Estate', '--name-zh', '花园小区', '--lat', '30.27', '--lon', '120.15'], env);
    expect(estate.status, estate.stderr).toBe(0);
    const added = run(['device', 'add', '--estate', 'garden', '--id', 'handheld-07', '--kind', 'patrol', '--json'], env);
    expect(added.status, added.stderr).toBe(0);
    const device = JSON.parse(added.stdout.trim());

    writeFileSync(loadedLog, '');
    server = spawn(process.execPath, ['--import', probe, cli, 'serve'], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    await until('the compiled server to answer', async () => (await fetch(`http://127.0.0.1:${httpPort}/api/v1/health`)).ok);

    const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'handheld-07', username: 'handheld-07', password: device.token, reconnectPeriod: 0 });
    try {
      await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
      const payload = JSON.stringify({ id: 'c-1', ts: '2026-11-27T22:05:00+08:00', guard: 'g-li', checkpoint: 'CP-03', method: 'nfc' });
      const acks: Array<{ messageId?: number; reasonCode?: number }> = [];
      client.on('packetreceive', (p) => { if (p.cmd === 'puback') acks.push(p); });
      const sent = await client.publishAsync('estates/garden/devices/handheld-07/checkin', payload, { qos: 1 });
      // publishAsync resolves once the PUBACK for this message id has come back
      expect(acks.map((a) => a.messageId)).toEqual([sent!.messageId]);
    } finally {
      await client.endAsync();
    }

    // The acknowledged event reaches InfluxDB: the forwarder worker (compiled) carried it.
    const history = await historyOf(httpPort, 'compiled-admin', 'garden', 'kind=checkin&device=handheld-07', 'the check-in in InfluxDB');
    expect(history.backend).toBe('influxdb');
    expect(history.events[0]).toMatchObject({ id: 'c-1', device: 'handheld-07' });

    const files = await until('both worker bundles loaded', () => {
      const f = loaded();
      return f.includes(`file://${outdir}/forwarder-worker.js`) && f.includes(`file://${outdir}/checkpoint-worker.js`) ? f : null;
    });
    expect(files).toContain(`file://${outdir}/cli.js`);
    expect(files.filter((f) => /\/node_modules\/tsx\/|\.ts$|worker-entry\.mjs$/.test(f))).toEqual([]);
    expect(output).not.toMatch(/tsx/);
  });
});
