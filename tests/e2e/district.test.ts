// End to end, nothing mocked: the Vite build, the real server with a small district, Debian
// Chromium and a real MQTT camera. The district screen shows estates with nothing heard as unknown,
// its badge for one estate turns critical live when a fire alert opens there (through the summary
// channel, not the estates' live streams), the ranking strip matches a hand computation, and a
// click drills down to the estate's wall screen and back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic } from '../../protocol/index.ts';
import { localMonth } from '../../server/alerts/hours.ts';
import { monthBounds } from '../../server/org/scorecard.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { connect } from '../support/mqtt.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';
import { seedDistrict } from '../org/fixture.ts';

const MIN = 60_000;

describe('district wall screen', () => {
  let webDir: string;
  let server: TestServer;
  let browser: TestBrowser;
  let camera: MqttClient;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-district-'));
    await buildWeb(webDir);
    server = await startTestServer({ webDir });
    seedDistrict(server.db);
    // this month's stored alerts: e1 two on time (on site 1 min) → 100; e3 one on time, one 10 min late on site
    // → 54321 50, response median 330 s → 96.7; (30×50 + 10×96.7) ÷ 40 = 61.7
    const now = Date.now();
    const { from } = monthBounds(localMonth(now, 'Asia/Shanghai'), 'Asia/Shanghai');
    const t0 = Math.max(from + MIN, now - 3 * 3_600_000);
    let id = 900_000;
    const stored = (estate: string, onSiteMin: number) => {
      id++;
      const body = { id, estate, source: `fx${id}`, type: 'intrusion', tier: 'small', title: 'x', titleZh: '闯入', openedAt: t0, onSiteAt: t0 + onSiteMin * MIN, resolvedAt: t0 + 20 * MIN, resolution: 'fixed' };
      server.db.prepare("INSERT INTO alerts (id, estate, source, type, status, severity, severity_rank, tier, due, opened_at, resolved_at, incident, body) VALUES (?, ?, ?, 'intrusion', 'resolved', 'major', 2, 'small', NULL, ?, ?, NULL, ?)").run(
        id, estate, body.source, t0, t0 + 20 * MIN, JSON.stringify(body),
      );
    };
    stored('e1', 1);
    stored('e1', 1);
    stored('e3', 1);
    stored('e3', 10);
    const token = server.addDevice('camera', 'e1-cam', 'e1', { x: 0, y: 0 });
    camera = await connect(server.mqttUrl, 'e1-cam', token, { clientId: 'e1-cam' });
    await camera.publishAsync(deviceTopic('e1', 'e1-cam', 'status'), JSON.stringify({ ts: Date.now(), online: true }), { qos: 1 });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    if (browser?.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    await camera?.endAsync().catch(() => {});
    await browser?.close();
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  it('updates a badge live, ranks by the formula, drills down and back', { timeout: 180_000 }, async () => {
    const viewer = server.addUser('district-viewer', 'viewer', 'unit:d');
    const { page } = browser;
    await page.goto(`${server.url}/district/d`);
    await page.getByTestId('login-username').fill(viewer.username);
    await page.getByTestId('login-password').fill(viewer.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('badges').waitFor({ timeout: 60_000 });
    // nothing heard from e2, e3, o1: unknown, listed for attention; e1's camera spoke: calm, not listed
    for (const e of ['e2', 'e3', 'o1']) await page.locator(`[data-estate="${e}"][data-condition="unknown"]`).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="badges"] [data-estate="e1"]').count()).toBe(0);

    // ranking strip = the hand computation
    await page.locator('[data-testid="ranking"] [data-rank="2"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="ranking"] [data-rank="1"]').textContent()).toBe('1. 小区e1 100');
    expect(await page.locator('[data-testid="ranking"] [data-rank="2"]').textContent()).toBe('2. 小区e3 61.7');

    // flat cost: the whole district in a few draw calls
    await page.waitForFunction(() => (window.__districtStats?.frames ?? 0) > 2, undefined, { timeout: 20_000 });
    expect(await page.evaluate(() => window.__districtStats!.calls)).toBeLessThanOrEqual(20);

    // a fire in e1: its badge turns critical through the summary channel
    await camera.publishAsync(deviceTopic('e1', 'e1-cam', 'camera'), JSON.stringify({ id: 'fire-1', ts: Date.now(), type: 'fire', phase: 'start', score: 0.9 }), { qos: 1 });
    const badge = page.locator('[data-testid="badges"] [data-estate="e1"][data-condition="critical"]');
    await badge.waitFor({ timeout: 20_000 });
    expect(await badge.getByTestId('alerts').textContent()).toBe('1');
    await page.getByTestId('feed').locator('li').filter({ hasText: '火情' }).waitFor({ timeout: 10_000 });

    // drill down to e1's 3D wall screen, and back
    await badge.click();
    await page.waitForURL(/\/\?estate=e1/, { timeout: 20_000 });
    await page.getByTestId('district-back').waitFor({ timeout: 60_000 });
    await page.getByTestId('district-back').click();
    await page.waitForURL(/\/district\/d$/, { timeout: 20_000 });
    await page.locator('[data-testid="badges"] [data-estate="e1"][data-condition="critical"]').waitFor({ timeout: 30_000 });
  });
});
