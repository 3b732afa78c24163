// In a cluster the journal is also the hand-off's source: a row may go only after the forwarder wrote
// it to InfluxDB AND the hand-off sent it to its estate's owner (or passed it over). A Redis outage
// longer than the keep window must not trim away events the owner has not seen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { FLEET_ESTATE, provisionFleet, runFleet } from '../support/fleet.ts';
import { until } from '../support/process.ts';

const DAY = 86_400_000;
let influxd: InfluxdHandle;
let redis: RedisHandle;
let server: TestServer | null = null;
beforeAll(async () => {
  [influxd, redis] = await Promise.all([startInfluxd(), startRedis()]);
});
afterAll(async () => {
  await server?.stop();
  await Promise.all([influxd?.stop(), redis?.stop()]);
});

describe('journal trimming in a cluster', () => {
  it('keeps rows the hand-off has not sent, however old, and trims them once it has', async () => {
    server = await startTestServer({ influxUrl: influxd.url, journalKeepDays: 7, cluster: { redisUrl: redis.url, nodeId: 'trim-a', nodeIdFrom: 'configured' } });
    const devices = provisionFleet(server.db, 2);
    const handoff = server.cluster!.handoff!;
    // Redis away: the node no longer owns the estate, so its events are for the hand-off, which waits
    await redis.kill9();
    await until('the lease ran out', () => !server!.cluster!.ownership.tokenFor(FLEET_ESTATE.id), 15_000);
    const fleet = await runFleet(server.mqttUrl, devices, { perDevice: 5, window: 1 });
    await until('ten events acknowledged', () => fleet.acked.size >= 10);
    fleet.stop();
    await server.drainForwarder();
    const maxSeq = () => (server!.db.prepare('SELECT max(seq) AS s FROM events').get() as { s: number }).s;
    expect(handoff.handedOverUpTo()).toBeLessThan(maxSeq());
    const now = Date.now();
    expect(server.trimJournal(now + 8 * DAY)).toBe(0); // forwarded and "old", but not handed over
    await redis.restart();
    await until('everything handed over', () => handoff.handedOverUpTo() >= maxSeq(), 20_000);
    expect(server.trimJournal(now + 8 * DAY)).toBe(10);
  }, 60_000);
});
