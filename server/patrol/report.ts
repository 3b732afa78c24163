// The patrol report (巡更台账 summary) per day, route and guard: completion, and what was late or
// missed. Pure: tours in, rows out; CSV for the spreadsheet the inspection asks for.
import type { PatrolReport, ReportItem, ReportRow, StopOutcome, TourView } from '../../protocol/patrol.ts';
import { localMinute } from './schedule.ts';

const OUTCOMES: readonly StopOutcome[] = ['on_time', 'late', 'early', 'missed', 'out_of_order'];

/** Tours still running count what is settled so far: pending checkpoints are neither done nor missed yet. */
export function buildReport(estate: string, from: string, to: string, timeZone: string, tours: readonly TourView[]): PatrolReport {
  const rows = new Map<string, ReportRow>();
  const exceptions: PatrolReport['exceptions'] = [];
  for (const tour of tours) {
    if (tour.state === 'cancelled') continue;
    const guard = tour.guard ?? '';
    const key = `${tour.day}\u0000${tour.route}\u0000${guard}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        day: tour.day, route: tour.route, routeName: tour.routeNameZh === tour.routeName ? tour.routeName : `${tour.routeNameZh} ${tour.routeName}`, guard,
        tours: 0, planned: 0, visited: 0, on_time: 0, late: 0, early: 0, missed: 0, out_of_order: 0, completionPct: 0, lateList: [], missedList: [],
      };
      rows.set(key, row);
    }
    row.tours++;
    for (const stop of tour.stops) {
      row.planned++;
      if (stop.status === 'pending') continue;
      row[stop.status]++;
      if (stop.status !== 'missed') row.visited++;
      if (stop.status === 'on_time') continue;
      const item: ReportItem = { tour: tour.id, checkpoint: stop.checkpoint, name: stop.name, plannedAt: stop.plannedAt, scannedAt: stop.scan?.ts ?? null, status: stop.status };
      if (stop.status === 'late') row.lateList.push(item);
      if (stop.status === 'missed') row.missedList.push(item);
      exceptions.push({ ...item, day: tour.day, route: tour.route, guard });
    }
  }
  const out = [...rows.values()].sort((a, b) => cmp(a.day, b.day) || cmp(a.route, b.route) || cmp(a.guard, b.guard));
  for (const row of out) row.completionPct = row.planned ? Math.round((row.visited / row.planned) * 1000) / 10 : 0;
  exceptions.sort((a, b) => a.plannedAt - b.plannedAt || cmp(a.checkpoint, b.checkpoint));
  return { estate, from, to, timeZone, rows: out, exceptions };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formula-looking text is defused. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  // a cell starting with = + - @ is a formula to a spreadsheet: guard ids and notes come from devices
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (fields: Array<string | number | null>) => fields.map(csvField).join(',');

function itemText(item: ReportItem, timeZone: string): string {
  const planned = localMinute(item.plannedAt, timeZone).slice(11);
  if (item.scannedAt === null) return `${item.checkpoint} ${planned}`;
  const minutes = Math.round((item.scannedAt - item.plannedAt) / 60_000);
  return `${item.checkpoint} ${planned} (${minutes >= 0 ? '+' : ''}${minutes} min)`;
}

/** With a UTF-8 byte-order mark: spreadsheet programs then read the Chinese names right. */
export function reportCsv(report: PatrolReport, part: 'summary' | 'exceptions'): string {
  const tz = report.timeZone;
  const lines: string[] = [];
  if (part === 'summary') {
    lines.push(line(['day', 'route', 'route_name', 'guard', 'tours', 'planned', 'visited', 'completion_pct', ...OUTCOMES, 'late_list', 'missed_list']));
    for (const r of report.rows) {
      lines.push(line([
        r.day, r.route, r.routeName, r.guard, r.tours, r.planned, r.visited, r.completionPct, ...OUTCOMES.map((o) => r[o]),
        r.lateList.map((i) => itemText(i, tz)).join('; '), r.missedList.map((i) => itemText(i, tz)).join('; '),
      ]));
    }
  } else {
    lines.push(line(['day', 'route', 'guard', 'tour', 'checkpoint', 'checkpoint_name', 'status', 'planned', 'scanned', 'minutes_off']));
    for (const e of report.exceptions) {
      lines.push(line([
        e.day, e.route, e.guard, e.tour, e.checkpoint, e.name, e.status,
        localMinute(e.plannedAt, tz).replace('T', ' '),
        e.scannedAt === null ? null : localMinute(e.scannedAt, tz).replace('T', ' '),
        e.scannedAt === null ? null : Math.round((e.scannedAt - e.plannedAt) / 60_000),
      ]));
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
