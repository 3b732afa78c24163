// No □ on a bare kiosk or handheld: each page of the built web app (glyph-pages.ts lists them and where
// their text comes from) is opened in Debian Chromium that sees only the Latin fonts of a minimal
// Debian (support/bare-fonts.ts: whatever CJK fonts this machine may have stay invisible), and every
// character the page can show — its zh-CN strings, the 31 plate provinces, the demo's guards, buildings
// and checkpoints, the server's alert titles — is drawn in every font stack of the page's style sheets
// at both bundled weights and compared with the missing-glyph box (support/glyph-check.ts).
// One server, one browser for all pages.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fontCoverage } from '../../web/src/map/font-coverage.ts';
import { bareFonts, type BareFonts } from '../support/bare-fonts.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { checkGlyphs } from '../support/glyph-check.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';
import { GLYPH_PAGES, pageCharacters } from './glyph-pages.ts';

const FAMILY = 'Noto Sans SC';
/** the weights web/src/fonts/fonts.ts bundles (the page's 400–900 all resolve to one of them) */
const WEIGHTS = [500, 700];
const FONTSOURCE = fileURLToPath(new URL('../../node_modules/@fontsource/noto-sans-sc/', import.meta.url));

/** For the failure message: each missing character with the source that has it. */
const explain = (missing: string, chars: Map<string, string>) =>
  [...missing].map((ch) => `${ch} U+${ch.codePointAt(0)!.toString(16).toUpperCase()} (${chars.get(ch)})`).join(', ');

describe('glyphs on a machine without CJK fonts', () => {
  let webDir: string;
  let fonts: BareFonts;
  let server: TestServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-glyphs-'));
    fonts = bareFonts();
    await buildWeb(webDir);
    server = await startTestServer({ webDir });
    browser = await launchBrowser({ width: 1280, height: 800, env: fonts.env });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    fonts?.remove();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('the browser sees no CJK font of the machine', async () => {
    expect(await fonts.cjkFonts()).toEqual([]);
  });

  for (const page of GLYPH_PAGES) {
    it(`${page.name} (${page.path}) draws every character it can show`, async () => {
      const chars = pageCharacters(page);
      // the sources are real: the provinces and a guard's name are among them
      for (const ch of '浙琼藏张伟') expect(chars.has(ch), ch).toBe(true);
      await browser.page.goto(server.url + page.path);
      await browser.page.locator(page.ready).first().waitFor({ timeout: 30_000 });
      const report = await checkGlyphs(browser.page, { chars: [...chars.keys()], family: FAMILY, weights: WEIGHTS });
      console.info(`glyphs: ${page.name}: ${chars.size} characters × ${report.stacks.length} stacks × ${WEIGHTS.length} weights; ${report.faces} faces declared, ${report.fetchedBeforeCheck.length} fetched by the first screen`);

      // soft: a failing page reports every kind of gap at once
      // the bundled family is split into unicode-range slices, fetched on demand: the page's first
      // screen fetched a few of them, not the whole font
      expect.soft(report.rangedFaces, 'bundled faces with a unicode-range').toBeGreaterThanOrEqual(100 * WEIGHTS.length);
      expect.soft(report.fetchedBeforeCheck.length, report.fetchedBeforeCheck.join('\n')).toBeLessThan(report.faces / 4);
      // every stack of the page names the bundled family (a stack without it leaves hanzi to the system)
      expect.soft(report.stacks.filter((s) => !s.includes(FAMILY)), 'stacks without the bundled font').toEqual([]);
      // the bundled family declares every character: none is left to whatever fonts a machine has
      expect.soft(explain(report.undeclared, chars), 'characters no bundled face declares').toBe('');
      // and nothing is drawn as the missing-glyph box, in any stack at any weight
      const tofu = Object.entries(report.tofu).map(([font, missing]) => `${font}: ${explain(missing, chars)}`);
      expect.soft(tofu, `${chars.size} characters in ${report.stacks.length} stacks`).toEqual([]);
    });
  }

  it('each bundled slice has a glyph for every character of the pages that its unicode-range declares', async () => {
    // the browser fetches a slice by its declared range and draws from it; a slice declaring a character
    // it has no glyph for would draw that slice's own box (not the fallback's), which the pixel test
    // above compares against the fallback's box: so the ranges are checked against the files' cmaps
    const all = new Map<string, string>();
    for (const page of GLYPH_PAGES) for (const [ch, source] of pageCharacters(page)) all.set(ch, source);
    const inflate = async (bytes: Uint8Array) => new Uint8Array(inflateSync(bytes));
    const wrong: string[] = [];
    for (const weight of WEIGHTS) {
      const css = readFileSync(join(FONTSOURCE, `${weight}.css`), 'utf8');
      for (const face of css.matchAll(/url\(\.\/files\/([^)]+\.woff)\) format\('woff'\);\s*unicode-range: ([^;]+);/g)) {
        const ranges = face[2].split(',').map((part) => part.trim().replace(/^U\+/i, '').split('-').map((h) => parseInt(h, 16)));
        const mine = [...all.keys()].filter((ch) => ranges.some(([a, b = a]) => ch.codePointAt(0)! >= a && ch.codePointAt(0)! <= b));
        if (!mine.length) continue;
        const file = readFileSync(join(FONTSOURCE, 'files', face[1]));
        const coverage = await fontCoverage(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer, inflate);
        for (const ch of mine) if (!coverage.has(ch.codePointAt(0)!)) wrong.push(`${face[1]}: ${explain(ch, all)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
