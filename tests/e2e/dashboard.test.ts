// End to end, nothing mocked: the web client built by Vite, the real server with the demo estate,
// Debian Chromium (SwiftShader WebGL) and a real MQTT device publishing a check-in.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateDetail, LoginResponse } from '../../protocol/api.ts';
import { deviceTopic } from '../../protocol/topics.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ESTATE = 'garden';

interface SceneStats {
  buildings: number;
  drawCalls: number;
  triangles: number;
  frames: number;
  markers: { guards: number; vehicles: number; cameras: number };
  events: number;
}

const stats = () => (window as unknown as { __SE_STATS__?: SceneStats }).__SE_STATS__ ?? null;

describe('wall-screen dashboard', () => {
  let webDir: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: TestBrowser;
  let detail: EstateDetail;
  let screenshotDir: string;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-'));
    screenshotDir = mkdtempSync(join(tmpdir(), 'se-shots-'));
    await buildWeb(webDir);
    server = await startTestServer({ demo: true, webDir });
    // what the dashboard should show, straight from the API
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: server.admin.username, password: server.admin.password }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as LoginResponse;
    const res = await fetch(`${server.url}/api/v1/estates/${ESTATE}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    detail = (await res.json()) as EstateDetail;
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    if (browser && browser.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    await browser?.close();
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    console.info(`dashboard screenshots kept in ${screenshotDir}`);
  });

  it('shows the server\'s own message for a wrong password', async () => {
    const { page } = browser;
    await page.goto(server.url);
    await page.getByTestId('login-username').fill(server.admin.username);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/登录失败：.+/);
    expect(await page.getByTestId('login-form').isVisible()).toBe(true);
  });

  it('signs in and draws every building of the demo estate in a few draw calls', { timeout: 120_000 }, async () => {
    const { page } = browser;
    expect(detail.buildings.length).toBeGreaterThanOrEqual(25);
    await page.getByTestId('login-password').fill(server.admin.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('estate-map').waitFor();
    await page.waitForFunction(() => {
      const s = (window as unknown as { __SE_STATS__?: SceneStats }).__SE_STATS__;
      return !!s && s.buildings > 0 && s.drawCalls > 0 && s.frames >= 3;
    }, undefined, { timeout: 60_000 });
    const s = (await page.evaluate(stats))!;
    expect(s.buildings).toBe(detail.buildings.length);
    expect(s.drawCalls).toBeGreaterThan(0);
    // merged geometry: the draw calls do not grow with the buildings (ground, grid, zones,
    // buildings, edges, checkpoints, five marker kinds, batched labels: about fifteen whatever the
    // estate; the wall-screen goal is ≤ 20, docs/wallscreen.md)
    expect(s.drawCalls).toBeLessThanOrEqual(20);
    expect(s.drawCalls).toBeLessThan(detail.buildings.length / 2);
    // the extruded footprints are really there: at least a wall quad and a roof per building
    expect(s.triangles).toBeGreaterThan(detail.buildings.length * 4);
    expect(s.markers.cameras).toBe(detail.devices.filter((d) => d.kind === 'camera' && d.x !== null && d.y !== null).length);
    // the token stays in sessionStorage (not localStorage): a reload keeps the session, a new tab does not
    expect(await page.evaluate(() => sessionStorage.getItem('smart-estate.session'))).toContain('"token"');
    expect(await page.title()).toBe('智慧小区 Smart Estate');
  });

  it('shows a check-in published by a real MQTT device in the event panel', { timeout: 120_000 }, async () => {
    const { page } = browser;
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('connection-state').textContent()).toContain('已连接');
    const before = (await page.evaluate(stats))!;

    const deviceId = `handheld-e2e-${process.pid}`;
    const token = await server.addDevice('patrol', deviceId);
    const checkpoint = detail.checkpoints[0];
    expect(checkpoint).toBeDefined();
    const guard = `张伟-${Date.now() % 100000}`;
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, {
      username: deviceId,
      password: token,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    try {
      await device.publishAsync(
        deviceTopic(ESTATE, deviceId, 'checkin'),
        JSON.stringify({ id: `e2e-${Date.now()}`, ts: Date.now(), guard, checkpoint: checkpoint.id, method: 'qr' }),
        { qos: 1 },
      );
    } finally {
      await device.endAsync();
    }

    const row = page.getByTestId('event-row').filter({ hasText: guard });
    await row.first().waitFor({ timeout: 20_000 });
    const text = (await row.first().textContent()) ?? '';
    expect(text).toContain('巡更打卡');
    expect(text).toContain(guard);
    expect(text).toContain(checkpoint.name);
    expect(text).toContain(deviceId);
    // newest first among the check-ins (alerts the check-in caused, e.g. a late patrol, may sit above it)
    expect(await page.getByTestId('event-row').filter({ hasText: '巡更打卡' }).first().textContent()).toContain(guard);

    // the scene saw it too: one more MQTT event, and a guard marker at the checkpoint
    await page.waitForFunction(
      (n) => {
        const s = (window as unknown as { __SE_STATS__?: SceneStats }).__SE_STATS__;
        return !!s && s.events > n && s.markers.guards >= 1;
      },
      before.events,
      { timeout: 20_000 },
    );
    const shot = join(screenshotDir, 'dashboard-zh.png');
    await page.screenshot({ path: shot });
    console.info(`dashboard screenshot: ${shot}`);
  });

  it('keeps the latest 50 events of a burst, newest first', { timeout: 120_000 }, async () => {
    const { page } = browser;
    const before = (await page.evaluate(stats))!;
    const deviceId = `handheld-burst-${process.pid}`;
    const token = await server.addDevice('patrol', deviceId);
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, { username: deviceId, password: token, protocolVersion: 4, reconnectPeriod: 0 });
    const count = 80;
    const start = Date.now();
    try {
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          device.publishAsync(
            deviceTopic(ESTATE, deviceId, 'checkin'),
            JSON.stringify({ id: `burst-${start}-${i}`, ts: start + i, guard: `burst-guard-${i}`, checkpoint: detail.checkpoints[i % detail.checkpoints.length].id, method: 'nfc' }),
            { qos: 1 },
          ),
        ),
      );
    } finally {
      await device.endAsync();
    }
    await page.waitForFunction((n) => ((window as unknown as { __SE_STATS__?: SceneStats }).__SE_STATS__?.events ?? 0) >= n, before.events + count, { timeout: 30_000 });
    const checkins = page.getByTestId('event-row').filter({ hasText: 'burst-guard-' });
    await checkins.first().filter({ hasText: `burst-guard-${count - 1}` }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('event-row').count()).toBe(50);
    expect(await checkins.nth(1).textContent()).toContain(`burst-guard-${count - 2}`);
    // every guard of the burst is on the map
    expect((await page.evaluate(stats))!.markers.guards).toBeGreaterThanOrEqual(count);
  });

  it('switches the interface to English and back', async () => {
    const { page } = browser;
    await page.getByTestId('language-toggle').click();
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    await page.getByTestId('event-row').filter({ hasText: 'Check-in' }).first().waitFor();
    await page.screenshot({ path: join(screenshotDir, 'dashboard-en.png') });
    await page.getByTestId('language-toggle').click();
    await page.getByTestId('connection-state').filter({ hasText: '已连接' }).waitFor();
  });

  it('sends an invalid session back to the login page with a message', async () => {
    const { page } = browser;
    await page.evaluate(() => {
      const saved = JSON.parse(sessionStorage.getItem('smart-estate.session')!);
      sessionStorage.setItem('smart-estate.session', JSON.stringify({ ...saved, token: 'revoked-or-forged-token' }));
    });
    await page.reload();
    const error = page.getByTestId('login-error');
    await error.waitFor({ timeout: 20_000 });
    expect(await error.textContent()).toContain('会话已过期');
    expect(await page.evaluate(() => sessionStorage.getItem('smart-estate.session'))).toBeNull();
  });
});
