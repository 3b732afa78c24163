// Work orders as a scorecard source (the district doc's work-order contract): the 54321 on-time rate
// (added to the alerts' tallies), overdue rectifications and residents' satisfaction, from the
// workorders table. Spam and cancelled orders are nobody's work and are left out.
// On time is the monthly report's rule (server/workorders/ledgers.ts), not a second one: the measured
// fix time (special tier: the plan, else the fix) within the pledge by protocol/clock.ts withinPledge.
// Satisfaction maps the residents' three answers onto the scorecard's 1–5 scale:
// 满意 satisfied = 5, 基本满意 basic = 3, 不满意 unsatisfied = 1.
import { withinPledge, type MetricKey, type SlaTier } from '../../../protocol/index.ts';
import type { Db } from '../../store/db.ts';
import { prepared } from '../../store/statements.ts';
import { sliceAt, slicesByEstate, tally, type MetricSource, type Slice, type Tally } from '../metric-source.ts';

export const RATING_SCALE: Record<string, number> = { satisfied: 5, basic: 3, unsatisfied: 1 };

interface Row {
  id: number;
  estate: string;
  tier: SlaTier;
  opened: number;
  resolved: number | null;
  fixMs: number | null;
  planMs: number | null;
  rating: string | null;
  ratedAt: number | null;
  needsPlan: number;
  fixDue: number | null;
  planDeadline: number | null;
  description: string | null;
}

export const workordersSource: MetricSource = {
  id: 'workorders',
  metrics: ['onTime54321', 'overdueRectifications', 'satisfaction'],
  collect(db: Db, slices: readonly Slice[], { now, withItems }) {
    const out = slices.map(() => ({}) as Partial<Record<MetricKey, Tally>>);
    if (!slices.length || !prepared(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'workorders'").get()) return out;
    const index = slicesByEstate(slices);
    const from = Math.min(...slices.map((s) => s.from));
    const to = Math.max(...slices.map((s) => s.to));
    // rectifications may be due in the month though opened before it: read those by their deadline too
    const rows = prepared(
      db,
      `SELECT id, estate, tier, opened_at AS opened, resolved_at AS resolved, fix_ms AS fixMs, plan_ms AS planMs, rating,
         json_extract(body, '$.rating.at') AS ratedAt, needs_plan AS needsPlan, json_extract(body, '$.fixDue') AS fixDue,
         json_extract(body, '$.plan.deadline') AS planDeadline, json_extract(body, '$.description') AS description
       FROM workorders WHERE spam = 0 AND status != 'cancelled' AND (opened_at < ? AND (opened_at >= ? OR needs_plan = 1 OR rating IS NOT NULL))`,
    ).all(to, from) as Row[];
    for (const r of rows) {
      const label = r.description ? r.description.slice(0, 60) : undefined;
      const item = (ok: boolean, at: number, value?: number) => ({ kind: 'workorder', id: String(r.id), estate: r.estate, at, ok, value, label });
      const i = sliceAt(slices, index, r.estate, r.opened);
      if (i >= 0 && r.fixDue !== null) {
        const measured = r.tier === 'special' ? (r.planMs ?? r.fixMs) : r.fixMs;
        // due: fixed, or still open past its fix deadline (already late); open and not yet due waits
        if (r.fixMs !== null || now > r.fixDue) {
          const onTime = measured !== null && withinPledge('fix', r.tier, measured);
          const t = tally(out[i], 'onTime54321');
          t.den++;
          if (onTime) t.num++;
          if (withItems) (t.items ??= []).push(item(onTime, r.opened));
        }
      }
      if (r.needsPlan) {
        const deadline = r.planDeadline ?? r.fixDue;
        const j = deadline === null ? -1 : sliceAt(slices, index, r.estate, deadline);
        if (j >= 0 && deadline! <= now) {
          const overdue = r.resolved === null || r.resolved > deadline!;
          const t = tally(out[j], 'overdueRectifications');
          t.den++;
          if (overdue) t.num++;
          if (withItems) (t.items ??= []).push(item(!overdue, deadline!));
        }
      }
      const score = r.rating === null ? undefined : RATING_SCALE[r.rating];
      if (score !== undefined) {
        const at = r.ratedAt ?? r.resolved ?? r.opened;
        const k = sliceAt(slices, index, r.estate, at);
        if (k >= 0) {
          const t = tally(out[k], 'satisfaction');
          t.den++;
          (t.values ??= []).push(score);
          if (withItems) (t.items ??= []).push(item(score >= 3, at, score));
        }
      }
    }
    return out;
  },
};
