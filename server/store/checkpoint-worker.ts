// The WAL checkpointer's thread: copies committed pages from the WAL into the database file
// (PRAGMA wal_checkpoint(PASSIVE): never waits for readers or writers, takes what it can) every
// intervalMs, so that work and its fsync of the database file happen here and not in the middle of
// a journal commit on the main thread. See checkpointer.ts for the other side.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointWorkerData, FromCheckpointer } from './checkpointer.ts';
import { BACKGROUND_NICE, lowerThreadPriority } from '../thread-priority.ts';

const port = parentPort!;
// Background work: below the main thread when the CPU is short (see thread-priority.ts).
lowerThreadPriority(BACKGROUND_NICE);
const data = workerData as CheckpointWorkerData;
const post = (message: FromCheckpointer) => port.postMessage(message);

const db = new Database(data.dbFile);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');

const run = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    post({ type: 'ran', walPages: result.log, checkpointed: result.checkpointed });
  } catch (err) {
    post({ type: 'failed', error: (err as Error).message });
  }
};
const timer = setInterval(run, data.intervalMs);

port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  clearInterval(timer);
  run();
  db.close();
  port.close();
});
