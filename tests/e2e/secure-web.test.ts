// The web app over HTTPS under its content security policy, in real Chromium: the wall screen (3D
// map, live feed over wss://) and the guard app (with its service worker) load and render with no
// CSP violation, trusting the test CA's server certificate for this launch only (its SPKI pinned,
// no blanket "ignore certificate errors"). And the headers themselves: CSP without inline script,
// nosniff, frame-ancestors, HSTS on HTTPS only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import mqtt from 'mqtt';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';
import { makeTestCa, spkiHash, type TestCa } from '../support/certs.ts';

type Win = { __SE_STATS__?: { frames: number; labelGlyphs?: number }; __cspViolations?: string[] };

describe('HTTPS and the content security policy', () => {
  let ca: TestCa;
  let webDir: string;
  let server: TestServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-'));
    await buildWeb(webDir);
    ca = makeTestCa();
    const leaf = ca.issue('server', '127.0.0.1', 'server');
    server = await startTestServer({ demo: true, webDir, tls: leaf, httpsPort: 0, mqttsPort: null, frameAncestors: ['https://wall-controller.example'] });
    browser = await launchBrowser({ args: [`--ignore-certificate-errors-spki-list=${spkiHash(leaf.cert)}`] });
    // every violation the page reports, whatever the console says
    await browser.context.addInitScript(() => {
      const w = window as unknown as Win;
      w.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations!.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    ca?.remove();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  const violations = async () => [
    ...((await browser.page.evaluate(() => (window as unknown as Win).__cspViolations ?? [])) as string[]),
    // workers report into their own scope: their refusals show as console errors (importScripts …)
    ...browser.errors.filter((e) => /content security policy|refused to|importScripts|worker module/i.test(e)),
  ];

  it('sends the headers: a CSP without inline script or eval, nosniff, frame-ancestors; HSTS only on HTTPS', async () => {
    const plain = await fetch(`${server.url}/`);
    const csp = plain.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self' blob:(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'self' https:\/\/wall-controller\.example/);
    expect(csp).not.toMatch(/upgrade-insecure-requests/);
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    // the API answers carry them too
    expect((await fetch(`${server.url}/api/v1/health`)).headers.get('x-content-type-options')).toBe('nosniff');
    const hsts = await new Promise<string | undefined>((resolve, reject) =>
      httpsGet(`${server.httpsUrl}/api/v1/health`, { ca: readFileSync(ca.ca) }, (res) => (res.resume(), resolve(res.headers['strict-transport-security'] as string | undefined))).on('error', reject),
    );
    expect(hsts).toMatch(/max-age=31536000/);
  });

  it('loads the wall screen over HTTPS, live over wss://, with no CSP violation', { timeout: 150_000 }, async () => {
    const { page } = browser;
    const res = await page.goto(server.httpsUrl!);
    expect(res?.status()).toBe(200);
    await page.getByTestId('login-username').fill(server.admin.username);
    await page.getByTestId('login-password').fill(server.admin.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('estate-map').waitFor();
    await page.waitForFunction(() => ((window as unknown as Win).__SE_STATS__?.frames ?? 0) >= 3, undefined, { timeout: 90_000 });
    // the labels are typeset in troika's worker (Blob URL + importScripts): drawn = the CSP let it run
    await page.waitForFunction(() => ((window as unknown as Win).__SE_STATS__?.labelGlyphs ?? 0) > 0, undefined, { timeout: 60_000 });
    await page.getByTestId('connection-state').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 30_000 });
    expect(await violations()).toEqual([]);
  });

  it('loads the guard app over HTTPS, signs in and caches its offline shell, with no CSP violation', { timeout: 120_000 }, async () => {
    const { page } = browser;
    const token = server.addDevice('patrol', 'phone-csp');
    await page.goto(`${server.httpsUrl}/guard`);
    await page.getByTestId('signin-device').fill('phone-csp');
    await page.getByTestId('signin-token').fill(token);
    await page.getByTestId('signin-guard').fill('g-csp');
    await page.getByTestId('signin-submit').click();
    await page.locator('[data-testid="conn"]').waitFor({ timeout: 30_000 });
    // the service worker (worker-src 'self') installed and cached the shell: HTTPS is a secure context
    await page.locator('html[data-offline-ready="true"]').waitFor({ timeout: 60_000 });
    expect(await violations()).toEqual([]);
  });

  it('a kiosk renews its own session before it ends under the CSP, and the new one works for REST and the live feed', { timeout: 120_000 }, async () => {
    const { page } = browser;
    // the page's clock, so six hours pass in a moment (last in this file: the clock cannot be uninstalled; the signed-in session from above is in sessionStorage)
    await browser.context.clock.install();
    await page.goto(`${server.httpsUrl}/?kiosk=1`);
    await page.getByTestId('estate-map').waitFor({ timeout: 60_000 });
    await page.getByTestId('connection-state').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 30_000 });
    const tokenNow = () => page.evaluate(() => (JSON.parse(sessionStorage.getItem('smart-estate.session') ?? '{}') as { token?: string }).token);
    const before = await tokenNow();
    expect(before).toMatch(/^ses_/);
    // RENEW_BEFORE_MS (6 h) before the 12 h session ends
    await page.clock.fastForward('06:00:30');
    await page.waitForFunction((old) => (JSON.parse(sessionStorage.getItem('smart-estate.session') ?? '{}') as { token?: string }).token !== old, before, { timeout: 30_000 });
    const after = (await tokenNow())!;
    expect((await server.api('/api/v1/estates', { token: after })).status).toBe(200);
    // …and for the live feed (checked from here: after a six-hour jump of the page's fake clock,
    // mqtt.js's own reconnect timing in the page is not something this test can rely on)
    const feed = await mqtt.connectAsync(`wss://127.0.0.1:${server.httpsPort}/mqtt`, { username: server.admin.username, password: after, ca: readFileSync(ca.ca), reconnectPeriod: 0 });
    expect(feed.connected).toBe(true);
    feed.end(true);
    expect(await page.getByTestId('kiosk-warning').count()).toBe(0);
    expect(await violations()).toEqual([]);
  });

});
