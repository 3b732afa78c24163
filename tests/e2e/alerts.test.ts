// End to end, nothing mocked: the web client built by Vite, the real server with the demo estate,
// Debian Chromium, and real MQTT devices. A simulated intrusion at the power room raises an alert that
// appears on the wall screen, is acknowledged through the UI, and a guard's check-in at the power-room
// checkpoint stops its on-site clock; a falling object then beeps and flies the 3D view to its camera.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic, type Alert } from '../../protocol/index.ts';
import { addDevice, getDevice } from '../../server/store/devices.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { connect } from '../support/mqtt.ts';
import { until } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const E = 'garden';
const POWER_ROOM_CAMERA = 'garden-cam-35'; // 配电房 door camera of the demo estate
const FALLING_CAMERA = 'garden-cam-38'; // 高空抛物 3号楼
const HANDHELD = 'garden-guard-1'; // G01's handheld

describe('alerts on the wall screen', () => {
  let webDir: string;
  let shots: string;
  let server: TestServer;
  let browser: TestBrowser;
  let op: { username: string; password: string };
  let opToken: string;
  const devices: MqttClient[] = [];
  let seq = 0;

  /** A demo device with a fresh token (the demo's own tokens went to nobody), as a real MQTT client. */
  async function demoDevice(id: string): Promise<MqttClient> {
    const d = getDevice(server.db, id)!;
    const token = addDevice(server.db, { ...d, estate: E }, { rotate: true });
    const client = await connect(server.mqttUrl, id, token, { clientId: id });
    devices.push(client);
    return client;
  }
  const publish = (client: MqttClient, id: string, kind: 'camera' | 'checkin', body: object) =>
    client.publishAsync(deviceTopic(E, id, kind), JSON.stringify({ id: `e2e-${id}-${Date.now()}-${++seq}`, ts: Date.now(), ...body }), { qos: 1 });
  const rest = async (id: number): Promise<Alert> => (await server.api(`/api/v1/estates/${E}/alerts/${id}`, { token: opToken })).body.alert;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-alerts-'));
    shots = mkdtempSync(join(tmpdir(), 'se-shots-alerts-'));
    await buildWeb(webDir);
    server = await startTestServer({ demo: true, webDir });
    op = server.addUser('op-e2e', 'operator', E);
    opToken = await server.login(op.username, op.password);
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    if (browser?.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    for (const d of devices) await d.endAsync().catch(() => {});
    await browser?.close();
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    console.info(`alert screenshots kept in ${shots}`);
  });

  it('shows an intrusion, takes the acknowledgement from the UI, and stops the on-site clock at a nearby check-in', { timeout: 180_000 }, async () => {
    const { page } = browser;
    await page.goto(server.url);
    await page.getByTestId('login-username').fill(op.username);
    await page.getByTestId('login-password').fill(op.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('alerts-panel').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 30_000 });
    // the demo devices have not spoken since the server started: unknown, not all clear
    await page.getByTestId('alerts-health').filter({ hasText: /未知 [1-9]/ }).waitFor({ timeout: 30_000 });

    const camera = await demoDevice(POWER_ROOM_CAMERA);
    await publish(camera, POWER_ROOM_CAMERA, 'camera', { type: 'intrusion', phase: 'start', score: 0.93, zone: 'power-room', label: '1 person' });

    const row = page.locator(`[data-testid="alert-row"][data-type="intrusion"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator('.alert-title').textContent()).toContain('禁区闯入');
    expect(await row.getAttribute('data-status')).toBe('open');
    const id = Number(await row.getAttribute('data-alert-id'));
    const countdown = row.getByTestId('alert-countdown');
    expect(await countdown.getAttribute('data-kind')).toBe('on_site');
    // the countdown runs without any new message: wait for its text to change
    const first = (await countdown.textContent()) ?? '';
    expect(first).toMatch(/^[45]:\d\d$/);
    await page.waitForFunction(([sel, text]) => document.querySelector(sel)?.textContent !== text, [`[data-alert-id="${id}"] [data-testid="alert-countdown"]`, first] as const, {
      timeout: 20_000,
      polling: 250,
    });

    await row.getByTestId('alert-ack').click();
    await page.locator(`[data-alert-id="${id}"][data-status="acknowledged"]`).waitFor({ timeout: 10_000 });
    expect(await rest(id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'op-e2e' });
    await page.screenshot({ path: join(shots, 'alert-acknowledged.png') });

    // G01 checks in at the power-room checkpoint (CP-04), about 12 m from the camera
    const handheld = await demoDevice(HANDHELD);
    await publish(handheld, HANDHELD, 'checkin', { guard: 'G01', checkpoint: 'CP-04', method: 'nfc' });
    const onSite = page.locator(`[data-alert-id="${id}"] [data-testid="alert-onsite"]`);
    await onSite.waitFor({ timeout: 20_000 });
    expect(await onSite.textContent()).toContain('G01 已到场');
    // the clock on the row now races the fix deadline (small: 40 min)
    expect(await page.locator(`[data-alert-id="${id}"] [data-testid="alert-countdown"]`).getAttribute('data-kind')).toBe('fix');
    const stored = await rest(id);
    expect(stored.onSiteBy).toBe('G01');
    expect(stored.onSiteAt! - stored.openedAt).toBeGreaterThanOrEqual(0);
    expect(stored.onSiteAt! - stored.openedAt).toBeLessThan(5 * 60_000);
    await page.screenshot({ path: join(shots, 'alert-on-site.png') });
  });

  it('beeps for a new critical alert and flies the 3D view to its camera', { timeout: 120_000 }, async () => {
    const { page } = browser;
    // a wall screen may start with sound locked by the autoplay policy: one click unlocks it
    const sound = page.getByTestId('alerts-sound');
    if ((await sound.getAttribute('data-state')) !== 'on') await sound.click();
    await page.locator('[data-testid="alerts-sound"][data-state="on"]').waitFor({ timeout: 10_000 });
    const before = await page.evaluate(() => window.__SE_ALERTS__!);

    const camera = await demoDevice(FALLING_CAMERA);
    await publish(camera, FALLING_CAMERA, 'camera', { type: 'falling_object', phase: 'start', score: 0.97 });
    const row = page.locator('[data-testid="alert-row"][data-type="falling_object"]');
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getAttribute('data-severity')).toBe('critical');
    // critical first
    expect(await page.getByTestId('alert-row').first().getAttribute('data-type')).toBe('falling_object');
    await until('a beep and a flight', async () => {
      const s = await page.evaluate(() => window.__SE_ALERTS__!);
      return s.beeps > before.beeps && s.flights > before.flights;
    }, 10_000);
    const cam = getDevice(server.db, FALLING_CAMERA)!;
    const flight = await page.waitForFunction(
      ([x, y]) => {
        const f = window.__SE_MAP_FLIGHT__;
        return f && Math.abs(f.x - x) < 1 && Math.abs(f.y - y) < 1 ? f : null;
      },
      [cam.x!, cam.y!] as const,
      { timeout: 20_000 },
    );
    expect(await flight.jsonValue()).toMatchObject({ seq: expect.any(Number) });
    await page.screenshot({ path: join(shots, 'alert-critical-fly-to.png') });

    // a click on the intrusion row flies back there
    const intrusion = page.locator('[data-testid="alert-row"][data-type="intrusion"]');
    await intrusion.locator('.alert-title').click();
    const door = getDevice(server.db, POWER_ROOM_CAMERA)!;
    await page.waitForFunction(([x, y]) => {
      const f = window.__SE_MAP_FLIGHT__;
      return !!f && Math.abs(f.x - x) < 1 && Math.abs(f.y - y) < 1;
    }, [door.x!, door.y!] as const, { timeout: 20_000 });

    // resolving takes a second click (a wall screen must not lose an alert to one stray tap)
    await row.getByTestId('alert-resolve').click();
    expect(await row.getByTestId('alert-resolve').textContent()).toContain('再点一次');
    await row.getByTestId('alert-resolve').click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    const resolved = await server.api(`/api/v1/estates/${E}/alerts?status=resolved&type=falling_object`, { token: opToken });
    expect(resolved.body.alerts[0]).toMatchObject({ resolvedBy: 'op-e2e', resolution: 'resolved' });
  });
});
