// The audit log as CSV for a spreadsheet: a BOM so Excel reads UTF-8 (Chinese names), CRLF rows,
// RFC 4180 quoting, and a leading ' on cells a spreadsheet would run as a formula (=, +, -, @),
// because actors and summaries come from what people typed.
import type { AuditRow } from './log.ts';

const HEADER = ['seq', 'at', 'actor', 'source', 'action', 'estate', 'target', 'summary'];

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function auditCsv(rows: readonly AuditRow[]): string {
  const lines = [HEADER.join(',')];
  for (const r of rows) {
    lines.push([r.seq, new Date(r.at).toISOString(), r.actor, r.source, r.action, r.estate, r.target, r.summary === null ? null : JSON.stringify(r.summary)].map(cell).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
