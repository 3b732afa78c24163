// One truth for all nodes, devices first (#15, docs/scale-out.md): two real `smart-estate serve
// --cluster` nodes share a real PostgreSQL (--config-db / SE_CONFIG_DB), a real redis-server and a real
// influxd. A device added on one node connects on the other; revoked on one, it is disconnected on
// the other; a node that was down catches up at start; PostgreSQL down stops configuration changes
// (with a clear error) and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { runCli, until } from '../support/process.ts';
import { NODE_ADMIN_PASSWORD, startClusterNode, type ClusterNode } from '../support/cluster.ts';
import { connect, connectRefused } from '../support/mqtt.ts';

let redis: RedisHandle;
let influx: InfluxdHandle;
let pg: PostgresHandle;
let a: ClusterNode;
let b: ClusterNode;
const clients: MqttClient[] = [];

const env = () => ({ SE_CONFIG_DB: pg.url });
const start = (id: string, dir?: string) => startClusterNode(id, redis.url, influx.url, env(), { dir });

/** `smart-estate device …` against a node's data dir with the cluster's settings as flags */
function device(node: ClusterNode, args: string[]) {
  return runCli(['device', ...args, '--config-db', pg.url, '--data-dir', node.dir], {});
}
function addDevice(node: ClusterNode, id: string): string {
  const r = device(node, ['add', '--estate', 'test', '--id', id, '--kind', 'sensor', '--json']);
  if (r.status !== 0) throw new Error(`device add ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout).token as string;
}
let attempts = 0;
/** a connected device; each attempt its own client id (the broker holds a client id that reconnects too often) */
async function session(node: ClusterNode, id: string, token: string): Promise<MqttClient> {
  const c = await connect(`mqtt://127.0.0.1:${node.mqtt}`, id, token, { clientId: `${id}-${node.id}-${++attempts}` });
  clients.push(c);
  return c;
}
const status = (n: string) => JSON.stringify({ id: n, ts: new Date().toISOString(), online: true });
/** a QoS 1 publish the node acknowledged, i.e. committed to its journal */
const publish = (c: MqttClient, id: string, n: string) => c.publishAsync(`estates/test/devices/${id}/status`, status(n), { qos: 1 });
const checkpoint = (node: ClusterNode) => {
  const db = new Database(join(node.dir, 'smart-estate.db'), { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare("SELECT value FROM meta WHERE key = 'config.pg.seq'").pluck().get() ?? 0);
  } finally {
    db.close();
  }
};
const localDevice = (node: ClusterNode, id: string) => {
  const db = new Database(join(node.dir, 'smart-estate.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id FROM devices WHERE id = ?').get(id);
  } finally {
    db.close();
  }
};
async function adminToken(node: ClusterNode): Promise<string> {
  const login = await fetch(`http://127.0.0.1:${node.http}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: NODE_ADMIN_PASSWORD }) });
  expect(login.status).toBe(200);
  return ((await login.json()) as { token: string }).token;
}
const restAdd = async (node: ClusterNode, token: string, id: string) =>
  fetch(`http://127.0.0.1:${node.http}/api/v1/devices`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ estate: 'test', id, kind: 'sensor' }) });

beforeAll(async () => {
  [redis, influx, pg] = await Promise.all([startRedis(), startInfluxd(), startPostgres()]);
  [a, b] = await Promise.all([start('cfg-a'), start('cfg-b')]);
}, 120_000);
afterAll(async () => {
  for (const c of clients) c.end(true);
  await Promise.all([a?.stop(), b?.stop()]);
  await Promise.all([redis?.stop(), influx?.stop(), pg?.stop()]);
});

describe('devices: one truth for all nodes (PostgreSQL)', () => {
  it('device add through the CLI against node A: the device connects and publishes on node B, and PostgreSQL holds only its token hash', async () => {
    const token = addDevice(a, 'sensor-1');
    const onB = await until('sensor-1 accepted by node B', () => session(b, 'sensor-1', token), 15_000);
    await publish(onB, 'sensor-1', 'one-1');
    const rows = await pg.query<{ token_hash: string }>("SELECT token_hash FROM devices WHERE id = 'sensor-1'");
    expect(rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }]);
    const plaintext = await pg.query<{ n: string }>("SELECT (SELECT count(*) FROM devices WHERE devices::text LIKE '%' || $1 || '%') + (SELECT count(*) FROM config_changes WHERE row::text LIKE '%' || $1 || '%') AS n", [token]);
    expect(Number(plaintext[0].n)).toBe(0);
    const changes = await pg.query<{ op: string; id: string }>('SELECT op, id FROM config_changes ORDER BY seq');
    expect(changes).toEqual([{ op: 'add', id: 'sensor-1' }]);
    // both nodes applied it (A has no request waiting on it: it came through NOTIFY as for B)
    await until('both nodes at the change', () => checkpoint(a) === 1 && checkpoint(b) === 1, 10_000);
  }, 60_000);

  it('revoked through node B: the device is disconnected on node A and refused everywhere', async () => {
    const token = addDevice(b, 'sensor-2');
    const onA = await until('sensor-2 accepted by node A', () => session(a, 'sensor-2', token), 15_000);
    await publish(onA, 'sensor-2', 'two-1');
    const r = device(b, ['revoke', '--id', 'sensor-2']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/revoked in the shared configuration/);
    await until('sensor-2 disconnected by node A', () => !onA.connected, 15_000);
    expect((await connectRefused(`mqtt://127.0.0.1:${a.mqtt}`, 'sensor-2', token)).message).toMatch(/bad username or password/i);
    expect((await connectRefused(`mqtt://127.0.0.1:${b.mqtt}`, 'sensor-2', token)).message).toMatch(/bad username or password/i);
    // a second revoke of a device nobody has: a clear error, nothing written
    const missing = device(a, ['revoke', '--id', 'nobody']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe("smart-estate: device 'nobody' not found in the configuration database: check --id\n");
  }, 60_000);

  it('node B down while a device is added over REST on A (answered only once A has it): B knows it as soon as it is up again', async () => {
    const dirB = b.dir;
    await b.halt();
    const admin = await adminToken(a);
    const res = await restAdd(a, admin, 'sensor-3');
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    // read-your-writes: no waiting, node A has applied the change before it answered
    await publish(await session(a, 'sensor-3', token), 'sensor-3', 'three-1');
    // the duplicate is refused by the truth, not by a copy
    expect((await restAdd(a, admin, 'sensor-3')).status).toBe(409);

    b = await start('cfg-b', dirB);
    // caught up before it accepted connections: no waiting here either
    await publish(await session(b, 'sensor-3', token), 'sensor-3', 'three-2');
    expect(checkpoint(b)).toBe(checkpoint(a));
  }, 90_000);

  it('PostgreSQL down: known devices connect and publish on both nodes, device add fails with a clear error; back up, the nodes catch up by themselves', async () => {
    const token = addDevice(a, 'sensor-4');
    const held = await until('sensor-4 accepted by node B', () => session(b, 'sensor-4', token), 15_000);
    // A too, before PostgreSQL goes (A has it from the same NOTIFY or the next poll)
    await until('node A has sensor-4', () => localDevice(a, 'sensor-4'), 10_000);
    // a login is itself a shared change (its session is valid on every node), so it is made before the outage
    const adminB = await adminToken(b);
    await pg.halt();
    try {
      // durability and authentication never wait on PostgreSQL
      for (let n = 0; n < 5; n++) await publish(held, 'sensor-4', `four-b-${n}`);
      const onA = await session(a, 'sensor-4', token);
      for (let n = 0; n < 5; n++) await publish(onA, 'sensor-4', `four-a-${n}`);
      expect(held.connected).toBe(true);

      const r = device(a, ['add', '--estate', 'test', '--id', 'sensor-5', '--kind', 'sensor']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`smart-estate: cannot reach the configuration database at postgres://127.0.0.1:${pg.port}/postgres: connection refused (is PostgreSQL running there?); configuration changes need it (check --config-db / SE_CONFIG_DB)\n`);
      const rest = await restAdd(b, adminB, 'sensor-5');
      expect(rest.status).toBe(503);
      expect(((await rest.json()) as { error: string }).error).toMatch(/cannot reach the configuration database/);
      await until('both nodes report the configuration database down', async () => (await a.metric('se_config_db_up')) === 0 && (await b.metric('se_config_db_up')) === 0, 10_000);
      // a node (re)started while PostgreSQL is away runs on its local copy
      const dirB = b.dir;
      await b.halt();
      b = await start('cfg-b', dirB);
      expect(b.child.output()).toMatch(/cannot reach the configuration database at postgres:\/\/127\.0\.0\.1:\d+\/postgres: connection refused .*runs on its local copy/);
      await publish(await session(b, 'sensor-4', token), 'sensor-4', 'four-restarted');
    } finally {
      await pg.restart();
    }
    // nothing half-done: neither the truth nor a copy has it
    expect(await pg.query("SELECT id FROM devices WHERE id = 'sensor-5'")).toEqual([]);
    for (const node of [a, b]) expect(localDevice(node, 'sensor-5')).toBeUndefined();
    // back: a change made while the nodes' LISTEN connections are still down reaches them through the poll and reconnect
    const later = addDevice(a, 'sensor-5');
    const onB = await until('sensor-5 accepted by node B after the outage', () => session(b, 'sensor-5', later), 20_000);
    await publish(onB, 'sensor-5', 'five-1');
    expect(await b.metric('se_config_db_up')).toBe(1);
    await until('both nodes at the newest change', async () => {
      const [{ seq }] = await pg.query<{ seq: string }>('SELECT max(seq) AS seq FROM config_changes');
      return checkpoint(a) === Number(seq) && checkpoint(b) === Number(seq);
    }, 20_000);
  }, 90_000);

  it('a device of an estate one node does not have waits there, in order, until the estate is created on it: nothing is skipped', async () => {
    a.cli(['estate', 'add', '--id', 'north', '--name', 'North', '--lat', '30.3', '--lon', '120.2']);
    const r = device(a, ['add', '--estate', 'north', '--id', 'north-1', '--kind', 'sensor', '--json']);
    expect(r.status).toBe(0);
    const north = JSON.parse(r.stdout).token as string;
    const after = addDevice(a, 'sensor-6'); // estate test, which B has: behind north-1 in the feed
    await publish(await until('north-1 accepted by node A', () => session(a, 'north-1', north), 15_000), 'north-1', 'n-1');
    await until('node B says why it holds the feed', () => /names estate 'north', which this node does not have: create it here/.test(b.child.output()), 15_000);
    expect(localDevice(b, 'sensor-6')).toBeUndefined();
    expect((await connectRefused(`mqtt://127.0.0.1:${b.mqtt}`, 'sensor-6', after)).message).toMatch(/bad username or password/i);

    b.cli(['estate', 'add', '--id', 'north', '--name', 'North', '--lat', '30.3', '--lon', '120.2']);
    const onB = await until('sensor-6 accepted by node B once north exists there', () => session(b, 'sensor-6', after), 15_000);
    await publish(onB, 'sensor-6', 'six-1');
    await publish(await session(b, 'north-1', north), 'north-1', 'n-2');
    expect(checkpoint(b)).toBe(checkpoint(a));
  }, 90_000);
});
