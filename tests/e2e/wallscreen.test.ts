// The wall screen end to end, nothing mocked: the web client built by Vite, the real server with the
// demo estate played by the real simulators (one MQTT client per device), Debian Chromium
// (SwiftShader WebGL). Screenshots of both themes, a pick that opens a building's details, the kiosk
// banner when a camera stops sending, and a replay that moves a guard along positions published with
// past timestamps. One browser, one page; every wait is on a condition.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateDetail, LoginResponse } from '../../protocol/api.ts';
import { localFrame } from '../../protocol/geo.ts';
import { deviceTopic } from '../../protocol/topics.ts';
import { provisionDemo, simulationPlan } from '../../server/estate/demo.ts';
import { startSimulation, type Simulation } from '../../simulators/index.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { until } from '../support/process.ts';
import { startTestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ESTATE = 'garden';

interface Stats {
  buildings: number;
  drawCalls: number;
  triangles: number;
  frames: number;
  markers: { guards: number; vehicles: number; cameras: number };
  events: number;
  source: 'live' | 'replay';
  labelGlyphs: number;
}
type Win = { __SE_STATS__?: Stats; __SE_SCENE__?: { project(x: number, y: number, h?: number): { px: number; py: number; visible: boolean }; guards(): Array<{ id: string; x: number; y: number }> }; __SE_REPLAY__?: { from: number; to: number; time: number; items: number } };

describe('wall screen', () => {
  let webDir: string;
  let shots: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: TestBrowser;
  let detail: EstateDetail;
  let simulation: Simulation | null = null;
  const failed: string[] = [];
  const foreign: string[] = [];

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-'));
    shots = mkdtempSync(join(tmpdir(), 'se-wall-'));
    await buildWeb(webDir);
    server = await startTestServer({ demo: true, webDir });
    const token = await server.login(server.admin.username, server.admin.password);
    const res = await server.api(`/api/v1/estates/${ESTATE}`, { token });
    expect(res.status).toBe(200);
    detail = res.body as EstateDetail;
    // the demo estate comes alive: the real simulators, a little faster than real time
    const { credentials } = provisionDemo(server.db);
    simulation = await startSimulation({ ...simulationPlan(server.db, ESTATE, credentials), brokerUrl: server.mqttUrl, speed: 4, seed: 7 });
    browser = await launchBrowser();
    const origin = new URL(server.url).origin;
    browser.page.on('requestfailed', (r) => {
      // a navigation aborts what the last page had in flight (troika's worker blobs, the feed): not a failure
      if (r.failure()?.errorText === 'net::ERR_ABORTED') return;
      failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`);
    });
    browser.page.on('response', (r) => r.status() >= 400 && failed.push(`${r.url()} HTTP ${r.status()}`));
    browser.page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(origin) && !url.startsWith('ws://127.0.0.1') && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
    });
  }, 240_000);

  afterAll(async () => {
    await simulation?.stop();
    if (browser?.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    await browser?.close();
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    console.info(`wall-screen screenshots kept in ${shots}`);
  });

  const stats = () => browser.page.evaluate(() => (window as unknown as Win).__SE_STATS__ ?? null);

  it('shows the live demo estate with labels in few draw calls, in night and day themes', { timeout: 180_000 }, async () => {
    const { page } = browser;
    await page.goto(server.url);
    await page.getByTestId('login-username').fill(server.admin.username);
    await page.getByTestId('login-password').fill(server.admin.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('estate-map').waitFor();
    // guards walking, a label batch drawn (labels need the local font): the scene is complete
    await page.waitForFunction(() => {
      const s = (window as unknown as Win).__SE_STATS__;
      return !!s && s.frames >= 3 && s.markers.guards >= 2 && s.markers.cameras > 0;
    }, undefined, { timeout: 90_000 });
    // building names typeset from the font shipped with the app
    await until('labels drawn', async () => ((await stats())?.labelGlyphs ?? 0) > detail.buildings.length, 60_000, 250);
    const s = (await stats())!;
    expect(s.buildings).toBe(detail.buildings.length);
    // merged buildings, instanced markers, batched labels: flat however large the estate (issue goal ≤ 20)
    expect(s.drawCalls).toBeLessThanOrEqual(20);
    expect(s.triangles).toBeGreaterThan(detail.buildings.length * 4);
    await page.getByTestId('connection-state').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(shots, 'wall-night-zh.png') });

    await page.getByTestId('theme-toggle').click();
    await page.locator('[data-testid="estate-map"][data-theme="day"]').waitFor();
    await until('a day frame', async () => ((await stats())?.frames ?? 0) > s.frames + 2, 30_000, 100);
    await page.getByTestId('language-toggle').click();
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    await page.screenshot({ path: join(shots, 'wall-day-en.png') });
    await page.getByTestId('language-toggle').click();
    await page.getByTestId('theme-toggle').click();
    await page.locator('[data-testid="estate-map"][data-theme="night"]').waitFor();
  });

  it('opens a building\'s details when it is clicked on the map', { timeout: 60_000 }, async () => {
    const { page } = browser;
    // the building nearest the viewer (the view looks north from the south): nothing stands in front of it
    const front = [...detail.buildings].sort((a, b) => a.center[1] - b.center[1])[0];
    const at = await page.evaluate(([x, y, h]) => (window as unknown as Win).__SE_SCENE__!.project(x, y, h), [front.center[0], front.center[1], Math.min(front.height, 12) / 2] as const);
    expect(at.visible).toBe(true);
    await page.mouse.click(at.px, at.py);
    const panel = page.getByTestId('details-panel');
    await panel.waitFor({ timeout: 10_000 });
    expect(await panel.getAttribute('data-kind')).toBe('building');
    expect(await panel.getAttribute('data-id')).toBe(front.id);
    expect(await page.getByTestId('details-title').textContent()).toBe(front.name);
    expect(await panel.textContent()).toContain('楼层');
    await page.screenshot({ path: join(shots, 'wall-pick.png') });
    await page.getByTestId('details-close').click();
    await panel.waitFor({ state: 'detached' });
  });

  it('raises the kiosk banner when a camera stops sending', { timeout: 120_000 }, async () => {
    const { page } = browser;
    // the simulators stop: everything goes quiet except one camera we keep alive, then stop too
    await simulation?.stop();
    simulation = null;
    const camera = detail.devices.find((d) => d.kind === 'camera' && d.x !== null)!;
    const id = `cam-kiosk-${process.pid}`;
    const token = server.addDevice('camera', id, ESTATE, { x: camera.x!, y: camera.y! });
    const device = await mqtt.connectAsync(server.mqttUrl, { username: id, password: token, protocolVersion: 4, reconnectPeriod: 0 });
    let beats = 0;
    const heartbeat = setInterval(() => {
      device.publish(deviceTopic(ESTATE, id, 'status'), JSON.stringify({ ts: Date.now(), online: true, battery: 90 }), { qos: 1 });
      beats++;
    }, 250);
    try {
      await page.goto(`${server.url}/?kiosk=1&staleAfter=3`);
      await page.getByTestId('connection-state').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 30_000 });
      expect(await page.evaluate(() => document.documentElement.classList.contains('kiosk'))).toBe(true);
      expect(await page.getByTestId('sign-out').count()).toBe(0);
      // patrol and gates went quiet with the simulators: their banners show, the live camera's does not
      await page.locator('[data-testid="stale-banner"][data-source="patrol"]').waitFor({ timeout: 20_000 });
      const start = beats;
      await until('heartbeats arriving', () => beats > start + 8, 20_000);
      expect(await page.locator('[data-testid="stale-banner"][data-source="camera"]').count()).toBe(0);
    } finally {
      clearInterval(heartbeat);
      await device.endAsync();
    }
    const banner = page.locator('[data-testid="stale-banner"][data-source="camera"]');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toMatch(/摄像头数据中断 \d+ 秒/);
    await page.screenshot({ path: join(shots, 'wall-kiosk-stale.png') });
  });

  it('replays a guard along the positions it recorded', { timeout: 120_000 }, async () => {
    const { page } = browser;
    const frame = localFrame(detail.estate);
    const id = `hh-replay-${process.pid}`;
    const guard = `G-REPLAY-${process.pid}`;
    const token = server.addDevice('patrol', id);
    const now = Date.now();
    const path = [
      { x: -60, y: -40, ts: now - 30 * 60_000 },
      { x: 10, y: -20, ts: now - 20 * 60_000 },
      { x: 70, y: 30, ts: now - 10 * 60_000 },
    ];
    const device = await mqtt.connectAsync(server.mqttUrl, { username: id, password: token, protocolVersion: 4, reconnectPeriod: 0 });
    try {
      for (const p of path) {
        const [lon, lat] = frame.toLonLat(p.x, p.y);
        await device.publishAsync(deviceTopic(ESTATE, id, 'position'), JSON.stringify({ ts: p.ts, guard, lat, lon }), { qos: 1 });
      }
    } finally {
      await device.endAsync();
    }
    await page.goto(server.url);
    await page.getByTestId('replay-open').click();
    await page.locator('[data-testid="replay-bar"][data-status="ready"]').waitFor({ timeout: 60_000 });
    const windowStart = await page.evaluate(() => (window as unknown as Win).__SE_REPLAY__!.from);
    expect(windowStart).toBeLessThan(path[0].ts);

    const guardAt = () => page.evaluate((g) => (window as unknown as Win).__SE_SCENE__!.guards().find((m) => m.id === g) ?? null, guard);
    const slider = page.getByTestId('replay-slider');
    // before the first position: no such guard
    await slider.fill(String(Math.round((path[0].ts - 60_000) / 1000)));
    await until('replay before the first position', async () => (await stats())?.source === 'replay' && (await guardAt()) === null, 20_000, 100);
    for (const [i, p] of path.entries()) {
      await slider.fill(String(Math.round((p.ts + 60_000) / 1000)));
      const seen = await until(`guard at point ${i}`, async () => {
        const m = await guardAt();
        return m && Math.hypot(m.x - p.x, m.y - p.y) < 1 ? m : null;
      }, 20_000, 100);
      expect(seen.x).toBeCloseTo(p.x, 0);
    }
    await page.screenshot({ path: join(shots, 'wall-replay.png') });
    // and back in time: the replay rewinds
    await slider.fill(String(Math.round((path[0].ts + 60_000) / 1000)));
    await until('guard back at the start', async () => {
      const m = await guardAt();
      return m && Math.hypot(m.x - path[0].x, m.y - path[0].y) < 1;
    }, 20_000, 100);
    await page.getByTestId('replay-close').click();
    await until('live again', async () => (await stats())?.source === 'live', 20_000, 100);
  });

  it('needed nothing from outside the server, and no request failed', () => {
    expect(foreign).toEqual([]);
    expect(failed).toEqual([]);
  });
});
