// The wall screen of a cluster node when the node loses Redis: nothing mocked — the built web app in
// Debian Chromium, a cluster node (real redis-server, real influxd). Its own MQTT link stays up, so
// the one banner is the cluster's: other nodes' live events are missing. Redis back: the banner goes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';

describe('wall screen on a cluster node', () => {
  let webDir: string;
  let redis: RedisHandle;
  let influx: InfluxdHandle;
  let server: TestServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-'));
    [redis, influx] = await Promise.all([startRedis(), startInfluxd(), buildWeb(webDir)]) as [RedisHandle, InfluxdHandle, void];
    server = await startTestServer({ webDir, influxUrl: influx.url, cluster: { redisUrl: redis.url, nodeId: 'wall-node', nodeIdFrom: 'configured' } });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    if (browser?.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    await browser?.close();
    await server?.stop();
    await Promise.all([redis?.stop(), influx?.stop()]);
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  it('shows 跨节点实时数据中断 while the node has no Redis, and clears it when Redis is back', { timeout: 120_000 }, async () => {
    const { page } = browser;
    await page.goto(`${server.url}/?staleAfter=3`);
    await page.getByTestId('login-username').fill(server.admin.username);
    await page.getByTestId('login-password').fill(server.admin.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('connection-state').and(page.locator('[data-state="connected"]')).waitFor({ timeout: 60_000 });
    const banner = page.locator('[data-testid="stale-banner"][data-source="cluster"]');
    expect(await banner.count()).toBe(0);

    await redis.kill9();
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.textContent()).toMatch(/跨节点实时数据中断 \d+ 秒：其他服务器节点接收的事件暂不显示/);
    // the dashboard's own link is fine: no link banner on top
    expect(await page.locator('[data-testid="stale-banner"][data-source="link"]').count()).toBe(0);

    await redis.restart();
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
  });
});
