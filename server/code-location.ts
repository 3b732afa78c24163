// Where the server's own files are, whether it runs as TypeScript through tsx (a dev checkout,
// vitest) or compiled by scripts/build-server.mjs into dist/server (what `smart-estate` runs). The
// build writes every entry (cli.js, forwarder-worker.js, checkpoint-worker.js) flat into dist/server,
// so this module's URL is always a file directly in dist/server when compiled, and server/ otherwise.
import { fileURLToPath } from 'node:url';

const HERE = import.meta.url;
/** true when this code is the esbuild output in dist/server, false when it is server/*.ts */
export const COMPILED = HERE.endsWith('.js');
/** the package's root directory (the one with package.json), from either place */
export const PACKAGE_ROOT = fileURLToPath(new URL(COMPILED ? '../../' : '../', HERE));

/**
 * Worker modules, by the name the build gives their bundle (scripts/build-server.mjs ENTRIES lists
 * the same two), with their source under server/.
 */
const WORKER_SOURCES = {
  'forwarder-worker': './forwarder/worker.ts',
  'checkpoint-worker': './store/checkpoint-worker.ts',
} as const;
export type WorkerName = keyof typeof WORKER_SOURCES;

/**
 * How to start a worker thread: compiled, its own bundle directly (no tsx anywhere); from source,
 * worker-entry.mjs, which registers tsx in the fresh thread and then imports `module`.
 */
export function workerStart(name: WorkerName): { entry: URL; module: string } {
  if (COMPILED) {
    const entry = new URL(`./${name}.js`, HERE);
    return { entry, module: entry.href };
  }
  return { entry: new URL('./worker-entry.mjs', HERE), module: new URL(WORKER_SOURCES[name], HERE).href };
}

/**
 * A data file that ships beside the server's code (path relative to server/, e.g.
 * 'estate/demo/garden.geojson'): the build copies each into dist/server at the same relative path.
 */
export function serverFile(relative: string): string {
  return fileURLToPath(new URL(`./${relative}`, HERE));
}
