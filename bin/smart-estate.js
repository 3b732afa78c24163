#!/usr/bin/env node
// `smart-estate`: runs the compiled server, dist/server/cli.js (`npm run build`), with source maps on so
// stack traces name server/….ts lines. In a dev checkout (tsx installed) whose build is missing or
// older than the sources, it runs the TypeScript sources through tsx instead and says so on stderr
// (for commands that start a server; one-shot commands keep stderr for their own errors). Without a
// build and without tsx (`npm ci --omit=dev`) it stops with one line saying how to build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'dist', 'server', 'cli.js');
const SOURCES = ['server', 'protocol', 'simulators'];

/** newest modification time of the server's sources (0 when they are not shipped) */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCES) walk(join(root, d));
  return newest;
}

function hasTsx() {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

const built = existsSync(compiled);
const fresh = built && statSync(compiled).mtimeMs >= newestSource();
// A stale build still runs when there is nothing to run the sources with (the build is all there is).
if (built && (fresh || !hasTsx())) {
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(compiled).href);
} else if (hasTsx()) {
  if (['serve', 'demo', 'sim'].includes(process.argv[2] ?? '')) {
    process.stderr.write(`smart-estate: ${built ? 'dist/server is older than the sources' : 'the server is not built'}; running the TypeScript sources through tsx (npm run build compiles them)\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server/cli.ts');
} else {
  process.stderr.write('smart-estate: the server is not built: run `npm run build`\n');
  process.exit(1);
}
