// The gate panel end to end: the built web client in Debian Chromium, the real server with the demo
// estate, and a real plate camera over MQTT. A blacklisted plate shows as a red DENY row with its
// reason; a resident's entry moves the garage gauge.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic, displayPlate, type BlacklistEntry, type CarParkOccupancy, type ResidentVehicle } from '../../protocol/index.ts';
import { addDevice, getDevice } from '../../server/store/devices.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { connect } from '../support/mqtt.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const E = 'garden';

describe('gate panel on the wall screen', () => {
  let webDir: string;
  let shots: string;
  let server: TestServer;
  let browser: TestBrowser;
  let camera: MqttClient;
  let token: string;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-'));
    shots = mkdtempSync(join(tmpdir(), 'se-shots-'));
    await buildWeb(webDir);
    server = await startTestServer({ demo: true, webDir });
    token = await server.login(server.admin.username, server.admin.password);
    const d = getDevice(server.db, 'garden-lpr-north')!;
    const deviceToken = addDevice(server.db, { estate: E, id: d.id, kind: 'gate', name: d.name, x: d.x, y: d.y, heading: d.heading, fov: d.fov }, { rotate: true });
    camera = await connect(server.mqttUrl, d.id, deviceToken);
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    if (browser && browser.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    camera?.end(true);
    await browser?.close();
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    console.info(`gate panel screenshots kept in ${shots}`);
  });

  it('shows decisions as colour and word, and the car parks filling', async () => {
    const { page } = browser;
    await page.goto(server.url);
    await page.getByTestId('login-username').fill(server.admin.username);
    await page.getByTestId('login-password').fill(server.admin.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('gate-panel').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 30_000 });

    const api = async <T>(path: string) => (await server.api(`/api/v1/estates/${E}${path}`, { token })).body as T;
    const garage = () => page.locator('[data-testid="car-park-gauge"][data-car-park="carpark-ramp"]');
    const start = (await api<CarParkOccupancy[]>('/car-parks')).find((c) => c.id === 'carpark-ramp')!.parked;
    await page.locator(`[data-testid="car-park-gauge"][data-car-park="carpark-ramp"][data-parked="${start}"]`).waitFor();
    expect(await garage().textContent()).toContain(`${start} / 220`);

    const [black] = await api<BlacklistEntry[]>('/vehicles/blacklist');
    await camera.publishAsync(deviceTopic(E, 'garden-lpr-north', 'vehicle'), JSON.stringify({ id: 'e2e-black', plate: black.plate, direction: 'in', confidence: 0.96 }), { qos: 1 });
    const denied = page.locator(`[data-testid="gate-row"][data-decision="deny"][data-plate="${displayPlate(black.plate)}"]`);
    await denied.waitFor({ timeout: 20_000 });
    const text = await denied.textContent();
    expect(text).toContain('禁止');
    expect(text).toContain('黑名单车辆');
    expect(text).toContain('北门');
    // a red row: the decision badge is painted with the alarm colour
    const badge = await denied.locator('.gate-decision').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(badge).toMatch(/rgb\((2[0-9]{2}), ([0-9]{1,2}), ([0-9]{1,2}|[1-9][0-9])\)/);

    const resident = (await api<ResidentVehicle[]>('/vehicles/residents')).find((r) => r.carPark === 'carpark-ramp')!;
    await camera.publishAsync(deviceTopic(E, 'garden-lpr-north', 'vehicle'), JSON.stringify({ id: 'e2e-res', plate: resident.plate, direction: 'in', confidence: 0.95 }), { qos: 1 });
    await page.locator(`[data-testid="gate-row"][data-decision="allow"][data-plate="${displayPlate(resident.plate)}"]`).waitFor({ timeout: 20_000 });
    await page.locator(`[data-testid="car-park-gauge"][data-car-park="carpark-ramp"][data-parked="${start + 1}"]`).waitFor({ timeout: 20_000 });
    await page.getByTestId('gate-panel').screenshot({ path: join(shots, 'gate-panel.png') });
  });
});
