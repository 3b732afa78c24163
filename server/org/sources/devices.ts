// Device health as a scorecard source: availability = device-time online ÷ device-time registered
// in the slice. Offline time comes from the device_offline alerts (opened → resolved or now); a
// device never heard at all counts as unavailable for the whole slice (nothing says it works).
import type { MetricKey } from '../../../protocol/index.ts';
import type { Db } from '../../store/db.ts';
import { prepared } from '../../store/statements.ts';
import { slicesByEstate, tally, type MetricSource, type Slice, type Tally } from '../metric-source.ts';

export const devicesSource: MetricSource = {
  id: 'devices',
  metrics: ['deviceAvailability'],
  collect(db: Db, slices: readonly Slice[], { now, withItems }) {
    const out = slices.map(() => ({}) as Partial<Record<MetricKey, Tally>>);
    if (!slices.length) return out;
    const index = slicesByEstate(slices);
    const hasHealth = Boolean(prepared(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alert_device_health'").get());
    const hasAlerts = Boolean(prepared(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alerts'").get());
    const devices = prepared(
      db,
      hasHealth
        ? 'SELECT d.id, d.estate, d.created_at AS created, h.last_seen AS seen FROM devices d LEFT JOIN alert_device_health h ON h.device = d.id'
        : 'SELECT id, estate, created_at AS created, NULL AS seen FROM devices',
    ).all() as Array<{ id: string; estate: string; created: number; seen: number | null }>;
    const from = Math.min(...slices.map((s) => s.from));
    const to = Math.max(...slices.map((s) => s.to));
    // offline periods per device, from the alerts ledger
    const offline = new Map<string, Array<[number, number]>>();
    if (hasAlerts) {
      const rows = prepared(
        db,
        "SELECT source, opened_at AS a, coalesce(resolved_at, ?) AS b FROM alerts WHERE type = 'device_offline' AND opened_at < ? AND coalesce(resolved_at, ?) > ?",
      ).all(now, to, now, from) as Array<{ source: string; a: number; b: number }>;
      for (const r of rows) {
        const list = offline.get(r.source) ?? [];
        list.push([r.a, r.b]);
        offline.set(r.source, list);
      }
    }
    for (const d of devices) {
      for (const i of index.get(d.estate) ?? []) {
        const s = slices[i];
        const start = Math.max(s.from, d.created);
        const end = Math.min(s.to, now);
        if (end <= start) continue;
        const span = end - start;
        let down = 0;
        if (d.seen === null) down = span;
        else for (const [a, b] of offline.get(d.id) ?? []) down += Math.max(0, Math.min(b, end) - Math.max(a, start));
        down = Math.min(down, span);
        const t = tally(out[i], 'deviceAvailability');
        t.den += span;
        t.num += span - down;
        if (withItems && down > 0) (t.items ??= []).push({ kind: 'device', id: d.id, estate: d.estate, at: start, ok: false, value: down, label: d.seen === null ? 'never heard 从未上线' : undefined });
      }
    }
    return out;
  },
};
