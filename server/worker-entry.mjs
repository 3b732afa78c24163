// Entry of the server's worker threads (the forwarder, the WAL checkpointer): the server is
// TypeScript run through tsx, and a worker starts with a fresh module loader, so it registers tsx
// itself, then loads the module named in workerData.module (a file: URL).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
register();
await import(workerData.module);
