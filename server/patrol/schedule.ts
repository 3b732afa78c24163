// Schedules → tours, in the estate's time zone. Pure: wall-clock arithmetic through Intl (no
// library), so "every 2 h from 22:00 to 06:00 in Asia/Shanghai" means the same on any server.
import type { PatrolRoute, PatrolScheduleSpec } from '../../protocol/patrol.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface PlannedStop {
  checkpoint: string;
  plannedAt: number;
  deadline: number;
}

/** A tour as generated: a snapshot of the route at the time, so later route edits never rewrite history. */
export interface TourPlan {
  id: string;
  estate: string;
  route: string;
  schedule: string;
  day: string;
  start: number;
  opens: number;
  closes: number;
  /** assigned guard; null = claimed by the first guard who checks in */
  guard: string | null;
  toleranceMs: number;
  stops: PlannedStop[];
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formats.set(timeZone, f);
  }
  return f;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of format(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export function zoneOffset(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole;
}

/** The instant of a wall-clock time on a local date. A time skipped by a DST jump lands after the jump. */
export function zonedTime(date: string, hhmm: string, timeZone: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = hhmm.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const first = wall - zoneOffset(wall, timeZone);
  const second = wall - zoneOffset(first, timeZone);
  return second === first ? first : Math.max(first, second);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD of an instant in the zone. */
export function localDate(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** YYYY-MM-DDTHH:MM of an instant in the zone (tour ids, CSV). */
export function localMinute(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Start times of one schedule's window that opens on `day`: from `start`, every `everyMin`, while
 * before `end`. An end at or before the start runs past midnight into the next day (22:00–06:00 gives
 * 22:00, 00:00, 02:00, 04:00); end = start is a whole day.
 */
export function scheduleStarts(s: Pick<PatrolScheduleSpec, 'start' | 'end' | 'everyMin'>, day: string, timeZone: string): number[] {
  const from = zonedTime(day, s.start, timeZone);
  const span = (minutesOf(s.end) - minutesOf(s.start) + 1440) % 1440 || 1440;
  const out: number[] = [];
  // Added in elapsed minutes from the window start: on a DST night the tours stay evenly spaced.
  for (let m = 0; m < span; m += s.everyMin) out.push(from + m * MINUTE);
  return out;
}

/** The tour a route's schedule starts at `start`, planned from the route as it is now. */
export function planTour(route: Pick<PatrolRoute, 'estate' | 'id' | 'stops' | 'toleranceMin' | 'graceMin'>, schedule: Pick<PatrolScheduleSpec, 'id' | 'guard'>, day: string, start: number, timeZone: string): TourPlan {
  const tol = route.toleranceMin * MINUTE;
  const grace = route.graceMin * MINUTE;
  let at = start;
  const stops = route.stops.map((s) => {
    at += s.afterMin * MINUTE;
    return { checkpoint: s.checkpoint, plannedAt: at, deadline: at + tol + grace };
  });
  return {
    id: `${route.id}@${localMinute(start, timeZone)}`,
    estate: route.estate,
    route: route.id,
    schedule: schedule.id,
    day,
    start,
    opens: start - tol,
    closes: Math.max(...stops.map((s) => s.deadline)),
    guard: schedule.guard ?? null,
    toleranceMs: tol,
    stops,
  };
}

/** How long one tour of the route is open for check-ins (opens → closes). */
export function tourSpanMs(route: Pick<PatrolRoute, 'stops' | 'toleranceMin' | 'graceMin'>): number {
  const total = route.stops.reduce((sum, s) => sum + s.afterMin, 0);
  return (total + 2 * route.toleranceMin + route.graceMin) * MINUTE;
}

/** Every tour of an active route whose window closes after `from` and that starts before `to`, by start. */
export function plannedTours(route: PatrolRoute, timeZone: string, from: number, to: number): TourPlan[] {
  if (!route.active) return [];
  const out = new Map<string, TourPlan>();
  // a window that opened the evening before may still be running; spans are at most a day
  for (let day = addDays(localDate(from, timeZone), -2); ; day = addDays(day, 1)) {
    const dayStart = zonedTime(day, '00:00', timeZone);
    if (dayStart >= to) break;
    for (const schedule of route.schedules) {
      for (const start of scheduleStarts(schedule, day, timeZone)) {
        if (start >= to) continue;
        const plan = planTour(route, schedule, day, start, timeZone);
        if (plan.closes <= from || plan.closes <= route.since) continue;
        if (!out.has(plan.id)) out.set(plan.id, plan);
      }
    }
  }
  return [...out.values()].sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}

/**
 * Tours of one route must not overlap, or one check-in would count twice. Checked over two days of
 * every schedule; returns the first clash as a sentence, or null.
 */
export function overlapError(route: Pick<PatrolRoute, 'estate' | 'id' | 'stops' | 'toleranceMin' | 'graceMin' | 'schedules'>, timeZone: string): string | null {
  const span = tourSpanMs(route);
  if (span > DAY) return `one tour is open for ${Math.round(span / MINUTE)} min: a tour must fit in 24 h (shorten the intervals or the grace)`;
  const starts: Array<{ at: number; schedule: string }> = [];
  for (const day of ['2026-01-05', '2026-01-06', '2026-01-07']) {
    for (const s of route.schedules) for (const at of scheduleStarts(s, day, timeZone)) starts.push({ at, schedule: s.id });
  }
  starts.sort((a, b) => a.at - b.at);
  for (let i = 1; i < starts.length; i++) {
    const [a, b] = [starts[i - 1], starts[i]];
    if (b.at - a.at < span) {
      const gap = Math.round((b.at - a.at) / MINUTE);
      return `tours overlap: schedule '${b.schedule}' starts ${gap} min after a tour of '${a.schedule}', but one tour is open for ${Math.round(span / MINUTE)} min (intervals + 2 × tolerance + grace)`;
    }
  }
  return null;
}
