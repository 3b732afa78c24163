// The audit log: one append-only table of every change a person or the CLI makes (devices, users,
// imports, vehicle lists, patrol routes, alert and work-order actions). Capabilities write to it
// through `recordAudit`; nothing ever updates or deletes a row. A summary never holds a secret
// (no tokens, no passwords): callers pass what changed, not the credentials they issued.
import type { Db } from '../store/db.ts';
import { userInfo } from 'node:os';
import { prepared } from '../store/statements.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,              -- epoch ms
  actor TEXT NOT NULL,              -- user name, 'cli:<os user>', 'resident', 'system'
  source TEXT,                      -- client address (HTTP/MQTT) or 'cli'
  action TEXT NOT NULL,             -- dotted verb: device.add, user.role, alert.ack, workorder.dispatch …
  estate TEXT,                      -- the estate it concerns, when one
  target TEXT,                      -- what it changed: a device id, a user name, an order id …
  summary TEXT                      -- JSON: what changed (never a secret)
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_estate_at ON audit_log (estate, at);
-- append-only, kept by the database too
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`;

export interface AuditEntry {
  actor: string;
  source?: string | null;
  action: string;
  estate?: string | null;
  target?: string | null;
  summary?: unknown;
  /** default: now */
  at?: number;
}

export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  source: string | null;
  action: string;
  estate: string | null;
  target: string | null;
  summary: unknown;
}

export function ensureAuditSchema(db: Db): void {
  db.exec(SCHEMA);
}

/** Appends one entry; call it inside the transaction that makes the change, so both land or neither. */
export function recordAudit(db: Db, e: AuditEntry): number {
  const r = prepared(
    db,
    'INSERT INTO audit_log (at, actor, source, action, estate, target, summary) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(e.at ?? Date.now(), e.actor, e.source ?? null, e.action, e.estate ?? null, e.target ?? null, e.summary === undefined ? null : JSON.stringify(e.summary));
  return Number(r.lastInsertRowid);
}

export interface AuditQuery {
  estate?: string;
  /** the estates the reader may see; undefined = all */
  estates?: string[];
  actor?: string;
  /** an action or a prefix ending in '.', e.g. 'device.' */
  action?: string;
  target?: string;
  from?: number;
  to?: number;
  /** rows with seq below this (paging backwards, newest first) */
  before?: number;
  limit?: number;
}

/** Newest first. */
export function queryAudit(db: Db, q: AuditQuery = {}): AuditRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.estate !== undefined) (where.push('estate = ?'), args.push(q.estate));
  if (q.estates !== undefined) {
    if (q.estates.length === 0) return [];
    where.push(`estate IN (${q.estates.map(() => '?').join(',')})`);
    args.push(...q.estates);
  }
  if (q.actor !== undefined) (where.push('actor = ?'), args.push(q.actor));
  if (q.action !== undefined) {
    if (q.action.endsWith('.')) (where.push('substr(action, 1, ?) = ?'), args.push(q.action.length, q.action));
    else (where.push('action = ?'), args.push(q.action));
  }
  if (q.target !== undefined) (where.push('target = ?'), args.push(q.target));
  if (q.from !== undefined) (where.push('at >= ?'), args.push(q.from));
  if (q.to !== undefined) (where.push('at < ?'), args.push(q.to));
  if (q.before !== undefined) (where.push('seq < ?'), args.push(q.before));
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 10_000);
  const rows = db
    .prepare(`SELECT seq, at, actor, source, action, estate, target, summary FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`)
    .all(...args) as (Omit<AuditRow, 'summary'> & { summary: string | null })[];
  return rows.map((r) => ({ ...r, summary: r.summary === null ? null : JSON.parse(r.summary) }));
}

/** Who the audit log names for a change made with the `smart-estate` CLI: `cli:<os user>`. */
export function cliActor(): string {
  let name = process.env.USER ?? 'unknown';
  try {
    name = userInfo().username;
  } catch {
    /* no passwd entry (containers): keep $USER */
  }
  return `cli:${name}`;
}
