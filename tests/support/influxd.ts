// A real, private influxd (1.x) for integration tests: its own temp dir, its own free ports,
// no reporting, no _internal monitor database. One per test file (start it in beforeAll).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitDaemon, retryPortClash } from './process.ts';

export const INFLUXD_BIN = process.env.SE_INFLUXD_BIN ?? '/usr/bin/influxd';
export const TEST_DATABASE = 'smart_estate_test';

export interface InfluxdHandle {
  /** `http://127.0.0.1:PORT/smart_estate_test`, the form SE_INFLUX_URL takes. */
  url: string;
  port: number;
  /** SIGTERM, wait for exit, remove the temp dir. */
  stop(): Promise<void>;
  /** SIGKILL without waiting: an outage. Data acknowledged before it survives (WAL is fsynced per write). */
  kill9(): void;
  /** Starts again on the same dir and ports (after kill9 or stop-less outage). */
  restart(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

/** A port that was free a moment ago: bind port 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

function config(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  wal-fsync-delay = "0s"
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false
  log-enabled = false

[retention]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
  max-row-limit = 0

[logging]
  level = "warn"
  suppress-logo = true
`;
}

async function pingOnce(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/ping`, { signal: AbortSignal.timeout(1000) });
    return res.status === 204;
  } catch {
    return false;
  }
}

export async function startInfluxd(): Promise<InfluxdHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'se-influxd-'));
  const configFile = join(dir, 'influxdb.conf');
  let port = 0;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  const spawnOnce = async (): Promise<void> => {
    stderr = '';
    const proc = spawn(INFLUXD_BIN, ['-config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    ({ gone: exited } = await awaitDaemon(proc, {
      what: `influxd (${INFLUXD_BIN}, config ${configFile})`,
      ready: () => pingOnce(port),
      notReady: `did not answer /ping within ${START_TIMEOUT_MS} ms`,
      timeoutMs: START_TIMEOUT_MS,
      onGone: () => {
        if (child === proc) child = null;
      },
      onOutput: (tail) => (stderr = tail),
    }));
  };

  await retryPortClash(
    async () => {
      port = await freePort();
      const rpcPort = await freePort();
      writeFileSync(configFile, config(dir, port, rpcPort));
      await spawnOnce();
    },
    { clash: /address already in use/i, output: () => stderr, dir },
  );

  /** SIGTERM, and SIGKILL if influxd has not exited after STOP_TIMEOUT_MS. */
  const terminate = async (): Promise<void> => {
    const proc = child as ChildProcess | null;
    if (!proc) return exited;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  return {
    url: `http://127.0.0.1:${port}/${TEST_DATABASE}`,
    port,
    async stop() {
      await terminate();
      rmSync(dir, { recursive: true, force: true });
    },
    kill9() {
      (child as ChildProcess | null)?.kill('SIGKILL');
    },
    async restart() {
      await terminate();
      await spawnOnce();
    },
  };
}
