// Far-zoom decluttering end to end (#18): the map benchmark's synthetic estate (1,000 buildings,
// 10,000 markers) framed whole in Debian Chromium. At that zoom crowded cells draw count badges (one
// draw call), no marker is lost (drawn alone + in badges = all), and the labels shown are readable (no
// smaller than LABEL_MIN_PX_SMALL: in world metres they would be 1–3 px tall there, too small to ever
// overlap or be read) and do not overlap — their boxes taken from the text members' own matrices,
// projected — while without decluttering the same view's labels do. Waits are on conditions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_MIN_PX_SMALL, overlapping } from '../../web/src/map/declutter.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';

type Box = { key: string; x0: number; y0: number; x1: number; y1: number };
type Win = {
  __SE_BENCH__?: unknown;
  __SE_DECLUTTER__?: { far: boolean; metresPerPixel: number; points: number; clustered: number; badges: number; badgeTotal: number };
  __SE_LABELS__?: { total: number; shown: number; boxes(): Box[] };
  __SE_STATS__?: { drawCalls: number; markers: { guards: number; vehicles: number; cameras: number } };
  __SE_SCENE__?: { drawn(): Array<{ name: string; calls: number }> };
};

describe('map: far-zoom decluttering of 10,000 markers', () => {
  let webDir: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: TestBrowser;
  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-'));
    await buildWeb(webDir);
    server = await startTestServer({ webDir });
    browser = await launchBrowser({ width: 1280, height: 720 });
  }, 240_000);
  afterAll(async () => {
    if (browser?.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    await browser?.close();
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  const open = async (declutter: boolean) => {
    const { page } = browser;
    await page.goto('about:blank');
    await page.goto(`${server.url}/?bench=map&mode=merged&buildings=1000&markers=10000&frames=3&warmup=3${declutter ? '' : '&declutter=0'}`);
    await page.waitForFunction(() => !!(window as unknown as Win).__SE_BENCH__, undefined, { timeout: 180_000, polling: 250 });
    return page.evaluate(() => {
      const w = window as unknown as Win;
      return { declutter: w.__SE_DECLUTTER__ ?? null, labels: { total: w.__SE_LABELS__!.total, shown: w.__SE_LABELS__!.shown, boxes: w.__SE_LABELS__!.boxes() }, stats: w.__SE_STATS__!, drawn: w.__SE_SCENE__!.drawn() };
    });
  };

  it('draws crowded cells as badges in one call, loses no marker, and shows labels that do not overlap', { timeout: 300_000 }, async () => {
    const on = await open(true);
    const d = on.declutter!;
    expect(d.far, JSON.stringify(d)).toBe(true);
    expect(d.points).toBe(10_000);
    expect(d.badges).toBeGreaterThan(50);
    expect(d.badgeTotal).toBe(d.clustered);
    const drawnAlone = on.stats.markers.guards + on.stats.markers.vehicles + on.stats.markers.cameras;
    expect(drawnAlone + d.clustered).toBe(10_000);
    expect(on.drawn.filter((x) => x.name === 'cluster-badges').reduce((n, x) => n + x.calls, 0), JSON.stringify(on.drawn)).toBe(1);
    expect(on.stats.drawCalls).toBeLessThanOrEqual(20);
    // labels: many shown, each tall enough to read, none overlapping (half a pixel of rounding allowed),
    // some hidden because they would
    const onScreen = on.labels.boxes.filter((b) => b.x1 > 0 && b.y1 > 0 && b.x0 < 1280 && b.y0 < 720);
    expect(onScreen.length).toBeGreaterThan(20);
    const small = onScreen.filter((b) => b.y1 - b.y0 < LABEL_MIN_PX_SMALL - 0.5);
    expect(small.slice(0, 3)).toEqual([]);
    const clash = overlapping(onScreen, 0.5);
    expect(clash && [onScreen[clash[0]], onScreen[clash[1]]]).toBeNull();
    expect(on.labels.shown).toBeLessThan(on.labels.total);

    // the same view without decluttering: every label shown, and they pile up
    const off = await open(false);
    expect(off.labels.shown).toBe(off.labels.total);
    expect(off.labels.total).toBe(on.labels.total);
    expect(overlapping(off.labels.boxes.filter((b) => b.x1 > 0 && b.y1 > 0 && b.x0 < 1280 && b.y0 < 720), 0.5)).not.toBeNull();
    expect(off.stats.markers.guards + off.stats.markers.vehicles + off.stats.markers.cameras).toBe(10_000);
  });
});
