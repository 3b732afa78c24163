// Cluster settings as the command line and SE_* variables give them (pure: no Redis needed).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { defaultNodeId } from '../../server/cluster/settings.ts';

const influx = 'http://127.0.0.1:8086/smart_estate';

function problems(flags: Record<string, string>, env: Record<string, string> = {}): string[] {
  try {
    loadConfig(flags, env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe('cluster settings', () => {
  it('without --cluster nothing changes: one node, no Redis', () => {
    expect(loadConfig({}, {}).cluster).toBeNull();
    expect(loadConfig({ 'influx-url': influx }, {}).cluster).toBeNull();
  });

  it('reads --cluster or SE_REDIS_URL, and a configured node id', () => {
    expect(loadConfig({ cluster: 'redis://10.0.0.5:6379', 'node-id': 'node-a', 'influx-url': influx }, {}).cluster).toEqual({ redisUrl: 'redis://10.0.0.5:6379', nodeId: 'node-a', nodeIdFrom: 'configured' });
    expect(loadConfig({}, { SE_REDIS_URL: 'rediss://redis.example:6380/2', SE_NODE_ID: 'b', SE_INFLUX_URL: influx }).cluster).toMatchObject({ redisUrl: 'rediss://redis.example:6380/2', nodeId: 'b' });
  });

  it('refuses a cluster without InfluxDB history, in one line that says why', () => {
    const p = problems({ cluster: 'redis://127.0.0.1:6379' });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^--cluster needs InfluxDB history \(--influx-url .*\): .*share history through InfluxDB$/);
    expect(p[0]).not.toContain('\n');
    expect(problems({}, { SE_REDIS_URL: 'redis://127.0.0.1:6379' })[0]).toMatch(/^SE_REDIS_URL needs InfluxDB history \(--influx-url \/ SE_INFLUX_URL/);
  });

  it('refuses what is not a Redis URL, a bad node id, and a node id without a cluster', () => {
    expect(problems({ cluster: 'http://127.0.0.1:6379', 'influx-url': influx })[0]).toMatch(/--cluster: 'http:\/\/127.0.0.1:6379' is not a Redis URL/);
    expect(problems({ cluster: 'redis://127.0.0.1:6379/x', 'influx-url': influx })[0]).toMatch(/is not a Redis URL/);
    expect(problems({ cluster: 'redis://127.0.0.1:6379', 'node-id': 'a/b', 'influx-url': influx })[0]).toMatch(/--node-id: 'a\/b' must be letters/);
    expect(problems({ 'node-id': 'a' })[0]).toMatch(/--node-id names this node in a cluster: it needs --cluster \/ SE_REDIS_URL/);
  });

  it('the default node id is stable for one data dir and differs between data dirs', () => {
    const a = loadConfig({ cluster: 'redis://127.0.0.1:6379', 'influx-url': influx, 'data-dir': '/var/lib/se-a' }, {}).cluster!;
    expect(a.nodeIdFrom).toBe('default');
    expect(loadConfig({ cluster: 'redis://127.0.0.1:6379', 'influx-url': influx, 'data-dir': '/var/lib/se-a' }, {}).cluster!.nodeId).toBe(a.nodeId);
    expect(loadConfig({ cluster: 'redis://127.0.0.1:6379', 'influx-url': influx, 'data-dir': '/var/lib/se-b' }, {}).cluster!.nodeId).not.toBe(a.nodeId);
    expect(defaultNodeId('/d', 'Box One (lab)')).toMatch(/^Box-One--lab--[0-9a-f]{6}$/);
    expect(defaultNodeId('/d', '---')).toMatch(/^node-[0-9a-f]{6}$/);
  });
});

describe('the shared configuration database setting', () => {
  it('without --config-db nothing changes: configuration stays in the node\'s SQLite', () => {
    expect(loadConfig({}, {}).configDb).toBeNull();
  });

  it('reads --config-db or SE_CONFIG_DB (the flag wins)', () => {
    expect(loadConfig({ 'config-db': 'postgres://se:pw@10.0.0.5:5432/smart_estate' }, {}).configDb).toBe('postgres://se:pw@10.0.0.5:5432/smart_estate');
    expect(loadConfig({}, { SE_CONFIG_DB: 'postgresql://db.example/se' }).configDb).toBe('postgresql://db.example/se');
    expect(loadConfig({ 'config-db': 'postgres://a/x' }, { SE_CONFIG_DB: 'postgres://b/y' }).configDb).toBe('postgres://a/x');
  });

  it('refuses what is not a PostgreSQL URL, naming where it came from and without echoing more than the value', () => {
    expect(problems({ 'config-db': 'mysql://10.0.0.5/se' })).toEqual(["--config-db: 'mysql://10.0.0.5/se' is not a PostgreSQL URL like postgres://smart_estate:password@10.0.0.5:5432/smart_estate"]);
    expect(problems({}, { SE_CONFIG_DB: 'localhost:5432' })[0]).toMatch(/^SE_CONFIG_DB: 'localhost:5432' is not a PostgreSQL URL/);
  });
});
