// The forwarder's own thread: its own SQLite connection to the journal file (WAL lets it read while
// the main thread commits) and its own InfluxDB client, so reading, converting and writing points
// never holds up MQTT, the journal or the rules on the main thread. See thread.ts for the other side.
import { parentPort, workerData } from 'node:worker_threads';
import { openDb } from '../store/db.ts';
import { createInfluxClient } from '../influx/connection.ts';
import { startForwarder } from './forwarder.ts';
import { BACKGROUND_NICE, lowerThreadPriority } from '../thread-priority.ts';
import type { ToForwarder, FromForwarder, ForwarderWorkerData } from './thread.ts';

const port = parentPort!;
// Background work: below the main thread when the CPU is short (see thread-priority.ts).
lowerThreadPriority(BACKGROUND_NICE);
const data = workerData as ForwarderWorkerData;
const post = (message: FromForwarder) => port.postMessage(message);

// Only reads: the checkpoint and dead letters go to the main thread, which writes them (persist).
const db = openDb(data.dbFile);
const client = createInfluxClient(data.target, { requestTimeoutMs: data.requestTimeoutMs });
const forwarder = startForwarder(db, client, {
  ...data.options,
  database: data.target.database,
  log: {
    info: (line) => post({ type: 'log', level: 'info', line }),
    warn: (line) => post({ type: 'log', level: 'warn', line }),
    error: (line) => post({ type: 'log', level: 'error', line }),
  },
  persist: (checkpoint, dead, at) => post({ type: 'persist', checkpoint, dead, at }),
  onProgress: (progress) => post({ type: 'progress', progress }),
});

port.on('message', (message: ToForwarder) => {
  if (message.type === 'notify') forwarder.notify();
  // The worker's own drain ends its linger; the main thread settles its drains from the progress reports.
  else if (message.type === 'drain') forwarder.drain().catch(() => {});
  else if (message.type === 'stop') {
    // every batch and retry was reported as it happened (onProgress): nothing is left to tell
    void forwarder.stop().then(() => {
      db.close();
      port.close();
    });
  }
});
