// Vehicle sessions move with the estate (#15: "sessions must not be raised twice or lost when
// ownership moves"), with real processes: two `smart-estate serve --cluster` nodes, one real
// redis-server, one real influxd. A car enters through a gate whose camera talks to the owner: the
// session is open there and, as a replica, in the other node's SQLite (REST), with the car-park
// count; a count correction on the non-owner is refused (409 not_owner). kill -9 of the owner: the
// camera's exit read on the survivor closes the SAME session (same id, one session, no
// `entry_missed`), the count goes back to 0, and a correction there is accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { until } from '../support/process.ts';
import { startClusterNode, type ClusterNode } from '../support/cluster.ts';
import { CAMERA, GATE, correct, gateFile, parked, plateRead, sessionsOf } from '../support/vehicles.ts';

let redis: RedisHandle;
let influx: InfluxdHandle;
const nodes: ClusterNode[] = [];
const E = 'test';
const PLATE = '浙A12345';
const OP_PASSWORD = 'cluster-op-pass-1';
let dir = '';

beforeAll(async () => {
  [redis, influx] = await Promise.all([startRedis(), startInfluxd()]);
  dir = mkdtempSync(join(tmpdir(), 'se-vehicle-state-'));
}, 60_000);
afterAll(async () => {
  for (const n of nodes) await n.stop();
  await Promise.all([redis?.stop(), influx?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ownerNode = async () => /^([^/]+)\//.exec(await redis.command(['GET', `se:estate:{${E}}:owner`]))?.[1] ?? null;

async function operator(node: ClusterNode): Promise<string> {
  node.cli(['user', 'add', '--name', 'op', '--role', 'operator', '--password', OP_PASSWORD, '--estate', E]);
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'op', password: OP_PASSWORD }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

describe('vehicle sessions move with the estate', () => {
  it('a car that entered on the owner leaves after kill -9 of the owner through the survivor: the same session closes there, once', async () => {
    const file = gateFile(dir, E);
    // the estate file and the camera on each node before it starts (configuration is per node here)
    const cameraTokens = new Map<string, string>();
    const prepare = (id: string) => (cli: (args: string[]) => string) => {
      cli(['import', 'buildings', file]);
      cameraTokens.set(id, JSON.parse(cli(['device', 'add', '--estate', E, '--id', CAMERA, '--kind', 'gate', '--json'])).token);
    };
    const [a, b] = await Promise.all([
      startClusterNode('veh-a', redis.url, influx.url, {}, { prepare: prepare('veh-a') }),
      startClusterNode('veh-b', redis.url, influx.url, {}, { prepare: prepare('veh-b') }),
    ]);
    nodes.push(a, b);
    const ownerId = await until('an owner', ownerNode, 15_000);
    const [owner, other] = ownerId === a.id ? [a, b] : [b, a];
    const [ownerToken, otherToken] = await Promise.all([operator(owner), operator(other)]);

    // the car enters; the camera talks to the owner
    await plateRead(owner, cameraTokens.get(owner.id)!, E, 'r-in', PLATE, 'in');
    const [entered] = await until('the open session on the owner', async () => {
      const list = await sessionsOf(owner, ownerToken, E, PLATE);
      return list.length ? list : null;
    }, 15_000);
    expect(entered).toMatchObject({ plate: PLATE, status: 'open', gateIn: GATE, inEvent: `${CAMERA}/r-in`, exitedAt: null });
    expect(await parked(owner, ownerToken, E)).toBe(1);
    // the replica: the same session (same id) and the same count in the other node's SQLite
    await until('the session copied to the other node', async () => {
      const list = await sessionsOf(other, otherToken, E, PLATE);
      return list.length === 1 && list[0].id === entered.id && list[0].status === 'open' ? list : null;
    }, 10_000);
    await until('the count copied to the other node', async () => (await parked(other, otherToken, E)) === 1, 10_000);
    // a count correction on the node with the copy only is refused: the owner's next read would overwrite it
    const early = await correct(other, otherToken, E, 5);
    expect(early.status).toBe(409);
    expect(early.body.reason).toBe('not_owner');
    expect(await parked(other, otherToken, E)).toBe(1);

    // kill -9 of the owner; the survivor takes the estate and reads its state to the end first
    owner.child.proc.kill('SIGKILL');
    await owner.child.exited;
    await until('the survivor owns the estate', async () => (await ownerNode()) === other.id, 15_000, 20);
    // the car leaves; the camera now talks to the survivor
    await plateRead(other, cameraTokens.get(other.id)!, E, 'r-out', PLATE, 'out');
    const closed = await until('the session closed on the survivor', async () => {
      const list = await sessionsOf(other, otherToken, E, PLATE);
      return list.some((s) => s.status !== 'open') ? list : null;
    }, 20_000);
    // one session, the one that opened on the dead node: not an `entry_missed` next to a stale open one
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ id: entered.id, status: 'closed', gateIn: GATE, gateOut: GATE, inEvent: `${CAMERA}/r-in`, outEvent: `${CAMERA}/r-out`, enteredAt: entered.enteredAt });
    expect(closed[0].exitedAt).toBeGreaterThanOrEqual(entered.enteredAt!);
    expect(await parked(other, otherToken, E)).toBe(0);
    // the survivor is the owner now: its operators correct the count there
    const fixed = await correct(other, otherToken, E, 2);
    expect(fixed.status).toBe(200);
    expect(await parked(other, otherToken, E)).toBe(2);
    await other.stop();
  }, 90_000);
});
