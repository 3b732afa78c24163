// Active hours (布防时段) of a zone rule, in the estate's own time zone: when a person at the fence is
// an intruder and when it is a resident walking home. Pure: parse once, then ask "active at t?".
//
// Accepted forms (the zone's `hours` column from `se:hours`, or the alert configuration):
//   null | "always" | "24h"                       always active (the default)
//   "never" | []                                  never active (disarmed)
//   "22:00-06:00" | "22:00-06:00,12:00-13:30"      daily windows; a window past midnight wraps
//   {from: "22:00", to: "06:00", days?: [1..7] | ["mon", …]}   days = the weekday the window *starts* on (ISO: 1 = Monday)
//   an array of strings and objects
// Start is inclusive, end exclusive: "22:00-06:00" is active at 22:00:00 and not at 06:00:00.
// from == to means 24 hours from that time.

export interface HoursWindow {
  /** minutes after local midnight */
  from: number;
  to: number;
  /** ISO weekdays (1 = Monday … 7 = Sunday) the window starts on; null = every day */
  days: number[] | null;
}

/** null = always active; [] = never. */
export type ActiveHours = HoursWindow[] | null;

export class HoursError extends Error {}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function parseClock(text: unknown, where: string): number {
  const m = typeof text === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(text.trim()) : null;
  if (!m) throw new HoursError(`${where}: expected a time like "22:00", got ${JSON.stringify(text)}`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  // "24:00" is allowed as the end of a day
  if (h > 24 || min > 59 || (h === 24 && min !== 0)) throw new HoursError(`${where}: no such time ${JSON.stringify(text)}`);
  return h * 60 + min;
}

function parseDays(days: unknown, where: string): number[] | null {
  if (days === undefined || days === null) return null;
  if (!Array.isArray(days) || days.length === 0) throw new HoursError(`${where}: days must be a non-empty list of 1..7 or mon..sun`);
  return days.map((d) => {
    if (typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 7) return d;
    const i = typeof d === 'string' ? DAY_NAMES.indexOf(d.trim().toLowerCase().slice(0, 3)) : -1;
    if (i < 0) throw new HoursError(`${where}: unknown day ${JSON.stringify(d)} (1..7 or mon..sun)`);
    return i + 1;
  });
}

function parseWindow(value: unknown, where: string): HoursWindow[] {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((part, i) => {
        const [a, b, ...rest] = part.split('-');
        if (b === undefined || rest.length) throw new HoursError(`${where}[${i}]: expected "HH:MM-HH:MM", got ${JSON.stringify(part)}`);
        return { from: parseClock(a, where), to: parseClock(b, where) % 1440, days: null };
      });
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    return [{ from: parseClock(o.from, `${where}.from`), to: parseClock(o.to, `${where}.to`) % 1440, days: parseDays(o.days, `${where}.days`) }];
  }
  throw new HoursError(`${where}: expected "HH:MM-HH:MM" or {from, to, days?}, got ${JSON.stringify(value)}`);
}

/** Parses any accepted form; throws HoursError naming what is wrong. */
export function parseHours(value: unknown, where = 'hours'): ActiveHours {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'always' || v === '24h' || v === '') return null;
    if (v === 'never') return [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => parseWindow(v, `${where}[${i}]`));
  return parseWindow(value, where);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    } catch {
      // an unknown zone name must not silence a rule: fall back to UTC (the config endpoint shows the zone)
      f = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  /** ISO weekday, 1 = Monday */
  weekday: number;
  /** minutes after local midnight */
  minutes: number;
}

/**
 * The last answer per zone, by minute: Intl formatting is the costliest step of a rule, and events
 * come in time order, so most lookups hit. Exact, since zone offsets are whole minutes.
 */
const lastMinute = new Map<string, { minute: number; value: LocalTime }>();

/** Wall-clock time in a time zone. */
export function localTime(t: number, timeZone: string): LocalTime {
  const minute = Math.floor(t / 60_000);
  const hit = lastMinute.get(timeZone);
  if (hit && hit.minute === minute) return hit.value;
  const value = formatLocal(t, timeZone);
  lastMinute.set(timeZone, { minute, value });
  return value;
}

function formatLocal(t: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(t)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: DAY_NAMES.indexOf(parts.weekday.toLowerCase().slice(0, 3)) + 1,
    minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute),
  };
}

/** `YYYY-MM` of t in the time zone (report months). */
export function localMonth(t: number, timeZone: string): string {
  const l = localTime(t, timeZone);
  return `${l.year}-${String(l.month).padStart(2, '0')}`;
}

const previousDay = (weekday: number) => (weekday === 1 ? 7 : weekday - 1);

/** Whether the hours are active at t (epoch ms) in the time zone. */
export function isActive(hours: ActiveHours, t: number, timeZone: string): boolean {
  if (hours === null) return true;
  if (!hours.length) return false;
  const { weekday, minutes } = localTime(t, timeZone);
  const startsOn = (w: HoursWindow, day: number) => w.days === null || w.days.includes(day);
  for (const w of hours) {
    if (w.from < w.to) {
      if (startsOn(w, weekday) && minutes >= w.from && minutes < w.to) return true;
    } else {
      // wraps past midnight (or from == to: a full 24 hours from `from`)
      if (startsOn(w, weekday) && minutes >= w.from) return true;
      if (startsOn(w, previousDay(weekday)) && minutes < w.to) return true;
    }
  }
  return false;
}

/** Back to the compact text form, for the configuration endpoint. */
export function formatHours(hours: ActiveHours): string {
  if (hours === null) return 'always';
  if (!hours.length) return 'never';
  const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return hours.map((w) => `${clock(w.from)}-${clock(w.to)}${w.days ? ` (${w.days.map((d) => DAY_NAMES[d - 1]).join(',')})` : ''}`).join(', ');
}
