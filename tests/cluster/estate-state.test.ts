// Module state that moves with the estate, with real processes: two `smart-estate serve --cluster`
// nodes, one real redis-server, one real influxd. An alert raised on the owner is in the other node's
// SQLite (REST) as a replica; kill -9 of the owner: the survivor takes the estate and the camera's next
// event repeats the SAME alert (same id, no new alert), which an operator acknowledges there. The
// replica never ships what it applied (no ping-pong), and a stale owner's state XADD is refused by Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { until } from '../support/process.ts';
import { NODE_ADMIN_PASSWORD, operatorOn, startClusterNode, type ClusterNode } from '../support/cluster.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../support/mqtt.ts';
import { checkin, checkpointFile, dayRoute, putRoute, tourStops } from '../support/patrol.ts';
import { deviceTopic } from '../../protocol/index.ts';
import { FENCED_WRITE } from '../../server/cluster/lease-scripts.ts';
import { createRedis } from '../../server/cluster/redis.ts';

let redis: RedisHandle;
let influx: InfluxdHandle;
const nodes: ClusterNode[] = [];
const clients: MqttClient[] = [];
const E = 'test';
const OP_PASSWORD = 'cluster-op-pass-1';

beforeAll(async () => {
  [redis, influx] = await Promise.all([startRedis(), startInfluxd()]);
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.end(true);
  for (const n of nodes) await n.stop();
  await Promise.all([redis?.stop(), influx?.stop()]);
});

const lease = () => redis.command(['GET', `se:estate:{${E}}:owner`]);
const ownerNode = async () => /^([^/]+)\//.exec(await lease())?.[1] ?? null;

const operator = (node: ClusterNode) => operatorOn(node, E, OP_PASSWORD);

interface AlertRow { id: number; source: string; type: string; status: string; count: number }
async function alerts(node: ClusterNode, token: string, source: string): Promise<AlertRow[]> {
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/estates/${E}/alerts?limit=200`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { alerts: AlertRow[] }).alerts.filter((a) => a.source === source);
}

describe('module state moves with the estate', () => {
  it('an alert open on the owner is on the other node; after kill -9 of the owner the next event repeats the same alert there, and it is acknowledged there', async () => {
    const [a, b] = await Promise.all([startClusterNode('state-a', redis.url, influx.url), startClusterNode('state-b', redis.url, influx.url)]);
    nodes.push(a, b);
    const ownerId = await until('an owner', ownerNode, 15_000);
    const [owner, other] = ownerId === a.id ? [a, b] : [b, a];
    const [ownerToken, otherToken] = await Promise.all([operator(owner), operator(other)]);
    // the camera registered on both nodes (configuration is per node here); it talks to the owner first
    const tokens = new Map<ClusterNode, string>();
    for (const n of [owner, other]) tokens.set(n, JSON.parse(n.cli(['device', 'add', '--estate', E, '--id', 'cam-1', '--kind', 'camera', '--json'])).token);
    let n = 0;
    const fireOn = async (node: ClusterNode) => {
      const client = await connect(`mqtt://127.0.0.1:${node.mqtt}`, 'cam-1', tokens.get(node)!, { clientId: `cam-1-${node.id}` });
      clients.push(client);
      await client.publishAsync(deviceTopic(E, 'cam-1', 'camera'), JSON.stringify({ id: `cam-1-${++n}`, ts: Date.now(), type: 'fire', phase: 'start', score: 0.95 }), { qos: 1 });
      client.end(true);
    };
    await fireOn(owner);
    const [raised] = await until('the alert on the owner', async () => (await alerts(owner, ownerToken, 'cam-1'))[0] ? await alerts(owner, ownerToken, 'cam-1') : null, 15_000);
    expect(raised).toMatchObject({ type: 'fire', status: 'open', count: 1 });
    // the replica: the same alert, same id, in the other node's SQLite, read by its REST
    const copy = await until('the alert on the other node', async () => (await alerts(other, otherToken, 'cam-1'))[0] ?? null, 10_000);
    expect(copy).toMatchObject({ id: raised.id, type: 'fire', status: 'open', count: 1 });
    // the replica applied rows and shipped none (applying does not capture: no ping-pong)
    expect(await other.metric('se_cluster_state_applied_total')).toBeGreaterThan(0);
    expect(await other.metric('se_cluster_state_shipped_total')).toBe(0);
    expect(await other.metric('se_cluster_state_refused_total')).toBe(0);
    expect(await owner.metric('se_cluster_state_shipped_total')).toBeGreaterThan(0);
    // an operator on the node that holds only a copy is told to act on the owner (nothing half-done)
    const early = await fetch(`http://127.0.0.1:${other.http}/api/v1/estates/${E}/alerts/${raised.id}/acknowledge`, { method: 'POST', headers: { authorization: `Bearer ${otherToken}`, 'content-type': 'application/json' }, body: '{}' });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { reason?: string }).reason).toBe('not_owner');
    expect((await alerts(other, otherToken, 'cam-1'))[0].status).toBe('open');

    // kill -9 of the owner; the survivor takes the estate and reads its state to the end first
    const oldLease = await lease();
    owner.child.proc.kill('SIGKILL');
    await owner.child.exited;
    await until('the survivor owns the estate', async () => (await ownerNode()) === other.id, 15_000, 20);
    await fireOn(other);
    const repeated = await until('the same alert repeated on the survivor', async () => {
      const list = await alerts(other, otherToken, 'cam-1');
      return list.length === 1 && list[0].count === 2 ? list[0] : null;
    }, 20_000);
    expect(repeated).toMatchObject({ id: raised.id, status: 'open', count: 2 });
    // an operator acknowledges it on the survivor
    const ack = await fetch(`http://127.0.0.1:${other.http}/api/v1/estates/${E}/alerts/${raised.id}/acknowledge`, { method: 'POST', headers: { authorization: `Bearer ${otherToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'on it' }) });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as AlertRow).status).toBe('acknowledged');
    expect((await alerts(other, otherToken, 'cam-1')).map((x) => [x.id, x.status])).toEqual([[raised.id, 'acknowledged']]);

    // the dead owner's token, were it only paused: its state XADD is refused by Redis
    const oldToken = oldLease.split('|')[1];
    const client = createRedis(redis.url, 'stale-owner', () => {});
    await client.connect();
    const refused = (await client.eval(FENCED_WRITE, 2, `se:estate:{${E}}:owner`, `se:estate:{${E}}:state`, oldToken, 'XADD', '*', 'c', '[]', 'n', 'stale')) as [number, string];
    // not XLEN before/after: the survivor's own state (the acknowledgement's rows) may be shipped in between
    const entries = await client.xrange(`se:estate:{${E}}:state`, '-', '+');
    client.disconnect();
    // {0, "<current holder|token>"}: not written, and the holder named is the survivor
    expect(refused[0]).toBe(0);
    expect(refused[1]).toContain(other.id);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter(([, fields]) => fields.includes('stale'))).toEqual([]);
    await other.stop();
  }, 120_000);

  it('a patrol tour in progress on the owner goes on after kill -9 on the survivor: check-ins before and after count in one tour', async () => {
    // three checkpoints from an estate file, imported on each node before it starts
    const dir = mkdtempSync(join(tmpdir(), 'se-state-patrol-'));
    const file = checkpointFile(dir, E);
    const prepare = (cli: (args: string[]) => string) => {
      cli(['import', 'buildings', file]);
    };
    try {
      const [a, b] = await Promise.all([startClusterNode('tour-a', redis.url, influx.url, {}, { prepare }), startClusterNode('tour-b', redis.url, influx.url, {}, { prepare })]);
      nodes.push(a, b);
      const ownerId = await until('an owner', ownerNode, 15_000);
      const [owner, other] = ownerId === a.id ? [a, b] : [b, a];
      const { route, tourId } = dayRoute();
      const admin = new Map<ClusterNode, string>();
      const handheld = new Map<ClusterNode, string>();
      for (const node of [owner, other]) {
        const login = await fetch(`http://127.0.0.1:${node.http}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: NODE_ADMIN_PASSWORD }) });
        admin.set(node, ((await login.json()) as { token: string }).token);
        await putRoute(node, admin.get(node)!, E, route);
        handheld.set(node, JSON.parse(node.cli(['device', 'add', '--estate', E, '--id', 'hh-1', '--kind', 'patrol', '--json'])).token);
      }
      const checkinOn = (node: ClusterNode, checkpoint: string) => checkin(node, 'hh-1', handheld.get(node)!, checkpoint);
      const stops = (node: ClusterNode) => tourStops(node, admin.get(node)!, E, tourId);
      await checkinOn(owner, 'CP-01');
      await checkinOn(owner, 'CP-02');
      const two = 'CP-01:on_time:k-CP-01,CP-02:on_time:k-CP-02,CP-03:pending:-';
      await until('two check-ins in the tour on the owner', async () => (await stops(owner)) === two, 15_000);
      // the replica has the tour as the owner evaluated it
      await until('the tour copied to the other node', async () => (await stops(other)) === two, 10_000);

      owner.child.proc.kill('SIGKILL');
      await owner.child.exited;
      await until('the survivor owns the estate', async () => (await ownerNode()) === other.id, 15_000, 20);
      await checkinOn(other, 'CP-03');
      // one tour: the two check-ins made on the dead node and the one after count together
      await until('the tour completed on the survivor', async () => (await stops(other)) === 'CP-01:on_time:k-CP-01,CP-02:on_time:k-CP-02,CP-03:on_time:k-CP-03', 20_000);
      await other.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
