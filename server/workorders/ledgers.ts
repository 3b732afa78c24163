// The problem ledger (问题台账), the rectification ledger (整改台账) and the monthly 54321 report,
// computed from stored orders (on-time is computed from the measured times, never typed), and the
// one export both ledgers and the report use: CSV with a BOM (Excel opens UTF-8 Chinese right) or
// XLSX written by exceljs.
import ExcelJS from 'exceljs';
import {
  RATINGS,
  SLA_TIERS,
  withinPledge,
  type ProblemLedgerRow,
  type RectificationLedgerRow,
  type SlaTier,
  type WorkOrder,
  type WorkOrderReport,
  type WorkOrderReportRow,
} from '../../protocol/index.ts';
import { localMonth } from '../alerts/hours.ts';
import { percentile } from '../alerts/report.ts';
import type { ReportRowData } from './store.ts';

export function problemRow(o: WorkOrder): ProblemLedgerRow {
  const done = o.fixMs !== undefined;
  const measured = o.tier === 'special' ? (o.planMs ?? o.fixMs) : o.fixMs;
  return {
    id: o.id,
    openedAt: o.openedAt,
    source: o.source,
    category: o.category,
    tier: o.tier,
    building: o.building ?? null,
    department: o.department,
    team: o.team ?? null,
    assignee: o.assignee ?? null,
    deadline: o.fixDue,
    status: o.status,
    resolvedAt: o.resolvedAt ?? null,
    fixMinutes: done ? Math.round(o.fixMs! / 600) / 100 : null,
    onTime: measured === undefined ? null : withinPledge('fix', o.tier, measured),
    rating: o.rating?.score ?? null,
    description: o.description,
  };
}

export function rectificationRow(o: WorkOrder): RectificationLedgerRow {
  return {
    id: o.id,
    openedAt: o.openedAt,
    category: o.category,
    tier: o.tier,
    building: o.building ?? null,
    problem: o.description,
    department: o.plan?.department ?? o.department,
    measures: o.plan?.measures ?? null,
    deadline: o.plan?.deadline ?? o.fixDue,
    status: o.status,
    checkResult: o.check?.result ?? null,
    checkedAt: o.check?.at ?? null,
    checkedBy: o.check?.by ?? null,
  };
}

// ---- the monthly report ----

/**
 * The instants local months start, found once per month (the month only changes at a local
 * midnight, and every zone's offset is a multiple of 15 minutes): hourly steps across the UTC day
 * of the 1st, then quarter hours. Rows are then bucketed by a comparison, not an Intl call each
 * (Intl per row cost ~25 µs: 220 ms for one month of an estate-year).
 */
function monthOf(timeZone: string, from: string, to: string): (t: number) => string {
  const [fy, fm] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  const starts: Array<{ at: number; month: string }> = [];
  const count = (ty - fy) * 12 + (tm - fm) + 2; // from … to, and the month after (its start ends `to`)
  for (let k = 0; k < count; k++) {
    const y = fy + Math.floor((fm - 1 + k) / 12);
    const m = ((fm - 1 + k) % 12) + 1;
    const month = `${y}-${String(m).padStart(2, '0')}`;
    const base = Date.UTC(y, m - 1, 1);
    let t = base - 15 * 3600_000;
    while (localMonth(t, timeZone) !== month && t < base + 15 * 3600_000) t += 3600_000;
    let start = t;
    for (let q = t - 3 * 900_000; q < t; q += 900_000) {
      if (localMonth(q, timeZone) === month) {
        start = q;
        break;
      }
    }
    starts.push({ at: start, month });
  }
  return (t) => {
    let month = '0000-00';
    for (const s of starts) if (t >= s.at) month = s.month;
    return month;
  };
}

export function monthlyReport(rows: Iterable<ReportRowData>, estate: string, timeZone: string, from: string, to: string): WorkOrderReport {
  const monthAt = monthOf(timeZone, from, to);
  type Acc = { row: WorkOrderReportRow; onSite: number[]; fix: number[] };
  const groups = new Map<string, Acc>();
  for (const r of rows) {
    const month = monthAt(r.opened_at);
    if (month < from || month > to) continue;
    const key = `${month}\u0000${r.tier}\u0000${r.category}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        row: {
          month, tier: r.tier as SlaTier, category: r.category, orders: 0, resolved: 0, cancelled: 0, onSite: 0, onSiteInTime: 0, onSiteRate: null,
          fixedInTime: 0, fixRate: null, onSiteMedianSec: null, onSiteP90Sec: null, fixMedianSec: null, fixP90Sec: null, pausedSec: 0,
          reopened: 0, rated: 0, satisfied: 0, basic: 0, unsatisfied: 0, satisfaction: null,
        },
        onSite: [],
        fix: [],
      };
      groups.set(key, g);
    }
    const row = g.row;
    const tier = r.tier as SlaTier;
    row.orders++;
    if (r.status === 'cancelled') row.cancelled++;
    if (r.reopen_count > 0) row.reopened++;
    if (r.on_site_ms !== null) {
      row.onSite++;
      if (withinPledge('on_site', tier, r.on_site_ms)) row.onSiteInTime++;
      g.onSite.push(r.on_site_ms / 1000);
    }
    // special: the plan within a day is the pledge; the others: the fix
    const measured = tier === 'special' ? (r.plan_ms ?? r.fix_ms) : r.fix_ms;
    if (r.fix_ms !== null) {
      row.resolved++;
      row.pausedSec += Math.round(r.paused_ms / 1000);
      g.fix.push(r.fix_ms / 1000);
    }
    if (measured !== null && withinPledge('fix', tier, measured)) row.fixedInTime++;
    if (r.rating !== null && (RATINGS as readonly string[]).includes(r.rating)) {
      row.rated++;
      row[r.rating as 'satisfied' | 'basic' | 'unsatisfied']++;
    }
  }
  const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : null);
  const out = [...groups.values()].map(({ row, onSite, fix }) => ({
    ...row,
    onSiteRate: ratio(row.onSiteInTime, row.onSite),
    fixRate: ratio(row.fixedInTime, row.resolved),
    onSiteMedianSec: percentile(onSite, 50),
    onSiteP90Sec: percentile(onSite, 90),
    fixMedianSec: percentile(fix, 50),
    fixP90Sec: percentile(fix, 90),
    satisfaction: ratio(row.satisfied + row.basic, row.rated),
  }));
  out.sort((a, b) => (a.month !== b.month ? (a.month < b.month ? -1 : 1) : a.tier !== b.tier ? SLA_TIERS.indexOf(a.tier) - SLA_TIERS.indexOf(b.tier) : a.category < b.category ? -1 : 1));
  return { estate, timezone: timeZone, from, to, rows: out };
}

// ---- one export for every table ----

export interface Column<Row> {
  key: keyof Row & string;
  header: string;
  /** cell text/number; default: the value, times as local ISO text */
  cell?: (row: Row) => string | number | boolean | null;
}

export type ExportFormat = 'csv' | 'xlsx';

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // formula injection: a cell starting with = + - @ is text, not a formula, in Excel
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function localTime(ms: number | null, timeZone: string): string | null {
  if (ms === null) return null;
  return new Date(ms).toLocaleString('sv-SE', { timeZone, hour12: false }).replace(' ', 'T');
}

export async function exportTable<Row>(columns: Column<Row>[], rows: Row[], format: ExportFormat, sheet: string): Promise<{ body: Buffer; type: string; ext: string }> {
  const value = (c: Column<Row>, r: Row) => (c.cell ? c.cell(r) : (r[c.key] as unknown as string | number | boolean | null));
  if (format === 'csv') {
    const lines = [columns.map((c) => csvCell(c.header)).join(',')];
    for (const r of rows) lines.push(columns.map((c) => csvCell(value(c, r))).join(','));
    return { body: Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8'), type: 'text/csv; charset=utf-8', ext: 'csv' };
  }
  const book = new ExcelJS.Workbook();
  book.creator = 'Smart Estate';
  const ws = book.addWorksheet(sheet);
  ws.columns = columns.map((c) => ({ header: c.header, key: c.key, width: Math.max(10, Math.min(40, c.header.length + 4)) }));
  ws.getRow(1).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  for (const r of rows) ws.addRow(columns.map((c) => value(c, r) ?? null));
  const body = Buffer.from(await book.xlsx.writeBuffer());
  return { body, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' };
}

export function problemColumns(tz: string): Column<ProblemLedgerRow>[] {
  const t = (k: 'openedAt' | 'deadline' | 'resolvedAt') => (r: ProblemLedgerRow) => localTime(r[k], tz);
  return [
    { key: 'id', header: '编号 ID' },
    { key: 'openedAt', header: '登记时间 Opened', cell: t('openedAt') },
    { key: 'source', header: '来源 Source' },
    { key: 'category', header: '类别 Category' },
    { key: 'tier', header: '54321 等级 Tier' },
    { key: 'building', header: '楼栋 Building' },
    { key: 'department', header: '责任部门 Department' },
    { key: 'team', header: '班组 Team' },
    { key: 'assignee', header: '处理人 Assignee' },
    { key: 'deadline', header: '时限 Deadline', cell: t('deadline') },
    { key: 'status', header: '状态 Status' },
    { key: 'resolvedAt', header: '办结时间 Resolved', cell: t('resolvedAt') },
    { key: 'fixMinutes', header: '用时(分钟,不含挂起) Minutes' },
    { key: 'onTime', header: '按时 On time', cell: (r) => (r.onTime === null ? null : r.onTime ? '是 yes' : '否 no') },
    { key: 'rating', header: '满意度 Rating' },
    { key: 'description', header: '问题描述 Problem' },
  ];
}

export function rectificationColumns(tz: string): Column<RectificationLedgerRow>[] {
  const t = (k: 'openedAt' | 'deadline' | 'checkedAt') => (r: RectificationLedgerRow) => localTime(r[k], tz);
  return [
    { key: 'id', header: '编号 ID' },
    { key: 'openedAt', header: '发现时间 Found', cell: t('openedAt') },
    { key: 'category', header: '类别 Category' },
    { key: 'tier', header: '54321 等级 Tier' },
    { key: 'building', header: '楼栋 Building' },
    { key: 'problem', header: '问题 Problem' },
    { key: 'department', header: '责任部门 Owner department' },
    { key: 'measures', header: '整改措施 Measures' },
    { key: 'deadline', header: '整改时限 Deadline', cell: t('deadline') },
    { key: 'status', header: '状态 Status' },
    { key: 'checkResult', header: '验收结果 Check' },
    { key: 'checkedAt', header: '验收时间 Checked', cell: t('checkedAt') },
    { key: 'checkedBy', header: '验收人 Checked by' },
  ];
}

export const REPORT_COLUMNS: Column<WorkOrderReportRow>[] = (
  ['month', 'tier', 'category', 'orders', 'resolved', 'cancelled', 'onSite', 'onSiteInTime', 'onSiteRate', 'fixedInTime', 'fixRate', 'onSiteMedianSec', 'onSiteP90Sec', 'fixMedianSec', 'fixP90Sec', 'pausedSec', 'reopened', 'rated', 'satisfied', 'basic', 'unsatisfied', 'satisfaction'] as const
).map((key) => ({ key, header: key }));
