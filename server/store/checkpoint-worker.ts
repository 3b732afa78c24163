// The WAL checkpointer's thread: copies committed pages from the WAL into the database file
// (PRAGMA wal_checkpoint(PASSIVE): never waits for readers or writers, takes what it can) every
// intervalMs (idleIntervalMs after a run that found little: nextCheckpointDelay), so that work and
// its fsync of the database file happen here and not in the middle of a journal commit on the main
// thread. See checkpointer.ts for the other side.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { nextCheckpointDelay, type CheckpointWorkerData, type FromCheckpointer } from './checkpointer.ts';
import { BACKGROUND_NICE, lowerThreadPriority } from '../thread-priority.ts';

const port = parentPort!;
// Background work: below the main thread when the CPU is short (see thread-priority.ts).
lowerThreadPriority(BACKGROUND_NICE);
const data = workerData as CheckpointWorkerData;
const post = (message: FromCheckpointer) => port.postMessage(message);

const db = new Database(data.dbFile);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');

/** One checkpoint; the WAL pages it found, or null when it failed. */
const run = (): number | null => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    post({ type: 'ran', walPages: result.log, checkpointed: result.checkpointed });
    return result.log;
  } catch (err) {
    post({ type: 'failed', error: (err as Error).message });
    return null;
  }
};
let timer: NodeJS.Timeout;
const tick = () => {
  timer = setTimeout(tick, nextCheckpointDelay(run(), data));
};
timer = setTimeout(tick, data.intervalMs);

port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  clearTimeout(timer);
  run();
  db.close();
  port.close();
});
