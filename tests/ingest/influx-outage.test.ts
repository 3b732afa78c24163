// InfluxDB killed (-9) for 30 s while devices keep publishing: devices are still acknowledged (the
// journal holds everything), the forwarder retries without limit, and once influxd is back the
// backlog drains with nothing lost and nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { provisionFleet, runFleet } from '../support/fleet.ts';
import { until } from '../support/process.ts';
import { createInfluxClient } from '../../server/influx/connection.ts';

const OUTAGE_MS = 30_000;
let influxd: InfluxdHandle;
let server: TestServer;

beforeAll(async () => {
  influxd = await startInfluxd();
  server = await startTestServer({ influxUrl: influxd.url });
});
afterAll(async () => {
  await server?.stop();
  await influxd?.stop();
});

const metric = async (name: string) => {
  const text = (await server.api('/metrics')).body as string;
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

describe('an InfluxDB outage under load', () => {
  it('loses nothing, duplicates nothing and drains the backlog', { timeout: 180_000 }, async () => {
    const devices = provisionFleet(server.db, 40);
    const influx = createInfluxClient(influxd.url);

    const before = await runFleet(server.mqttUrl, devices.slice(0, 20), { perDevice: 50, window: 5 });
    await until('the first fleet to finish', () => before.acked.size === 20 * 50, 30_000);
    before.stop();
    await until('the first events to reach InfluxDB', async () => (await influx.query('SELECT count("seq") FROM "vehicle"')).length > 0, 30_000, 100);

    influxd.kill9();
    const outageStarted = Date.now();
    // Load goes on through the outage: the scenario's clock is the outage itself.
    const during = await runFleet(server.mqttUrl, devices.slice(20), { perDevice: 1_000_000, window: 2 });
    await until('the outage to have lasted 30 s', () => Date.now() - outageStarted >= OUTAGE_MS, OUTAGE_MS + 10_000, 250);
    during.stop();
    expect(during.acked.size).toBeGreaterThan(100); // devices were acknowledged all through the outage
    expect(await metric('se_journal_lag_events')).toBeGreaterThan(0);
    expect(await metric('se_forwarder_retries')).toBeGreaterThan(0);
    expect(await metric('se_journal_lag_seconds')).toBeGreaterThan(OUTAGE_MS / 1000 / 2);

    await influxd.restart();
    await server.drainForwarder();
    const journaled = (server.db.prepare("SELECT count(*) AS n FROM events WHERE estate = 'fleet'").get() as { n: number }).n;
    const acked = new Set([...before.acked, ...during.acked]);
    expect(journaled).toBeGreaterThanOrEqual(acked.size);
    const rows = await influx.query<{ id: string }>('SELECT "id" FROM "vehicle"');
    const ids = new Set(rows.map((r) => r.id));
    expect(rows.length).toBe(journaled);
    expect(ids.size).toBe(rows.length);
    expect([...acked].filter((id) => !ids.has(id))).toEqual([]);
    expect(await metric('se_journal_lag_events')).toBe(0);
    expect(await metric('se_forwarder_dead_letters')).toBe(0);
  });
});
