// Child processes of a benchmark: load clients forked with an IPC channel (run through tsx like every
// TypeScript entry here), and the servers under test. Every child started here is remembered and
// killed by its pid when the benchmark exits or is interrupted, so a failed run leaves nothing behind.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Removes `dir` when the benchmark exits or is interrupted, if nobody has by then. */
export function removeOnExit(dir: string): string {
  hookExit();
  tempDirs.add(dir);
  return dir;
}

function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  // influxd is started by tests/support/influxd.ts; find it among our own children by parent pid.
  for (const pid of childPids(process.pid, 'influxd')) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Keeps `child` on the list of processes killed when the benchmark ends. */
export function track<T extends ChildProcess>(child: T): T {
  hookExit();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Pids of the direct children of `ppid` whose command name is `comm` (from /proc). */
export function childPids(ppid: number, comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === ppid && name === comm) pids.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return pids;
}

/** What goes over the IPC channel: a type, and whatever that type carries. */
export interface Message {
  type: string;
  [key: string]: unknown;
}
/** A message as received: its fields are read by type. */
export type Incoming = { type: string; [key: string]: any };

/** A load client: a TypeScript file in bench/load forked with IPC. */
export class LoadChild {
  readonly proc: ChildProcess;
  private readonly waiting: Array<{ type: string; resolve: (m: Message) => void; reject: (e: Error) => void }> = [];
  private readonly mailbox: Incoming[] = [];
  /** handlers of messages the child sends on its own (not answers): progress reports */
  private readonly listeners = new Map<string, (m: Incoming) => void>();
  private stderr = '';
  private failure: Error | null = null;

  constructor(readonly name: string, file: string, args: string[] = []) {
    const path = fileURLToPath(new URL(file, import.meta.url));
    this.proc = track(fork(RUN_TS, [path, ...args], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'advanced' }));
    // Kept, not shown: a crash is reported with its tail (see fail below and stderrTail()).
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-6000)));
    this.proc.on('message', (m: Incoming) => {
      if (m.type === 'error') return this.fail(new Error(`${name}: ${String(m.message)}`));
      const listener = this.listeners.get(m.type);
      if (listener) return listener(m);
      const i = this.waiting.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
      else this.mailbox.push(m);
    });
    this.proc.once('exit', (code, signal) => this.fail(new Error(`${name} exited (${signal ?? `code ${code}`})${this.stderr ? `:\n${this.stderr.slice(-2000)}` : ''}`)));
  }

  /** Calls `handler` for every message of `type` the child sends unasked (instead of keeping it for request()). */
  on(type: string, handler: (m: Incoming) => void): void {
    this.listeners.set(type, handler);
  }

  /** Sends a message that needs no answer; dropped if the child has gone. */
  tell(message: Message): void {
    if (this.proc.connected) this.proc.send(message);
  }

  /** The end of what the child wrote on stderr. */
  stderrTail(): string {
    return this.stderr;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** The child's first message, sent once it listens: {type: 'ready', …}. */
  ready<T extends { type: string }>(timeoutMs = 60_000): Promise<T> {
    return this.request<T>(null, 'ready', timeoutMs);
  }

  /** Sends `message` (if any) and waits for the child's answer of type `reply`. */
  request<T extends { type: string }>(message: Message | null, reply: string, timeoutMs = 120_000): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const early = this.mailbox.findIndex((m) => m.type === reply);
    if (early >= 0) return Promise.resolve(this.mailbox.splice(early, 1)[0] as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`${this.name}: no '${reply}' within ${timeoutMs} ms${message ? ` after '${message.type}'` : ''}`));
      }, timeoutMs);
      const entry = {
        type: reply,
        resolve: (m: Message) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiting.push(entry);
      if (message) this.proc.send(message);
    });
  }

  /** Asks the child to exit; kills it if it has not within `timeoutMs`. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    if (this.proc.connected) this.proc.disconnect();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }
}

/**
 * The child side: says {type: 'ready', ...ready}, then answers the parent's messages with `handler`;
 * an exception becomes an 'error' message. The child exits when the parent goes away (the IPC
 * channel closes).
 */
export function serveParent(handler: (message: Incoming) => Promise<{ type: string } | void> | { type: string } | void, ready: Record<string, unknown> = {}): void {
  if (!process.send) throw new Error('run this file through bench/load/children.ts (it needs an IPC channel)');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: Incoming) => {
    Promise.resolve()
      .then(() => handler(message))
      .then((reply) => reply && process.send!(reply))
      .catch((err: unknown) => process.send!({ type: 'error', message: (err as Error)?.stack ?? String(err) }));
  });
  process.send({ ...ready, type: 'ready' });
}

/** "RangeError: Maximum call stack size exceeded at Qlobber._match2 (…/qlobber.js:449)" from a crashed process's output. */
export function crashSummary(output: string): string {
  const lines = output.split('\n');
  const i = lines.map((l) => /^\w*Error\b.*?:/.test(l)).lastIndexOf(true);
  if (i < 0) return lines.filter((l) => l.trim()).slice(-1)[0]?.trim() ?? '';
  const at = lines.slice(i + 1).find((l) => /^\s+at /.test(l))?.trim().replaceAll('file://', '').replaceAll(ROOT, '');
  return `${lines[i].trim()}${at ? ` (${at})` : ''}`;
}
