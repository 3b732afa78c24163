// The forwarder as the server runs it: in a worker thread (worker.ts), so that reading the journal,
// turning rows into line protocol and writing InfluxDB (~20 µs an event measured here) run on the
// second core instead of taking turns with MQTT and the journal on the main thread. This side
// keeps the same Forwarder interface: notify() after each commit, drain(), stop(), and stats() from
// the worker's last report plus the journal's end read here. A worker that dies is logged and
// started again (the checkpoint in the journal file says where to go on); nothing is lost meanwhile.
//
// The worker only reads the journal file; its checkpoint and dead letters come here and are written
// on the main connection, so the main thread is the file's only writer. When the nice-10 worker
// committed them itself, it could hold the write lock while descheduled, and a journal commit that
// found it held slept in SQLite's busy handler (1, 2, 5 ms …) with every device's PUBACK waiting;
// each of its commits also made the main connection drop its page cache and read the pages again.
import { Worker } from 'node:worker_threads';
import { workerStart } from '../code-location.ts';
import type { Db } from '../store/db.ts';
import type { Log } from '../log.ts';
import type { InfluxTarget } from '../influx/connection.ts';
import { persistProgress, readCheckpoint, type DeadLetter, type Forwarder, type ForwarderOptions, type ForwarderProgress, type ForwarderStats } from './forwarder.ts';

type WorkerForwarderOptions = Pick<ForwarderOptions, 'batchSize' | 'idleMs' | 'lingerMs' | 'lightLingerMs' | 'retryMinMs' | 'retryMaxMs' | 'pointSlot'>;
export type ForwarderWorkerData = {
  /** the module the generic worker entry loads */
  module: string;
  dbFile: string;
  target: InfluxTarget;
  requestTimeoutMs?: number;
  options: WorkerForwarderOptions;
};
/**
 * Least time between two notify messages (ms). The journal notifies after every group commit, ~250 a
 * second while 10,000 devices heartbeat, and each message woke the worker, which then lingers between
 * partial batches anyway (DEFAULT_LINGER_MS); a notify only ends its idle wait.
 */
export const NOTIFY_MS = 20;
export type ToForwarder = { type: 'notify' } | { type: 'drain' } | { type: 'stop' };
export type FromForwarder =
  | { type: 'persist'; checkpoint: number; dead: DeadLetter[]; at: number }
  | { type: 'progress'; progress: ForwarderProgress }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; line: string };

export interface ForwarderThreadOptions extends WorkerForwarderOptions {
  target: InfluxTarget;
  requestTimeoutMs?: number;
  log?: Pick<Log, 'info' | 'warn' | 'error'>;
  /** wait this long before starting a worker that died again (ms, default 1000) */
  restartDelayMs?: number;
}

const { entry: ENTRY, module: MODULE } = workerStart('forwarder-worker');

export interface ForwarderThread extends Forwarder {
  /** Ends the worker abruptly, as a crash would (for tests): it is started again after restartDelayMs. */
  terminate(): Promise<void>;
  /** Workers started so far (1 + restarts). */
  readonly starts: number;
}

/**
 * Starts the forwarder in a worker thread over the journal file that `db` has open. Throws at once
 * (like startForwarder) when the persisted checkpoint is not a seq.
 */
export function startForwarderThread(db: Db, options: ForwarderThreadOptions): ForwarderThread {
  const restartDelayMs = options.restartDelayMs ?? 1000;
  if (!db.name || db.name === ':memory:' || db.memory) throw new Error('the forwarder thread needs the journal in a file, not in memory');
  const log = options.log;
  const data: ForwarderWorkerData = {
    module: MODULE,
    dbFile: db.name,
    target: options.target,
    requestTimeoutMs: options.requestTimeoutMs,
    options: { batchSize: options.batchSize, idleMs: options.idleMs, lingerMs: options.lingerMs, lightLingerMs: options.lightLingerMs, retryMinMs: options.retryMinMs, retryMaxMs: options.retryMaxMs, pointSlot: options.pointSlot },
  };
  const selectMaxSeq = db.prepare('SELECT max(seq) AS seq FROM events').pluck();
  const persist = persistProgress(db);
  /**
   * Without an fsync of its own (synchronous NORMAL for this transaction): a power cut that loses it
   * makes the forwarder write the same idempotent points again, and finds the same dead letters.
   */
  const persistRelaxed = (checkpoint: number, dead: DeadLetter[], at: number) => {
    // (it cannot change inside a transaction; then it is simply part of that one)
    const level = db.inTransaction ? 1 : (db.pragma('synchronous', { simple: true }) as number);
    if (level > 1) db.pragma('synchronous = NORMAL');
    try {
      persist(checkpoint, dead, at);
    } finally {
      if (level > 1) db.pragma(`synchronous = ${level}`);
    }
  };
  let progress: ForwarderProgress = { forwarded: 0, retries: 0, deadLetters: 0, checkpoint: readCheckpoint(db) };
  /** counters of workers that ended, so restarts do not reset the totals */
  let carried = { forwarded: 0, retries: 0, deadLetters: 0 };
  let lastMaxSeq = progress.checkpoint;
  const maxSeq = (): number => {
    if (db.open) lastMaxSeq = (selectMaxSeq.get() as number | null) ?? 0;
    return lastMaxSeq;
  };

  const drains: Array<{ target: number; resolve: () => void; reject: (err: Error) => void }> = [];
  const settleDrains = () => {
    for (let i = drains.length - 1; i >= 0; i--) {
      if (progress.checkpoint >= drains[i].target) drains.splice(i, 1)[0].resolve();
    }
  };

  let worker: Worker;
  let stopping = false;
  let stopped: Promise<void> = Promise.resolve();
  let restartTimer: NodeJS.Timeout | null = null;

  let starts = 0;
  const spawn = () => {
    starts++;
    const w = new Worker(ENTRY, { workerData: data });
    w.unref(); // never the reason the process stays up (the server's sockets are)
    worker = w;
    let resolveExit!: () => void;
    stopped = new Promise<void>((resolve) => (resolveExit = resolve));
    w.on('message', (message: FromForwarder) => {
      if (message.type === 'persist') {
        try {
          persistRelaxed(message.checkpoint, message.dead, message.at);
        } catch (err) {
          // Not fatal: the worker goes on, and after a restart it re-writes from the last saved checkpoint.
          if (db.open) log?.error(`forwarder: saving checkpoint ${message.checkpoint} failed: ${(err as Error).message}`);
        }
      } else if (message.type === 'progress') {
        const p = message.progress;
        progress = {
          forwarded: carried.forwarded + p.forwarded,
          retries: carried.retries + p.retries,
          deadLetters: carried.deadLetters + p.deadLetters,
          checkpoint: p.checkpoint,
        };
        settleDrains();
      } else if (message.type === 'log') {
        log?.[message.level](message.line);
      }
    });
    w.on('error', (err) => {
      log?.error(`forwarder thread failed: ${err.stack ?? err.message}`);
    });
    w.on('exit', (code) => {
      carried = { forwarded: progress.forwarded, retries: progress.retries, deadLetters: progress.deadLetters };
      resolveExit();
      if (stopping) return;
      log?.error(`forwarder thread exited (code ${code}); starting it again in ${restartDelayMs} ms — the journal keeps every event`);
      restartTimer = setTimeout(() => {
        restartTimer = null;
        if (!stopping) spawn();
      }, restartDelayMs);
    });
  };
  spawn();

  const send = (message: ToForwarder) => {
    // A worker between exit and restart misses nothing: it reads from the checkpoint when it starts.
    try {
      worker.postMessage(message);
    } catch {
      // the worker is gone; the restart picks up from the journal
    }
  };

  // At most one notify message per NOTIFY_MS; one that comes sooner is sent when the time is up.
  let notifyTimer: NodeJS.Timeout | null = null;
  let notifyMissed = false;
  const notify = () => {
    if (stopping) return;
    if (notifyTimer) {
      notifyMissed = true;
      return;
    }
    send({ type: 'notify' });
    notifyTimer = setTimeout(() => {
      notifyTimer = null;
      if (notifyMissed) {
        notifyMissed = false;
        notify();
      }
    }, NOTIFY_MS);
    notifyTimer.unref();
  };

  return {
    notify,
    drain() {
      const target = maxSeq();
      if (progress.checkpoint >= target) return Promise.resolve();
      if (stopping) return Promise.reject(new Error('forwarder is stopped'));
      return new Promise<void>((resolve, reject) => {
        drains.push({ target, resolve, reject });
        send({ type: 'drain' }); // ends the worker's linger too
      });
    },
    async stop() {
      if (stopping) return stopped;
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (notifyTimer) clearTimeout(notifyTimer);
      // Keep the process up until the worker has said goodbye (it is unref'd while running).
      worker.ref();
      send({ type: 'stop' });
      await stopped;
      for (const d of drains.splice(0)) d.reject(new Error('forwarder stopped before the journal was drained'));
    },
    async terminate() {
      await worker.terminate();
    },
    get starts() {
      return starts;
    },
    stats(): ForwarderStats {
      return { ...progress, lagEvents: Math.max(0, maxSeq() - progress.checkpoint) };
    },
  };
}
