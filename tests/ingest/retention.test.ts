// Retention: InfluxDB gets its raw retention and hourly roll-ups on start; the journal is trimmed only
// after forwarding (with InfluxDB) or after the retention window (embedded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createInfluxClient } from '../../server/influx/connection.ts';
import { provisionFleet, runFleet } from '../support/fleet.ts';
import { trimJournal } from '../../server/ingest/retention.ts';

const DAY = 86_400_000;
let influxd: InfluxdHandle;
beforeAll(async () => {
  influxd = await startInfluxd();
});
afterAll(() => influxd?.stop());

const insertOld = (server: TestServer, id: string, rx: number) =>
  server.db
    .prepare("INSERT INTO events (estate, device, kind, event_id, ts, rx, body) VALUES ('test', 'd', 'status', ?, ?, ?, ?)")
    .run(id, rx, rx, JSON.stringify({ estate: 'test', device: 'd', kind: 'status', id, ts: rx, rx, data: { online: true } }));
const has = (server: TestServer, id: string) => server.db.prepare('SELECT 1 FROM events WHERE event_id = ?').get(id) !== undefined;

describe('InfluxDB retention', () => {
  it('sets the raw retention, creates the long policy and one hourly roll-up per kind, once', async () => {
    const server = await startTestServer({ influxUrl: influxd.url, retentionDays: 14 });
    await server.stop();
    const again = await startTestServer({ influxUrl: influxd.url, retentionDays: 14 }); // idempotent
    await again.stop();
    const influx = createInfluxClient(influxd.url);
    const db = new URL(influxd.url).pathname.slice(1);
    const policies = await influx.showRetentionPolicies(db);
    expect(policies.find((p) => p.default)).toMatchObject({ duration: '336h0m0s' });
    expect(policies.find((p) => p.name === 'long')).toMatchObject({ duration: '0s' });
    const cqs = (await influx.showContinousQueries(db)).map((q) => q.name).sort();
    expect(cqs).toEqual(['se_hourly_camera', 'se_hourly_checkin', 'se_hourly_position', 'se_hourly_status', 'se_hourly_vehicle']);
    const cq = (await influx.showContinousQueries(db)).find((q) => q.name === 'se_hourly_vehicle')!;
    expect(cq.query).toMatch(/INTO .*long.*vehicle_hourly/);
  });
});

describe('journal trimming', () => {
  it('embedded: keeps the retention window, deletes what is older', async () => {
    const server = await startTestServer({ retentionDays: 30 });
    const now = Date.now();
    insertOld(server, 'old', now - 31 * DAY);
    insertOld(server, 'recent', now - 29 * DAY);
    expect(server.trimJournal(now)).toBe(1);
    expect(has(server, 'old')).toBe(false);
    expect(has(server, 'recent')).toBe(true);
    await server.stop();
  });

  it('with InfluxDB: deletes only forwarded rows older than the keep window', async () => {
    const server = await startTestServer({ influxUrl: influxd.url, journalKeepDays: 7 });
    const now = Date.now();
    const fleet = await runFleet(server.mqttUrl, provisionFleet(server.db, 2), { perDevice: 5, window: 1 });
    while (fleet.acked.size < 10) await new Promise((r) => setImmediate(r));
    fleet.stop();
    await server.drainForwarder();
    expect(server.trimJournal(now)).toBe(0); // forwarded, but inside the keep window
    expect(server.trimJournal(now + 8 * DAY)).toBe(10); // forwarded and older than 7 days
    // An old row that was never forwarded stays, whatever its age.
    const checkpoint = Number((server.db.prepare("SELECT value FROM meta WHERE key = 'forwarder.influx.seq'").get() as { value: string }).value);
    // seq never goes back after a trim, so a new row always lies beyond the checkpoint
    expect(Number(insertOld(server, 'unforwarded', now - 100 * DAY).lastInsertRowid)).toBeGreaterThan(checkpoint);
    expect(trimJournal(server.db, { before: now + 100 * DAY, upToSeq: checkpoint })).toBe(0);
    expect(has(server, 'unforwarded')).toBe(true);
    await server.stop();
  });
});
