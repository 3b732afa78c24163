// A new user's mistakes with the real `smart-estate` process: one line, non-zero, no stack trace;
// `--help` on every command; `import buildings` listing every bad feature at once, and --dry-run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, runCli } from '../support/process.ts';

let dir: string;
let env: Record<string, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'se-cli-errors-'));
  env = { SE_DATA_DIR: join(dir, 'data') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const oneLine = (r: { status: number | null; stderr: string }) => {
  expect(r.status).not.toBe(0);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack frame
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
};

const square = (x: number) => [[[120.15 + x, 30.27], [120.1501 + x, 30.27], [120.1501 + x, 30.2701], [120.15 + x, 30.2701], [120.15 + x, 30.27]]];

describe('smart-estate for people', () => {
  it('answers --help on every command with its own options, and starts nothing', async () => {
    const runs: Promise<{ args: readonly string[]; own: string; stdout: string }>[] = [];
    for (const [args, own] of [
      [['serve', '--help'], 'smart-estate serve'],
      [['demo', '--help'], '--seed'],
      [['sim', '-h'], '--url'],
      [['device', 'add', '--help'], '--rotate'],
      [['device', 'revoke', '--help'], '--id'],
      [['user', 'add', '--help'], '--update'],
      [['estate', 'add', '--help'], '--timezone'],
      [['import', 'buildings', '--help'], '--dry-run'],
      [['audit', '--help'], '--since'],
      [['backup', '--help'], '--to'],
      [['restore', '--help'], '--from'],
    ] as const) {
      runs.push(promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }).then((r) => ({ args, own, stdout: r.stdout })));
    }
    // in parallel: a failing command rejects (non-zero exit), a server that started would time out
    for (const { args, own, stdout } of await Promise.all(runs)) {
      expect(stdout, args.join(' ')).toContain(own);
      // the settings table comes from config.ts, so every setting flag is listed
      expect(stdout).toContain('--data-dir');
      expect(stdout).toContain('SE_MQTT_PORT');
    }
  }, 180_000);

  it('prints one line for a missing option, an unknown command, a missing file; --debug adds the stack', () => {
    const missing = runCli(['device', 'add', '--estate', 'x'], env);
    oneLine(missing);
    expect(missing.stderr).toMatch(/--kind is required \(see smart-estate device add --help\)/);
    oneLine(runCli(['frobnicate'], env));
    const file = runCli(['import', 'buildings', join(dir, 'nope.geojson')], env);
    oneLine(file);
    expect(file.stderr).toMatch(/nope\.geojson: no such file .*check the path/);
    const debug = runCli(['restore', '--from', join(dir, 'nope.db'), '--debug'], env);
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/no such backup file\n\s*BackupError|\n\s+at /);
  }, 180_000);

  it('lists every bad feature of an estate file by index and name, imports nothing; --dry-run reports', () => {
    const features = [
      { type: 'Feature', properties: { building: 'yes', name: '1号楼', height: 18 }, geometry: { type: 'Polygon', coordinates: square(0) } },
      { type: 'Feature', properties: { building: 'yes', name: '2号楼', height: -3 }, geometry: { type: 'Polygon', coordinates: square(0.001) } },
      { type: 'Feature', properties: { 'se:kind': 'zone', 'se:id': 'z1', name: '周界', 'se:zone': 'moat' }, geometry: { type: 'Polygon', coordinates: square(0.002) } },
      { type: 'Feature', properties: { 'se:kind': 'spaceship', name: '飞船' }, geometry: null },
    ];
    const bad = join(dir, 'bad.geojson');
    writeFileSync(bad, JSON.stringify({ type: 'FeatureCollection', 'se:estate': { id: 'e1', name: 'E1', lat: 30.27, lon: 120.15 }, features }));
    const r = runCli(['import', 'buildings', bad], env);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toContain('3 problems');
    expect(r.stderr).toMatch(/features\[1\] .*2号楼.*height/);
    expect(r.stderr).toMatch(/features\[2\] .*周界.*se:zone/);
    expect(r.stderr).toMatch(/features\[3\] .*spaceship/);
    expect(r.stderr).not.toMatch(/features\[0\]/);

    const good = join(dir, 'good.geojson');
    writeFileSync(good, JSON.stringify({ type: 'FeatureCollection', 'se:estate': { id: 'e1', name: 'E1', lat: 30.27, lon: 120.15 }, features: [features[0]] }));
    const dry = runCli(['import', 'buildings', good, '--dry-run'], env);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run: .*estate e1: 1 buildings.*nothing changed/);
    const countEstates = () => {
      const db = new Database(join(dir, 'data', 'smart-estate.db'), { readonly: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'estates'").get() as { n: number }).n
          ? (db.prepare('SELECT count(*) AS n FROM estates').get() as { n: number }).n : 0;
      } finally {
        db.close();
      }
    };
    const done = runCli(['import', 'buildings', good], env);
    expect(done.status, done.stderr).toBe(0);
    expect(countEstates()).toBe(1);
    // the failed import and the dry run left nothing behind: the only audit entry is the real import
    const audit = runCli(['audit', '--action', 'estate.'], env);
    expect(audit.status, audit.stderr).toBe(0);
    expect(audit.stdout.trim().split('\n')).toHaveLength(1);
    expect(audit.stdout).toMatch(/cli:\S+\s+cli\s+estate\.import\s+e1/);
  }, 180_000);
});
