// Patrol as a scorecard source: tours done on time ÷ tours due (巡更完成率). A tour is due once it
// closed; it is on time when no checkpoint was missed or late. Cancelled tours are not due.
import type { MetricKey } from '../../../protocol/index.ts';
import type { Db } from '../../store/db.ts';
import { prepared } from '../../store/statements.ts';
import { sliceAt, slicesByEstate, tally, type MetricSource, type Slice, type Tally } from '../metric-source.ts';

export const patrolSource: MetricSource = {
  id: 'patrol',
  metrics: ['patrolCompletion'],
  collect(db: Db, slices: readonly Slice[], { now, withItems }) {
    const out = slices.map(() => ({}) as Partial<Record<MetricKey, Tally>>);
    if (!slices.length || !prepared(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'patrol_tours'").get()) return out;
    const index = slicesByEstate(slices);
    const from = Math.min(...slices.map((s) => s.from));
    const to = Math.max(...slices.map((s) => s.to));
    const rows = prepared(
      db,
      `SELECT estate, id, opens, json_extract(result, '$.counts.missed') AS missed, json_extract(result, '$.counts.late') AS late
       FROM patrol_tours WHERE opens >= ? AND opens < ? AND closes <= ? AND state != 'cancelled'`,
    ).all(from, to, now) as Array<{ estate: string; id: string; opens: number; missed: number | null; late: number | null }>;
    for (const r of rows) {
      const i = sliceAt(slices, index, r.estate, r.opens);
      if (i < 0) continue;
      // a closed tour never evaluated had nobody walk it: not on time
      const onTime = r.missed === 0 && r.late === 0;
      const t = tally(out[i], 'patrolCompletion');
      t.den++;
      if (onTime) t.num++;
      if (withItems) (t.items ??= []).push({ kind: 'tour', id: r.id, estate: r.estate, at: r.opens, ok: onTime });
    }
    return out;
  },
};
