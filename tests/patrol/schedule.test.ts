// Schedules → tours in the estate's time zone: midnight-spanning windows, Asia/Shanghai (no DST)
// and a DST zone for contrast, tour ids, route versions, overlap checks.
import { describe, expect, it } from 'vitest';
import type { PatrolRoute } from '../../protocol/patrol.ts';
import {
  addDays, localDate, localMinute, overlapError, planTour, plannedTours, scheduleStarts, tourSpanMs, zoneOffset, zonedTime,
} from '../../server/patrol/schedule.ts';

const SH = 'Asia/Shanghai';
const at = (iso: string) => Date.parse(iso);

const route = (over: Partial<PatrolRoute> = {}): PatrolRoute => ({
  estate: 'garden', id: 'night', name: 'Night round', nameZh: '夜间巡更',
  stops: [
    { checkpoint: 'CP-01', afterMin: 0 },
    { checkpoint: 'CP-02', afterMin: 10 },
    { checkpoint: 'CP-03', afterMin: 10 },
  ],
  toleranceMin: 5, graceMin: 15,
  schedules: [{ id: 'night', start: '22:00', end: '06:00', everyMin: 120, guard: null }],
  active: true, since: 0,
  ...over,
});

describe('wall-clock time in a zone', () => {
  it('converts Asia/Shanghai wall-clock times to instants and back (UTC+8 all year)', () => {
    expect(zonedTime('2026-11-27', '22:00', SH)).toBe(at('2026-11-27T14:00:00Z'));
    expect(zonedTime('2026-07-01', '00:30', SH)).toBe(at('2026-06-30T16:30:00Z'));
    expect(zoneOffset(at('2026-01-01T00:00:00Z'), SH)).toBe(8 * 3_600_000);
    expect(zoneOffset(at('2026-07-01T00:00:00Z'), SH)).toBe(8 * 3_600_000);
    // 23:30 UTC is already the next day in Shanghai
    expect(localDate(at('2026-11-27T23:30:00Z'), SH)).toBe('2026-11-28');
    expect(localMinute(at('2026-11-27T23:30:00Z'), SH)).toBe('2026-11-28T07:30');
  });

  it('handles a DST zone too: a skipped wall-clock time lands after the jump', () => {
    // Europe/Berlin springs forward at 02:00 → 03:00 on 2026-03-29
    expect(zonedTime('2026-03-29', '01:30', 'Europe/Berlin')).toBe(at('2026-03-29T00:30:00Z'));
    expect(zonedTime('2026-03-29', '03:30', 'Europe/Berlin')).toBe(at('2026-03-29T01:30:00Z'));
    expect(zonedTime('2026-03-29', '02:30', 'Europe/Berlin')).toBe(at('2026-03-29T01:30:00Z'));
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('schedule windows', () => {
  it('runs a 22:00–06:00 window past midnight: 22, 00, 02, 04 (06:00 belongs to the next window)', () => {
    const starts = scheduleStarts({ start: '22:00', end: '06:00', everyMin: 120 }, '2026-11-27', SH);
    expect(starts.map((t) => localMinute(t, SH))).toEqual(['2026-11-27T22:00', '2026-11-28T00:00', '2026-11-28T02:00', '2026-11-28T04:00']);
  });

  it('keeps a same-day window inside the day, and end = start is a whole day', () => {
    expect(scheduleStarts({ start: '08:00', end: '20:00', everyMin: 240 }, '2026-11-27', SH).map((t) => localMinute(t, SH).slice(11))).toEqual(['08:00', '12:00', '16:00']);
    expect(scheduleStarts({ start: '00:00', end: '00:00', everyMin: 360 }, '2026-11-27', SH).map((t) => localMinute(t, SH).slice(11))).toEqual(['00:00', '06:00', '12:00', '18:00']);
  });
});

describe('tours', () => {
  it('plans each checkpoint from the intervals, with tolerance and grace', () => {
    const start = at('2026-11-27T22:00:00+08:00');
    const plan = planTour(route(), { id: 'night', guard: 'G01' }, '2026-11-27', start, SH);
    expect(plan.id).toBe('night@2026-11-27T22:00');
    expect(plan.guard).toBe('G01');
    expect(plan.opens).toBe(start - 5 * 60_000);
    expect(plan.stops.map((s) => s.plannedAt - start)).toEqual([0, 10, 20].map((m) => m * 60_000));
    expect(plan.stops.map((s) => s.deadline - s.plannedAt)).toEqual([20, 20, 20].map((m) => m * 60_000));
    expect(plan.closes).toBe(start + 40 * 60_000);
    expect(plan.closes - plan.opens).toBe(tourSpanMs(route()));
  });

  it('gives a tour after midnight the day its window began (a night shift belongs to its evening)', () => {
    const tours = plannedTours(route(), SH, at('2026-11-27T21:00:00+08:00'), at('2026-11-28T07:00:00+08:00'));
    expect(tours.map((t) => [t.id, t.day])).toEqual([
      ['night@2026-11-27T22:00', '2026-11-27'],
      ['night@2026-11-28T00:00', '2026-11-27'],
      ['night@2026-11-28T02:00', '2026-11-27'],
      ['night@2026-11-28T04:00', '2026-11-27'],
    ]);
  });

  it('includes a tour still open at `from`, and none of a route version that came after it closed', () => {
    const from = at('2026-11-28T00:10:00+08:00');
    expect(plannedTours(route(), SH, from, from + 60_000).map((t) => t.id)).toEqual(['night@2026-11-28T00:00']);
    // the route was defined at 00:45: the 00:00 tour had closed (00:40), so it never existed
    expect(plannedTours(route({ since: at('2026-11-28T00:45:00+08:00') }), SH, from, at('2026-11-28T03:00:00+08:00')).map((t) => t.id)).toEqual(['night@2026-11-28T02:00']);
    expect(plannedTours(route({ active: false }), SH, from, from + 86_400_000)).toEqual([]);
  });

  it('refuses schedules whose tours would overlap, and tours longer than a day', () => {
    expect(overlapError(route(), SH)).toBeNull();
    expect(overlapError(route({ schedules: [{ id: 'x', start: '22:00', end: '06:00', everyMin: 30, guard: null }] }), SH)).toMatch(/tours overlap: .* 30 min after .* open for 45 min/);
    const two = route({ schedules: [...route().schedules, { id: 'extra', start: '22:20', end: '23:00', everyMin: 60, guard: null }] });
    expect(overlapError(two, SH)).toMatch(/schedule 'extra' starts 20 min after a tour of 'night'/);
    expect(overlapError(route({ stops: [{ checkpoint: 'CP-01', afterMin: 0 }, { checkpoint: 'CP-02', afterMin: 720 }, { checkpoint: 'CP-03', afterMin: 720 }] }), SH)).toMatch(/must fit in 24 h/);
  });
});
