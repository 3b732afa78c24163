#!/usr/bin/env node
// Compiles the server (server/, protocol/, simulators/ — TypeScript) into dist/server with esbuild, so
// `smart-estate` runs plain JavaScript and tsx stays a dev dependency. Plain JS itself: it must run
// where nothing can load TypeScript yet.
//
// Why esbuild and not tsc: the sources import each other with '.ts' extensions (allowImportingTsExtensions),
// which tsc only emits after rewriting them (rewriteRelativeImportExtensions, TypeScript 5.7+) file by
// file; esbuild bundles each entry into one file in ~0.3 s, keeps names readable (no minifying), writes
// source maps back to the .ts files, and leaves npm packages as imports (`packages: 'external'`), so
// native better-sqlite3 and every other package load from node_modules exactly as before. Type
// checking stays `npm run typecheck` (tsc --noEmit).
//
// Entries are written flat into the out dir (cli.js, forwarder-worker.js, checkpoint-worker.js) — the
// names server/code-location.ts expects; data files the code reads at run time are copied at their
// path relative to server/.
//
// usage: node scripts/build-server.mjs [--outdir DIR]   (default dist/server)
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? resolve(process.argv[at + 1]) : join(root, 'dist', 'server');

/** bundle name → source (the worker names are WORKER_SOURCES in server/code-location.ts) */
const ENTRIES = {
  cli: 'server/cli.ts',
  'forwarder-worker': 'server/forwarder/worker.ts',
  'checkpoint-worker': 'server/store/checkpoint-worker.ts',
};
/** files under server/ read at run time */
const DATA_FILES = ['estate/demo/garden.geojson'];

const started = Date.now();
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  metafile: true,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  // Source maps on for every thread, before the bundle's own code runs (external imports are hoisted
  // above it, but their frames are not ours to map), so a stack trace names server/….ts lines.
  banner: { js: 'process.setSourceMapsEnabled(true);' },
  logLevel: 'warning',
  legalComments: 'none',
});
// A production install has only `dependencies`: a bundle that imports anything else (a dev
// dependency such as tsx or vitest, or a package not declared at all) would fail there, so it fails here.
const declared = new Set(Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies ?? {}));
const packageOf = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const undeclared = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const i of output.imports) if (i.external && !i.path.startsWith('node:') && !declared.has(packageOf(i.path))) undeclared.add(packageOf(i.path));
}
if (undeclared.size) {
  rmSync(outdir, { recursive: true, force: true }); // no half-good build for bin/smart-estate.js to run
  console.error(`build-server: the server imports ${[...undeclared].join(', ')}, not in package.json's dependencies (a production install would not have them)`);
  process.exit(1);
}
for (const file of DATA_FILES) {
  const to = join(outdir, file);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(join(root, 'server', file), to);
}
console.log(`build-server: ${Object.keys(ENTRIES).length} entries → ${outdir} in ${Date.now() - started} ms`);
