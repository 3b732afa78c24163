// The built web app for browser tests. `npm test` builds dist/web once and exports SE_TEST_WEB_DIR;
// each test file then copies that build into its own directory (seconds) instead of running its
// own Vite build (half a minute each). Run alone, a test still builds for itself.
import { execFile } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Puts a production build of the web app into `outDir` (its own directory: parallel files never share one). */
export async function buildWeb(outDir: string): Promise<void> {
  const prebuilt = process.env.SE_TEST_WEB_DIR;
  if (prebuilt && existsSync(join(prebuilt, 'index.html'))) {
    cpSync(prebuilt, outDir, { recursive: true });
    return;
  }
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
    maxBuffer: 16 * 1024 * 1024,
  });
}
