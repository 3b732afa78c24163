// Trimming the journal. With InfluxDB, a row goes only after it was forwarded AND is older than the
// keep window (the window is also how long duplicates are recognised by (device, id)). Embedded, the
// journal is the history: rows go after the retention window. Deletes run in small batches from the
// oldest row (primary-key order), so a pass never scans the table or holds the writer for long.
import type { Db } from '../store/db.ts';

const BATCH = 5_000;

export interface TrimPolicy {
  /** delete rows received before this time (epoch ms) */
  before: number;
  /** with InfluxDB: only rows up to the forwarder's checkpoint */
  upToSeq: number | null;
}

export function trimJournal(db: Db, policy: TrimPolicy, maxBatches = 20): number {
  const del = db.prepare(
    `DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ${BATCH}) AND rx < ? AND seq <= ?`,
  );
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = del.run(policy.before, policy.upToSeq ?? Number.MAX_SAFE_INTEGER).changes;
    deleted += n;
    if (n < BATCH) break;
  }
  return deleted;
}
