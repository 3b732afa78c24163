// Work-order state in SQLite (the module's own tables, created here): orders (whole as JSON plus the
// columns filters, ledgers and the monthly report read), their timeline (like alert_log), the
// estate configuration, and the handheld actions already applied (exactly once by action id).
import { isWorkOrderDone, type WorkOrder, type WorkOrderConfig, type WorkOrderLogEntry, type WorkOrderStatus } from '../../protocol/index.ts';
import { recordAudit, type AuditEntry } from '../audit/log.ts';
import { addColumn, type Db } from '../store/db.ts';
import { defaultConfig } from './config.ts';
import { dueOf } from './lifecycle.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS workorders (
  id INTEGER PRIMARY KEY,
  estate TEXT NOT NULL,
  source TEXT NOT NULL,
  category TEXT NOT NULL,
  tier TEXT NOT NULL,
  status TEXT NOT NULL,
  done INTEGER NOT NULL,             -- resolved, closed or cancelled
  building TEXT,
  team TEXT,
  assignee TEXT,
  department TEXT NOT NULL,
  due INTEGER,                       -- the deadline it races now; NULL when done
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  resolved_at INTEGER,
  on_site_ms INTEGER,                -- measured on the 54321 clock, pauses excluded
  fix_ms INTEGER,
  plan_ms INTEGER,
  paused_ms INTEGER NOT NULL,
  rating TEXT,
  reopen_count INTEGER NOT NULL,
  needs_plan INTEGER NOT NULL,
  spam INTEGER NOT NULL,
  alert INTEGER,
  token_hash TEXT,                   -- SHA-256 of the resident's tracking token
  body TEXT NOT NULL                 -- JSON WorkOrder
);
CREATE INDEX IF NOT EXISTS workorders_estate_opened ON workorders (estate, opened_at);
-- ledgers and lists leave spam out: counting and paging then stay inside this index
CREATE INDEX IF NOT EXISTS workorders_estate_spam_opened ON workorders (estate, spam, opened_at);
-- the monthly report reads only this index (no table pages, whose JSON bodies are most of the file)
CREATE INDEX IF NOT EXISTS workorders_report ON workorders (estate, spam, opened_at, tier, category, status, on_site_ms, fix_ms, plan_ms, paused_ms, rating, reopen_count);
CREATE INDEX IF NOT EXISTS workorders_open ON workorders (estate, due) WHERE done = 0;
CREATE INDEX IF NOT EXISTS workorders_plan ON workorders (estate, opened_at) WHERE needs_plan = 1;
CREATE UNIQUE INDEX IF NOT EXISTS workorders_token ON workorders (token_hash) WHERE token_hash IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS workorders_alert ON workorders (alert) WHERE alert IS NOT NULL;
CREATE TABLE IF NOT EXISTS workorder_log (
  seq INTEGER PRIMARY KEY,
  workorder INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  text TEXT,
  detail TEXT                        -- JSON
);
CREATE INDEX IF NOT EXISTS workorder_log_order ON workorder_log (workorder, seq);
CREATE TABLE IF NOT EXISTS workorder_config (
  estate TEXT PRIMARY KEY,
  config TEXT NOT NULL,              -- JSON WorkOrderConfig
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workorder_actions (
  device TEXT NOT NULL,
  action_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,            -- JSON HandheldActionResponse (the first answer, repeated to retries)
  PRIMARY KEY (device, action_id)
);
-- residents' receipts by client id, so a resend after a lost answer gets the same order (resend.ts)
CREATE TABLE IF NOT EXISTS workorder_resends (
  client_hash TEXT PRIMARY KEY,      -- SHA-256 of estate + the phone's client id
  workorder INTEGER NOT NULL,
  token_box TEXT NOT NULL,           -- the tracking token sealed with a key only the client id gives
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS workorder_resends_at ON workorder_resends (at);
`;

/** The module's tables (the CLI and the shared configuration's feed need them without a running module). */
export function ensureWorkOrderTables(db: Db): void {
  db.exec(SCHEMA);
}

export interface OrderFilter {
  status?: WorkOrderStatus[];
  /** not resolved, closed or cancelled */
  active?: boolean;
  category?: string[];
  tier?: string[];
  building?: string;
  /** a storey of `building` */
  floor?: number;
  team?: string;
  assignee?: string;
  source?: string[];
  department?: string;
  /** due before this time (overdue = now) and not paused */
  dueBefore?: number;
  spam?: boolean;
  needsPlan?: boolean;
  since?: number;
  until?: number;
  sort?: 'due' | 'newest';
}

export interface Saved {
  order: WorkOrder;
  log: WorkOrderLogEntry[];
}

export interface ReportRowData {
  opened_at: number;
  tier: string;
  category: string;
  status: string;
  on_site_ms: number | null;
  fix_ms: number | null;
  plan_ms: number | null;
  paused_ms: number;
  rating: string | null;
  reopen_count: number;
}

export class WorkOrderStore {
  private readonly upsert;
  private readonly insertLog;
  private readonly getOne;
  private readonly byToken;
  private readonly setToken;
  private readonly getAction;
  private readonly putAction;
  private readonly getResend;
  private readonly putResend;
  private readonly pruneResends;
  private lastId: number;

  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
    addColumn(db, 'workorders', 'floor', 'INTEGER'); // the storey of its building (house registry, docs/wallscreen.md)
    this.upsert = db.prepare(
      `INSERT INTO workorders (id, estate, source, category, tier, status, done, building, floor, team, assignee, department, due, opened_at, updated_at,
         resolved_at, on_site_ms, fix_ms, plan_ms, paused_ms, rating, reopen_count, needs_plan, spam, alert, body)
       VALUES (@id, @estate, @source, @category, @tier, @status, @done, @building, @floor, @team, @assignee, @department, @due, @openedAt, @updatedAt,
         @resolvedAt, @onSiteMs, @fixMs, @planMs, @pausedMs, @rating, @reopenCount, @needsPlan, @spam, @alert, @body)
       ON CONFLICT(id) DO UPDATE SET category = excluded.category, tier = excluded.tier, status = excluded.status, done = excluded.done,
         building = excluded.building, floor = excluded.floor, team = excluded.team, assignee = excluded.assignee, department = excluded.department, due = excluded.due,
         updated_at = excluded.updated_at, resolved_at = excluded.resolved_at, on_site_ms = excluded.on_site_ms, fix_ms = excluded.fix_ms,
         plan_ms = excluded.plan_ms, paused_ms = excluded.paused_ms, rating = excluded.rating, reopen_count = excluded.reopen_count,
         needs_plan = excluded.needs_plan, spam = excluded.spam, alert = excluded.alert, body = excluded.body`,
    );
    this.insertLog = db.prepare('INSERT INTO workorder_log (workorder, at, actor, action, text, detail) VALUES (?, ?, ?, ?, ?, ?)');
    this.getOne = db.prepare('SELECT body FROM workorders WHERE id = ?').pluck();
    this.byToken = db.prepare('SELECT body FROM workorders WHERE token_hash = ?').pluck();
    this.setToken = db.prepare('UPDATE workorders SET token_hash = ? WHERE id = ?');
    this.getAction = db.prepare('SELECT response FROM workorder_actions WHERE device = ? AND action_id = ?').pluck();
    this.putAction = db.prepare('INSERT INTO workorder_actions (device, action_id, at, status, response) VALUES (?, ?, ?, ?, ?)');
    this.getResend = db.prepare('SELECT workorder, token_box AS tokenBox FROM workorder_resends WHERE client_hash = ?');
    this.putResend = db.prepare('INSERT INTO workorder_resends (client_hash, workorder, token_box, at) VALUES (?, ?, ?, ?)');
    this.pruneResends = db.prepare('DELETE FROM workorder_resends WHERE at < ?');
    this.lastId = (db.prepare('SELECT max(id) FROM workorders').pluck().get() as number | null) ?? 0;
  }

  /** The receipt kept for a client id's hash, if the request was taken before. */
  resend(clientHash: string): { workorder: number; tokenBox: string } | undefined {
    return this.getResend.get(clientHash) as { workorder: number; tokenBox: string } | undefined;
  }

  /** Inside save's transaction: keep the receipt for resends, and forget those older than keepMs. */
  keepResend(clientHash: string, workorder: number, tokenBox: string, now: number, keepMs: number): void {
    this.putResend.run(clientHash, workorder, tokenBox, now);
    this.pruneResends.run(now - keepMs);
  }

  nextId(): number {
    return ++this.lastId;
  }

  /** Orders, their timeline entries and the audit entries in one transaction; `extra` runs inside it. */
  save(saved: readonly Saved[], audits: readonly AuditEntry[] = [], extra?: () => void): void {
    this.db.transaction(() => {
      const latest = new Map<number, WorkOrder>();
      for (const s of saved) latest.set(s.order.id, s.order);
      for (const o of latest.values()) this.writeOrder(o);
      for (const s of saved) for (const e of s.log) this.insertLog.run(s.order.id, e.at, e.actor, e.action, e.text ?? null, e.detail ? JSON.stringify(e.detail) : null);
      for (const a of audits) recordAudit(this.db, a);
      extra?.();
    })();
  }

  writeOrder(o: WorkOrder): void {
    this.upsert.run({
      id: o.id,
      estate: o.estate,
      source: o.source,
      category: o.category,
      tier: o.tier,
      status: o.status,
      done: isWorkOrderDone(o.status) ? 1 : 0,
      building: o.building ?? null,
      floor: o.floor ?? null,
      team: o.team ?? null,
      assignee: o.assignee ?? null,
      department: o.department,
      due: dueOf(o),
      openedAt: o.openedAt,
      updatedAt: o.updatedAt,
      resolvedAt: o.resolvedAt ?? null,
      onSiteMs: o.onSiteMs ?? null,
      fixMs: o.fixMs ?? null,
      planMs: o.planMs ?? null,
      pausedMs: o.pausedMs,
      rating: o.rating?.score ?? null,
      reopenCount: o.reopenCount,
      needsPlan: o.needsPlan ? 1 : 0,
      spam: o.spam ? 1 : 0,
      alert: o.alert ?? null,
      body: JSON.stringify(o),
    });
  }

  /** Inside save's transaction: the resident's token hash for a new order. */
  setTokenHash(id: number, hash: string): void {
    this.setToken.run(hash, id);
  }

  get(id: number): WorkOrder | undefined {
    const body = this.getOne.get(id) as string | undefined;
    return body ? (JSON.parse(body) as WorkOrder) : undefined;
  }

  getByTokenHash(hash: string): WorkOrder | undefined {
    const body = this.byToken.get(hash) as string | undefined;
    return body ? (JSON.parse(body) as WorkOrder) : undefined;
  }

  byAlert(alert: number): WorkOrder | undefined {
    const body = this.db.prepare('SELECT body FROM workorders WHERE alert = ?').pluck().get(alert) as string | undefined;
    return body ? (JSON.parse(body) as WorkOrder) : undefined;
  }

  loadOpen(): WorkOrder[] {
    return (this.db.prepare('SELECT body FROM workorders WHERE done = 0').pluck().all() as string[]).map((b) => JSON.parse(b) as WorkOrder);
  }

  log(id: number): WorkOrderLogEntry[] {
    const rows = this.db.prepare('SELECT at, actor, action, text, detail FROM workorder_log WHERE workorder = ? ORDER BY seq').all(id) as Array<{ at: number; actor: string; action: string; text: string | null; detail: string | null }>;
    return rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action as WorkOrderLogEntry['action'], ...(r.text !== null ? { text: r.text } : {}), ...(r.detail !== null ? { detail: JSON.parse(r.detail) } : {}) }));
  }

  private where(estate: string, f: OrderFilter): { sql: string; args: unknown[] } {
    const where = ['estate = ?'];
    const args: unknown[] = [estate];
    const inList = (col: string, values: readonly string[] | undefined) => {
      if (!values?.length) return;
      where.push(`${col} IN (${values.map(() => '?').join(',')})`);
      args.push(...values);
    };
    inList('status', f.status);
    inList('category', f.category);
    inList('tier', f.tier);
    inList('source', f.source);
    if (f.active) where.push('done = 0');
    for (const [col, v] of [['building', f.building], ['team', f.team], ['assignee', f.assignee], ['department', f.department]] as const) {
      if (v !== undefined) (where.push(`${col} = ?`), args.push(v));
    }
    if (f.floor !== undefined) (where.push('floor = ?'), args.push(f.floor));
    if (f.dueBefore !== undefined) (where.push("done = 0 AND status != 'paused' AND due <= ?"), args.push(f.dueBefore));
    if (f.spam !== undefined) (where.push('spam = ?'), args.push(f.spam ? 1 : 0));
    if (f.needsPlan) where.push('needs_plan = 1');
    if (f.since !== undefined) (where.push('opened_at >= ?'), args.push(f.since));
    if (f.until !== undefined) (where.push('opened_at < ?'), args.push(f.until));
    return { sql: where.join(' AND '), args };
  }

  list(estate: string, f: OrderFilter, limit: number, offset: number): { orders: WorkOrder[]; total: number } {
    const { sql, args } = this.where(estate, f);
    const order = f.sort === 'due' ? 'done, due IS NULL, due, id' : 'opened_at DESC, id DESC';
    const total = this.db.prepare(`SELECT count(*) FROM workorders WHERE ${sql}`).pluck().get(...args) as number;
    // page the ids first (index only), then read the bodies of the page: a deep offset skips index entries, not JSON
    const bodies = this.db
      .prepare(`SELECT body FROM workorders WHERE id IN (SELECT id FROM workorders WHERE ${sql} ORDER BY ${order} LIMIT ? OFFSET ?) ORDER BY ${order}`)
      .pluck()
      .all(...args, limit, offset) as string[];
    return { orders: bodies.map((b) => JSON.parse(b) as WorkOrder), total };
  }

  counts(estate: string): Array<{ status: string; n: number }> {
    return this.db.prepare('SELECT status, count(*) AS n FROM workorders WHERE estate = ? AND done = 0 GROUP BY status').all(estate) as Array<{ status: string; n: number }>;
  }

  reportRows(estate: string, from: number, to: number): ReportRowData[] {
    return this.db
      .prepare('SELECT opened_at, tier, category, status, on_site_ms, fix_ms, plan_ms, paused_ms, rating, reopen_count FROM workorders WHERE estate = ? AND opened_at >= ? AND opened_at < ? AND spam = 0')
      .all(estate, from, to) as ReportRowData[];
  }

  // ---- configuration ----

  config(estate: string): WorkOrderConfig {
    const row = this.db.prepare('SELECT config FROM workorder_config WHERE estate = ?').pluck().get(estate) as string | undefined;
    return row ? { ...defaultConfig(estate), ...JSON.parse(row), estate } : defaultConfig(estate);
  }

  setConfig(config: WorkOrderConfig, by: string, now: number, audit: AuditEntry): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO workorder_config (estate, config, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT(estate) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at, updated_by = excluded.updated_by')
        .run(config.estate, JSON.stringify(config), now, by);
      recordAudit(this.db, audit);
    })();
  }

  // ---- handheld actions: exactly once ----

  action(device: string, actionId: string): unknown | undefined {
    const r = this.getAction.get(device, actionId) as string | undefined;
    return r === undefined ? undefined : JSON.parse(r);
  }

  /** Inside save's transaction, so the change and the memory of it land together. */
  rememberAction(device: string, actionId: string, at: number, status: number, response: unknown): void {
    this.putAction.run(device, actionId, at, status, JSON.stringify(response));
  }
}
