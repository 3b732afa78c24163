// Embedded history: the journal itself answers. Order (ts desc, seq desc) is the contract both
// backends keep.
import type { EstateEvent } from '../../protocol/index.ts';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.ts';
import type { HistoryBackend } from './index.ts';
import { MAX_HISTORY_LIMIT, type HistoryQuery } from './query.ts';

export function createSqliteHistory(db: Db): HistoryBackend {
  // One statement per filter combination, prepared once: at most 16.
  const statements = new Map<string, Statement<unknown[], { body: string }>>();
  const statementFor = (q: HistoryQuery) => {
    const where = ['estate = ?'];
    if (q.kind !== undefined) where.push('kind = ?');
    if (q.device !== undefined) where.push('device = ?');
    if (q.from !== undefined) where.push('ts >= ?');
    if (q.to !== undefined) where.push('ts <= ?');
    const sql = `SELECT body FROM events WHERE ${where.join(' AND ')} ORDER BY ts DESC, seq DESC LIMIT ?`;
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare<unknown[], { body: string }>(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  return {
    backend: 'sqlite',
    async query(q) {
      const args: Array<string | number> = [q.estate];
      if (q.kind !== undefined) args.push(q.kind);
      if (q.device !== undefined) args.push(q.device);
      if (q.from !== undefined) args.push(q.from);
      if (q.to !== undefined) args.push(q.to);
      args.push(Math.min(Math.max(1, Math.floor(q.limit)), MAX_HISTORY_LIMIT));
      const rows = statementFor(q).all(...args);
      return rows.map((row) => JSON.parse(row.body) as EstateEvent);
    },
  };
}
