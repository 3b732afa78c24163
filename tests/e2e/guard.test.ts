// The guard app end to end, nothing mocked: the Vite build, the real server (demo estate), Debian
// Chromium emulating a phone, MQTT over WebSocket, IndexedDB, the service worker — and a real
// `mosquitto_pub` from a handheld. The server's clock starts at a night time (22:02 in Asia/Shanghai);
// the phone's clock is installed at the same time and both jump forward as the guard walks: no
// waiting on wall time. (The wall screen runs before the phone's clock is installed: its MQTT
// client's Web Worker timers cannot follow a page clock set apart from real time.)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic } from '../../protocol/topics.ts';
import type { TourView } from '../../protocol/patrol.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { until } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ESTATE = 'garden';
const MIN = 60_000;
const T0 = Date.parse('2026-11-27T22:02:00+08:00');
const TOUR = 'e2e-night@2026-11-27T22:00';
const GUARD = 'G-E2E';
const PHONE = 'phone-e2e';
const HANDHELD = 'handheld-e2e';

interface Queued {
  id: string;
  ts: number;
  checkpoint: string;
}

/** What the app's IndexedDB outbox holds, read directly. */
const readOutbox = () =>
  new Promise<Queued[]>((resolve, reject) => {
    const open = indexedDB.open('smart-estate-guard');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction('outbox').objectStore('outbox').getAll();
      all.onsuccess = () => {
        resolve((all.result as Array<{ id: string; payload: { ts: number; checkpoint: string } }>).map((i) => ({ id: i.id, ts: i.payload.ts, checkpoint: i.payload.checkpoint })));
        open.result.close();
      };
      all.onerror = () => reject(all.error);
    };
  });

describe('guard app on a phone', () => {
  let webDir: string;
  let shots: string;
  let server: TestServer;
  let browser: TestBrowser;
  let admin: string;
  let phoneToken: string;
  let handheldToken: string;
  // the server's clock: T0 plus the time since the browser clock was installed, plus every jump
  let base = T0;
  let realBase = Date.now();
  const clock = () => base + (Date.now() - realBase);
  const walk = async (ms: number) => {
    base += ms;
    await browser.context.clock.fastForward(ms);
  };
  const journal = (where: string, ...args: unknown[]) =>
    server.db.prepare(`SELECT event_id AS id, ts, body FROM events WHERE kind = 'checkin' AND ${where} ORDER BY seq`).all(...args) as Array<{ id: string; ts: number; body: string }>;
  const tour = async () => (await server.api(`/api/v1/estates/${ESTATE}/patrol/tours/${encodeURIComponent(TOUR)}`, { token: admin })).body as TourView;
  const stop = (checkpoint: string) => browser.page.locator(`[data-testid="stop"][data-checkpoint="${checkpoint}"]`);

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-guard-'));
    shots = mkdtempSync(join(tmpdir(), 'se-shots-guard-'));
    await buildWeb(webDir);
    realBase = Date.now();
    server = await startTestServer({ demo: true, webDir, now: clock });
    admin = await server.login(server.admin.username, server.admin.password);
    // a night route over six of the demo checkpoints, walked by one guard, every 2 h from 22:00
    const route = await server.api(`/api/v1/estates/${ESTATE}/patrol/routes/e2e-night`, {
      method: 'PUT',
      token: admin,
      body: {
        name: 'E2E night round', nameZh: '测试夜巡',
        stops: ['CP-01', 'CP-02', 'CP-03', 'CP-04', 'CP-05', 'CP-06'].map((checkpoint, i) => ({ checkpoint, afterMin: i ? 5 : 0 })),
        toleranceMin: 3, graceMin: 10,
        schedules: [{ id: 'night', start: '22:00', end: '06:00', everyMin: 120, guard: GUARD }],
      },
    });
    expect(route.status, JSON.stringify(route.body)).toBe(201);
    phoneToken = server.addDevice('patrol', PHONE);
    handheldToken = server.addDevice('patrol', HANDHELD);
    browser = await launchBrowser({ width: 390, height: 844, mobile: true });
  }, 240_000);

  afterAll(async () => {
    if (browser?.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    await browser?.close();
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    console.info(`guard app screenshots kept in ${shots}`);
  });

  it('puts a mosquitto_pub check-in from a handheld into the tour, and the wall screen shows it live', { timeout: 120_000 }, async () => {
    // the control room's wall screen: its patrol panel follows the tour over estates/garden/patrol
    const wall = await browser.context.newPage();
    await wall.setViewportSize({ width: 1920, height: 1080 });
    await wall.goto(server.url);
    await wall.getByTestId('login-username').fill(server.admin.username);
    await wall.getByTestId('login-password').fill(server.admin.password);
    await wall.getByTestId('login-submit').click();
    const row = wall.locator(`[data-testid="patrol-tour"][data-tour="${TOUR}"]`);
    await row.locator('[data-testid="patrol-progress"]').filter({ hasText: '已巡 0/6' }).waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-state')).toBe('active');
    await wall.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 30_000 });

    const ts = '2026-11-27T22:01:30+08:00'; // CP-01 is due at 22:00
    const payload = JSON.stringify({ id: `mq-${Date.now()}`, ts, guard: GUARD, checkpoint: 'CP-01', method: 'nfc' });
    // async: the server runs in this process, and a blocking child would starve it
    await promisify(execFile)('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(server.mqttPort), '-u', HANDHELD, '-P', handheldToken, '-q', '1', '-t', deviceTopic(ESTATE, HANDHELD, 'checkin'), '-m', payload], { timeout: 20_000 });
    const t = await tour();
    expect(t.stops[0]).toMatchObject({ checkpoint: 'CP-01', status: 'on_time', scan: { device: HANDHELD, ts: Date.parse(ts), guard: GUARD, method: 'nfc' } });
    expect(t.guard).toBe(GUARD);
    // live: the tour upsert reached the panel without a reload
    await row.locator('[data-testid="patrol-progress"]').filter({ hasText: '已巡 1/6' }).waitFor({ timeout: 20_000 });
    expect(await wall.evaluate(() => window.__SE_PATROL__?.messages ?? 0)).toBeGreaterThan(0);
    await wall.screenshot({ path: join(shots, 'wall-patrol.png') });
    await wall.close();
  });

  it('signs in with a device token, shows the handheld\'s check-in, works offline after the first visit, and checks in online', { timeout: 120_000 }, async () => {
    const { page } = browser;
    // from here the phone's clock and the server's run together, both from T0 again (the server's
    // has only run on by the seconds of the first test)
    realBase = Date.now();
    base = T0;
    await browser.context.clock.install({ time: T0 });
    await page.goto(`${server.url}/guard`);
    await page.getByTestId('signin-device').fill(PHONE);
    await page.getByTestId('signin-token').fill('sed_not-the-token');
    await page.getByTestId('signin-submit').click();
    expect(await page.getByTestId('signin-error').textContent()).toMatch(/登录失败：bad device id or token/);
    await page.getByTestId('signin-token').fill(phoneToken);
    await page.getByTestId('signin-guard').fill(GUARD);
    await page.getByTestId('signin-submit').click();

    await page.locator(`[data-testid="tour"][data-tour="${TOUR}"]`).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="conn"][data-state="online"]').waitFor({ timeout: 30_000 });
    // CP-01 was checked in by the handheld: the phone shows it done, and CP-02 next
    expect(await stop('CP-01').getAttribute('data-status')).toBe('on_time');
    expect(await page.getByTestId('tour-next').getAttribute('data-checkpoint')).toBe('CP-02');
    expect(await page.title()).toContain('巡更');
    // installable: a manifest with icons, and a service worker that controls /guard with the shell cached
    const manifest = await (await fetch(`${server.url}/guard.webmanifest`)).json();
    expect(manifest).toMatchObject({ start_url: '/guard', display: 'standalone', lang: 'zh-CN' });
    expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(await page.locator('link[rel="manifest"]').getAttribute('href')).toBe('/guard.webmanifest');
    await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true' && !!navigator.serviceWorker.controller, undefined, { timeout: 30_000 });

    await walk(3 * MIN); // 22:05, CP-02 is due
    await page.getByTestId('checkin-code').fill('cp-02');
    await page.getByTestId('checkin-submit').click();
    await stop('CP-02').and(page.locator('[data-status="on_time"]')).waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="queue"][data-pending="0"]').waitFor();
    const stored = journal('device = ?', PHONE);
    expect(stored).toHaveLength(1);
    expect(JSON.parse(stored[0].body).data).toMatchObject({ guard: GUARD, checkpoint: 'cp-02', method: 'manual' });
    expect(stored[0].ts - T0).toBeGreaterThanOrEqual(3 * MIN);
    expect(stored[0].ts - T0).toBeLessThan(4 * MIN);
  });

  it('queues three check-ins offline, survives a reload from the service worker, and syncs each exactly once with its scan time', { timeout: 180_000 }, async () => {
    const { page, context } = browser;
    await context.setOffline(true);
    await page.locator('[data-testid="conn"][data-state="offline"]').waitFor({ timeout: 20_000 });

    for (const [n, code] of ['CP-03', 'CP-04', 'CP-05'].entries()) {
      await walk(5 * MIN); // the guard walks to the next checkpoint
      await page.getByTestId('checkin-code').fill(code);
      await page.getByTestId('checkin-submit').click();
      await page.locator(`[data-testid="queue"][data-pending="${n + 1}"]`).waitFor({ timeout: 10_000 });
      await stop(code).and(page.locator('[data-status="queued"]')).waitFor();
    }
    const queued = (await page.evaluate(readOutbox)).sort((a, b) => a.ts - b.ts);
    expect(queued.map((q) => q.checkpoint)).toEqual(['CP-03', 'CP-04', 'CP-05']);
    // scanned at 22:10, 22:15 and 22:20 (plus the seconds the test itself takes)
    queued.forEach((q, i) => {
      expect(q.ts - T0).toBeGreaterThanOrEqual((i + 1) * 5 * MIN + 3 * MIN);
      expect(q.ts - T0).toBeLessThan((i + 1) * 5 * MIN + 4 * MIN);
    });
    const ids = queued.map((q) => q.id);
    const placeholders = ids.map(() => '?').join(',');
    expect(journal(`event_id IN (${placeholders})`, ...ids)).toEqual([]);

    // a reload with no network: the service worker serves the app shell, the outbox is still there
    const reloaded = await page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await page.locator(`[data-testid="tour"][data-tour="${TOUR}"]`).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="queue"][data-pending="3"]').waitFor();
    for (const code of ['CP-03', 'CP-04', 'CP-05']) expect(await stop(code).getAttribute('data-status')).toBe('queued');
    expect(await page.getByTestId('conn').getAttribute('data-state')).toBe('offline');
    await page.screenshot({ path: join(shots, 'guard-offline.png'), fullPage: true });
    expect(journal(`event_id IN (${placeholders})`, ...ids)).toEqual([]);

    await context.setOffline(false);
    await page.locator('[data-testid="queue"][data-pending="0"]').waitFor({ timeout: 30_000 });
    for (const code of ['CP-03', 'CP-04', 'CP-05']) await stop(code).and(page.locator('[data-status="on_time"]')).waitFor({ timeout: 20_000 });

    // the journal: each exactly once, with the time it was scanned offline
    const rows = journal(`event_id IN (${placeholders})`, ...ids);
    expect(rows.map((r) => [r.id, r.ts])).toEqual(queued.map((q) => [q.id, q.ts]));
    expect(rows.every((r) => JSON.parse(r.body).rx > r.ts)).toBe(true);
    // the history API and the tour say the same
    const history = await server.api(`/api/v1/estates/${ESTATE}/events?kind=checkin&device=${PHONE}&limit=100`, { token: admin });
    expect(history.body.events.map((e: { id: string; ts: number }) => [e.id, e.ts]).filter(([id]: [string]) => ids.includes(id)).sort((a: number[], b: number[]) => (a[1] as number) - (b[1] as number))).toEqual(queued.map((q) => [q.id, q.ts]));
    const t = await tour();
    expect(t.stops.slice(0, 5).map((s) => [s.checkpoint, s.status, s.scan?.device])).toEqual([
      ['CP-01', 'on_time', HANDHELD], ['CP-02', 'on_time', PHONE], ['CP-03', 'on_time', PHONE], ['CP-04', 'on_time', PHONE], ['CP-05', 'on_time', PHONE],
    ]);
    expect(t.stops.slice(2, 5).map((s) => [s.scan?.id, s.scan?.ts])).toEqual(queued.map((q) => [q.id, q.ts]));
    expect(await page.getByTestId('tour-progress').textContent()).toContain('已巡 5/6');
    await page.screenshot({ path: join(shots, 'guard-synced.png'), fullPage: true });
  });

  it('counts a redelivered check-in once', async () => {
    const first = journal('device = ?', PHONE)[1];
    const before = await tour();
    const device = await mqtt.connectAsync(server.mqttUrl, { username: PHONE, password: phoneToken, protocolVersion: 4, reconnectPeriod: 0 });
    try {
      await device.publishAsync(deviceTopic(ESTATE, PHONE, 'checkin'), JSON.stringify({ id: first.id, ts: first.ts, ...JSON.parse(first.body).data }), { qos: 1 });
    } finally {
      await device.endAsync();
    }
    expect(journal('event_id = ?', first.id)).toHaveLength(1);
    expect(server.db.prepare('SELECT COUNT(*) AS n FROM patrol_scans WHERE event_id = ?').get(first.id)).toEqual({ n: 1 });
    expect(await tour()).toEqual(before);
  });

  it('sends an SOS that reaches the journal as a check-in at the reserved checkpoint', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await page.getByTestId('sos').click();
    await page.getByTestId('sos-note').fill('东门有人翻墙');
    await page.getByTestId('sos-send').click();
    await page.getByTestId('toast').filter({ hasText: 'SOS 已发出' }).waitFor({ timeout: 20_000 });
    const sos = await until('the SOS in the journal', () => {
      const rows = journal("device = ? AND json_extract(body, '$.data.checkpoint') = 'SOS'", PHONE);
      return rows.length ? rows : null;
    });
    expect(sos).toHaveLength(1);
    expect(JSON.parse(sos[0].body).data).toMatchObject({ method: 'manual', note: 'SOS 东门有人翻墙', guard: GUARD });
    // not a visit: the tour is as it was
    expect((await tour()).counts).toMatchObject({ on_time: 5, pending: 1 });
    await page.getByTestId('guard-language').click();
    await page.getByTestId('tour-progress').filter({ hasText: '5/6 visited' }).waitFor();
    await page.screenshot({ path: join(shots, 'guard-en.png'), fullPage: true });
  });
});
