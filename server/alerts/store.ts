// Alert state in SQLite (the module's own tables, created here): alerts with their audit log,
// rule configuration, device health and the little rule state that must survive a restart.
// An alert is stored whole as JSON plus the columns the REST filters and sorts use.
import { nextDeadline, severityRank, type Alert, type AlertLogEntry, type AlertStatus } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { recordAudit } from '../audit/log.ts';

/** Alert log actions a person takes (the rest are the system's or a device's): audited. */
const OPERATOR_ACTIONS = new Set<string>(['acknowledged', 'assigned', 'note', 'resolved', 'retiered']);
import type { DeviceHealth, HealthState } from './rules/device-health.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  estate TEXT NOT NULL,
  source TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,            -- open | acknowledged | resolved
  severity TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,  -- for sorting: 3 = critical
  tier TEXT NOT NULL,
  due INTEGER,                     -- the deadline it races now (on site, then fix); NULL when resolved
  opened_at INTEGER NOT NULL,
  resolved_at INTEGER,
  incident INTEGER,                -- the incident it was grouped into
  body TEXT NOT NULL               -- JSON Alert
);
-- one open alert per (estate, source, type): the de-duplication key, kept by the database too
CREATE UNIQUE INDEX IF NOT EXISTS alerts_open_key ON alerts (estate, source, type) WHERE status != 'resolved';
CREATE INDEX IF NOT EXISTS alerts_estate_opened ON alerts (estate, opened_at);
CREATE INDEX IF NOT EXISTS alerts_incident ON alerts (incident) WHERE incident IS NOT NULL;
-- the audit trail: who did what when (notes included)
CREATE TABLE IF NOT EXISTS alert_log (
  seq INTEGER PRIMARY KEY,
  alert INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  text TEXT,
  detail TEXT                      -- JSON
);
CREATE INDEX IF NOT EXISTS alert_log_alert ON alert_log (alert, seq);
-- rule parameters: scope estate (target ''), zone (target = zone id) or device (target = device id)
CREATE TABLE IF NOT EXISTS alert_config (
  estate TEXT NOT NULL,
  scope TEXT NOT NULL,
  target TEXT NOT NULL,
  params TEXT NOT NULL,            -- JSON
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (estate, scope, target)
);
CREATE TABLE IF NOT EXISTS alert_device_health (
  device TEXT PRIMARY KEY,
  estate TEXT NOT NULL,
  state TEXT NOT NULL,             -- online | offline | unknown
  last_seen INTEGER,
  offline_since INTEGER,
  reason TEXT
);
CREATE TABLE IF NOT EXISTS alert_rule_state (
  rule TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,             -- JSON
  PRIMARY KEY (rule, key)
);
`;

/** The module's tables (the CLI and the shared configuration's feed need them without a running module). */
export function ensureAlertTables(db: Db): void {
  db.exec(SCHEMA);
}

export interface AlertFilter {
  status?: AlertStatus[];
  severity?: string[];
  type?: string[];
  tier?: string[];
  source?: string;
  /** opened at or after / before (epoch ms) */
  since?: number;
  until?: number;
  /** members of this incident */
  incident?: number;
  /** leave incident members out (the wall screen shows their incident) */
  topLevel?: boolean;
  sort?: 'priority' | 'newest';
}

export type ConfigScope = 'estate' | 'zone' | 'device';

export class AlertStore {
  private readonly upsert;
  private readonly insertLog;
  private readonly getOne;
  private lastId: number;

  /** ids (and log seqs) from a sequence unique across nodes in a cluster (ModuleContext.allocateId); undefined = this store's own counter */
  constructor(private readonly db: Db, private readonly allocate: () => number | undefined = () => undefined) {
    db.exec(SCHEMA);
    this.upsert = db.prepare(
      `INSERT INTO alerts (id, estate, source, type, status, severity, severity_rank, tier, due, opened_at, resolved_at, incident, body)
       VALUES (@id, @estate, @source, @type, @status, @severity, @rank, @tier, @due, @openedAt, @resolvedAt, @incident, @body)
       ON CONFLICT(id) DO UPDATE SET status = excluded.status, severity = excluded.severity, severity_rank = excluded.severity_rank,
         tier = excluded.tier, due = excluded.due, resolved_at = excluded.resolved_at, incident = excluded.incident, body = excluded.body`,
    );
    this.insertLog = db.prepare('INSERT INTO alert_log (seq, alert, at, actor, action, text, detail) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.getOne = db.prepare('SELECT body FROM alerts WHERE id = ?').pluck();
    this.lastId = (db.prepare('SELECT max(id) FROM alerts').pluck().get() as number | null) ?? 0;
  }

  /** Ids are handed out here so the pure lifecycle can build a whole alert before it is stored. */
  nextId(): number {
    const id = this.allocate();
    if (id === undefined) return ++this.lastId;
    this.lastId = Math.max(this.lastId, id);
    return id;
  }

  /** Writes alerts and audit entries in one transaction. */
  readonly save = (alerts: readonly Alert[], log: ReadonlyArray<{ alert: number; entry: AlertLogEntry; source?: string }>) => {
    this.db.transaction(() => {
      for (const a of alerts) {
        this.upsert.run({
          id: a.id,
          estate: a.estate,
          source: a.source,
          type: a.type,
          status: a.status,
          severity: a.severity,
          rank: severityRank(a.severity),
          tier: a.tier,
          due: nextDeadline(a)?.at ?? null,
          openedAt: a.openedAt,
          resolvedAt: a.resolvedAt ?? null,
          incident: a.incident ?? null,
          body: JSON.stringify(a),
        });
      }
      const estateOf = new Map(alerts.map((a) => [a.id, a.estate]));
      for (const { alert, entry, source } of log) {
        // a log row is replicated with its seq in a cluster: unique across nodes like the alert ids
        this.insertLog.run(this.allocate() ?? null, alert, entry.at, entry.actor, entry.action, entry.text ?? null, entry.detail ? JSON.stringify(entry.detail) : null);
        // An operator's action is also one row of the site-wide audit log, in this same transaction:
        // the per-alert log stays the alert's story, the audit log the record of who changed what.
        if (OPERATOR_ACTIONS.has(entry.action)) {
          recordAudit(this.db, {
            at: entry.at, actor: entry.actor, source: source ?? null, action: `alert.${entry.action}`,
            estate: estateOf.get(alert) ?? null, target: String(alert),
            summary: { ...(entry.text ? { text: entry.text } : {}), ...(entry.detail ? { detail: entry.detail } : {}) },
          });
        }
      }
    })();
  };

  loadUnresolved(estate?: string): Alert[] {
    const rows = estate === undefined
      ? this.db.prepare("SELECT body FROM alerts WHERE status != 'resolved' ORDER BY id").pluck().all()
      : this.db.prepare("SELECT body FROM alerts WHERE status != 'resolved' AND estate = ? ORDER BY id").pluck().all(estate);
    return (rows as string[]).map((b) => JSON.parse(b));
  }

  get(id: number): Alert | undefined {
    const body = this.getOne.get(id) as string | undefined;
    return body ? JSON.parse(body) : undefined;
  }

  list(estate: string, f: AlertFilter, limit: number, offset: number): { alerts: Alert[]; total: number } {
    const where = ['estate = @estate'];
    const params: Record<string, unknown> = { estate, limit, offset };
    const inList = (column: string, values: readonly string[] | undefined, name: string) => {
      if (!values?.length) return;
      where.push(`${column} IN (${values.map((_, i) => `@${name}${i}`).join(', ')})`);
      values.forEach((v, i) => (params[`${name}${i}`] = v));
    };
    inList('status', f.status, 'st');
    inList('severity', f.severity, 'sv');
    inList('type', f.type, 'ty');
    inList('tier', f.tier, 'ti');
    if (f.source) {
      where.push('source = @source');
      params.source = f.source;
    }
    if (f.since !== undefined) {
      where.push('opened_at >= @since');
      params.since = f.since;
    }
    if (f.until !== undefined) {
      where.push('opened_at < @until');
      params.until = f.until;
    }
    if (f.incident !== undefined) {
      where.push('incident = @incident');
      params.incident = f.incident;
    } else if (f.topLevel) where.push('incident IS NULL');
    const order =
      f.sort === 'newest'
        ? 'opened_at DESC, id DESC'
        : "(status = 'resolved'), severity_rank DESC, due IS NULL, due ASC, opened_at DESC, id DESC";
    const clause = where.join(' AND ');
    const total = this.db.prepare(`SELECT count(*) FROM alerts WHERE ${clause}`).pluck().get(params) as number;
    const rows = this.db.prepare(`SELECT body FROM alerts WHERE ${clause} ORDER BY ${order} LIMIT @limit OFFSET @offset`).pluck().all(params) as string[];
    return { alerts: rows.map((b) => JSON.parse(b)), total };
  }

  log(id: number): AlertLogEntry[] {
    const rows = this.db.prepare('SELECT at, actor, action, text, detail FROM alert_log WHERE alert = ? ORDER BY seq').all(id) as Array<{
      at: number;
      actor: string;
      action: AlertLogEntry['action'];
      text: string | null;
      detail: string | null;
    }>;
    return rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, ...(r.text !== null ? { text: r.text } : {}), ...(r.detail ? { detail: JSON.parse(r.detail) } : {}) }));
  }

  members(incident: number): Alert[] {
    return (this.db.prepare('SELECT body FROM alerts WHERE incident = ? ORDER BY id').pluck().all(incident) as string[]).map((b) => JSON.parse(b));
  }

  /** Every alert of an estate opened in [from, to) (report). */
  opened(estate: string, from: number, to: number): Alert[] {
    return (this.db.prepare('SELECT body FROM alerts WHERE estate = ? AND opened_at >= ? AND opened_at < ? ORDER BY id').pluck().all(estate, from, to) as string[]).map((b) =>
      JSON.parse(b),
    );
  }

  // ---- configuration ----

  config(estate: string): Array<{ scope: ConfigScope; target: string; params: Record<string, unknown>; updatedAt: number; updatedBy: string }> {
    const rows = this.db.prepare('SELECT scope, target, params, updated_at, updated_by FROM alert_config WHERE estate = ? ORDER BY scope, target').all(estate) as Array<{
      scope: ConfigScope;
      target: string;
      params: string;
      updated_at: number;
      updated_by: string;
    }>;
    return rows.map((r) => ({ scope: r.scope, target: r.target, params: JSON.parse(r.params), updatedAt: r.updated_at, updatedBy: r.updated_by }));
  }

  setConfig(estate: string, scope: ConfigScope, target: string, params: Record<string, unknown>, by: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO alert_config (estate, scope, target, params, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(estate, scope, target) DO UPDATE SET params = excluded.params, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(estate, scope, target, JSON.stringify(params), now, by);
  }

  // ---- device health ----

  loadHealth(): DeviceHealth[] {
    const rows = this.db.prepare('SELECT device, estate, state, last_seen, offline_since, reason FROM alert_device_health').all() as Array<{
      device: string;
      estate: string;
      state: HealthState;
      last_seen: number | null;
      offline_since: number | null;
      reason: DeviceHealth['reason'] | null;
    }>;
    return rows.map((r) => ({
      device: r.device,
      estate: r.estate,
      state: r.state,
      lastSeen: r.last_seen,
      watchFrom: r.last_seen ?? 0,
      ...(r.offline_since !== null ? { offlineSince: r.offline_since } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
    }));
  }

  saveHealth(entries: Iterable<DeviceHealth>): void {
    const stmt = this.db.prepare(
      `INSERT INTO alert_device_health (device, estate, state, last_seen, offline_since, reason) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(device) DO UPDATE SET estate = excluded.estate, state = excluded.state, last_seen = excluded.last_seen,
         offline_since = excluded.offline_since, reason = excluded.reason`,
    );
    this.db.transaction(() => {
      for (const h of entries) stmt.run(h.device, h.estate, h.state, h.lastSeen, h.offlineSince ?? null, h.reason ?? null);
    })();
  }

  // ---- rule state ----

  loadRuleState<T>(rule: string): Array<[string, T]> {
    const rows = this.db.prepare('SELECT key, value FROM alert_rule_state WHERE rule = ?').all(rule) as Array<{ key: string; value: string }>;
    return rows.map((r) => [r.key, JSON.parse(r.value) as T]);
  }

  /** Replaces a rule's whole state (small: a handful of episodes). */
  saveRuleState(rule: string, entries: Iterable<[string, unknown]>): void {
    const insert = this.db.prepare('INSERT INTO alert_rule_state (rule, key, value) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM alert_rule_state WHERE rule = ?').run(rule);
      for (const [key, value] of entries) insert.run(rule, key, JSON.stringify(value));
    })();
  }
}
