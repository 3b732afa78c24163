// A bare kiosk's fonts for a browser test, whatever this machine has installed: a fontconfig file that
// lists only the Latin fonts a minimal Debian comes with (DejaVu, Liberation) and no user or system
// font folder else, handed to Chromium as FONTCONFIG_FILE. A CJK font that some package pulled into
// /usr/share/fonts (or ~/.fonts) is then invisible to the page, so a test sees exactly what the page
// ships itself. `cjkFonts` lists what fontconfig under that file offers for Chinese (it must be none).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const LATIN_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/truetype/liberation', '/usr/share/fonts/truetype/liberation2'];

export interface BareFonts {
  /** environment for the browser process */
  env: Record<string, string>;
  /** the font folders it lists */
  dirs: string[];
  /** fonts fontconfig offers for `:lang=zh` under this configuration (`fc-list`) */
  cjkFonts(): Promise<string[]>;
  remove(): void;
}

export function bareFonts(): BareFonts {
  const dir = mkdtempSync(join(tmpdir(), 'se-fontconfig-'));
  const dirs = LATIN_DIRS.filter((d) => existsSync(d));
  mkdirSync(join(dir, 'cache'));
  const alias = (generic: string, family: string) => `<alias><family>${generic}</family><prefer><family>${family}</family></prefer></alias>`;
  writeFileSync(
    join(dir, 'fonts.conf'),
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
${dirs.map((d) => `  <dir>${d}</dir>`).join('\n')}
  <cachedir>${join(dir, 'cache')}</cachedir>
  ${alias('sans-serif', 'DejaVu Sans')}
  ${alias('serif', 'DejaVu Serif')}
  ${alias('monospace', 'DejaVu Sans Mono')}
  ${alias('system-ui', 'DejaVu Sans')}
</fontconfig>
`,
  );
  const env = { FONTCONFIG_FILE: join(dir, 'fonts.conf') };
  return {
    env,
    dirs,
    async cjkFonts() {
      const { stdout } = await promisify(execFile)('fc-list', [':lang=zh', 'family'], { env: { ...process.env, ...env } });
      return stdout.split('\n').filter((line) => line.trim());
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
