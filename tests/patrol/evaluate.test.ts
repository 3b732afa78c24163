// (tour, scans, now) → statuses: on time, early, late, missed, out of order, duplicates, late
// arrivals, claiming, and a tour across midnight in Asia/Shanghai.
import { describe, expect, it } from 'vitest';
import type { PatrolRoute } from '../../protocol/patrol.ts';
import { evaluateTour, longestInOrder, type Scan } from '../../server/patrol/evaluate.ts';
import { planTour } from '../../server/patrol/schedule.ts';

const SH = 'Asia/Shanghai';
const MIN = 60_000;
const route: PatrolRoute = {
  estate: 'garden', id: 'night', name: 'Night round', nameZh: '夜间巡更',
  stops: ['CP-01', 'CP-02', 'CP-03', 'CP-04', 'CP-05'].map((checkpoint, i) => ({ checkpoint, afterMin: i === 0 ? 0 : 10 })),
  toleranceMin: 5, graceMin: 15, schedules: [], active: true, since: 0,
};
// 23:30 → the tour runs into the next day: CP-04 at 00:00, CP-05 at 00:10
const START = Date.parse('2026-11-27T23:30:00+08:00');
const plan = (guard: string | null = null) => planTour(route, { id: 'night', guard }, '2026-11-27', START, SH);

let n = 0;
const scan = (checkpoint: string, minutes: number, over: Partial<Scan> = {}): Scan => ({
  device: 'handheld-1', id: `e${++n}`, guard: 'G01', checkpoint, ts: START + minutes * MIN, method: 'nfc', ...over,
});

const statuses = (r: ReturnType<typeof evaluateTour>) => r.stops.map((s) => s.status);

describe('evaluateTour', () => {
  it('rates each checkpoint against its planned time ± tolerance, across midnight', () => {
    const scans = [scan('CP-01', 1), scan('CP-02', 3), scan('CP-03', 27), scan('CP-04', 30), scan('CP-05', 46)];
    const r = evaluateTour(plan(), scans, START + 2 * 3_600_000);
    expect(statuses(r)).toEqual(['on_time', 'early', 'late', 'on_time', 'late']);
    expect(r.state).toBe('done');
    expect(r.guard).toBe('G01');
    expect(r.completion).toBe(1);
    expect(r.counts).toEqual({ on_time: 2, late: 2, early: 1, missed: 0, out_of_order: 0, pending: 0 });
    // the boundaries: exactly ± tolerance is on time
    const edge = evaluateTour(plan(), [scan('CP-01', -5), scan('CP-02', 15)], START + 16 * MIN);
    expect(statuses(edge).slice(0, 2)).toEqual(['on_time', 'on_time']);
  });

  it('keeps a checkpoint pending until its deadline, then missed (late vs missed)', () => {
    const p = plan();
    const cp2 = p.stops[1];
    // CP-02 planned 23:40, on time until 23:45, late until 00:00 (grace 15), missed after
    expect(statuses(evaluateTour(p, [scan('CP-01', 0)], cp2.deadline))[1]).toBe('pending');
    expect(statuses(evaluateTour(p, [scan('CP-01', 0)], cp2.deadline + 1))[1]).toBe('missed');
    expect(statuses(evaluateTour(p, [scan('CP-01', 0), scan('CP-02', 30)], cp2.deadline + 1))[1]).toBe('late');
    // a scan after the deadline does not count for that checkpoint
    expect(statuses(evaluateTour(p, [scan('CP-01', 0), scan('CP-02', 31)], cp2.deadline + MIN))[1]).toBe('missed');
    const r = evaluateTour(p, [], START + 3 * 3_600_000);
    expect(statuses(r)).toEqual(['missed', 'missed', 'missed', 'missed', 'missed']);
    expect(r.guard).toBeNull();
    expect(r.completion).toBe(0);
  });

  it('is active between opening and the last deadline, scheduled before', () => {
    expect(evaluateTour(plan(), [], START - 6 * MIN).state).toBe('scheduled');
    expect(evaluateTour(plan(), [], START - 5 * MIN).state).toBe('active');
    expect(evaluateTour(plan(), [], plan().closes).state).toBe('active');
    expect(evaluateTour(plan(), [], plan().closes + 1).state).toBe('done');
  });

  it('marks visits out of route order, keeping the longest run in order', () => {
    // 1, 3, 2, 4, 5: CP-03 was scanned out of turn
    const swapped = [scan('CP-01', 0), scan('CP-03', 8), scan('CP-02', 12), scan('CP-04', 30), scan('CP-05', 40)];
    expect(statuses(evaluateTour(plan(), swapped, START + 2 * 3_600_000))).toEqual(['on_time', 'on_time', 'out_of_order', 'on_time', 'on_time']);
    // walked backwards (quickly, inside every deadline): only one visit can be in order
    const backwards = ['CP-05', 'CP-04', 'CP-03', 'CP-02', 'CP-01'].map((c, i) => scan(c, i + 1));
    const r = evaluateTour(plan(), backwards, START + 2 * 3_600_000);
    expect(r.counts.out_of_order).toBe(4);
    expect(r.completion).toBe(1);
  });

  it('counts a duplicate (same device + id) and a repeat tap once; the first scan stands', () => {
    const first = scan('CP-01', 1);
    const scans = [first, { ...first }, scan('CP-01', 2), scan('CP-02', 10)];
    const r = evaluateTour(plan(), scans, START + 11 * MIN);
    expect(r.stops[0].scan?.id).toBe(first.id);
    expect(r.counts.on_time).toBe(2);
    // and evaluating twice or in another order gives the same answer
    expect(evaluateTour(plan(), [...scans].reverse(), START + 11 * MIN)).toEqual(r);
  });

  it('re-evaluates a missed checkpoint when its scan arrives hours later: the device time counts', () => {
    const p = plan();
    const now = START + 5 * 3_600_000;
    const before = evaluateTour(p, [scan('CP-01', 0), scan('CP-03', 20)], now);
    expect(statuses(before)).toEqual(['on_time', 'missed', 'on_time', 'missed', 'missed']);
    // the guard's phone was offline: CP-02 at 23:41 syncs at 04:30
    const after = evaluateTour(p, [scan('CP-01', 0), scan('CP-03', 20), scan('CP-02', 11)], now);
    expect(statuses(after)).toEqual(['on_time', 'on_time', 'on_time', 'missed', 'missed']);
  });

  it('belongs to the assigned guard, else to the guard who checked in first', () => {
    const other = { guard: 'G02', device: 'handheld-2' };
    const scans = [scan('CP-01', 0, other), scan('CP-01', 1), scan('CP-02', 10), scan('CP-02', 11, other)];
    const claimed = evaluateTour(plan(), scans, START + 12 * MIN);
    expect(claimed.guard).toBe('G02');
    expect(claimed.stops[0].scan?.device).toBe('handheld-2');
    const assigned = evaluateTour(plan('G01'), scans, START + 12 * MIN);
    expect(assigned.guard).toBe('G01');
    expect(assigned.stops.slice(0, 2).map((s) => s.scan?.device)).toEqual(['handheld-1', 'handheld-1']);
    // a late-arriving earlier scan by another guard re-claims an unassigned tour
    expect(evaluateTour(plan(), [scan('CP-01', 1), scan('CP-02', 0.5, other)], START + 12 * MIN).guard).toBe('G02');
  });

  it('ignores scans outside the window and at checkpoints off the route', () => {
    const r = evaluateTour(plan(), [scan('CP-01', -6), scan('CP-09', 1), scan('CP-05', 200)], START + 5 * 3_600_000);
    expect(r.guard).toBeNull();
    expect(r.counts.missed).toBe(5);
  });
});

describe('longestInOrder', () => {
  it('keeps the longest increasing run of route positions in scan order', () => {
    const s = (ts: number) => scan('x', ts);
    // route positions visited at times: 0@30, 1@10, 2@20, 3@40 → 1,2,3 in order; 0 out
    expect([...longestInOrder([s(30), s(10), s(20), s(40)])].sort()).toEqual([1, 2, 3]);
    expect([...longestInOrder([undefined, s(5), undefined, s(1)])]).toHaveLength(1);
    expect(longestInOrder([])).toEqual(new Set());
  });
});
