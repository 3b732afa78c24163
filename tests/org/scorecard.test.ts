// The monthly scorecard over real SQLite: figures from stored alert and tour rows, checked against
// a hand computation; a change of company moves only the scores after it; no data is null, not 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../server/store/db.ts';
import { AlertStore } from '../../server/alerts/store.ts';
import { PatrolStore } from '../../server/patrol/store.ts';
import { assignCompany } from '../../server/org/store.ts';
import { METRIC_SOURCES } from '../../server/org/metric-sources.ts';
import { buildScorecard, monthBounds, scorecardItems } from '../../server/org/scorecard.ts';
import { scorecardCsv, scorecardXlsx } from '../../server/org/scorecard-export.ts';
import { ImportError, importDistrict, rowsFromCsv } from '../../server/org/import.ts';
import { seedDistrict, WHO } from './fixture.ts';
import { WorkOrderStore } from '../../server/workorders/store.ts';
import { naiveEstateBadge, snapshot } from '../../server/org/summary.ts';
import { deadlines, type SlaTier } from '../../protocol/clock.ts';
import type { WorkOrder } from '../../protocol/index.ts';

let dir: string;
let db: Db;
const FEB = monthBounds('2026-02', 'Asia/Shanghai');
const NOW = Date.UTC(2026, 3, 1);
const MIN = 60_000;
let nextId = 1;

function alert(estate: string, openedAt: number, onSiteMin: number | null, fixMin: number | null, tier = 'small') {
  const id = nextId++;
  const body = { id, estate, source: `s${id}`, type: 'intrusion', tier, titleZh: `告警${id}`, title: `alert ${id}`, openedAt, onSiteAt: onSiteMin === null ? undefined : openedAt + onSiteMin * MIN, resolvedAt: fixMin === null ? undefined : openedAt + fixMin * MIN, resolution: fixMin === null ? undefined : 'fixed' };
  db.prepare(
    `INSERT INTO alerts (id, estate, source, type, status, severity, severity_rank, tier, due, opened_at, resolved_at, incident, body) VALUES (?, ?, ?, 'intrusion', ?, 'major', 2, ?, NULL, ?, ?, NULL, ?)`,
  ).run(id, estate, `s${id}`, fixMin === null ? 'open' : 'resolved', tier, openedAt, fixMin === null ? null : openedAt + fixMin * MIN, JSON.stringify(body));
}

function tour(estate: string, id: string, opens: number, missed: number, late: number) {
  db.prepare(`INSERT INTO patrol_tours (estate, id, route, day, start, opens, closes, state, guard, plan, result) VALUES (?, ?, 'r', '2026-02-01', ?, ?, ?, 'done', NULL, '{}', ?)`).run(
    estate, id, opens, opens, opens + 3_600_000, JSON.stringify({ counts: { missed, late, on_time: 3 } }),
  );
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'se-score-'));
  db = openDb(join(dir, 'x.db'));
  new AlertStore(db);
  new PatrolStore(db);
  seedDistrict(db);
  const day = (n: number) => FEB.from + n * 86_400_000;
  // e1 (A): 4 alerts — on time; late on site; fixed past the 40 min; on time → 54321 2/4; on-site minutes 3, 8, 4, 2 → median 3.5 min
  alert('e1', day(1), 3, 30);
  alert('e1', day(2), 8, 30);
  alert('e1', day(3), 4, 50);
  alert('e1', day(4), 2, 10);
  // e1 tours: 3 due, 2 on time
  tour('e1', 't1', day(1), 0, 0);
  tour('e1', 't2', day(2), 1, 0);
  tour('e1', 't3', day(3), 0, 0);
  // e3 (B until Feb 15, then A): one on-time alert before the change, one late after it
  alert('e3', day(5), 2, 20);
  assignCompany(db, 'e3', 'A', WHO, day(14));
  alert('e3', day(20), 9, 20);
  // an alert still open but not yet due at NOW would wait; one open long past its deadline counts as late
  alert('e2', day(6), null, null);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('scorecard', () => {
  it('matches the hand computation and ranks by the weighted points over the metrics with data', () => {
    const card = buildScorecard(db, METRIC_SOURCES, { month: '2026-02', estates: null, now: NOW });
    const e1 = card.estates.find((r) => r.id === 'e1')!;
    expect(e1.metrics.onTime54321).toMatchObject({ num: 2, den: 4, value: 0.5, points: 50 });
    expect(e1.metrics.patrolCompletion).toMatchObject({ num: 2, den: 3, points: 66.7 });
    expect(e1.metrics.alertResponse.value).toBe(210); // median of 180, 480, 240, 120 s
    expect(e1.metrics.alertResponse.points).toBe(100);
    // no devices, no work-order source: no data, not 0 and not 100 %
    expect(e1.metrics.deviceAvailability).toMatchObject({ value: null, points: null });
    expect(e1.metrics.satisfaction).toMatchObject({ value: null, points: null, sources: [] });
    expect(e1.metrics.overdueRectifications.value).toBeNull();
    // (30×50 + 25×66.7 + 10×100) ÷ (30 + 25 + 10)
    expect(e1.score).toBeCloseTo((30 * 50 + 25 * 66.7 + 10 * 100) / 65, 1);
    const e2 = card.estates.find((r) => r.id === 'e2')!;
    expect(e2.metrics.onTime54321).toMatchObject({ num: 0, den: 1 });
    expect(e2.score).toBe(0);
    const o1 = card.estates.find((r) => r.id === 'o1')!;
    expect(o1.score).toBeNull();
    expect(o1.rank).toBeNull();
    const ranked = card.estates.filter((r) => r.rank !== null).map((r) => r.id);
    // e3: 54321 1/2 → 50; on site 120 s and 540 s → median 330 s → 100 × (1 − 30/900) = 96.7; (30×50 + 10×96.7) ÷ 40 = 61.7
    const e3 = card.estates.find((r) => r.id === 'e3')!;
    expect(e3.metrics.alertResponse.points).toBe(96.7);
    expect(e3.score).toBe(61.7);
    expect(ranked).toEqual(['e1', 'e3', 'e2']);
    expect(card.estates.map((r) => r.rank)).toEqual([1, 2, 3, null]);
    expect(card.formula).toMatch(/Σ\(weight × points\)/);
  });

  it('a change of company moves only the scores after it', () => {
    const feb = buildScorecard(db, METRIC_SOURCES, { month: '2026-02', estates: null, now: NOW });
    const A = feb.companies.find((r) => r.id === 'A')!;
    const B = feb.companies.find((r) => r.id === 'B')!;
    // B keeps e3's on-time alert from before the change (and e2's late one); A gets e3's late one after
    expect(B.metrics.onTime54321).toMatchObject({ num: 1, den: 2 });
    expect(A.metrics.onTime54321).toMatchObject({ num: 2, den: 5 });
    expect(feb.estates.find((r) => r.id === 'e3')!.companies).toEqual(['A', 'B']);
    const jan = buildScorecard(db, METRIC_SOURCES, { month: '2026-01', estates: null, now: NOW });
    expect(jan.companies.every((r) => r.score === null)).toBe(true);
    const items = scorecardItems(db, METRIC_SOURCES, { month: '2026-02', metric: 'onTime54321', company: 'B', now: NOW });
    expect(items.map((i) => [i.estate, i.ok])).toEqual([['e3', true], ['e2', false]]);
  });

  it('exports CSV with a BOM and empty cells for no data, and XLSX', async () => {
    const card = buildScorecard(db, METRIC_SOURCES, { month: '2026-02', estates: null, now: NOW });
    const csv = scorecardCsv(card);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const o1 = csv.split('\r\n').find((l) => l.includes(',o1,'))!;
    expect(o1).toMatch(/^,estate 小区,o1,/);
    expect(o1).not.toMatch(/,0,/);
    const xlsx = await scorecardXlsx(card);
    expect(xlsx.subarray(0, 2).toString()).toBe('PK');
  });
});

describe('scorecard with work orders', () => {
  let wdir: string;
  let wdb: Db;
  const day = (n: number) => FEB.from + n * 86_400_000;
  let id = 100;
  // a stored order as the work-order service writes it (WorkOrderStore.writeOrder, the store's own upsert)
  function order(openedAt: number, tier: SlaTier, o: { fixMin?: number; planMin?: number; status?: WorkOrder['status']; spam?: boolean; rating?: 'satisfied' | 'basic' | 'unsatisfied'; planDeadline?: number; resolvedAt?: number }) {
    const d = deadlines({ startedAt: openedAt, tier });
    const status = o.status ?? (o.fixMin !== undefined ? 'closed' : 'accepted');
    const w = {
      id: id++, estate: 'e1', source: 'resident', category: 'plumbing', tier, status, description: `工单${id}`, photos: [], department: 'engineering',
      openedAt, updatedAt: openedAt, version: 1, pausedMs: 0, onSiteDue: d.onSiteDue, fixDue: d.fixDue, onSiteMs: 3 * MIN,
      fixMs: o.fixMin === undefined ? undefined : o.fixMin * MIN, planMs: o.planMin === undefined ? undefined : o.planMin * MIN,
      resolvedAt: o.resolvedAt ?? (o.fixMin === undefined ? undefined : openedAt + o.fixMin * MIN), warned: 0, escalation: 0, reopenCount: 0, spam: o.spam ?? false,
      rating: o.rating ? { score: o.rating, at: openedAt + 2 * 86_400_000 } : undefined, needsPlan: tier === 'complex' || tier === 'special',
      plan: o.planDeadline === undefined ? undefined : { department: 'engineering', measures: '更换管道', deadline: o.planDeadline },
    } as unknown as WorkOrder;
    new WorkOrderStore(wdb).writeOrder(w);
  }
  beforeAll(() => {
    wdir = mkdtempSync(join(tmpdir(), 'se-score-wo-'));
    wdb = openDb(join(wdir, 'x.db'));
    new AlertStore(wdb);
    seedDistrict(wdb);
    // one on-time alert in e1: the work orders add to its 54321 tally
    const a = { id: 1, estate: 'e1', source: 's1', type: 'intrusion', tier: 'small', titleZh: '告警', title: 'a', openedAt: day(1), onSiteAt: day(1) + 2 * MIN, resolvedAt: day(1) + 20 * MIN, resolution: 'fixed' };
    wdb.prepare(`INSERT INTO alerts (id, estate, source, type, status, severity, severity_rank, tier, due, opened_at, resolved_at, incident, body) VALUES (1, 'e1', 's1', 'intrusion', 'resolved', 'major', 2, 'small', NULL, ?, ?, NULL, ?)`).run(day(1), a.resolvedAt, JSON.stringify(a));
    order(day(1), 'small', { fixMin: 30, rating: 'satisfied' }); // on time, 满意 5
    order(day(2), 'small', { fixMin: 50, rating: 'unsatisfied' }); // late, 不满意 1
    order(day(3), 'small', {}); // open long past its 40 min: late, and overdue on the badge
    order(day(3), 'small', { fixMin: 10, spam: true, rating: 'satisfied' }); // spam: left out everywhere
    order(day(3), 'small', { status: 'cancelled' }); // cancelled: left out
    // special: the plan in 10 h is the pledge (on time); its plan's deadline (day 10) met on day 9; 基本满意 3
    order(day(5), 'special', { planMin: 600, fixMin: 4 * 1440, rating: 'basic', planDeadline: day(10) });
    // complex, still open: late on the 54321 clock, its plan's deadline (day 12) passed → overdue, and on the badge
    order(day(6), 'complex', { planMin: 120, planDeadline: day(12) });
  });
  afterAll(() => {
    wdb.close();
    rmSync(wdir, { recursive: true, force: true });
  });

  it('adds work orders to the 54321 tally, counts overdue rectifications and maps ratings to 1–5', () => {
    const card = buildScorecard(wdb, METRIC_SOURCES, { month: '2026-02', estates: null, now: NOW });
    const e1 = card.estates.find((r) => r.id === 'e1')!;
    // alert on time + orders: on time, late, open-late, special on time, complex open-late → 3 of 6
    expect(e1.metrics.onTime54321).toMatchObject({ num: 3, den: 6, value: 0.5, points: 50 });
    expect(e1.metrics.onTime54321.sources).toEqual(expect.arrayContaining(['alerts', 'workorders']));
    // two rectifications due in February, one past its deadline
    expect(e1.metrics.overdueRectifications).toMatchObject({ value: 1, num: 1, den: 2, points: 50 });
    // (5 + 1 + 3) ÷ 3 = 3 → (3 − 1) ÷ 4 × 100 = 50
    expect(e1.metrics.satisfaction).toMatchObject({ value: 3, num: 3, points: 50 });
    const items = scorecardItems(wdb, METRIC_SOURCES, { month: '2026-02', metric: 'overdueRectifications', company: 'A', now: NOW });
    expect(items.map((i) => [i.kind, i.ok])).toEqual([['workorder', true], ['workorder', false]]);
    // the badge: two open orders past their deadline in e1, none in e2
    const s = snapshot(wdb, NOW);
    const badge = (e: string) => s.badges.get(e)!.overdueWorkOrders;
    expect(badge('e1')).toBe(2);
    expect(badge('e2')).toBe(0);
    // the benchmark's naive per-estate badge agrees
    expect(naiveEstateBadge(wdb, 'e1', NOW)!.overdueWorkOrders).toBe(2);
  });
});

describe('district import', () => {
  it('reports every bad row at once and imports nothing', () => {
    const csv = 'id,name,name_zh,lat,lon,community,company,kind\nn1,N1,新一,30.1,120.1,c1,A,estate\nbad id,N2,,30.1,120.1,c1,A,estate\nn3,N3,,91,120.1,c1,A,estate\nn4,N4,,30.1,120.1,nowhere,A,estate\nn5,N5,,30.1,120.1,c2,,ownerless\n';
    let err: ImportError | undefined;
    try {
      importDistrict(db, rowsFromCsv(csv), WHO);
    } catch (e) {
      err = e as ImportError;
    }
    expect(err).toBeInstanceOf(ImportError);
    expect(err!.errors.map((e) => e.row)).toEqual([3, 4, 5]);
    expect(db.prepare("SELECT count(*) FROM estates WHERE id IN ('n1', 'n5')").pluck().get()).toBe(0);
    const good = csv.split('\n').filter((l, i) => i === 0 || l.startsWith('n1') || l.startsWith('n5')).join('\n');
    expect(importDistrict(db, rowsFromCsv(good), WHO)).toEqual({ estates: 2 });
    // an ownerless block without a company goes to the fallback company
    expect(db.prepare("SELECT company FROM org_management WHERE estate = 'n5' AND until IS NULL").pluck().get()).toBe('F');
  });
});
