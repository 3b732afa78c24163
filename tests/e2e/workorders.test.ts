// Residents' requests to closed work orders, end to end and nothing mocked: the Vite build, the real
// server (demo estate, real SQLite), one Debian Chromium with a phone page and a wall screen. A
// resident opens a building's QR link on a phone and reports a leak with a photo (and a description
// that tries to be HTML); the wall screen shows it in the panel and as one instanced map layer; the
// handheld accepts it, proves arrival by a GPS position inside the building, pauses, resumes and
// resolves — each step through the outbox; the resident rates it; the ledger and the monthly report
// show the measured times with the pause left out. Real times, measured: no sleeps, no fixed results.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateDetail } from '../../protocol/api.ts';
import { localFrame } from '../../protocol/geo.ts';
import type { LedgerPage, ProblemLedgerRow, WorkOrderDetailResponse, WorkOrderReport } from '../../protocol/workorders.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { until } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';

const ESTATE = 'garden';
const GUARD = 'G-WO';
const PHONE = 'phone-wo';
// a real 1×1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const HOSTILE = '<img src=x onerror="window.__xss=1">楼道天花板漏水';

describe('residents’ requests and work orders', () => {
  let webDir: string;
  let shots: string;
  let server: TestServer;
  let browser: TestBrowser;
  let admin: string;
  let detail: EstateDetail;
  let orderId: number;
  let trackPath: string;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-wo-'));
    shots = mkdtempSync(join(tmpdir(), 'se-shots-wo-'));
    await buildWeb(webDir);
    server = await startTestServer({ demo: true, webDir });
    admin = await server.login(server.admin.username, server.admin.password);
    detail = (await server.api(`/api/v1/estates/${ESTATE}`, { token: admin })).body as EstateDetail;
    browser = await launchBrowser({ width: 390, height: 844, mobile: true });
  }, 240_000);

  afterAll(async () => {
    if (browser?.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    await browser?.close();
    await server?.stop();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    console.info(`work-order screenshots kept in ${shots}`);
  });

  it('takes a leak report with a photo from the QR link on a phone, and the wall screen shows it as text, on its building', { timeout: 180_000 }, async () => {
    const { page } = browser;
    const building = detail.buildings[0];
    await page.goto(`${server.url}/report?e=${ESTATE}&b=${encodeURIComponent(building.id)}`);
    await page.getByTestId('report-form').waitFor({ timeout: 30_000 });
    expect(await page.title()).toContain('报事报修');
    // the QR code's building is filled in
    expect(await page.getByTestId('report-building').inputValue()).toBe(building.id);
    await page.screenshot({ path: join(shots, 'report-empty.png'), fullPage: true });

    // a renamed text file is refused on the phone, with its name, before any upload
    await page.getByTestId('report-photo-input').setInputFiles({ name: 'not-a-photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('hello, not an image') });
    await page.getByTestId('report-problems').filter({ hasText: 'not-a-photo.jpg' }).waitFor();
    expect(await page.getByTestId('report-photo').count()).toBe(0);

    await page.getByTestId('report-category-water_leak').click();
    await page.getByTestId('report-description').fill(HOSTILE);
    await page.getByTestId('report-photo-input').setInputFiles({ name: 'leak.png', mimeType: 'image/png', buffer: PNG });
    await page.getByTestId('report-photo').waitFor();
    await page.getByTestId('report-name').fill('王女士');
    await page.getByTestId('report-phone').fill('138 0000 0000');
    await page.screenshot({ path: join(shots, 'report-filled.png'), fullPage: true });
    await page.getByTestId('report-submit').click();
    const receipt = page.getByTestId('report-receipt');
    await receipt.waitFor({ timeout: 30_000 });
    orderId = Number(await receipt.getAttribute('data-order'));
    trackPath = new URL((await page.getByTestId('report-track-link').getAttribute('href'))!, server.url).pathname + new URL((await page.getByTestId('report-track-link').getAttribute('href'))!, server.url).search;
    await page.screenshot({ path: join(shots, 'report-receipt.png'), fullPage: true });

    const stored = (await server.api(`/api/v1/estates/${ESTATE}/workorders/${orderId}`, { token: admin })).body as WorkOrderDetailResponse;
    expect(stored.order).toMatchObject({ source: 'resident', category: 'water_leak', building: building.id, description: HOSTILE, status: 'new' });
    expect(stored.order.photos).toHaveLength(1);
    expect(stored.order.photos[0].mime).toBe('image/png');

    // the operator's wall screen
    const wall = await browser.context.newPage();
    await wall.setViewportSize({ width: 1920, height: 1080 });
    await wall.goto(server.url);
    await wall.getByTestId('login-username').fill(server.admin.username);
    await wall.getByTestId('login-password').fill(server.admin.password);
    await wall.getByTestId('login-submit').click();
    const row = wall.locator(`[data-testid="wo-row"][data-order-id="${orderId}"]`);
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-source')).toBe('resident');
    // the hostile description is text: no element made of it, no script run
    expect(await row.locator('.wo-description').textContent()).toBe(HOSTILE);
    expect(await row.locator('img').count()).toBe(0);
    expect(await wall.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    // the map: one instanced layer, a beacon over the building
    const layer = await until('work-order beacon', () => wall.evaluate((id) => {
      const l = window.__SE_WORKORDER_LAYER__;
      return l && l.spots.some((s) => s.id === String(id)) ? l : null;
    }, orderId), 30_000);
    expect(layer.meshes).toBe(1);
    expect(layer.spots.find((s) => s.id === String(orderId))).toMatchObject({ x: building.center[0], y: building.center[1], level: 'calm' });
    expect(await wall.locator('[data-testid="wo-overdue"]').getAttribute('data-count')).toBe('0');
    // a resident's request raises no sound
    expect(await wall.evaluate(() => window.__SE_WORKORDERS__?.beeps)).toBe(0);
    // the QR sheet has a code for every building, each linking to that building's report page
    await wall.getByTestId('wo-qr-open').click();
    await wall.getByTestId('qr-sheet').waitFor();
    expect(await wall.getByTestId('qr-card').count()).toBe(detail.buildings.length);
    expect(await wall.locator(`[data-testid="qr-card"][data-building="${building.id}"]`).getAttribute('data-link')).toBe(`${server.url}/report?e=${ESTATE}&b=${encodeURIComponent(building.id)}`);
    await wall.screenshot({ path: join(shots, 'wall-qr-sheet.png') });
    await wall.getByTestId('qr-close').click();
    await wall.screenshot({ path: join(shots, 'wall-workorders.png') });
    await wall.close();
  });

  it('the handheld accepts it, proves arrival inside the building, pauses, resumes and resolves; the resident rates it; the ledger and report leave the pause out', { timeout: 180_000 }, async () => {
    const { page, context } = browser;
    const building = detail.buildings[0];
    const token = server.addDevice('patrol', PHONE);
    const dispatched = await server.api(`/api/v1/estates/${ESTATE}/workorders/${orderId}/dispatch`, { token: admin, body: { assignee: GUARD } });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    // the phone stands at the building's centre
    const [lon, lat] = localFrame(detail.estate).toLonLat(building.center[0], building.center[1]);
    await context.grantPermissions(['geolocation'], { origin: server.url });
    await context.setGeolocation({ latitude: lat, longitude: lon, accuracy: 5 });

    await page.goto(`${server.url}/guard`);
    await page.getByTestId('signin-device').fill(PHONE);
    await page.getByTestId('signin-token').fill(token);
    await page.getByTestId('signin-guard').fill(GUARD);
    await page.getByTestId('signin-submit').click();
    await page.locator('[data-testid="conn"][data-state="online"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('tab-work').click();
    const card = page.locator(`[data-testid="work-order"][data-order-id="${orderId}"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await card.getByTestId('work-map').getAttribute('data-target')).toBe(building.id);
    const status = async () => ((await server.api(`/api/v1/estates/${ESTATE}/workorders/${orderId}`, { token: admin })).body as WorkOrderDetailResponse).order;
    const step = async (testid: string, expected: string) => {
      await card.getByTestId(testid).click();
      await page.locator('[data-testid="queue"][data-pending="0"]').waitFor({ timeout: 20_000 });
      await until(`order ${expected}`, async () => ((await status()).status === expected ? true : null), 20_000);
    };
    await step('work-accept', 'accepted');
    await step('work-arrive-gps', 'on_site');
    await page.screenshot({ path: join(shots, 'guard-work.png'), fullPage: true });
    await card.getByTestId('work-text').fill('等配件：防水胶');
    await step('work-pause', 'paused');
    // the resident sees the pause and its reason
    const resident = await context.newPage();
    await resident.goto(server.url + trackPath);
    await resident.locator('[data-testid="track"][data-status="paused"]').waitFor({ timeout: 30_000 });
    expect(await resident.getByTestId('track-paused').textContent()).toContain('等配件：防水胶');
    await page.bringToFront();
    await page.locator(`[data-testid="work-order"][data-order-id="${orderId}"][data-status="paused"]`).waitFor();
    await step('work-resume', 'on_site');
    await card.getByTestId('work-text').fill('已修好');
    await step('work-resolve', 'resolved');
    // every step reached the server once: one log entry per action
    const log = ((await server.api(`/api/v1/estates/${ESTATE}/workorders/${orderId}`, { token: admin })).body as WorkOrderDetailResponse).log;
    for (const action of ['accepted', 'on_site', 'paused', 'resumed', 'resolved']) expect(log.filter((l) => l.action === action), action).toHaveLength(1);
    // the phone's GPS accuracy travelled with the position (a vaguer fix than the geofence is refused)
    expect(log.find((l) => l.action === 'on_site')?.detail).toMatchObject({ via: 'handheld', accuracy: 5 });

    // the resident confirms and rates
    await resident.reload();
    await resident.getByTestId('track-confirm').waitFor({ timeout: 30_000 });
    await resident.getByTestId('track-rating-satisfied').click();
    await resident.getByTestId('track-comment').fill('很及时');
    await resident.getByTestId('track-confirm-send').click();
    await resident.locator('[data-testid="track-rated"][data-rating="satisfied"]').waitFor({ timeout: 20_000 });
    // the description stays text on the resident's page too
    expect(await resident.getByTestId('track-description').textContent()).toBe(HOSTILE);
    expect(await resident.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    await resident.screenshot({ path: join(shots, 'report-track.png'), fullPage: true });

    const order = await status();
    expect(order.status).toBe('closed');
    expect(order.rating?.score).toBe('satisfied');
    const paused = log.find((l) => l.action === 'paused')!.at;
    const resumed = log.find((l) => l.action === 'resumed')!.at;
    expect(order.pausedMs).toBe(resumed - paused);
    expect(order.pausedMs).toBeGreaterThan(0);
    // measured on the clock: resolution minus opening minus the pause
    expect(order.fixMs).toBe(order.resolvedAt! - order.openedAt - order.pausedMs);

    const ledger = (await server.api(`/api/v1/estates/${ESTATE}/ledgers/problems?limit=50`, { token: admin })).body as LedgerPage<ProblemLedgerRow>;
    const entry = ledger.rows.find((r) => r.id === orderId)!;
    expect(entry).toMatchObject({ source: 'resident', category: 'water_leak', status: 'closed', rating: 'satisfied', onTime: true });
    expect(entry.fixMinutes).toBeCloseTo(order.fixMs! / 60_000, 1);
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: detail.estate.timezone, year: 'numeric', month: '2-digit' }).format(order.openedAt).slice(0, 7);
    const report = (await server.api(`/api/v1/estates/${ESTATE}/workorders/report?from=${month}&to=${month}`, { token: admin })).body as WorkOrderReport;
    const row = report.rows.find((r) => r.category === 'water_leak')!;
    expect(row).toMatchObject({ month, tier: 'serious', orders: 1, resolved: 1, onSite: 1, rated: 1, satisfied: 1, satisfaction: 1, pausedSec: Math.round(order.pausedMs / 1000) });
    expect(row.fixMedianSec).toBeCloseTo(order.fixMs! / 1000, 0);
    await resident.close();
  });
});
