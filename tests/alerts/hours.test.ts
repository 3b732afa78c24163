// Active hours in the estate's time zone: midnight, hour boundaries, weekdays, Asia/Shanghai vs UTC.
import { describe, expect, it } from 'vitest';
import { HoursError, formatHours, isActive, localMonth, localTime, parseHours } from '../../server/alerts/hours.ts';

const SH = 'Asia/Shanghai';
/** Shanghai wall-clock time → epoch ms (UTC+8, no DST). 2026-11-27 is a Friday. */
const sh = (iso: string) => Date.parse(`${iso}+08:00`);

describe('parseHours', () => {
  it('reads every accepted form', () => {
    expect(parseHours(null)).toBeNull();
    expect(parseHours(undefined)).toBeNull();
    expect(parseHours('always')).toBeNull();
    expect(parseHours('24h')).toBeNull();
    expect(parseHours('never')).toEqual([]);
    expect(parseHours([])).toEqual([]);
    expect(parseHours('22:00-06:00')).toEqual([{ from: 1320, to: 360, days: null }]);
    expect(parseHours('22:00-06:00, 12:00-13:30')).toEqual([
      { from: 1320, to: 360, days: null },
      { from: 720, to: 810, days: null },
    ]);
    expect(parseHours({ from: '08:00', to: '18:00', days: ['Mon', 'fri', 6] })).toEqual([{ from: 480, to: 1080, days: [1, 5, 6] }]);
    expect(parseHours(['22:00-24:00', { from: '00:00', to: '01:00' }])).toEqual([
      { from: 1320, to: 0, days: null },
      { from: 0, to: 60, days: null },
    ]);
  });

  it('names what is wrong', () => {
    expect(() => parseHours('22-06')).toThrow(HoursError);
    expect(() => parseHours('25:00-06:00')).toThrow(/no such time/);
    expect(() => parseHours({ from: '08:00' })).toThrow(/hours\.to/);
    expect(() => parseHours({ from: '08:00', to: '09:00', days: ['someday'] })).toThrow(/unknown day/);
    expect(() => parseHours(42)).toThrow(HoursError);
  });

  it('formats back to text', () => {
    expect(formatHours(null)).toBe('always');
    expect(formatHours([])).toBe('never');
    expect(formatHours(parseHours({ from: '22:00', to: '06:00', days: [5] }))).toBe('22:00-06:00 (fri)');
  });
});

describe('isActive in the estate time zone', () => {
  const night = parseHours('22:00-06:00');

  it('switches on at 22:00 and off at 06:00 Shanghai time, across midnight', () => {
    expect(isActive(night, sh('2026-11-27T21:59:59.999'), SH)).toBe(false);
    expect(isActive(night, sh('2026-11-27T22:00:00'), SH)).toBe(true);
    expect(isActive(night, sh('2026-11-27T23:59:59.999'), SH)).toBe(true);
    expect(isActive(night, sh('2026-11-28T00:00:00'), SH)).toBe(true); // midnight
    expect(isActive(night, sh('2026-11-28T05:59:59.999'), SH)).toBe(true);
    expect(isActive(night, sh('2026-11-28T06:00:00'), SH)).toBe(false);
    expect(isActive(night, sh('2026-11-28T12:00:00'), SH)).toBe(false);
  });

  it('uses the estate zone, not UTC: 22:00 in Shanghai is 14:00 UTC', () => {
    const t = Date.parse('2026-11-27T14:30:00Z');
    expect(isActive(night, t, SH)).toBe(true);
    expect(isActive(night, t, 'UTC')).toBe(false);
    expect(localTime(t, SH)).toMatchObject({ weekday: 5, minutes: 22 * 60 + 30, day: 27 });
  });

  it('respects hour boundaries exactly (start inclusive, end exclusive)', () => {
    const lunch = parseHours('08:00-09:00');
    expect(isActive(lunch, sh('2026-11-27T07:59:59.999'), SH)).toBe(false);
    expect(isActive(lunch, sh('2026-11-27T08:00:00'), SH)).toBe(true);
    expect(isActive(lunch, sh('2026-11-27T08:59:59.999'), SH)).toBe(true);
    expect(isActive(lunch, sh('2026-11-27T09:00:00'), SH)).toBe(false);
  });

  it('gives a window past midnight to the weekday it starts on', () => {
    const fridayNight = parseHours({ from: '22:00', to: '06:00', days: ['fri'] });
    expect(isActive(fridayNight, sh('2026-11-27T23:00:00'), SH)).toBe(true); // Friday
    expect(isActive(fridayNight, sh('2026-11-28T01:00:00'), SH)).toBe(true); // Saturday morning, started Friday
    expect(isActive(fridayNight, sh('2026-11-28T23:00:00'), SH)).toBe(false); // Saturday night
    expect(isActive(fridayNight, sh('2026-11-27T01:00:00'), SH)).toBe(false); // Friday morning belongs to Thursday
    // Sunday → Monday wraps the week
    const sundayNight = parseHours({ from: '23:00', to: '02:00', days: [7] });
    expect(isActive(sundayNight, sh('2026-11-30T01:00:00'), SH)).toBe(true); // Monday 01:00
  });

  it('treats from == to as 24 hours, 24:00 as the end of the day, and never as never', () => {
    expect(isActive(parseHours('07:00-07:00'), sh('2026-11-27T06:59:00'), SH)).toBe(true);
    expect(isActive(parseHours('22:00-24:00'), sh('2026-11-27T23:59:00'), SH)).toBe(true);
    expect(isActive(parseHours('22:00-24:00'), sh('2026-11-28T00:00:00'), SH)).toBe(false);
    expect(isActive(parseHours('never'), sh('2026-11-27T23:00:00'), SH)).toBe(false);
    expect(isActive(null, sh('2026-11-27T23:00:00'), SH)).toBe(true);
  });

  it('puts a time in the estate\'s month', () => {
    // 17:00 UTC on 31 January is 01:00 on 1 February in Shanghai
    expect(localMonth(Date.parse('2026-01-31T17:00:00Z'), SH)).toBe('2026-02');
    expect(localMonth(Date.parse('2026-01-31T17:00:00Z'), 'UTC')).toBe('2026-01');
  });
});
