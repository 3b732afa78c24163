// The response-time report (54321 台账): per month (the estate's time zone) and tier, how many alerts,
// how fast a guard was on site and how fast they were fixed, against the pledge. Incident members are
// counted through their incident (one storm is one response, not fifty). Pure; JSON and CSV.
import { ALERT_TIERS, withinPledge, type Alert, type ResponseReport, type ResponseReportRow } from '../../protocol/index.ts';
import { localMonth } from './hours.ts';

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Nearest-rank percentile of seconds; null for no data. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return Math.round(sorted[rank - 1]);
}

export function responseReport(alerts: Iterable<Alert>, estate: string, timeZone: string, from: string, to: string): ResponseReport {
  const groups = new Map<string, { row: ResponseReportRow; onSite: number[]; fix: number[]; ack: number[] }>();
  for (const a of alerts) {
    if (a.incident !== undefined) continue;
    const month = localMonth(a.openedAt, timeZone);
    if (month < from || month > to) continue;
    const key = `${month} ${a.tier}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        row: {
          month, tier: a.tier, alerts: 0, resolved: 0, autoCleared: 0, onSite: 0, onSiteInTime: 0, onSiteMedianSec: null, onSiteP90Sec: null,
          fixedInTime: 0, fixMedianSec: null, fixP90Sec: null, ackMedianSec: null, escalated: 0,
        },
        onSite: [],
        fix: [],
        ack: [],
      };
      groups.set(key, g);
    }
    const { row } = g;
    row.alerts++;
    if (a.escalation > 0) row.escalated++;
    if (a.onSiteAt !== undefined) {
      row.onSite++;
      const s = a.onSiteAt - a.openedAt;
      if (withinPledge('on_site', a.tier, s)) row.onSiteInTime++;
      g.onSite.push(s / 1000);
    }
    if (a.acknowledgedAt !== undefined) g.ack.push((a.acknowledgedAt - a.openedAt) / 1000);
    if (a.status === 'resolved' && a.resolvedAt !== undefined) {
      if (a.resolution === 'auto_cleared') row.autoCleared++;
      else {
        row.resolved++;
        const s = a.resolvedAt - a.openedAt;
        if (withinPledge('fix', a.tier, s)) row.fixedInTime++;
        g.fix.push(s / 1000);
      }
    }
  }
  const rows = [...groups.values()].map(({ row, onSite, fix, ack }) => ({
    ...row,
    onSiteMedianSec: percentile(onSite, 50),
    onSiteP90Sec: percentile(onSite, 90),
    fixMedianSec: percentile(fix, 50),
    fixP90Sec: percentile(fix, 90),
    ackMedianSec: percentile(ack, 50),
  }));
  rows.sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : ALERT_TIERS.indexOf(a.tier) - ALERT_TIERS.indexOf(b.tier)));
  return { estate, timezone: timeZone, from, to, rows };
}

const COLUMNS: Array<keyof ResponseReportRow> = [
  'month', 'tier', 'alerts', 'resolved', 'autoCleared', 'onSite', 'onSiteInTime', 'onSiteMedianSec', 'onSiteP90Sec',
  'fixedInTime', 'fixMedianSec', 'fixP90Sec', 'ackMedianSec', 'escalated',
];

/** RFC 4180 CSV with a header row; empty cells for "no data". */
export function reportCsv(report: ResponseReport): string {
  const lines = [COLUMNS.join(',')];
  for (const row of report.rows) lines.push(COLUMNS.map((c) => (row[c] === null ? '' : String(row[c]))).join(','));
  return lines.join('\r\n') + '\r\n';
}
