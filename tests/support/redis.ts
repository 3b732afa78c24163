// A real, private redis-server for integration tests: its own temp dir and free port, append-only
// file fsynced on every write (so a kill -9 loses nothing Redis acknowledged), no RDB snapshots.
// One per test file (start it in beforeAll). Never a mock.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './influxd.ts';
import { awaitDaemon, retryPortClash } from './process.ts';

export const REDIS_BIN = process.env.SE_REDIS_BIN ?? '/usr/bin/redis-server';

export interface RedisHandle {
  /** redis://127.0.0.1:PORT, the form SE_REDIS_URL takes */
  url: string;
  port: number;
  dir: string;
  /** the running redis-server's pid (null while it is down) */
  pid(): number | null;
  /** SIGSTOP / SIGCONT: a Redis that hangs with its connections open */
  pause(): void;
  resume(): void;
  /** SIGTERM, wait for exit, remove the temp dir */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit: an outage */
  kill9(): Promise<void>;
  /** starts again on the same port and dir (after kill9) */
  restart(): Promise<void>;
  /** one command over a fresh connection (RESP), e.g. ['INFO', 'commandstats']; the raw reply text */
  command(args: string[]): Promise<string>;
}

const START_TIMEOUT_MS = 15_000;

/** Sends one RESP command and returns the reply's raw text once it is complete enough to read. */
export function redisCommand(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on ${port}: no reply to ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err: Error | null, value?: string) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    socket.on('error', (err) => done(err));
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      // simple replies end at the first CRLF; a bulk string says its length
      const bulk = /^\$(-?\d+)\r\n/.exec(data);
      if (bulk) {
        const n = Number(bulk[1]);
        if (n < 0) return done(null, '');
        const start = bulk[0].length;
        if (Buffer.byteLength(data) >= start + n + 2) done(null, data.slice(start, start + n));
      } else if (data.includes('\r\n')) done(null, data.slice(0, data.indexOf('\r\n')));
    });
  });
}

export async function startRedis(): Promise<RedisHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'se-redis-'));
  let port = 0;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const spawnOnce = async (): Promise<void> => {
    output = '';
    const proc = spawn(
      REDIS_BIN,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    ({ gone: exited } = await awaitDaemon(proc, {
      what: `redis-server (${REDIS_BIN}, dir ${dir})`,
      ready: async () => (await redisCommand(port, ['PING'], 500)) === '+PONG',
      notReady: `did not answer PING within ${START_TIMEOUT_MS} ms`,
      timeoutMs: START_TIMEOUT_MS,
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
    { clash: /address already in use/i, output: () => output, dir },
  );

  const terminate = async (signal: NodeJS.Signals) => {
    const proc = child as ChildProcess | null;
    if (!proc) return exited;
    proc.kill('SIGCONT'); // a paused redis-server would not act on SIGTERM
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => (child as ChildProcess | null)?.pid ?? null,
    pause: () => void (child as ChildProcess | null)?.kill('SIGSTOP'),
    resume: () => void (child as ChildProcess | null)?.kill('SIGCONT'),
    async stop() {
      await terminate('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill9: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      await spawnOnce();
    },
    command: (args) => redisCommand(port, args),
  };
}
