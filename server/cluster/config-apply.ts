// The shared configuration's rows, generic over tables (docs/scale-out.md "Configuration: one truth
// for all nodes"): an entity is a SQLite table, a change is one whole row keyed by its primary key
// (or the key alone: the row is gone). Applying is an upsert or a delete by primary key, so it is
// idempotent: a change applied twice, or replayed from an older checkpoint, leaves the same rows.
//
// Writes are captured, not re-implemented: the existing write code (importEstate, addUser, login, …)
// runs inside a SQLite transaction with temporary triggers on the shared tables recording which
// keys it touched; the touched rows are read as they now are, and the transaction is rolled back.
// The caller sends those rows to PostgreSQL; every node (the writer too) applies them from the feed.
// So validation, defaults and cascades (a user's sessions deleted with it) stay in one place.
//
// Applying is row-apply.ts's RowApplier, shared with the module-state replication.
import type { Db } from '../store/db.ts';
import { RowApplier } from './row-apply.ts';

export interface SharedTable {
  table: string;
  /** primary-key columns, in order */
  pk: readonly string[];
}

/**
 * The tables shared through --config-db, parents before children (the order a fresh node applies a
 * snapshot in). Devices are here for rows written by imports; `device add` / `revoke` have their own
 * entity ('device', config-db.ts) from before the generic feed.
 */
export const SHARED_TABLES: readonly SharedTable[] = [
  { table: 'estates', pk: ['id'] },
  { table: 'buildings', pk: ['estate', 'id'] },
  { table: 'zones', pk: ['estate', 'id'] },
  { table: 'checkpoints', pk: ['estate', 'id'] },
  { table: 'gates', pk: ['estate', 'id'] },
  { table: 'car_parks', pk: ['estate', 'zone'] },
  { table: 'devices', pk: ['id'] },
  { table: 'camera_streams', pk: ['device'] },
  { table: 'users', pk: ['name'] },
  { table: 'sessions', pk: ['token_hash'] },
  // module configuration (children of estates): patrol routes, the vehicle lists and gate settings,
  // the alert rules' overrides, the house registry, the work-order configuration
  { table: 'patrol_routes', pk: ['estate', 'id'] },
  { table: 'vehicle_residents', pk: ['id'] },
  { table: 'vehicle_visitors', pk: ['id'] },
  { table: 'vehicle_blacklist', pk: ['id'] },
  { table: 'vehicle_settings', pk: ['estate'] },
  { table: 'alert_config', pk: ['estate', 'scope', 'target'] },
  { table: 'house_rooms', pk: ['estate', 'building', 'unit', 'room'] },
  { table: 'workorder_config', pk: ['estate'] },
  // the organisation (street and district offices): units, companies, placements, management periods, settings (scorecard weights)
  { table: 'org_units', pk: ['id'] },
  { table: 'org_companies', pk: ['id'] },
  { table: 'org_estates', pk: ['estate'] },
  { table: 'org_management', pk: ['estate', 'since'] },
  { table: 'org_settings', pk: ['key'] },
];

const BY_NAME = new Map(SHARED_TABLES.map((t) => [t.table, t]));

export function sharedTable(table: string): SharedTable | undefined {
  return BY_NAME.get(table);
}

export type Row = Record<string, unknown>;

/** One changed row: `row` null = deleted. `key` holds the primary-key columns. */
export interface RowChange {
  table: string;
  key: Row;
  row: Row | null;
  /** captured: the key did not exist on this node before the write (an insert, e.g. a new id) */
  created?: boolean;
}

/** The change's key as text (config_changes.id, config_rows.key): the pk values as a JSON array. */
export function keyText(change: { table: string; key: Row }): string {
  const spec = BY_NAME.get(change.table);
  if (!spec) throw new Error(`not a shared table: ${change.table}`);
  return JSON.stringify(spec.pk.map((c) => change.key[c] ?? null));
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function columns(db: Db, table: string): string[] {
  return (db.prepare(`PRAGMA main.table_info(${quote(table)})`).all() as Array<{ name: string }>).map((c) => c.name);
}

function tableExists(db: Db, table: string): boolean {
  return db.prepare("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

const appliers = new WeakMap<Db, RowApplier>();

/**
 * Applies one change to this SQLite: the whole row upserted by its primary key (ON CONFLICT DO
 * UPDATE, never REPLACE: a REPLACE deletes first and would cascade to a user's sessions), or the
 * row deleted. Columns this version does not have are left out (a newer node's row); `onlyIfPresent`
 * updates an existing row and never creates one (a session's last use must not bring back a session
 * that ended). Throws on a constraint (a building whose estate is missing): the caller holds the feed.
 * The work is row-apply.ts's, the one applier both row feeds of a cluster use.
 */
export function applyRow(db: Db, change: RowChange, options: { onlyIfPresent?: boolean } = {}): void {
  if (!BY_NAME.has(change.table)) throw new Error(`not a shared table: ${change.table}`);
  let applier = appliers.get(db);
  if (!applier) {
    applier = new RowApplier(db, SHARED_TABLES.map((t) => ({ table: t.table, pk: [...t.pk] })));
    appliers.set(db, applier);
  }
  applier.apply(change.row ? { tbl: change.table, op: 'u', row: { ...change.key, ...change.row } } : { tbl: change.table, op: 'd', row: change.key }, options);
}

/**
 * Runs `work` (synchronous SQLite writes) and returns what it would change in the shared tables —
 * each touched key once, in the order first touched, with its row as `work` left it (null = gone) —
 * then rolls everything back: nothing is written here. Throws what `work` throws (nothing written).
 * The tables must exist before (a table created inside would be rolled back with the rest).
 */
export function captureChanges<T>(db: Db, work: () => T, tables: readonly SharedTable[] = SHARED_TABLES): { value: T; changes: RowChange[]; audits: Row[] } {
  if (db.inTransaction) throw new Error('captureChanges inside a transaction');
  const present = tables.filter((t) => tableExists(db, t.table));
  const audited = tableExists(db, 'audit_log');
  db.exec('BEGIN'); // deferred: a login's password check holds no write lock
  try {
    db.exec('CREATE TEMP TABLE se_config_capture (n INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, key TEXT NOT NULL, ins INTEGER NOT NULL DEFAULT 0)');
    // the audit rows `work` writes (the org store, imports audit inside their own transaction): kept,
    // to be written again on this node once the change is in PostgreSQL (auditAgain)
    if (audited) db.exec('CREATE TEMP TRIGGER se_cap_audit AFTER INSERT ON main.audit_log BEGIN INSERT INTO temp.se_config_capture (tbl, key) VALUES (\'audit_log\', NEW.seq); END;');
    for (const t of present) {
      const key = (side: 'NEW' | 'OLD') => `json_array(${t.pk.map((c) => `${side}.${quote(c)}`).join(', ')})`;
      const record = (side: 'NEW' | 'OLD', ins = 0) => `INSERT INTO temp.se_config_capture (tbl, key, ins) VALUES ('${t.table}', ${key(side)}, ${ins});`;
      db.exec(`CREATE TEMP TRIGGER ${quote(`se_cap_${t.table}_i`)} AFTER INSERT ON main.${quote(t.table)} BEGIN ${record('NEW', 1)} END;
        CREATE TEMP TRIGGER ${quote(`se_cap_${t.table}_u`)} AFTER UPDATE ON main.${quote(t.table)} BEGIN ${record('OLD')} ${record('NEW')} END;
        CREATE TEMP TRIGGER ${quote(`se_cap_${t.table}_d`)} AFTER DELETE ON main.${quote(t.table)} BEGIN ${record('OLD')} END;`);
    }
    const value = work();
    // first touch of each key: an insert there means the key is new on this node
    const audits = audited ? (db.prepare("SELECT a.* FROM main.audit_log a JOIN temp.se_config_capture c ON c.tbl = 'audit_log' AND a.seq = CAST(c.key AS INTEGER) ORDER BY c.n").all() as Row[]) : [];
    const touched = db.prepare("SELECT c.tbl, c.key, c.ins FROM temp.se_config_capture c JOIN (SELECT min(n) AS n FROM temp.se_config_capture WHERE tbl != 'audit_log' GROUP BY tbl, key) f ON f.n = c.n ORDER BY c.n").all() as Array<{ tbl: string; key: string; ins: number }>;
    const changes: RowChange[] = touched.map(({ tbl, key, ins }) => {
      const spec = BY_NAME.get(tbl)!;
      const values = JSON.parse(key) as unknown[];
      const keyRow = Object.fromEntries(spec.pk.map((c, i) => [c, values[i]]));
      const row = db.prepare(`SELECT * FROM main.${quote(tbl)} WHERE ${spec.pk.map((c) => `${quote(c)} = ?`).join(' AND ')}`).get(...values) as Row | undefined;
      return { table: tbl, key: keyRow, row: row ?? null, ...(ins ? { created: true } : {}) };
    });
    return { value, changes, audits };
  } finally {
    db.exec('ROLLBACK'); // the rows, the temp table and the triggers
  }
}

/** Writes the audit rows captureChanges kept (new seq, same content) on this node: the audit log is per node. */
export function auditAgain(db: Db, audits: readonly Row[]): void {
  if (!audits.length) return;
  const cols = Object.keys(audits[0]).filter((c) => c !== 'seq');
  const insert = db.prepare(`INSERT INTO main.audit_log (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const a of audits) insert.run(...cols.map((c) => a[c]));
  })();
}
