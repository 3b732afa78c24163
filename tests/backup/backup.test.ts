// Backup under load and restore, with the real CLI against a real server and real QoS 1 devices:
// every event acknowledged before the backup began is in the restored copy; restore refuses a live
// server's data dir and an existing database without --force. Also the audit log over REST and the
// CLI on the same server (one server per file). Ack latency during vs. without the backup is printed
// (a figure, never a gate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { startTestServer, TEST_ESTATE, type TestServer } from '../support/server.ts';
import { connect } from '../support/mqtt.ts';
import { CLI, runCli, until } from '../support/process.ts';

let server: TestServer;
let dir: string;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se-backup-'));
  server = await startTestServer();
  token = (await server.login(server.admin.username, server.admin.password));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? NaN;

describe('backup and restore', () => {
  it('backs up under QoS 1 load; the restored copy has every event acked before the backup began', async () => {
    const devices: MqttClient[] = [];
    for (let i = 0; i < 4; i++) {
      const id = `cam-${i}`;
      devices.push(await connect(server.mqttUrl, id, server.addDevice('camera', id)));
    }
    const acked: string[] = [];
    const latency: { at: number; ms: number }[] = [];
    let n = 0;
    let running = true;
    const pump = devices.map(async (c, i) => {
      while (running) {
        const id = `e${i}-${n++}`;
        const t0 = performance.now();
        await c.publishAsync(`estates/${TEST_ESTATE.id}/devices/cam-${i}/camera`, JSON.stringify({ id, ts: Date.now(), type: 'motion', phase: 'start', score: 0.5 }), { qos: 1 });
        latency.push({ at: t0, ms: performance.now() - t0 });
        acked.push(`cam-${i}/${id}`);
      }
    });
    await until('some load', () => acked.length >= 400, 60_000);
    const ackedBefore = [...acked];
    const backupStart = performance.now();
    const file = join(dir, 'copy.db');
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [CLI, 'backup', '--to', file, '--data-dir', server.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    const backupEnd = performance.now();
    running = false;
    await Promise.all(pump);
    for (const c of devices) await c.endAsync();
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/backup: 100%/);
    expect(out.stdout).toContain('written to');
    const before = latency.filter((l) => l.at < backupStart).map((l) => l.ms);
    const during = latency.filter((l) => l.at >= backupStart && l.at <= backupEnd).map((l) => l.ms);
    console.log(`PUBACK p99 without backup ${p99(before).toFixed(1)} ms (n=${before.length}), during backup ${p99(during).toFixed(1)} ms (n=${during.length}); backup took ${(backupEnd - backupStart).toFixed(0)} ms incl. CLI start`);

    // a live server's data dir, and an existing database, are refused
    const live = runCli(['restore', '--from', file, '--data-dir', server.dataDir, '--force'], {});
    expect(live.status).toBe(1);
    expect(live.stderr).toMatch(/a server is running on .*pid \d+.*stop it first/);
    const target = join(dir, 'restored');
    const first = runCli(['restore', '--from', file, '--data-dir', target], {});
    expect(first.status, first.stderr).toBe(0);
    const again = runCli(['restore', '--from', file, '--data-dir', target], {});
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists: add --force/);

    // a server starts on the restored copy, and every event acked before the backup is there
    const restored = await startTestServer({ dataDir: target });
    try {
      const have = new Set((restored.db.prepare("SELECT device || '/' || event_id AS k FROM events").pluck().all() as string[]));
      const lost = ackedBefore.filter((k) => !have.has(k));
      expect(lost).toEqual([]);
      expect(have.size).toBeGreaterThanOrEqual(ackedBefore.length);
    } finally {
      await restored.stop();
    }
  }, 240_000);
});

describe('the audit log', () => {
  it('records REST device add and revoke; a revoked device is disconnected and refused; REST and CLI read it', async () => {
    const add = await server.api('/api/v1/devices', { token, body: { estate: TEST_ESTATE.id, id: 'gate-9', kind: 'gate' } });
    expect(add.status).toBe(201);
    const device = await connect(server.mqttUrl, 'gate-9', add.body.token);
    const gone = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const revoke = await server.api('/api/v1/devices/gate-9', { token, method: 'DELETE' });
    expect(revoke.status).toBe(200);
    await gone;
    await expect(connect(server.mqttUrl, 'gate-9', add.body.token)).rejects.toThrow();
    device.end(true);

    const page = await server.api('/api/v1/audit?target=gate-9', { token });
    expect(page.status).toBe(200);
    expect(page.body.entries.map((e: any) => e.action)).toEqual(['device.revoke', 'device.add']);
    expect(page.body.entries[1]).toMatchObject({ actor: 'admin', estate: TEST_ESTATE.id, summary: { kind: 'gate' } });
    expect(page.body.entries[1].source).toMatch(/127\.0\.0\.1/);
    expect(JSON.stringify(page.body)).not.toContain(add.body.token);

    // paging newest first with a cursor
    const p1 = await server.api('/api/v1/audit?action=device.&limit=1', { token });
    expect(p1.body.entries).toHaveLength(1);
    const p2 = await server.api(`/api/v1/audit?action=device.&limit=1&cursor=${p1.body.next}`, { token });
    expect(p2.body.entries[0].seq).toBeLessThan(p1.body.entries[0].seq);

    // CSV with a BOM
    const csv = await fetch(`${server.url}/api/v1/audit?format=csv&target=gate-9`, { headers: { authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM (fetch's text() would strip it)
    expect(bytes.toString('utf8').split('\r\n')[0]).toBe('\uFEFFseq,at,actor,source,action,estate,target,summary');

    // an estate-scoped admin sees only its estate; operators none; bad filters are 400
    const other = server.addUser('other-admin', 'admin', TEST_ESTATE.id);
    const otherToken = await server.login(other.username, other.password);
    const scoped = await server.api('/api/v1/audit', { token: otherToken });
    expect(scoped.status).toBe(200);
    expect(scoped.body.entries.every((e: any) => e.estate === TEST_ESTATE.id)).toBe(true);
    expect((await server.api('/api/v1/audit?estate=elsewhere', { token: otherToken })).status).toBe(403);
    const op = server.addUser('op', 'operator', TEST_ESTATE.id);
    expect((await server.api('/api/v1/audit', { token: await server.login(op.username, op.password) })).status).toBe(403);
    expect((await server.api('/api/v1/audit?from=yesterday', { token })).status).toBe(400);

    // the CLI reads the same log, and its own changes are audited as cli:<user>
    const cliRevoke = runCli(['device', 'revoke', '--id', 'cam-0', '--data-dir', server.dataDir], {});
    expect(cliRevoke.status, cliRevoke.stderr).toBe(0);
    const cli = runCli(['audit', '--action', 'device.revoke', '--data-dir', server.dataDir, '--csv'], {});
    expect(cli.status, cli.stderr).toBe(0);
    const rows = cli.stdout.trim().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/,cli:[^,]+,cli,device\.revoke,test,cam-0,/);
    expect(rows[2]).toMatch(/,admin,[^,]*127\.0\.0\.1,device\.revoke,test,gate-9,/);
  }, 240_000);
});
