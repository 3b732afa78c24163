// The district level at scale, in one run: 500 estates, 100,000 registered devices (20,000 heard),
// a month of stored alerts and tours. Figures: the district summary REST p95 (goal ≤ 100 ms) beside
// the naive per-estate queries; the summary channel's CPU per second; the month's scorecard (goal
// ≤ 2 s); the district page's draw calls and main-thread render ms per frame at 500 and 1,000
// estates in headless Chromium, beside a naive one-mesh-per-estate page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase, BenchOptions, BenchResult } from '../types.ts';
import { startServer } from '../../server/app.ts';
import { addUser, login } from '../../server/store/users.ts';
import { importDistrict, type DistrictRow } from '../../server/org/import.ts';
import { upsertCompany, upsertUnit } from '../../server/org/store.ts';
import { groupSummary, naiveEstateBadge, snapshot } from '../../server/org/summary.ts';
import { buildScorecard, monthBounds } from '../../server/org/scorecard.ts';
import { METRIC_SOURCES } from '../../server/org/metric-sources.ts';
import { estatesOfUnit } from '../../server/org/scope.ts';
import { localMonth } from '../../server/alerts/hours.ts';
import { launchBrowser } from '../../tests/support/browser.ts';
import type { Db } from '../../server/store/db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WHO = { actor: 'bench' };

function p95(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
}
const ms = (v: number) => Number(v.toFixed(2));

function seed(db: Db, from: number, estates: number, devicesPerEstate: number, now: number, log: (s: string) => void): void {
  upsertUnit(db, { id: 'bd', kind: 'district', name: 'Bench District', nameZh: '基准区' }, WHO);
  for (let s = 0; s < 10; s++) {
    upsertUnit(db, { id: `bs${s}`, kind: 'street', name: `S${s}`, nameZh: `街道${s}`, parent: 'bd' }, WHO);
    for (let c = 0; c < 5; c++) upsertUnit(db, { id: `bc${s}-${c}`, kind: 'community', name: `C${s}-${c}`, nameZh: `社区${s}-${c}`, parent: `bs${s}` }, WHO);
  }
  for (let c = 0; c < 8; c++) upsertCompany(db, { id: `pc${c}`, name: `Company ${c}`, nameZh: `物业${c}`, fallback: c === 0 }, WHO);
  const rows: DistrictRow[] = [];
  const start = db.prepare('SELECT count(*) FROM estates').pluck().get() as number;
  for (let i = start; i < start + estates; i++) {
    rows.push({ line: i, id: `be${i}`, name: `E${i}`, nameZh: `小区${i}`, lat: 30 + (i % 40) * 0.004, lon: 120 + Math.floor(i / 40) * 0.005, community: `bc${i % 10}-${Math.floor(i / 10) % 5}`, company: `pc${i % 8}`, kind: i % 8 === 0 ? 'ownerless' : 'estate' });
  }
  importDistrict(db, { rows, errors: [] }, WHO);
  log(`district: ${estates} estates imported; adding ${estates * devicesPerEstate} devices and a month of history`);
  const insertDevice = db.prepare("INSERT INTO devices (id, estate, kind, name, token_hash, created_at) VALUES (?, ?, 'sensor', ?, 'x', ?)");
  const health = db.prepare('INSERT INTO alert_device_health (device, estate, state, last_seen, offline_since, reason) VALUES (?, ?, ?, ?, NULL, NULL)');
  const alert = db.prepare("INSERT INTO alerts (id, estate, source, type, status, severity, severity_rank, tier, due, opened_at, resolved_at, incident, body) VALUES (?, ?, ?, ?, ?, ?, 2, 'small', NULL, ?, ?, NULL, ?)");
  const tour = db.prepare("INSERT INTO patrol_tours (estate, id, route, day, start, opens, closes, state, guard, plan, result) VALUES (?, ?, 'r', ?, ?, ?, ?, 'done', NULL, '{}', ?)");
  let alertId = (db.prepare('SELECT coalesce(max(id), 0) FROM alerts').pluck().get() as number) + 1;
  db.transaction(() => {
    for (const r of rows) {
      for (let d = 0; d < devicesPerEstate; d++) {
        const id = `${r.id}-d${d}`;
        insertDevice.run(id, r.id, id, from - 86_400_000);
        if (d % 5 === 0) health.run(id, r.id, d % 50 === 0 ? 'offline' : 'online', now - 30_000);
      }
      // ~20 alerts a month, 2 device_offline, 3 tours a day
      for (let k = 0; k < 22; k++) {
        const opened = from + ((k * 1.3e8 + alertId * 7919) % (now - from - 3_600_000));
        const offline = k >= 20;
        const open = k === 0 && alertId % 3 === 0;
        const body = { id: alertId, estate: r.id, tier: 'small', titleZh: '告警', title: 'alert', openedAt: opened, onSiteAt: opened + ((alertId % 9) + 1) * 60_000, resolvedAt: open ? undefined : opened + 30 * 60_000, resolution: open ? undefined : 'fixed' };
        alert.run(alertId, r.id, offline ? `${r.id}-d${k}` : `src${alertId}`, offline ? 'device_offline' : 'intrusion', open ? 'open' : 'resolved', open && alertId % 2 ? 'critical' : 'major', opened, open ? null : opened + 30 * 60_000, JSON.stringify(body));
        alertId++;
      }
      for (let t = from; t < now - 3_600_000; t += 8 * 3_600_000) {
        tour.run(r.id, `r@${t}`, new Date(t).toISOString().slice(0, 10), t, t, t + 3_600_000, JSON.stringify({ counts: { missed: t % 7 === 0 ? 1 : 0, late: 0 } }));
      }
    }
  })();
}

async function pageFigures(url: string, token: string, expiresAt: number, user: unknown, naive: boolean): Promise<{ calls: number; frameMs: number; loadMs: number }> {
  const browser = await launchBrowser();
  try {
    const { page } = browser;
    await page.addInitScript(([t, e, u]) => sessionStorage.setItem('smart-estate.session', JSON.stringify({ token: t, expiresAt: e, user: u })), [token, expiresAt, user] as const);
    const t0 = Date.now();
    await page.goto(`${url}/district/bd${naive ? '?naive=1' : ''}`);
    await page.waitForFunction(() => (window.__districtStats?.frames ?? 0) > 5, undefined, { timeout: 120_000 });
    const loadMs = Date.now() - t0;
    const samples: number[] = [];
    let calls = 0;
    for (let i = 0; i < 30; i++) {
      const s = await page.evaluate(() => new Promise<{ calls: number; frameMs: number }>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(window.__districtStats!)))));
      samples.push(s.frameMs);
      calls = s.calls;
    }
    samples.sort((a, b) => a - b);
    return { calls, frameMs: samples[samples.length >> 1], loadMs };
  } finally {
    await browser.close();
  }
}

async function run(o: BenchOptions): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'se-bench-district-'));
  const server = await startServer({ dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', quiet: true, synchronous: 'NORMAL', webDir: join(ROOT, 'dist/web') });
  const rows: Array<Array<string | number>> = [];
  // each figure is printed as it is measured: a later failure keeps the earlier ones
  const push = (row: Array<string | number>) => {
    rows.push(row);
    o.log(`district: ${row.join(' | ')}`);
  };
  const notes: string[] = [];
  try {
    const db = server.db;
    const now = Date.now();
    const month = localMonth(now, 'Asia/Shanghai');
    // a full month behind us: last month
    const [y, m] = month.split('-').map(Number);
    const last = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
    const { from } = monthBounds(last, 'Asia/Shanghai');
    const t0 = performance.now();
    seed(db, from, 500, 200, now, o.log);
    o.log(`district: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    addUser(db, { name: 'bench', role: 'viewer', password: 'bench-password', estate: 'unit:bd' });
    const session = login(db, 'bench', 'bench-password')!;

    // snapshot compute (what the channel and a cold REST call pay) vs naive per-estate queries
    const snap: number[] = [];
    for (let i = 0; i < 20; i++) {
      const a = performance.now();
      groupSummary(snapshot(db, Date.now()), { kind: 'unit', id: 'bd' });
      snap.push(performance.now() - a);
    }
    const naive: number[] = [];
    const ids = estatesOfUnit(db, 'bd');
    for (let i = 0; i < 2; i++) {
      const a = performance.now();
      for (const e of ids) naiveEstateBadge(db, e, Date.now());
      naive.push(performance.now() - a);
    }
    push(['district snapshot (500 estates, 100k devices), ms p95', ms(p95(snap)), ms(p95(naive)), `${(p95(naive) / p95(snap)).toFixed(1)}× (naive: per-estate queries)`]);

    // REST p95 over real HTTP (the module serves a snapshot at most 1 s old)
    const rest: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = performance.now();
      const res = await fetch(`${server.url}/api/v1/org/units/bd/summary`, { headers: { authorization: `Bearer ${session.token}` } });
      await res.arrayBuffer();
      rest.push(performance.now() - a);
    }
    push(['GET /org/units/{district}/summary p95 ms (goal ≤ 100)', ms(p95(rest)), '—', '']);

    // summary channel: publish every second as if events kept coming (dirty every tick), 10 s
    const mod = server.modules.find((x) => x.name === 'org')!;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    const secs = o.quick ? 5 : 10;
    for (let i = 0; i < secs; i++) {
      mod.onCommitted?.([]);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const cpu = process.cpuUsage(cpu0);
    const wall = (performance.now() - w0) / 1000;
    push(['summary channel CPU (ms per second, 61 groups republished on change)', ms((cpu.user + cpu.system) / 1000 / wall), '—', 'whole server process, idle otherwise']);

    // the month's scorecard, all 500 estates and 8 companies
    const card: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = performance.now();
      buildScorecard(db, METRIC_SOURCES, { month: last, estates: null, now: Date.now() });
      card.push(performance.now() - a);
    }
    push([`scorecard ${last} (500 estates, ~11k alerts, ~45k tours, 100k devices), ms max of 3 (goal ≤ 2000)`, ms(Math.max(...card)), '—', '']);

    // the page, at 500 then 1,000 estates
    for (const count of [500, 1000]) {
      if (count === 1000) seed(db, from, 500, 0, now, o.log);
      const measure = (naive: boolean) =>
        pageFigures(server.url, session.token, session.expiresAt, session.user, naive).catch((err: Error) => {
          notes.push(`page ${count} estates${naive ? ' (naive)' : ''} failed: ${err.message.split('\n')[0]}`);
          return { calls: NaN, frameMs: NaN, loadMs: NaN };
        });
      const product = await measure(false);
      const flat = await measure(true);
      push([`district page ${count} estates: draw calls`, product.calls, flat.calls, `${(flat.calls / Math.max(1, product.calls)).toFixed(0)}× fewer`]);
      push([`district page ${count} estates: main-thread render ms/frame (median)`, ms(product.frameMs), ms(flat.frameMs), `${(flat.frameMs / Math.max(0.01, product.frameMs)).toFixed(1)}×`]);
    }
    notes.push('naive snapshot = 5 queries per estate; naive page = one Mesh per estate; WebGL is SwiftShader (software), so GPU time is not measured.');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: 'District: summary, channel, scorecard, page', columns: ['figure', 'product', 'naive', 'ratio / note'], rows, notes };
}

export const districtCase: BenchCase = { name: 'district', description: '500 estates, 100k devices, a month of history: summary, channel, scorecard, page', run };
