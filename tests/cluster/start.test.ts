// Starting a cluster node: clear errors when Redis is not there, the node id in Redis, the command
// line's refusals; and that a single node (no --cluster) never touches Redis. Real redis-server,
// real influxd, the real `smart-estate` command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { freePort, startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startTestServer } from '../support/server.ts';
import { runCli, until } from '../support/process.ts';
import { connect } from '../support/mqtt.ts';
import { ClusterError, probeRedis } from '../../server/cluster/index.ts';
import { persistenceWarning } from '../../server/cluster/redis.ts';

let redis: RedisHandle;
let influx: InfluxdHandle;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'se-cluster-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  [redis, influx] = await Promise.all([startRedis(), startInfluxd()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), influx?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a cluster node at start', () => {
  it('starts with Redis and InfluxDB, holds the lease of its estate, and releases it on close', async () => {
    const server = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'node-start', nodeIdFrom: 'configured' }, influxUrl: influx.url });
    try {
      expect(server.cluster?.nodeId).toBe('node-start');
      expect(server.cluster?.link.current.state).toBe('up');
      // the test estate was added after start: the next tick picks it up
      await server.cluster!.ownership.tick();
      expect(server.cluster!.ownership.owned()).toEqual(['test']);
      expect(await redis.command(['GET', 'se:estate:{test}:owner'])).toMatch(/^node-start\/[0-9a-f]{8}\|\d+$/);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^se_cluster_link_up 1$/m);
    } finally {
      await server.stop();
    }
    expect(await redis.command(['EXISTS', 'se:estate:{test}:owner'])).toBe(':0');
  }, 30_000);

  it('says at start what a Redis crash would lose when Redis does not fsync every write, and nothing when it does', async () => {
    expect(await probeRedis(redis.url)).toMatchObject({ warning: null }); // the tests' Redis: AOF, appendfsync always
    await redis.command(['CONFIG', 'SET', 'appendfsync', 'everysec']);
    try {
      expect((await probeRedis(redis.url)).warning).toMatch(/keeps appendfsync everysec: a crash loses up to a second of writes .*hand-off entries .*'appendfsync always'/);
      await redis.command(['CONFIG', 'SET', 'appendonly', 'no']);
      expect((await probeRedis(redis.url)).warning).toMatch(/keeps no AOF: a restart loses every key/);
    } finally {
      await redis.command(['CONFIG', 'SET', 'appendonly', 'yes']);
      await redis.command(['CONFIG', 'SET', 'appendfsync', 'always']);
    }
    expect(persistenceWarning('r:6379', true, null)).toBeNull(); // CONFIG renamed away: the AOF flag is all there is
  }, 30_000);

  it('refuses to start when Redis cannot be reached, saying where and why, with nothing left open', async () => {
    const nobody = await freePort();
    const dataDir = tempDir();
    const err = await startTestServer({ dataDir, cluster: { redisUrl: `redis://127.0.0.1:${nobody}`, nodeId: 'n', nodeIdFrom: 'configured' }, influxUrl: influx.url }).catch((e) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect(err.message).toBe(`cannot reach Redis at redis://127.0.0.1:${nobody}: connection refused (is redis-server running there?); the cluster node does not start without it (check --cluster / SE_REDIS_URL)`);
    // nothing was opened: the same data dir starts a single node at once
    const single = await startTestServer({ dataDir });
    await single.stop();
  }, 30_000);

  it('refuses a cluster without InfluxDB history when started from code too', async () => {
    const err = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'n', nodeIdFrom: 'configured' } }).catch((e) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect(err.message).toMatch(/needs InfluxDB history/);
  });

  it('a single node (no --cluster) leaves Redis alone', async () => {
    const before = await redis.command(['INFO', 'stats']);
    const server = await startTestServer({ influxUrl: influx.url });
    expect(server.cluster).toBeNull();
    await server.stop();
    const connections = (info: string) => Number(/total_connections_received:(\d+)/.exec(info)![1]);
    // only our own INFO connection came in between
    expect(connections(await redis.command(['INFO', 'stats']))).toBe(connections(before) + 1);
  }, 30_000);
});

describe('node ids and a Redis that hangs', () => {
  const cluster = (nodeId: string) => ({ redisUrl: redis.url, nodeId, nodeIdFrom: 'configured' as const });

  it('a second running node with the same id is refused; a crashed one\'s id is free again once its registration lapses', async () => {
    const first = await startTestServer({ cluster: cluster('twin'), influxUrl: influx.url });
    try {
      const err = await startTestServer({ cluster: cluster('twin'), influxUrl: influx.url }).catch((e) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect(err.message).toBe("node id 'twin' is in use by another running node (its registration in Redis is being renewed): give each node its own --node-id / SE_NODE_ID");
    } finally {
      await first.stop();
    }
    // a predecessor killed -9 leaves its registration behind: the restarted node waits it out
    await redis.command(['SET', 'se:node:phoenix', 'dead0000', 'PX', '1500']);
    const restarted = await startTestServer({ cluster: cluster('phoenix'), influxUrl: influx.url });
    expect(await redis.command(['GET', 'se:node:phoenix'])).not.toBe('dead0000');
    await restarted.stop();
    expect(await redis.command(['EXISTS', 'se:node:phoenix'])).toBe(':0');
  }, 30_000);

  it('Redis hung (SIGSTOP, connections open): the link goes down, QoS 1 publishes are still acknowledged, and it comes back by itself', async () => {
    const server = await startTestServer({ cluster: cluster('hang'), influxUrl: influx.url });
    try {
      const token = server.addDevice('sensor', 'sensor-h');
      const device = await connect(server.mqttUrl, 'sensor-h', token, { clientId: 'sensor-h' });
      try {
        const status = (n: number) => JSON.stringify({ id: `h-${n}`, online: true });
        await device.publishAsync('estates/test/devices/sensor-h/status', status(0), { qos: 1 });
        redis.pause();
        try {
          await until('the link down', () => server.cluster!.link.current.state === 'down', 10_000);
          expect(server.cluster!.link.current.error).toMatch(/no answer from Redis/);
          for (let n = 1; n <= 5; n++) await device.publishAsync('estates/test/devices/sensor-h/status', status(n), { qos: 1 });
          expect(server.db.prepare("SELECT count(*) FROM events WHERE device = 'sensor-h'").pluck().get()).toBe(6);
        } finally {
          redis.resume();
        }
        await until('the link up again', () => server.cluster!.link.current.state === 'up', 10_000);
      } finally {
        device.end(true);
      }
    } finally {
      await server.stop();
    }
  }, 30_000);
});

describe('smart-estate serve --cluster', () => {
  it('without InfluxDB: refuses in one line and exits 1', async () => {
    const r = runCli(['serve', '--cluster', redis.url, '--data-dir', tempDir(), '--http-port', String(await freePort()), '--mqtt-port', String(await freePort())], {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^smart-estate: invalid configuration:\n {2}- --cluster needs InfluxDB history \(--influx-url \/ SE_INFLUX_URL http:\/\/host:8086\/smart_estate\): [^\n]+$/m);
  }, 60_000);

  it('Redis unreachable: says so and exits 1', async () => {
    const nobody = await freePort();
    const r = runCli(['serve', '--data-dir', tempDir(), '--http-port', String(await freePort()), '--mqtt-port', String(await freePort()), '--influx-url', influx.url], { SE_REDIS_URL: `redis://127.0.0.1:${nobody}` });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`smart-estate: cannot reach Redis at redis://127.0.0.1:${nobody}: connection refused`);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  }, 60_000);
});
