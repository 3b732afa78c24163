// kill -9 of the server while 200 devices publish QoS 1: after a restart every event that was
// PUBACKed is stored exactly once — in the journal and, through the forwarder, in InfluxDB — and
// devices that resend (acknowledged or not) create no duplicates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, dbPath } from '../../server/store/db.ts';
import { createInfluxClient } from '../../server/influx/connection.ts';
import { freePort, startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startCli, until, type Child } from '../support/process.ts';
import { provisionFleet, runFleet, type FleetDevice } from '../support/fleet.ts';

let influxd: InfluxdHandle;
let dataDir: string;
let env: Record<string, string>;
let devices: FleetDevice[];
let server: Child | null = null;

const startServer = async () => {
  server = startCli(['serve'], env);
  await until('the server to answer', async () => (await fetch(`http://127.0.0.1:${env.SE_HTTP_PORT}/api/v1/health`)).ok, 30_000);
};

beforeAll(async () => {
  influxd = await startInfluxd();
  dataDir = mkdtempSync(join(tmpdir(), 'se-crash-'));
  const db = openDb(dbPath(dataDir));
  devices = provisionFleet(db, 200);
  db.close();
  env = {
    SE_DATA_DIR: dataDir,
    SE_HTTP_PORT: String(await freePort()),
    SE_MQTT_PORT: String(await freePort()),
    SE_HOST: '127.0.0.1',
    SE_INFLUX_URL: influxd.url,
  };
  await startServer();
});

afterAll(async () => {
  server?.proc.kill('SIGKILL');
  await influxd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 of the server under load', () => {
  it('keeps every acknowledged event exactly once', { timeout: 240_000 }, async () => {
    const t0 = Date.now();
    const step = (what: string) => process.env.SE_TEST_TRACE && console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
    const url = `mqtt://127.0.0.1:${env.SE_MQTT_PORT}`;
    const fleet = await runFleet(url, devices, { perDevice: 1_000_000, window: 10 });
    step('fleet connected');
    await until('3,000 acknowledged events', () => fleet.acked.size >= 3000, 60_000, 20);
    server!.proc.kill('SIGKILL');
    await server!.exited;
    fleet.stop();
    const acked = new Set(fleet.acked);
    const unacked = [...fleet.sent].filter((id) => !acked.has(id));
    expect(acked.size).toBeGreaterThanOrEqual(3000);

    step(`killed: ${acked.size} acked, ${unacked.length} unacked`);
    await startServer();
    step('restarted');
    // Devices resend what they are unsure of, and some of what was acknowledged (a device retry).
    const db = openDb(dbPath(dataDir), { readonly: true });
    const resend = [...unacked, ...[...acked].filter((_, i) => i % 7 === 0)];
    const byDevice = new Map<string, string[]>();
    for (const id of resend) {
      const dev = id.slice(0, id.lastIndexOf('-'));
      byDevice.set(dev, [...(byDevice.get(dev) ?? []), id]);
    }
    const { default: mqtt } = await import('mqtt');
    const { vehiclePayload, FLEET_ESTATE } = await import('../support/fleet.ts');
    await Promise.all(
      [...byDevice].map(async ([dev, ids]) => {
        const d = devices.find((x) => x.id === dev)!;
        const c = await mqtt.connectAsync(url, { username: d.id, password: d.token, reconnectPeriod: 0 });
        for (const id of ids) await c.publishAsync(`estates/${FLEET_ESTATE.id}/devices/${d.id}/vehicle`, vehiclePayload(id, Number(id.slice(id.lastIndexOf('-') + 1))), { qos: 1 });
        await c.endAsync();
      }),
    );

    step('resent');
    const rows = db.prepare("SELECT event_id AS id, count(*) AS n FROM events WHERE estate = 'fleet' GROUP BY event_id").all() as Array<{ id: string; n: number }>;
    const stored = new Map(rows.map((r) => [r.id, r.n]));
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing, `acknowledged but lost: ${missing.slice(0, 5).join(', ')}`).toEqual([]);
    expect(rows.filter((r) => r.n > 1)).toEqual([]);
    expect(stored.size).toBe(new Set([...acked, ...unacked]).size);
    db.close();

    // The forwarder resumes from its checkpoint: InfluxDB ends with every event once.
    const influx = createInfluxClient(influxd.url);
    const total = stored.size;
    const counted = await until(
      'InfluxDB to hold every journaled event',
      async () => {
        const r = await influx.query<{ count: number }>('SELECT count("seq") AS "count" FROM "vehicle"');
        step(`influx count ${r[0]?.count} of ${total}`);
        return r[0]?.count === total ? r[0].count : null;
      },
      60_000,
      1000,
    );
    expect(counted).toBe(total);
    const ids = await influx.query<{ id: string }>('SELECT "id" FROM "vehicle"');
    expect(new Set(ids.map((r) => r.id)).size).toBe(ids.length);
  });
});

describe('SIGTERM', () => {
  it('commits what is queued and hands the backlog to InfluxDB before exiting', { timeout: 120_000 }, async () => {
    const url = `mqtt://127.0.0.1:${env.SE_MQTT_PORT}`;
    const fleet = await runFleet(url, devices.slice(0, 50), { perDevice: 40, window: 10 });
    await until('2,000 acknowledged events', () => fleet.acked.size === 2000, 60_000, 20);
    fleet.stop();
    server!.proc.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    expect(server!.output()).toMatch(/SIGTERM: shutting down/);
    server = null;

    const db = openDb(dbPath(dataDir), { readonly: true });
    const journaled = (db.prepare("SELECT count(*) AS n FROM events WHERE estate = 'fleet'").get() as { n: number }).n;
    const checkpoint = Number((db.prepare("SELECT value FROM meta WHERE key = 'forwarder.influx.seq'").get() as { value: string }).value);
    const maxSeq = (db.prepare('SELECT max(seq) AS m FROM events').get() as { m: number }).m;
    db.close();
    expect(checkpoint).toBe(maxSeq); // nothing left behind for the next start
    const influx = createInfluxClient(influxd.url);
    const r = await influx.query<{ count: number }>('SELECT count("seq") AS "count" FROM "vehicle"');
    expect(r[0].count).toBe(journaled);
  });
});
