// Report rows per day, route and guard; CSV; alert transitions; route validation. All pure.
import { describe, expect, it } from 'vitest';
import type { CheckpointInfo } from '../../protocol/index.ts';
import type { PatrolRoute, TourView } from '../../protocol/patrol.ts';
import { alertChanges, LATE, MISSED } from '../../server/patrol/alerts.ts';
import { evaluateTour, type Scan } from '../../server/patrol/evaluate.ts';
import { buildReport, csvField, reportCsv } from '../../server/patrol/report.ts';
import { checkRoute } from '../../server/patrol/route-config.ts';
import { planTour } from '../../server/patrol/schedule.ts';
import { tourView } from '../../server/patrol/views.ts';

const SH = 'Asia/Shanghai';
const MIN = 60_000;
const checkpoints: CheckpointInfo[] = ['CP-01', 'CP-02', 'CP-03'].map((id, i) => ({ id, name: ['北门岗亭', '幼儿园北门', '东北角'][i], code: id, x: i * 50, y: 0 }));
const route: PatrolRoute = {
  estate: 'garden', id: 'night', name: 'Night round', nameZh: '夜间巡更',
  stops: checkpoints.map((c, i) => ({ checkpoint: c.id, afterMin: i ? 10 : 0 })),
  toleranceMin: 5, graceMin: 15, schedules: [], active: true, since: 0,
};
const names = { routes: new Map([[route.id, route]]), checkpoints: new Map(checkpoints.map((c) => [c.id, c])) };

function tour(startIso: string, day: string, scans: Array<[string, number, string]>, now: number): TourView {
  const start = Date.parse(startIso);
  const plan = planTour(route, { id: 'night', guard: null }, day, start, SH);
  const list: Scan[] = scans.map(([checkpoint, min, guard], i) => ({ device: `h-${guard}`, id: `${startIso}-${i}`, guard, checkpoint, ts: start + min * MIN, method: 'qr' }));
  const result = evaluateTour(plan, list, now);
  return tourView({ plan, state: result.state, result, cancelReason: null }, names);
}

describe('buildReport', () => {
  const now = Date.parse('2026-11-28T12:00:00+08:00');
  const tours = [
    tour('2026-11-27T22:00:00+08:00', '2026-11-27', [['CP-01', 0, 'G01'], ['CP-02', 18, 'G01'], ['CP-03', 20, 'G01']], now),
    // after midnight, same night shift: CP-02 missed
    tour('2026-11-28T00:00:00+08:00', '2026-11-27', [['CP-01', 1, 'G01'], ['CP-03', 21, 'G01']], now),
    tour('2026-11-28T02:00:00+08:00', '2026-11-27', [['CP-01', 0, 'G02'], ['CP-02', 10, 'G02'], ['CP-03', 20, 'G02']], now),
    tour('2026-11-28T04:00:00+08:00', '2026-11-27', [], now),
  ];

  it('sums per day, route and guard, with completion and the late and missed checkpoints', () => {
    const report = buildReport('garden', '2026-11-27', '2026-11-27', SH, tours);
    expect(report.rows.map((r) => [r.guard, r.tours, r.planned, r.visited, r.completionPct, r.on_time, r.late, r.missed])).toEqual([
      ['', 1, 3, 0, 0, 0, 0, 3],
      ['G01', 2, 6, 5, 83.3, 4, 1, 1],
      ['G02', 1, 3, 3, 100, 3, 0, 0],
    ]);
    const g1 = report.rows[1];
    expect(g1.lateList.map((i) => [i.tour, i.checkpoint, (i.scannedAt! - i.plannedAt) / MIN])).toEqual([['night@2026-11-27T22:00', 'CP-02', 8]]);
    expect(g1.missedList.map((i) => [i.tour, i.checkpoint, i.scannedAt])).toEqual([['night@2026-11-28T00:00', 'CP-02', null]]);
    expect(report.exceptions).toHaveLength(5);
  });

  it('writes CSV with a BOM, local times and defused formula-looking cells', () => {
    const report = buildReport('garden', '2026-11-27', '2026-11-27', SH, tours);
    const csv = reportCsv(report, 'summary');
    expect(csv.startsWith('\uFEFFday,route,route_name,guard,tours,planned,visited,completion_pct,on_time,late,early,missed,out_of_order,late_list,missed_list\r\n')).toBe(true);
    expect(csv).toContain('2026-11-27,night,夜间巡更 Night round,G01,2,6,5,83.3,4,1,0,1,0,CP-02 22:10 (+8 min),CP-02 00:10\r\n');
    const exceptions = reportCsv(report, 'exceptions').split('\r\n');
    expect(exceptions[1]).toBe('2026-11-27,night,G01,night@2026-11-27T22:00,CP-02,幼儿园北门,late,2026-11-27 22:10,2026-11-27 22:18,8');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-3)).toBe('-3');
  });
});

describe('alertChanges', () => {
  const start = Date.parse('2026-11-27T22:00:00+08:00');
  const plan = planTour(route, { id: 'night', guard: null }, '2026-11-27', start, SH);
  const ctx = { routeName: 'Night round', routeNameZh: '夜间巡更', checkpoints: new Map(checkpoints.map((c) => [c.id, c])), startLabel: '22:00', guard: 'G01' };
  const scan = (checkpoint: string, min: number): Scan => ({ device: 'h1', id: `${checkpoint}-${min}`, guard: 'G01', checkpoint, ts: start + min * MIN, method: 'nfc' });

  it('raises missed once when a window closes, late when a scan is late, and clears missed when a late sync fills it', () => {
    const afterDeadline = plan.stops[1].deadline + 1;
    const first = evaluateTour(plan, [scan('CP-01', 0)], afterDeadline);
    const raised = alertChanges(plan, null, first.stops, ctx, afterDeadline);
    expect(raised.raise.map((a) => [a.type, a.source, a.severity])).toEqual([[MISSED, 'night:CP-02', 'warning']]);
    expect(raised.raise[0]).toMatchObject({ estate: 'garden', x: 50, y: 0, at: plan.stops[1].deadline, titleZh: '漏巡：幼儿园北门（夜间巡更 22:00）' });
    // nothing new on the next evaluation
    expect(alertChanges(plan, first.stops, first.stops, ctx, afterDeadline + MIN)).toEqual({ raise: [], clear: [] });
    // the phone syncs CP-02 scanned at 22:17: missed → late
    const synced = evaluateTour(plan, [scan('CP-01', 0), scan('CP-02', 17)], afterDeadline + 5 * MIN);
    const changes = alertChanges(plan, first.stops, synced.stops, ctx, afterDeadline + 5 * MIN);
    expect(changes.clear).toEqual([{ source: 'night:CP-02', type: MISSED, at: afterDeadline + 5 * MIN }]);
    expect(changes.raise.map((a) => [a.type, a.title])).toEqual([[LATE, 'Checkpoint late by 7 min: 幼儿园北门 (Night round 22:00)']]);
  });
});

describe('checkRoute', () => {
  const input = { name: 'Night round', stops: [{ checkpoint: 'CP-01', afterMin: 0 }, { checkpoint: 'CP-02', afterMin: 10 }], schedules: [{ id: 'night', start: '22:00', end: '06:00', everyMin: 120 }] };

  it('fills defaults and stamps the version time', () => {
    const r = checkRoute('garden', 'night', input, checkpoints, SH, 1234);
    expect(r).toEqual({ ok: true, route: expect.objectContaining({ nameZh: 'Night round', toleranceMin: 5, graceMin: 15, active: true, since: 1234 }) });
    if (r.ok) expect(r.route.schedules[0].guard).toBeNull();
  });

  it('names what is wrong', () => {
    const err = (body: unknown, id = 'night') => {
      const r = checkRoute('garden', id, body, checkpoints, SH, 0);
      return r.ok ? null : r.error;
    };
    expect(err(input, 'bad/id')).toMatch(/invalid route id/);
    expect(err({ ...input, stops: [] })).toMatch(/^invalid route: stops:/);
    expect(err({ ...input, stops: [{ checkpoint: 'CP-99', afterMin: 0 }] })).toBe("stops.0: no checkpoint 'CP-99' in estate 'garden'");
    expect(err({ ...input, stops: [{ checkpoint: 'CP-01', afterMin: 0 }, { checkpoint: 'CP-01', afterMin: 5 }] })).toMatch(/already on the route/);
    expect(err({ ...input, stops: [{ checkpoint: 'SOS', afterMin: 0 }] })).toMatch(/reserved/);
    expect(err({ ...input, schedules: [{ id: 'n', start: '25:00', end: '06:00', everyMin: 120 }] })).toMatch(/schedules\.0\.start: must be HH:MM/);
    expect(err({ ...input, schedules: [{ id: 'n', start: '22:00', end: '06:00', everyMin: 20 }] })).toMatch(/tours overlap/);
  });
});
