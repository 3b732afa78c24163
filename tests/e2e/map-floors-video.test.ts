// The map's next layers end to end, nothing mocked: the real server with the demo estate, Debian's
// ffmpeg writing a short HLS test stream (H.264 in MPEG-TS, which hls.js transmuxes) served on
// loopback behind Basic auth, Debian Chromium. A click on a camera cone plays the stream through the
// server's proxy (the video's time advances); a building opens floor by floor with its devices and
// open alerts on their floors; the alert heat layer draws in one call. Screenshots in night and day,
// checked by draw calls and by pixels. Every wait is on a condition.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildingInfo, DeviceInfo, EstateDetail } from '../../protocol/api.ts';
import type { AlertSink } from '../../server/alerts/sink.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { until } from '../support/process.ts';
import { startTestServer } from '../support/server.ts';
import { buildWeb } from '../support/web-build.ts';
import { floorBase, SLAB_M, storeysOf } from '../../web/src/map/floor-placement.ts';

const ESTATE = 'garden';
const AUTH = `Basic ${Buffer.from('nvr:pa55').toString('base64')}`;

interface Stats {
  drawCalls: number;
  frames: number;
  markers: { guards: number; vehicles: number; cameras: number };
  floors: number;
  floorItems: number;
  heat: boolean;
}
type Drawn = Array<{ name: string; calls: number }>;
type FloorItems = { building: string | null; items: Array<{ key: string; floor: number; h: number }> };
type Win = { __SE_FLOOR_ITEMS__?: FloorItems; __SE_WORKORDER_LAYER__?: { spots: Array<{ id: string }> }; __SE_STATS__?: Stats; __SE_SCENE__?: { project(x: number, y: number, h?: number): { px: number; py: number; visible: boolean }; drawn(): Drawn }; __SE_HEAT__?: { cells: number; total: number } };
/** the opened building's floor layer: its slabs, what stands on them, anything else put in its group */
const FLOOR_VIEW = /^(floors|floor-items|floor-view)$/;
const callsOf = (scene: Drawn, name: RegExp) => scene.filter((d) => name.test(d.name)).reduce((n, d) => n + d.calls, 0);

/** Pixels of a screenshot region: how many differ from another shot, and how many are "hot" (red/orange). */
function region(png: PNG, x0: number, y0: number, w: number, h: number) {
  const px: number[] = [];
  for (let y = Math.max(0, y0); y < Math.min(png.height, y0 + h); y++) for (let x = Math.max(0, x0); x < Math.min(png.width, x0 + w); x++) px.push((y * png.width + x) * 4);
  return px;
}
function differing(a: PNG, b: PNG, idx: number[]): number {
  let n = 0;
  for (const i of idx) if (Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]) > 60) n++;
  return n;
}
function hot(png: PNG, idx: number[]): number {
  let n = 0;
  for (const i of idx) if (png.data[i] > 170 && png.data[i] > png.data[i + 2] + 60) n++;
  return n;
}

describe('map: live camera video, floors, heat', () => {
  let webDir: string;
  let shots: string;
  let hlsDir: string;
  let media: Server;
  let mediaUrl: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: TestBrowser;
  let detail: EstateDetail;
  let camera: DeviceInfo;
  let front: BuildingInfo;
  let admin: string;
  const mediaRequests: Array<string | undefined> = [];
  let clockOffset = 0;
  let raiseFloorAlert: () => void = () => undefined;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'se-web-'));
    shots = mkdtempSync(join(tmpdir(), 'se-map-'));
    hlsDir = mkdtempSync(join(tmpdir(), 'se-hls-'));
    const built = buildWeb(webDir);
    // a 12 s test picture, 1 s segments: H.264 baseline in MPEG-TS (Debian's Chromium plays H.264 in MSE)
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10', '-t', '12', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', join(hlsDir, 'index.m3u8')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let ffmpegErr = '';
    ffmpeg.stderr.on('data', (d) => (ffmpegErr += d));
    const code = await new Promise<number | null>((resolve) => ffmpeg.on('close', resolve));
    expect(code, ffmpegErr).toBe(0);
    media = createServer((req, res) => {
      mediaRequests.push(req.headers.authorization);
      if (req.headers.authorization !== AUTH) return void res.writeHead(401).end();
      const file = join(hlsDir, normalize(new URL(req.url!, 'http://x').pathname.replace(/^\/cam\//, '')).replace(/^(\.\.[/\\])+/, ''));
      if (!file.startsWith(hlsDir) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', () => r()));
    mediaUrl = `http://nvr:pa55@127.0.0.1:${(media.address() as { port: number }).port}`;
    await built;
    // the modules' clock, so some alerts can be opened two days ago (the heat windows tell them apart)
    server = await startTestServer({ demo: true, webDir, now: () => Date.now() + clockOffset });
    admin = await server.login(server.admin.username, server.admin.password);
    detail = (await server.api(`/api/v1/estates/${ESTATE}`, { token: admin })).body as EstateDetail;
    front = [...detail.buildings].sort((a, b) => a.center[1] - b.center[1])[0];
    // the camera nearest the viewer's side of the estate, away from the buildings' labels
    camera = [...detail.devices].filter((d) => d.kind === 'camera' && d.x !== null).sort((a, b) => a.y! - b.y!)[0];
    expect((await server.api(`/api/v1/estates/${ESTATE}/cameras/${camera.id}/stream`, { method: 'PUT', token: admin, body: { hls: `${mediaUrl}/cam/index.m3u8` } })).status).toBe(200);
    // the house registry from the buildings' floors, and devices on floors of the front building
    expect((await server.api(`/api/v1/estates/${ESTATE}/houses/generate`, { method: 'POST', token: admin, body: { building: front.id } })).status).toBe(201);
    const sensor = `smoke-${process.pid}`;
    server.addDevice('sensor', sensor, ESTATE, { x: front.center[0], y: front.center[1] });
    expect((await server.api(`/api/v1/estates/${ESTATE}/devices/${sensor}/floor`, { method: 'PUT', token: admin, body: { floor: 3 } })).status).toBe(200);
    // alerts through the real alerts module: one open alert of the floor's device, and a cluster for the heat map
    const sink = server.modules.find((m) => m.alertSink)!.alertSink as AlertSink;
    raiseFloorAlert = () => sink.raise({ estate: ESTATE, source: sensor, device: sensor, type: 'smoke', severity: 'major', title: 'Smoke on floor 3', titleZh: '3层烟感告警', x: front.center[0], y: front.center[1], at: Date.now() });
    const heat = (i: number) => sink.raise({ estate: ESTATE, source: `heat-${i}`, type: 'loitering', severity: 'warning', title: 'Loitering', titleZh: '徘徊', x: -40 + (i % 3) * 4, y: -20 + Math.floor(i / 3) * 4, at: Date.now() + clockOffset });
    clockOffset = -2 * 86_400_000;
    for (let i = 0; i < 5; i++) heat(i);
    clockOffset = 0;
    for (let i = 5; i < 12; i++) heat(i);
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    if (browser?.errors.length) console.warn('browser errors:\n' + browser.errors.join('\n'));
    await browser?.close();
    await server?.stop();
    media?.close();
    for (const d of [webDir, hlsDir]) if (d) rmSync(d, { recursive: true, force: true });
    console.info(`map screenshots kept in ${shots}`);
  });

  const stats = () => browser.page.evaluate(() => (window as unknown as Win).__SE_STATS__ ?? null);
  // what the scene would draw, object by object (the renderer's own count, stats().drawCalls, moves by
  // one or two with what frustum culling leaves out and pulsing rings; this names who draws)
  const drawn = () => browser.page.evaluate(() => (window as unknown as Win).__SE_SCENE__!.drawn());
  const project = (x: number, y: number, h = 0) => browser.page.evaluate(([a, b, c]) => (window as unknown as Win).__SE_SCENE__!.project(a, b, c), [x, y, h] as const);
  // screenshots wait for a frame from SwiftShader: on a busy machine that takes a while
  const shot = async (name: string) => PNG.sync.read(await browser.page.screenshot({ path: join(shots, name), timeout: 90_000 }));

  it('plays a camera\'s HLS stream through the server when its cone is clicked', { timeout: 240_000 }, async () => {
    const { page } = browser;
    await page.goto(server.url);
    await page.getByTestId('login-username').fill(server.admin.username);
    await page.getByTestId('login-password').fill(server.admin.password);
    await page.getByTestId('login-submit').click();
    await page.waitForFunction(() => ((window as unknown as Win).__SE_STATS__?.markers.cameras ?? 0) > 0, undefined, { timeout: 90_000 });
    // the middle of the cone: 8 m from the camera along its heading, 4 m up
    const h = ((camera.heading ?? 0) * Math.PI) / 180;
    const at = await project(camera.x! + Math.sin(h) * 8, camera.y! + Math.cos(h) * 8, 4);
    expect(at.visible).toBe(true);
    await page.mouse.click(at.px, at.py);
    const player = page.getByTestId('camera-player');
    await player.waitFor({ timeout: 15_000 });
    expect(await player.getAttribute('data-device')).toBe(camera.id);
    expect(await page.getByTestId('camera-name').textContent()).toBe(camera.name);
    // the video's own clock moves: frames are decoded and played
    const start = await until('video playing', () => page.evaluate(() => {
      const v = document.querySelector('[data-testid="camera-video"]') as HTMLVideoElement | null;
      return v && v.currentTime > 0.3 ? v.currentTime : null;
    }), 30_000, 100);
    await until('video time advancing', () => page.evaluate((t0) => (document.querySelector('[data-testid="camera-video"]') as HTMLVideoElement).currentTime > t0 + 1, start), 20_000, 100);
    expect(await player.getAttribute('data-status')).toBe('playing');
    // the browser asked only our server; the media server saw only our proxy's credentials
    expect(mediaRequests.length).toBeGreaterThan(1);
    expect(mediaRequests.every((a) => a === AUTH)).toBe(true);
    await page.screenshot({ path: join(shots, 'map-camera-night.png'), timeout: 90_000 });
    await page.getByTestId('camera-close').click();
    await player.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
  });

  it('opens a building floor by floor, its devices, open alerts and work orders on their floors, within the draw-call budget', { timeout: 240_000 }, async () => {
    const { page } = browser;
    // a work order on floor 5 of the building (through the staff API, live to the wall screen over MQTT)
    const woFloor = Math.min(5, storeysOf(front).floors);
    const wo = await server.api(`/api/v1/estates/${ESTATE}/workorders`, { method: 'POST', token: admin, body: { category: 'lighting', description: '5层走廊灯不亮', building: front.id, floor: woFloor } });
    expect(wo.status, JSON.stringify(wo.body)).toBe(201);
    const woKey = `wo:${wo.body.id}`;
    await until('the work order on the roof stack', () => page.evaluate((id) => (window as unknown as Win).__SE_WORKORDER_LAYER__?.spots.some((s) => s.id === id) ?? false, String(wo.body.id)), 20_000, 100);
    if (await page.getByTestId('details-close').count()) await page.getByTestId('details-close').click();
    await until('details closed', async () => (await page.getByTestId('details-panel').count()) === 0, 10_000, 100);
    // a new alert of the device on floor 3, live on the wall screen (its ring is on the map before we count)
    raiseFloorAlert();
    await until('the floor alert is live', () => page.evaluate(() => (window as unknown as { __SE_ALERTS__?: { received: number } }).__SE_ALERTS__?.received ?? 0), 20_000, 100);
    const closed = (await until('a still frame', async () => {
      const s = await stats();
      return s && s.floors === 0 ? s : null;
    }, 20_000, 100))!;
    expect(callsOf(await drawn(), FLOOR_VIEW)).toBe(0);
    // the top floor's slab once the floors stand apart: above the old roof line, where the closed map
    // showed only what is behind the building (and away from the alarm ring pulsing on the ground)
    const storeys = storeysOf(front);
    const top = floorBase(storeys, storeys.floors) + SLAB_M / 2;
    expect(top).toBeGreaterThan(front.height + 2);
    const above = await project(front.center[0], front.center[1], top);
    const before = await shot('map-closed-night.png');
    const at = await project(front.center[0], front.center[1], Math.min(front.height, 12) / 2);
    await page.mouse.click(at.px, at.py);
    await page.getByTestId('floor-picker').waitFor({ timeout: 10_000 });
    const floors = front.floors ?? Math.round(front.height / 3);
    const open = await until('floors drawn', async () => {
      const s = await stats();
      return s && s.floors === floors && s.floorItems >= 3 ? s : null;
    }, 20_000, 100);
    // the work order stands on its floor (the slab of storey 5, not the roof), and left the roof stack
    const items = (await page.evaluate(() => (window as unknown as Win).__SE_FLOOR_ITEMS__))!;
    expect(items.building).toBe(front.id);
    const onFloor = items.items.find((i) => i.key === woKey);
    expect(onFloor, JSON.stringify(items)).toMatchObject({ floor: woFloor });
    expect(onFloor!.h).toBeGreaterThan(floorBase(storeys, woFloor));
    expect(onFloor!.h).toBeLessThan(floorBase(storeys, woFloor + 1));
    expect(await page.evaluate((id) => (window as unknown as Win).__SE_WORKORDER_LAYER__!.spots.some((s) => s.id === id), String(wo.body.id))).toBe(false);
    // floors: one instanced call, things on them: one, the faded façade: two more groups of the one
    // merged building mesh — never a call per floor; and the whole frame within the map's budget
    const scene = await drawn();
    expect(callsOf(scene, FLOOR_VIEW), JSON.stringify(scene)).toBe(2);
    expect(callsOf(scene, /^buildings$/), JSON.stringify(scene)).toBeLessThanOrEqual(3);
    expect(open.drawCalls, JSON.stringify(scene)).toBeLessThanOrEqual(20);
    const opened = await shot('map-floors-night.png');
    // the floors stand apart above the old roof line: pixels there changed
    const column = region(opened, Math.round(above.px) - 8, Math.round(above.py) - 3, 16, 6);
    expect(differing(before, opened, column), `pixels of the top slab at ${Math.round(above.px)},${Math.round(above.py)}`).toBeGreaterThan(column.length * 0.5);
    // one floor alone: its slab and the alert's device on it
    await page.getByTestId('floor-3').click();
    await until('floor 3 isolated', async () => {
      const s = await stats();
      return s?.floors === 1 && s.floorItems >= 2;
    }, 10_000, 100);
    // the work order is on floor 5, not 3
    expect((await page.evaluate(() => (window as unknown as Win).__SE_FLOOR_ITEMS__))!.items.map((i) => i.key)).not.toContain(woKey);
    await page.screenshot({ path: join(shots, 'map-floor3-night.png'), timeout: 90_000 });
    await page.getByTestId('floor-all').click();
    await until('all floors again', async () => (await stats())?.floors === floors, 10_000, 100);
    await page.getByTestId('theme-toggle').click();
    await page.locator('[data-testid="estate-map"][data-theme="day"]').waitFor();
    await until('a day frame', async () => ((await stats())?.frames ?? 0) > open.frames + 3, 20_000, 100);
    const day = await shot('map-floors-day.png');
    expect(differing(opened, day, column)).toBeGreaterThan(0);
    await page.getByTestId('theme-toggle').click();
    await page.locator('[data-testid="estate-map"][data-theme="night"]').waitFor();
    await page.getByTestId('details-close').click();
    await until('building closed', async () => (await stats())?.floors === 0, 10_000, 100);
    // closed: the order is back on the roof stack
    await until('the work order back over the roof', () => page.evaluate((id) => (window as unknown as Win).__SE_WORKORDER_LAYER__?.spots.some((s) => s.id === id) ?? false, String(wo.body.id)), 10_000, 100);
  });

  it('draws the alert heat layer in one call, in both themes', { timeout: 240_000 }, async () => {
    const { page } = browser;
    const off = (await stats())!;
    expect(callsOf(await drawn(), /^heat$/)).toBe(0);
    const spot = await project(-36, -14);
    const box = (png: PNG) => region(png, Math.round(spot.px) - 40, Math.round(spot.py) - 40, 80, 80);
    const before = await shot('map-heat-off-night.png');
    await page.getByTestId('layer-heat').click();
    await page.getByTestId('heat-windows').waitFor();
    const on = await until('heat drawn', async () => {
      const s = await stats();
      const h = await page.evaluate(() => (window as unknown as Win).__SE_HEAT__ ?? null);
      return s?.heat && h && h.total > 0 && s.frames > off.frames ? { s, h } : null;
    }, 20_000, 100);
    // one quad, and the whole frame within the map's budget
    const scene = await drawn();
    expect(callsOf(scene, /^heat$/), JSON.stringify(scene)).toBe(1);
    expect(on.s.drawCalls, JSON.stringify(scene)).toBeLessThanOrEqual(20);
    // the last 24 h: today's 7 of the cluster and the floor alert (and any the demo devices raise meanwhile)
    expect(on.h.total).toBeGreaterThanOrEqual(8);
    const day24 = on.h.total;
    const night = await shot('map-heat-night.png');
    expect(hot(night, box(night))).toBeGreaterThan(hot(before, box(before)) + 50);
    await page.getByTestId('heat-7d').click();
    // seven days: also the 5 opened two days ago
    await until('7-day window', async () => (await page.evaluate(() => (window as unknown as Win).__SE_HEAT__?.total ?? 0)) >= day24 + 5, 10_000, 100);
    await page.getByTestId('theme-toggle').click();
    await page.locator('[data-testid="estate-map"][data-theme="day"]').waitFor();
    await until('a day frame', async () => ((await stats())?.frames ?? 0) > on.s.frames + 3, 20_000, 100);
    const day = await shot('map-heat-day.png');
    expect(hot(day, box(day))).toBeGreaterThan(50);
    await page.getByTestId('theme-toggle').click();
    await page.getByTestId('layer-heat').click();
    await until('heat off', async () => (await stats())?.heat === false, 10_000, 100);
  });
});
