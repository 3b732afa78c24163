// Connections to the cluster's Redis. Nothing on the acknowledgement path ever waits on Redis
// (durability stays local, docs/scale-out.md), so every connection is built to fail fast while Redis
// is away: no offline queue, no per-command retries, a command timeout, and reconnects forever with a
// capped backoff in the background. Whoever calls Redis gets a rejected promise and carries on.
import { Redis, type RedisOptions } from 'ioredis';
import { redisAddress } from './settings.ts';

/** A problem with the cluster the operator can fix: one line, no stack. */
export class ClusterError extends Error {}

/** How long a start-up probe or one command may take before it counts as failed. */
export const REDIS_TIMEOUT_MS = 2000;
/** Reconnect backoff: 100 ms, 200 ms, … up to this. */
export const RECONNECT_MAX_MS = 1000;

export function redisOptions(name: string): RedisOptions {
  return {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_TIMEOUT_MS,
    connectTimeout: REDIS_TIMEOUT_MS,
    // never give up: a Redis that comes back is used again by itself
    retryStrategy: (times) => Math.min(times * 100, RECONNECT_MAX_MS),
    enableReadyCheck: true,
    autoResubscribe: true,
  };
}

/** A long-lived connection (see above); errors are reported through `onError`, never thrown. */
export function createRedis(url: string, name: string, onError: (err: Error) => void): Redis {
  const redis = new Redis(url, redisOptions(name));
  redis.on('error', onError);
  return redis;
}

/**
 * At start: can this node reach Redis, and is it a Redis we can use? Throws a ClusterError that says
 * what to check (no retries here: a cluster node that cannot reach Redis at start is misconfigured
 * more often than unlucky, and the operator should hear it at once).
 */
/**
 * What a Redis crash would lose, from its persistence settings: null when it keeps everything it
 * acknowledged (AOF with appendfsync always), else one line saying what and how to mend it. The
 * hand-off streams hold the only copy of "not evaluated yet" once a sender moved its checkpoint, so a
 * lost entry is an acknowledged event whose alert is never raised (history keeps it).
 */
export function persistenceWarning(where: string, aofEnabled: boolean, appendfsync: string | null): string | null {
  if (aofEnabled && (appendfsync === 'always' || appendfsync === null)) return null;
  const loses = aofEnabled ? `appendfsync ${appendfsync}: a crash loses up to a second of writes` : 'no AOF: a restart loses every key';
  return `Redis at ${where} keeps ${loses} — hand-off entries the owner had not read yet would be gone (those events stay in history, but their alerts and tours are never evaluated), and leases are quarantined for one lease after a loss; set 'appendonly yes' and 'appendfsync always' (docs/scale-out.md, "Operating a cluster")`;
}

export async function probeRedis(url: string): Promise<{ version: string; warning: string | null }> {
  const where = redisAddress(url);
  const probe = new Redis(url, { ...redisOptions('se-probe'), retryStrategy: () => null, reconnectOnError: () => false });
  let lastError: Error | null = null;
  probe.on('error', (err) => (lastError = err));
  try {
    await probe.connect();
    const info = await probe.info('server');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
    const major = Number(version.split('.')[0]);
    // Lua scripts with TIME and the commands used (SET … PX, PEXPIRE) need Redis ≥ 5 (effects replication)
    if (Number.isFinite(major) && major < 5) throw new ClusterError(`Redis at ${where} is version ${version}: the cluster needs Redis 5 or later (Debian's redis-server 7 is fine)`);
    const persistence = await probe.info('persistence');
    const aofEnabled = /aof_enabled:1/.test(persistence);
    // CONFIG may be renamed away on a managed Redis: then only the AOF flag is known
    const fsync = await probe.config('GET', 'appendfsync').then((r) => (Array.isArray(r) && r.length > 1 ? String(r[1]) : null), () => null);
    return { version, warning: persistenceWarning(where, aofEnabled, fsync) };
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    const e = (lastError ?? err) as NodeJS.ErrnoException;
    const why = e.code === 'ECONNREFUSED' ? 'connection refused (is redis-server running there?)'
      : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' ? 'host name not found'
      : /NOAUTH|WRONGPASS|invalid password|invalid username/i.test(e.message) ? 'authentication failed (check the user and password in the URL)'
      : /timeout/i.test(e.message) ? `no answer within ${REDIS_TIMEOUT_MS} ms`
      : e.message;
    throw new ClusterError(`cannot reach Redis at ${where}: ${why}; the cluster node does not start without it (check --cluster / SE_REDIS_URL)`);
  } finally {
    probe.disconnect();
  }
}
