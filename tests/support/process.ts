// Runs the real `smart-estate` command as a child process, and waits on conditions (never sleeps).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/smart-estate.js', import.meta.url));

export function runCli(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function startCli(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The history API of a server started as a process: logs in as admin (a failed login throws with its
 * status) and waits until `GET /api/v1/estates/{estate}/events?{query}` returns events; its body.
 */
export async function historyOf(httpPort: number, password: string, estate: string, query: string, what: string): Promise<{ backend: string; events: Array<Record<string, unknown>> }> {
  const base = `http://127.0.0.1:${httpPort}`;
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  return until(what, async () => {
    const res = await fetch(`${base}/api/v1/estates/${estate}/events?${query}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    return body.events?.length ? body : null;
  });
}

/**
 * Watches a spawned server process (influxd, redis-server …): `gone` resolves once it has exited or
 * could not be spawned, `why()` says which (null while it runs); `onGone` runs first.
 */
/**
 * Waits until a spawned daemon (redis-server, haproxy, postgres …) serves: `ready()` polled every
 * `everyMs`; its output tail kept (and handed to `onOutput`, e.g. to spot a port clash); an early exit
 * or a timeout (then SIGKILL) ends in one error naming `what`, why, and the tail. Resolves with
 * `gone`, the promise of its end, for the caller's later stop or kill.
 */
export async function awaitDaemon(
  proc: ChildProcess,
  o: { what: string; ready: () => Promise<boolean>; notReady: string; timeoutMs: number; everyMs?: number; onGone: () => void; onOutput?: (tail: string) => void },
): Promise<{ gone: Promise<void> }> {
  const watch = watchChild(proc, o.onGone);
  let tail = '';
  for (const s of [proc.stdout, proc.stderr]) {
    s?.on('data', (c) => {
      tail = (tail + c).slice(-4000);
      o.onOutput?.(tail);
    });
  }
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    if (watch.why()) break;
    try {
      if (await o.ready()) return { gone: watch.gone };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, o.everyMs ?? 25));
  }
  const why = watch.why() ?? o.notReady;
  if (!watch.why()) {
    proc.kill('SIGKILL');
    await watch.gone;
  }
  throw new Error(`${o.what} ${why}; output tail:\n${tail || '(empty)'}`);
}

/** True once something accepts TCP connections on `port` (loopback): a daemon's readiness. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Free ports can be taken between probing and binding: runs `start` (which picks its ports and
 * spawns) up to three times while the daemon's output says a port was taken; removes the daemon's
 * temp dir when it gives up, and rethrows.
 */
export async function retryPortClash(start: () => Promise<void>, o: { clash: RegExp; output: () => string; dir: string }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      return;
    } catch (err) {
      if (attempt < 3 && o.clash.test(o.output())) continue;
      rmSync(o.dir, { recursive: true, force: true });
      throw err;
    }
  }
}

export function watchChild(proc: ChildProcess, onGone: () => void): { gone: Promise<void>; why(): string | null } {
  let why: string | null = null;
  const gone = new Promise<void>((resolve) => {
    const end = (reason: string) => {
      why ??= reason;
      onGone();
      resolve();
    };
    proc.once('exit', (code, signal) => end(`exited with ${signal ?? `code ${code}`}`));
    proc.once('error', (err) => end(`could not be spawned: ${err.message}`));
  });
  return { gone, why: () => why };
}
