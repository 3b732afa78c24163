// Entry of the server's worker threads (the forwarder, the WAL checkpointer) when the server runs from
// its TypeScript sources (a dev checkout, vitest): a worker starts with a fresh module loader, so it registers
// tsx itself, then loads the module named in workerData.module (a file: URL). Compiled (dist/server), each
// worker is its own bundle and starts without this file or tsx: see code-location.ts.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
register();
await import(workerData.module);
