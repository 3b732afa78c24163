// Prepared statements, compiled once per database: compiling costs more than running (a plate read
// runs about ten: ~260 µs per read uncached, see docs/vehicles.md; a meta read or write is ~20 µs
// to compile and ~3 µs to run). For statements on hot paths that are not prepared up front.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';

const cache = new WeakMap<Db, Map<string, Statement>>();

export function prepared(db: Db, sql: string): Statement {
  let statements = cache.get(db);
  if (!statements) cache.set(db, (statements = new Map()));
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
}
