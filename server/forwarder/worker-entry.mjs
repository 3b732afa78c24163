// Entry of the forwarder's worker thread: the server is TypeScript run through tsx, and a worker
// starts with a fresh module loader, so it registers tsx itself before loading worker.ts.
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
