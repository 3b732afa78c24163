// The Redis failure test of #15 with real processes: two `smart-estate serve --cluster` nodes, one
// real redis-server (AOF, fsync always), one real influxd; 60 devices publishing QoS 1 status events,
// half connected to each node; a dashboard on each node. Redis is killed (-9) and, once every lease
// Redis stored has run out, started again on its port and dir; later it is restarted plainly
// (SIGTERM, start). Throughout: PUBACKs go on (counted while Redis is down), each node's estate
// ownership as it reports it (/metrics, sampled) never has two owners; after each restart ownership
// is re-established and the live fan-out resumes by itself (each dashboard sees the other node's
// events again); at the end every acknowledged event is in InfluxDB exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { until } from '../support/process.ts';
import { NODE_ADMIN_PASSWORD, startClusterNode, type ClusterNode } from '../support/cluster.ts';
import { connect } from '../support/mqtt.ts';
import { addEstates, influxCounts, journalOf, liveKeys, registerEverywhere, roam, type Roaming } from '../support/roaming.ts';
import { DEFAULT_TIMINGS } from '../../server/cluster/lease-machine.ts';

const E = 'rr';
const DEVICES = 60;
const EVERY_MS = 1000;

let redis: RedisHandle;
let influx: InfluxdHandle;
const nodes: ClusterNode[] = [];
const clients: MqttClient[] = [];
let load: Roaming | null = null;

beforeAll(async () => {
  [redis, influx] = await Promise.all([startRedis(), startInfluxd()]);
}, 60_000);
afterAll(async () => {
  load?.end();
  for (const c of clients) c.end(true);
  for (const n of nodes) await n.stop();
  await Promise.all([redis?.stop(), influx?.stop()]);
});

const ownerOf = async () => /^([^/]+)\//.exec(await redis.command(['GET', `se:estate:{${E}}:owner`]))?.[1] ?? null;

/** A dashboard on the node: the estate's live feed (v2 on one node, v1 on the other); the events seen. */
async function dashboard(node: ClusterNode, level: 'live' | 'live2'): Promise<Set<string>> {
  const login = await fetch(`http://127.0.0.1:${node.http}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: NODE_ADMIN_PASSWORD }) });
  expect(login.status).toBe(200);
  const client = await connect(`mqtt://127.0.0.1:${node.mqtt}`, 'admin', ((await login.json()) as { token: string }).token);
  clients.push(client);
  const seen = new Set<string>();
  client.on('message', (topic, payload) => {
    for (const k of liveKeys(topic, JSON.parse(payload.toString()))) seen.add(k);
  });
  await client.subscribeAsync(`estates/${E}/${level}/#`, { qos: 1 });
  return seen;
}

/**
 * Samples each node's belief (se_cluster_estates_owned, read at the scrape) in the order a, b, a:
 * two owners at once = b owned the estate while a did both before and after it.
 */
function ownerSampler(a: ClusterNode, b: ClusterNode) {
  const violations: string[] = [];
  let samples = 0;
  let running = true;
  const owns = async (n: ClusterNode) => (await n.metric('se_cluster_estates_owned')) === 1;
  const loop = (async () => {
    while (running) {
      const [a1, b1, a2] = [await owns(a), await owns(b), await owns(a)];
      samples++;
      if (a1 && b1 && a2) violations.push(`sample ${samples}: both ${a.id} and ${b.id} own ${E}`);
      const [b2, a3, b3] = [await owns(b), await owns(a), await owns(b)];
      if (b2 && a3 && b3) violations.push(`sample ${samples}: both ${b.id} and ${a.id} own ${E}`);
      await new Promise((r) => setTimeout(r, 20)); // a sampling period, not a wait for anything
    }
  })();
  return {
    violations,
    samples: () => samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('Redis restarted under load', () => {
  it('kill -9 (AOF) and a plain restart: PUBACKs go on, fan-out resumes by itself, ownership comes back with one owner, nothing lost or doubled', async () => {
    const dirs = [0, 1].map(() => {
      const dir = mkdtempSync(join(tmpdir(), 'se-node-rr-'));
      addEstates(dir, [E]);
      return dir;
    });
    const ids = Array.from({ length: DEVICES }, (_v, i) => ({ id: `rr-s${String(i).padStart(2, '0')}`, estate: E }));
    const tokens = registerEverywhere(dirs, ids);
    const a = await startClusterNode('redis-a', redis.url, influx.url, {}, { dir: dirs[0] });
    nodes.push(a);
    await until('redis-a owns the estate', async () => (await ownerOf()) === a.id, 15_000);
    const b = await startClusterNode('redis-b', redis.url, influx.url, {}, { dir: dirs[1] });
    nodes.push(b);
    const [onA, onB] = [await dashboard(a, 'live'), await dashboard(b, 'live2')];
    const onNode = (i: number) => (i % 2 === 0 ? a : b);
    const ofA = new Set(ids.filter((_d, i) => onNode(i) === a).map((d) => d.id));
    const ofB = new Set(ids.filter((_d, i) => onNode(i) === b).map((d) => d.id));
    load = await roam(ids.map((d, i) => ({ ...d, token: tokens.get(d.id)!, url: `mqtt://127.0.0.1:${onNode(i).mqtt}` })), EVERY_MS);
    await until('every device acknowledged twice: under load', () => ids.every((d) => load!.ackedSince(d.id, 0) >= 2), 30_000, 100);
    /** the first event acknowledged by `from`'s devices after `since` that `dash` (on the other node) saw */
    const crossed = (since: number, from: Set<string>, dash: Set<string>) => [...load!.acked].some(([k, at]) => at > since && from.has(k.slice(0, k.indexOf('/'))) && dash.has(k));
    expect(crossed(0, ofA, onB) && crossed(0, ofB, onA)).toBe(true);

    const sampler = ownerSampler(a, b);
    try {
      // kill -9: both nodes see the link go, PUBACKs go on from both; every belief runs out
      const killedAt = Date.now();
      await redis.kill9();
      await until('both links down', async () => (await a.metric('se_cluster_link_up')) === 0 && (await b.metric('se_cluster_link_up')) === 0, 15_000, 50);
      await until('nobody believes it owns the estate', async () => (await a.metric('se_cluster_estates_owned')) === 0 && (await b.metric('se_cluster_estates_owned')) === 0, 15_000, 50);
      await until('PUBACKs from both nodes while Redis is down', () => load!.ackedBetween(killedAt, Infinity, ofA) >= DEVICES && load!.ackedBetween(killedAt, Infinity, ofB) >= DEVICES, 30_000, 100);
      // once the lease Redis stored ran out too (none was renewed after the kill), a new token is handed out after the restart
      await until('the stored lease has run out', () => Date.now() > killedAt + DEFAULT_TIMINGS.leaseMs + 20, 10_000, 10);
      const restartAt = Date.now();
      await redis.restart();
      const outage = { a: load.ackedBetween(killedAt, restartAt, ofA), b: load.ackedBetween(killedAt, restartAt, ofB), ms: restartAt - killedAt };
      await until('both links up again', async () => (await a.metric('se_cluster_link_up')) === 1 && (await b.metric('se_cluster_link_up')) === 1, 15_000, 50);
      const owner1 = await until('an owner again', ownerOf, 15_000, 50);
      await until(`${owner1} says it owns the estate`, async () => (await nodes.find((n) => n.id === owner1)!.metric('se_cluster_estates_owned')) === 1, 10_000, 50);
      await until('fan-out resumed both ways after the kill', () => crossed(restartAt, ofA, onB) && crossed(restartAt, ofB, onA), 20_000, 100);

      // a plain restart (SIGTERM, AOF written out, start on the same port and dir)
      const plainAt = Date.now();
      await redis.restart();
      const backAt = Date.now();
      await until('both links up after the plain restart', async () => (await a.metric('se_cluster_link_up')) === 1 && (await b.metric('se_cluster_link_up')) === 1, 15_000, 50);
      const owner2 = await until('an owner after the plain restart', ownerOf, 15_000, 50);
      await until('fan-out resumed both ways after the plain restart', () => crossed(backAt, ofA, onB) && crossed(backAt, ofB, onA), 20_000, 100);
      // the PUBACKs during the plain restart, and a few more after it, from both nodes
      await until('PUBACKs from both nodes after the plain restart', () => load!.ackedBetween(backAt, Infinity, ofA) >= DEVICES / 2 && load!.ackedBetween(backAt, Infinity, ofB) >= DEVICES / 2, 20_000, 100);
      console.info(`Redis kill -9: ${outage.ms} ms down, PUBACKs meanwhile ${outage.a} (node a) + ${outage.b} (node b); owner after it ${owner1}; plain restart: ${backAt - plainAt} ms, PUBACKs meanwhile ${load.ackedBetween(plainAt, backAt)}; owner after it ${owner2}`);
      expect(outage.a).toBeGreaterThan(0);
      expect(outage.b).toBeGreaterThan(0);
    } finally {
      await sampler.stop();
    }
    console.info(`ownership sampled ${sampler.samples()} times (a, b, a / b, a, b over /metrics): ${sampler.violations.length} with two owners`);
    expect(sampler.samples()).toBeGreaterThan(20);
    expect(sampler.violations).toEqual([]);

    await load.drain();
    expect(load.acked.size).toBe(load.sent.size);
    for (const n of nodes) {
      await until(`${n.id} forwarded and handed over everything`, async () => (await n.metric('se_journal_lag_events')) === 0 && (await n.metric('se_cluster_handoff_lag_events')) === 0, 30_000, 100);
    }
    const points = await until('InfluxDB holds every acknowledged event', async () => {
      const m = await influxCounts(influx, [E]);
      return [...load!.acked.keys()].every((k) => m.has(k)) ? m : null;
    }, 30_000, 250);
    const doubled = [...points].filter(([, n]) => n > 1);
    console.info(`${load.acked.size} events acknowledged; points in InfluxDB ${points.size}, doubled ${doubled.length}`);
    expect(doubled).toEqual([]);
    expect(points.size).toBe(load.acked.size);

    // A resend through the other node (its PUBACK died with the first): one event in both journals,
    // one point in InfluxDB — the cluster folds the event's identity, not a node's seq, into its time.
    const device = ids[0];
    const body = JSON.stringify({ id: 'resent-1', ts: Date.now(), online: true, battery: 77 });
    for (const n of [a, b]) {
      const c = await connect(`mqtt://127.0.0.1:${n.mqtt}`, device.id, tokens.get(device.id)!, { clientId: `${device.id}-resend-${n.id}` });
      clients.push(c);
      await c.publishAsync(`estates/${E}/devices/${device.id}/status`, body, { qos: 1 });
      c.end(true);
    }
    const key = `${device.id}/resent-1`;
    for (const n of [a, b]) {
      const j = journalOf(n.dir);
      try {
        expect(j.rows().some((r) => r.key === key), `${n.id} journaled the resend`).toBe(true);
      } finally {
        j.close();
      }
      await until(`${n.id} forwarded the resend`, async () => (await n.metric('se_journal_lag_events')) === 0, 30_000, 100);
    }
    const after = await until('InfluxDB holds the resent event', async () => {
      const m = await influxCounts(influx, [E]);
      return m.has(key) ? m : null;
    }, 30_000, 250);
    expect(after.get(key)).toBe(1);
  }, 150_000);
});
