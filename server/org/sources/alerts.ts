// Alerts as a scorecard source: the 54321 on-time rate and the on-site response time, from the
// alerts table (the 54321 ledger). Incident members count through their incident, as in the
// response report; alerts a device cleared by itself (auto_cleared) are nobody's response.
import { ON_SITE_MS, TIER_MS, type AlertTier, type MetricKey } from '../../../protocol/index.ts';
import type { Db } from '../../store/db.ts';
import { prepared } from '../../store/statements.ts';
import { sliceAt, slicesByEstate, tally, type MetricSource, type Slice, type Tally } from '../metric-source.ts';

interface Row {
  id: number;
  estate: string;
  tier: AlertTier;
  opened: number;
  resolved: number | null;
  onSite: number | null;
  resolution: string | null;
  fixDue: number | null;
  title: string | null;
}

export const alertsSource: MetricSource = {
  id: 'alerts',
  metrics: ['onTime54321', 'alertResponse'],
  collect(db: Db, slices: readonly Slice[], { now, withItems }) {
    const out = slices.map(() => ({}) as Partial<Record<MetricKey, Tally>>);
    if (!slices.length || !prepared(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alerts'").get()) return out;
    const index = slicesByEstate(slices);
    const from = Math.min(...slices.map((s) => s.from));
    const to = Math.max(...slices.map((s) => s.to));
    const rows = prepared(
      db,
      `SELECT id, estate, tier, opened_at AS opened, resolved_at AS resolved,
         json_extract(body, '$.onSiteAt') AS onSite, json_extract(body, '$.resolution') AS resolution,
         json_extract(body, '$.fixDue') AS fixDue, json_extract(body, '$.titleZh') AS title
       FROM alerts WHERE opened_at >= ? AND opened_at < ? AND incident IS NULL`,
    ).all(from, to) as Row[];
    for (const r of rows) {
      const i = sliceAt(slices, index, r.estate, r.opened);
      if (i < 0 || r.resolution === 'auto_cleared') continue;
      const fixBy = r.opened + (TIER_MS[r.tier] ?? 0);
      const resolved = r.resolved !== null;
      // due: resolved, or still open past its fix deadline (already late); open and not yet due waits
      if (resolved || now > fixBy) {
        const onTime = r.onSite !== null && r.onSite - r.opened <= ON_SITE_MS && resolved && r.resolved! <= fixBy;
        const t = tally(out[i], 'onTime54321');
        t.den++;
        if (onTime) t.num++;
        if (withItems) (t.items ??= []).push({ kind: 'alert', id: String(r.id), estate: r.estate, at: r.opened, ok: onTime, label: r.title ?? undefined });
      }
      if (r.onSite !== null) {
        const seconds = Math.max(0, (r.onSite - r.opened) / 1000);
        const t = tally(out[i], 'alertResponse');
        t.den++;
        (t.values ??= []).push(seconds);
        if (withItems) (t.items ??= []).push({ kind: 'alert', id: String(r.id), estate: r.estate, at: r.opened, ok: seconds * 1000 <= ON_SITE_MS, value: Math.round(seconds), label: r.title ?? undefined });
      }
    }
    return out;
  },
};
