// The residents' page (/report) says where in the building (#18): floor, unit and room inputs, shown
// once a building is chosen, sent with the report and checked by the server against the building (the
// house registry's rooms, else its floors). End to end in Debian Chromium against the real server
// (demo estate, real SQLite): a floor the building does not have is refused with the reason in the
// page's language (zh-CN, then English after the toggle), nothing is lost, and the fixed report is a
// work order on that floor, unit and room. Waits are on conditions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateDetail } from '../../protocol/api.ts';
import type { WorkOrderDetailResponse } from '../../protocol/workorders.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';

const ESTATE = 'garden';

describe('residents’ page: floor, unit and room', () => {
  let webDir: string;
  let server: TestServer;
  let browser: TestBrowser;
  let admin: string;
  let detail: EstateDetail;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-place-'));
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
  });

  it('sends the floor, unit and room with the report; one off the building is refused with its reason in zh-CN and English', { timeout: 180_000 }, async () => {
    const building = detail.buildings.find((b) => b.use === 'residential' && (b.floors ?? 0) >= 5) ?? detail.buildings.find((b) => (b.floors ?? 0) >= 5)!;
    expect(building, 'a demo building with 5 floors or more').toBeTruthy();
    // its house registry: 2 units, rooms 301, 302 … on every floor of each (so a room alone is ambiguous)
    const gen = await server.api(`/api/v1/estates/${ESTATE}/houses/generate`, { token: admin, method: 'POST', body: { building: building.id, units: 2, roomsPerFloor: 2 } });
    expect(gen.status, JSON.stringify(gen.body)).toBe(201);

    const { page } = browser;
    await page.goto(`${server.url}/report?e=${ESTATE}`);
    await page.getByTestId('report-form').waitFor({ timeout: 30_000 });
    // no building: nothing to say a floor of
    expect(await page.getByTestId('report-place').count()).toBe(0);
    await page.getByTestId('report-building').selectOption(building.id);
    const place = page.getByTestId('report-place');
    await place.waitFor();
    expect(await place.locator('legend').textContent()).toBe('楼层 / 单元 / 房号（可选）');

    await page.getByTestId('report-category-water_leak').click();
    await page.getByTestId('report-description').fill('卫生间楼上漏水');
    await page.getByTestId('report-floor').fill('99');
    await page.getByTestId('report-submit').click();
    const failure = page.locator('[data-testid="report-failure"][data-kind="place"]');
    await failure.waitFor({ timeout: 30_000 });
    expect(await failure.textContent()).toContain('该楼栋没有这一层');
    expect(await failure.textContent()).toContain(`no floor 99`);
    expect(await page.getByTestId('report-floor').getAttribute('aria-invalid')).toBe('true');

    // in English: a room in both units needs its unit
    await page.getByTestId('report-language').click();
    await page.getByTestId('report-place').locator('legend', { hasText: 'Floor / unit / room (optional)' }).waitFor();
    await page.getByTestId('report-floor').fill('3');
    await page.getByTestId('report-room').fill('302');
    await page.getByTestId('report-submit').click();
    await page.locator('[data-testid="report-failure"][data-kind="place"]', { hasText: 'Several units have this room number' }).waitFor({ timeout: 30_000 });
    // the form kept everything it was given
    expect(await page.getByTestId('report-description').inputValue()).toBe('卫生间楼上漏水');

    await page.getByTestId('report-unit').fill('2');
    await page.getByTestId('report-submit').click();
    const receipt = page.getByTestId('report-receipt');
    await receipt.waitFor({ timeout: 30_000 });
    const id = Number(await receipt.getAttribute('data-order'));
    const stored = (await server.api(`/api/v1/estates/${ESTATE}/workorders/${id}`, { token: admin })).body as WorkOrderDetailResponse;
    expect(stored.order).toMatchObject({ source: 'resident', building: building.id, floor: 3, unit: '2', room: '302' });

    // changing the building clears what was said about the last one
    await page.getByTestId('report-language').click();
    await page.goto(`${server.url}/report?e=${ESTATE}`);
    await page.getByTestId('report-form').waitFor({ timeout: 30_000 });
    await page.getByTestId('report-building').selectOption(building.id);
    await page.getByTestId('report-floor').fill('4');
    const other = detail.buildings.find((b) => b.id !== building.id)!;
    await page.getByTestId('report-building').selectOption(other.id);
    expect(await page.getByTestId('report-floor').inputValue()).toBe('');
  });
});
