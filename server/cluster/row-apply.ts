// One generic applier of replicated rows to a node's SQLite (docs/scale-out.md § Module state that
// moves with the estate): a whitelist of tables, each with its primary key; a change is a whole row
// to upsert or a primary key to delete. Idempotent (the same change twice leaves the same row), so a
// feed delivered at least once may repeat itself. It serves both row feeds of a cluster: the estate
// state streams (estate-state.ts) and the PostgreSQL configuration feed (config-apply.ts applyRow).
//
// Columns are the table's own (PRAGMA table_info), read at the first change of a table: a key of a
// row that is no column is dropped (a newer node's column on an older one), a table not in the
// whitelist is refused — a feed never names what SQL runs.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.ts';

export interface TableSpec {
  table: string;
  /** the primary key's columns (a delete names these only) */
  pk: string[];
}

/** `u` = the whole row (insert or replace its non-key columns), `d` = delete by primary key */
export interface RowChange {
  tbl: string;
  op: 'u' | 'd';
  row: Record<string, unknown>;
}

export type ApplyOutcome = 'upserted' | 'deleted' | 'skipped';

export class RowApplyError extends Error {}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class RowApplier {
  private readonly specs = new Map<string, TableSpec>();
  private readonly columns = new Map<string, Set<string>>();
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db, specs: readonly TableSpec[]) {
    for (const s of specs) {
      if (!s.pk.length) throw new RowApplyError(`table ${s.table}: a primary key is needed`);
      this.specs.set(s.table, s);
    }
  }

  tables(): string[] {
    return [...this.specs.keys()];
  }

  private exists(table: string): boolean {
    return this.columns.has(table) || this.db.prepare("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  }

  private columnsOf(table: string): Set<string> {
    let cols = this.columns.get(table);
    if (!cols) {
      cols = new Set((this.db.prepare(`PRAGMA main.table_info(${ident(table)})`).all() as Array<{ name: string }>).map((c) => c.name));
      if (!cols.size) throw new RowApplyError(`table ${table} does not exist on this node`);
      this.columns.set(table, cols);
    }
    return cols;
  }

  /**
   * Applies one change (no transaction of its own: callers batch them). `onlyIfPresent`: an upsert
   * only updates an existing row, never creates one (a session's last use must not bring back a
   * session another node ended). A delete in a table this node does not have is nothing to do.
   */
  apply(change: RowChange, options: { onlyIfPresent?: boolean } = {}): ApplyOutcome {
    const spec = this.specs.get(change.tbl);
    if (!spec) throw new RowApplyError(`table ${JSON.stringify(change.tbl)} is not replicated`);
    const row = change.row ?? {};
    for (const k of spec.pk) if (row[k] === undefined || row[k] === null) throw new RowApplyError(`${spec.table}: primary key column ${k} missing`);
    if (change.op === 'd' && !this.exists(spec.table)) return 'skipped';
    const cols = this.columnsOf(spec.table);
    if (change.op === 'd') {
      const key = `d\u0000${spec.table}`;
      let stmt = this.statements.get(key);
      if (!stmt) {
        stmt = this.db.prepare(`DELETE FROM ${ident(spec.table)} WHERE ${spec.pk.map((k) => `${ident(k)} = ?`).join(' AND ')}`);
        this.statements.set(key, stmt);
      }
      return stmt.run(...spec.pk.map((k) => row[k] as never)).changes ? 'deleted' : 'skipped';
    }
    if (change.op !== 'u') throw new RowApplyError(`${spec.table}: unknown op ${JSON.stringify(change.op)}`);
    const names = Object.keys(row).filter((k) => cols.has(k)).sort();
    if (options.onlyIfPresent) {
      const rest = names.filter((n) => !spec.pk.includes(n));
      if (!rest.length) return 'skipped';
      const key = `p\u0000${spec.table}\u0000${rest.join('\u0000')}`;
      let stmt = this.statements.get(key);
      if (!stmt) {
        stmt = this.db.prepare(`UPDATE ${ident(spec.table)} SET ${rest.map((n) => `${ident(n)} = ?`).join(', ')} WHERE ${spec.pk.map((k) => `${ident(k)} = ?`).join(' AND ')}`);
        this.statements.set(key, stmt);
      }
      return stmt.run(...rest.map((n) => toSql(row[n])), ...spec.pk.map((k) => toSql(row[k]))).changes ? 'upserted' : 'skipped';
    }
    const key = `u\u0000${spec.table}\u0000${names.join('\u0000')}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      const rest = names.filter((n) => !spec.pk.includes(n));
      const update = rest.length ? `DO UPDATE SET ${rest.map((n) => `${ident(n)} = excluded.${ident(n)}`).join(', ')}` : 'DO NOTHING';
      stmt = this.db.prepare(
        `INSERT INTO ${ident(spec.table)} (${names.map(ident).join(', ')}) VALUES (${names.map(() => '?').join(', ')})
         ON CONFLICT(${spec.pk.map(ident).join(', ')}) ${update}`,
      );
      this.statements.set(key, stmt);
    }
    stmt.run(...names.map((n) => toSql(row[n])));
    return 'upserted';
  }
}

/** JSON values to SQLite: booleans as 0/1, objects as their JSON text (json_object gives nested JSON for none of ours). */
function toSql(v: unknown): never {
  if (typeof v === 'boolean') return (v ? 1 : 0) as never;
  if (v !== null && typeof v === 'object') return JSON.stringify(v) as never;
  return (v ?? null) as never;
}
