// Cluster settings: `--cluster redis://host:port` (SE_REDIS_URL) makes this server one node of N that
// share Redis and InfluxDB (docs/scale-out.md). Without it nothing changes: one node, no Redis.
// Pure (checked in config.ts with the other settings, one clear line per problem).
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { isId } from '../../protocol/index.ts';

export interface ClusterSettings {
  /** redis://[user:password@]host:port[/db] or rediss:// (TLS) */
  redisUrl: string;
  /** this node's name in Redis (leases, fan-out); stable across restarts */
  nodeId: string;
  /** where the node id came from, for the start line */
  nodeIdFrom: 'configured' | 'default';
}

/**
 * The default node id: the host name and a short hash of the data dir. It stays the same across
 * restarts of one node (same host, same data dir), and two nodes on one machine differ because they
 * cannot share a data dir (backup/lock.ts).
 */
export function defaultNodeId(dataDir: string, host = hostname()): string {
  const name = host.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 48) || 'node';
  return `${name}-${createHash('sha256').update(dataDir).digest('hex').slice(0, 6)}`;
}

/** A Redis URL's address for messages, without the password. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || 6379}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

export function checkClusterSettings(
  raw: { redisUrl: string | null; nodeId: string | null; influxUrl: string | null; dataDir: string },
  label: { cluster: string; nodeId: string },
  problems: string[],
): ClusterSettings | null {
  if (!raw.redisUrl) {
    if (raw.nodeId) problems.push(`${label.nodeId} names this node in a cluster: it needs --cluster / SE_REDIS_URL redis://host:6379`);
    return null;
  }
  let ok = false;
  try {
    const u = new URL(raw.redisUrl);
    ok = (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '' && (u.pathname === '' || u.pathname === '/' || /^\/\d+$/.test(u.pathname));
  } catch {
    ok = false;
  }
  if (!ok) problems.push(`${label.cluster}: '${raw.redisUrl}' is not a Redis URL like redis://10.0.0.5:6379 (rediss:// for TLS, /N for a database number)`);
  // History must be shared: each node forwards its own journal to one InfluxDB, and any node answers
  // the history of any estate from there. An embedded journal holds only one node's events.
  if (!raw.influxUrl) problems.push(`${label.cluster} needs InfluxDB history (--influx-url / SE_INFLUX_URL http://host:8086/smart_estate): a node's own journal holds only the events it received, so nodes share history through InfluxDB`);
  if (raw.nodeId && !isId(raw.nodeId)) problems.push(`${label.nodeId}: '${raw.nodeId}' must be letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`);
  if (!ok) return null;
  return { redisUrl: raw.redisUrl, nodeId: raw.nodeId || defaultNodeId(raw.dataDir), nodeIdFrom: raw.nodeId ? 'configured' : 'default' };
}

/** A postgres URL's address for messages, without the password. */
export function configDbAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || 5432}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Checks --config-db / SE_CONFIG_DB (pure; config.ts). */
export function checkConfigDbUrl(raw: string | null, label: string, problems: string[]): string | null {
  if (!raw) return null;
  let ok = false;
  try {
    const u = new URL(raw);
    ok = (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) {
    problems.push(`${label}: '${raw}' is not a PostgreSQL URL like postgres://smart_estate:password@10.0.0.5:5432/smart_estate`);
    return null;
  }
  return raw;
}
