// A real, private PostgreSQL for integration tests: initdb into its own temp dir, `postgres` on a free
// port of 127.0.0.1 (its socket in the same dir), trust auth for the local test user. One per test
// file (start it in beforeAll). Never a mock.
//
// initdb and postgres refuse to run as root: as root (CI containers) both run as the `postgres`
// system user Debian's package creates, through spawn's uid/gid — no sudo, no runuser, the child is
// the server itself, so signals reach it directly.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './influxd.ts';
import { awaitDaemon, retryPortClash } from './process.ts';

/** Debian's layout; SE_PG_BIN overrides (a directory holding initdb and postgres). */
function binDir(): string {
  if (process.env.SE_PG_BIN) return process.env.SE_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? execFileSync('ls', [root], { encoding: 'utf8' }).split('\n').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error(`PostgreSQL not found under ${root}: install Debian's postgresql (scripts/test.sh does), or set SE_PG_BIN`);
  return join(root, versions[0], 'bin');
}

export interface PostgresHandle {
  /** postgres://postgres@127.0.0.1:PORT/postgres, the form SE_CONFIG_DB takes */
  url: string;
  port: number;
  dir: string;
  /** one query over a fresh connection */
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** fast shutdown (SIGINT) and wait for the exit: an outage; the data stays */
  halt(): Promise<void>;
  /** starts again on the same port and data (after halt) */
  restart(): Promise<void>;
  /** halt and remove the temp dir */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

export async function startPostgres(): Promise<PostgresHandle> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'se-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  let user: { uid: number; gid: number } | undefined;
  if (asRoot) {
    try {
      user = { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
    } catch {
      rmSync(dir, { recursive: true, force: true });
      throw new Error("running as root, and there is no 'postgres' system user to run initdb and postgres as (Debian's postgresql package creates it)");
    }
    chownSync(dir, user.uid, user.gid);
  }
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', HOME: dir };
  try {
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { env, cwd: dir, ...user, stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message}`);
  }

  let port = 0;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const url = () => `postgres://postgres@127.0.0.1:${port}/postgres`;

  const query = async <T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]> => {
    const c = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end().catch(() => {});
    }
  };

  const spawnOnce = async (): Promise<void> => {
    output = '';
    // fsync off: a test database, not a durable one; the tests are about the feed, not PostgreSQL
    const proc = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50'], {
      env, cwd: dir, ...user, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    ({ gone: exited } = await awaitDaemon(proc, {
      what: `postgres (${bin}, dir ${dir})`,
      ready: async () => (await query('SELECT 1'), true),
      notReady: `did not answer within ${START_TIMEOUT_MS} ms`,
      timeoutMs: START_TIMEOUT_MS,
      everyMs: 50,
      onGone: () => {
        if (child === proc) child = null;
      },
      onOutput: (tail) => (output = tail),
    }));
  };

  await retryPortClash(
    async () => {
      port = await freePort();
      await spawnOnce();
    },
    { clash: /already in use/i, output: () => output, dir },
  );

  const halt = async () => {
    const proc = child as ChildProcess | null;
    if (!proc) return exited;
    proc.kill('SIGINT'); // fast shutdown: clients are disconnected at once
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  return {
    get url() {
      return url();
    },
    port,
    dir,
    query,
    halt,
    restart: async () => {
      await halt();
      await spawnOnce();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
