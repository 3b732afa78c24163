// Where InfluxDB is and how to talk to it. SE_INFLUX_URL names one InfluxDB 1.x server and its
// database: `http://user:pass@host:8086/smart_estate`.
import { InfluxDB, type IPoolOptions } from 'influx';

type BackoffStrategy = NonNullable<IPoolOptions['backoff']>;

export interface InfluxTarget {
  host: string;
  port: number;
  protocol: 'http' | 'https';
  database: string;
  username?: string;
  password?: string;
}

export interface InfluxClientOptions {
  /** Per-request timeout in ms (default 10 s). A hung write holds up the forwarder this long, no more. */
  requestTimeoutMs?: number;
}

const DEFAULT_PORT = 8086;
const DATABASE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

const redact = (url: string) => url.replace(/\/\/([^/@]*)@/, '//***@');

/** Parses SE_INFLUX_URL. Throws an Error whose message says what is wrong (the password is never echoed). */
export function parseInfluxUrl(url: string): InfluxTarget {
  const shown = redact(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`InfluxDB URL is not a URL: "${shown}" (expected http://[user:pass@]host:8086/database)`);
  }
  const protocol = parsed.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https') {
    throw new Error(`InfluxDB URL must start with http:// or https://, got "${parsed.protocol}" in "${shown}"`);
  }
  if (!parsed.hostname) throw new Error(`InfluxDB URL has no host: "${shown}"`);
  if (parsed.search || parsed.hash) {
    throw new Error(`InfluxDB URL must not carry a query or fragment: "${shown}" (expected http://[user:pass@]host:8086/database)`);
  }
  const path = parsed.pathname.replace(/^\/+|\/+$/g, '');
  if (!path) throw new Error(`InfluxDB URL names no database: "${shown}" (put it in the path, e.g. http://127.0.0.1:8086/smart_estate)`);
  const database = decodeURIComponent(path);
  if (!DATABASE_NAME.test(database)) {
    throw new Error(
      `InfluxDB database name "${database}" in "${shown}" is not allowed: use letters, digits, "_", "." or "-" (one path segment, at most 64 characters)`,
    );
  }
  const target: InfluxTarget = {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : DEFAULT_PORT,
    protocol,
    database,
  };
  if (parsed.username) target.username = decodeURIComponent(parsed.username);
  if (parsed.password) target.password = decodeURIComponent(parsed.password);
  if (target.password !== undefined && target.username === undefined) {
    throw new Error(`InfluxDB URL has a password but no user name: "${shown}"`);
  }
  return target;
}

/**
 * node-influx disables a failed host for a backoff period and then answers "No host available"
 * without trying; with one host that only delays recovery. The forwarder owns retry and backoff,
 * so the pool never disables the host and never retries on its own.
 */
const neverDisable: BackoffStrategy = {
  getDelay: () => 0,
  next: () => neverDisable,
  reset: () => neverDisable,
};

export function createInfluxClient(target: InfluxTarget | string, options: InfluxClientOptions = {}): InfluxDB {
  const t = typeof target === 'string' ? parseInfluxUrl(target) : target;
  return new InfluxDB({
    host: t.host,
    port: t.port,
    protocol: t.protocol,
    database: t.database,
    username: t.username,
    password: t.password,
    pool: { maxRetries: 0, requestTimeout: options.requestTimeoutMs ?? 10_000, backoff: neverDisable },
  });
}

/**
 * Creates the database if needed. CREATE DATABASE is idempotent in 1.x but needs admin rights;
 * a non-admin user whose database already exists is fine.
 */
export async function ensureDatabase(client: InfluxDB, database: string): Promise<void> {
  try {
    await client.createDatabase(database);
  } catch (err) {
    let names: string[] = [];
    try {
      names = await client.getDatabaseNames();
    } catch {
      // Fall through to the original error, which says more.
    }
    if (names.includes(database)) return;
    throw new Error(`could not create InfluxDB database "${database}": ${(err as Error).message}`);
  }
}

interface PoolLike {
  discard(request: { method: string; path: string; body: string; query: Record<string, string | undefined>; auth?: string }): Promise<void>;
}

/**
 * Writes ready line protocol (precision ns) — what `writePoints` sends, without re-serialising each
 * point: node-influx turns points into text in one synchronous call (~10 µs a point measured here),
 * while our lines are built once in influx/points.ts. It goes through the client's own pool, so
 * auth, timeouts and the errors write-errors.ts classifies are exactly those of `writePoints`.
 */
export function writeLines(client: InfluxDB, database: string, body: string): Promise<void> {
  const internals = client as unknown as { _pool?: PoolLike; _options?: { username?: string; password?: string } };
  const pool = internals._pool;
  if (!pool || typeof pool.discard !== 'function') throw new Error('node-influx changed: InfluxDB._pool.discard is gone (see influx/connection.ts writeLines)');
  const username = internals._options?.username;
  return pool.discard({
    method: 'POST',
    path: '/write',
    body,
    query: { db: database, precision: 'n' },
    auth: typeof username === 'string' ? `${username}:${internals._options?.password ?? ''}` : undefined,
  });
}
