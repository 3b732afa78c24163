// Prepared statements, compiled once per database: a plate read runs about ten of them, and compiling
// costs more than running (measured: ~260 µs per read uncached, see docs/vehicles.md).
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.ts';

const cache = new WeakMap<Db, Map<string, Statement>>();

export function prepared(db: Db, sql: string): Statement {
  let statements = cache.get(db);
  if (!statements) cache.set(db, (statements = new Map()));
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
}
