// Keeps SQLite's WAL checkpoints off the main thread. By default the connection that commits past
// 1,000 WAL pages copies them into the database file and fsyncs it, inside that commit: under
// ingest load that was the journal's group commit on the main thread, and PUBACKs waited behind it
// (p99 at 10,000 events/s measured 240–430 ms with, 90–240 ms without, bench/cases/ingest.ts). Here
// the main connection never checkpoints; a worker thread (checkpoint-worker.ts) does, every
// intervalMs. If that worker dies, the main connection checkpoints again by itself (so the WAL
// cannot grow without bound) until a new worker is running.
import { Worker } from 'node:worker_threads';
import { workerStart } from '../code-location.ts';
import type { Db } from './db.ts';
import type { Log } from '../log.ts';

export type CheckpointWorkerData = { module: string; dbFile: string; intervalMs: number; idleIntervalMs: number };

/** A run that found fewer WAL pages than this (≈ 256 KiB) saw light load. */
export const LIGHT_WAL_PAGES = 64;
/** Between checkpoints at light load (ms): each costs a fsync of the database file whatever it copies. */
export const DEFAULT_IDLE_CHECKPOINT_MS = 1000;

/**
 * When the next checkpoint runs: soon after one that found work, later after a light one — at
 * ~330 heartbeats/s (10,000 devices) a checkpoint every 200 ms was ~0.7 % of a core in its fsyncs
 * alone. At most one idle interval of WAL (light load, then a burst) waits for the faster pace.
 */
export function nextCheckpointDelay(walPages: number | null, data: Pick<CheckpointWorkerData, 'intervalMs' | 'idleIntervalMs'>): number {
  return walPages !== null && walPages < LIGHT_WAL_PAGES ? data.idleIntervalMs : data.intervalMs;
}
export type FromCheckpointer =
  | { type: 'ran'; walPages: number; checkpointed: number }
  | { type: 'failed'; error: string };

export interface CheckpointStats {
  runs: number;
  /** WAL pages at the last run, and how many of them were in the database file after it */
  walPages: number;
  checkpointed: number;
}

export interface Checkpointer {
  stats(): CheckpointStats;
  stop(): Promise<void>;
}

const { entry: ENTRY, module: MODULE } = workerStart('checkpoint-worker');
/** SQLite's default auto-checkpoint, restored on the main connection while no worker runs */
const AUTO_PAGES = 1000;

export function startCheckpointer(
  db: Db,
  options: { intervalMs?: number; idleIntervalMs?: number; log?: Pick<Log, 'warn' | 'error'>; restartDelayMs?: number } = {},
): Checkpointer {
  if (!db.name || db.memory) throw new Error('the WAL checkpointer needs a database file');
  const intervalMs = options.intervalMs ?? 200;
  const data: CheckpointWorkerData = { module: MODULE, dbFile: db.name, intervalMs, idleIntervalMs: options.idleIntervalMs ?? Math.max(intervalMs, DEFAULT_IDLE_CHECKPOINT_MS) };
  const stats: CheckpointStats = { runs: 0, walPages: 0, checkpointed: 0 };
  let stopping = false;
  let exited: Promise<void> = Promise.resolve();
  let worker: Worker | null = null;
  let restart: NodeJS.Timeout | null = null;
  let lastFailure = '';

  const setAuto = (pages: number) => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${pages}`);
  };

  const spawn = () => {
    const w = new Worker(ENTRY, { workerData: data });
    w.unref(); // never the reason the process stays up (the server's sockets are)
    worker = w;
    setAuto(0);
    let done!: () => void;
    exited = new Promise<void>((resolve) => (done = resolve));
    w.on('message', (m: FromCheckpointer) => {
      if (m.type === 'ran') {
        stats.runs++;
        stats.walPages = m.walPages;
        stats.checkpointed = m.checkpointed;
        lastFailure = '';
      } else if (m.error !== lastFailure) {
        lastFailure = m.error;
        options.log?.warn(`sqlite: WAL checkpoint failed (${m.error}); trying again`);
      }
    });
    w.on('error', (err) => options.log?.error(`sqlite: WAL checkpoint thread failed: ${err.stack ?? err.message}`));
    w.on('exit', () => {
      worker = null;
      setAuto(AUTO_PAGES);
      done();
      if (stopping) return;
      options.log?.error('sqlite: WAL checkpoint thread exited; the main thread checkpoints until it is back');
      restart = setTimeout(() => {
        restart = null;
        if (!stopping) spawn();
      }, options.restartDelayMs ?? 1000);
    });
  };
  spawn();

  return {
    stats: () => ({ ...stats }),
    async stop() {
      if (stopping) return exited;
      stopping = true;
      if (restart) clearTimeout(restart);
      // Keep the process up until the worker has said goodbye (it is unref'd while running).
      worker?.ref();
      worker?.postMessage({ type: 'stop' });
      await exited;
    },
  };
}
