// What the district wall screen shows per estate (one badge) and per unit or company (the badges of
// its estates, totals, the newest serious alerts), read from the modules' own tables in a few grouped
// queries over all estates at once — never per estate, never from the raw live streams. The module
// (module.ts) runs it at most once a second and publishes what changed on `units/{u}/summary`.
import type { EstateBadge, EstateCondition, EstateKind, OrgUnit, PropertyCompany, SeriousAlert, UnitSummary } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { prepared } from '../store/statements.ts';
import { localDate } from '../patrol/schedule.ts';

/** An estate with devices none of which was heard for this long shows as unknown (default 2 h). */
export const DEFAULT_SILENT_AFTER_MS = 2 * 3_600_000;
export const SERIOUS_SHOWN = 20;

export interface DistrictSnapshot {
  at: number;
  badges: Map<string, EstateBadge>;
  units: Map<string, OrgUnit>;
  companies: Map<string, PropertyCompany>;
  /** unit id → its estates (any depth); company id → the estates it manages now */
  unitEstates: Map<string, string[]>;
  companyEstates: Map<string, string[]>;
  serious: SeriousAlert[];
}

function hasTable(db: Db, name: string): boolean {
  return prepared(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Device counts change rarely (provisioning); a grouped count over 100,000 rows is kept for a while. */
const deviceCounts = new WeakMap<Db, { at: number; counts: Map<string, number> }>();
const DEVICE_COUNT_TTL_MS = 10_000;

function registeredDevices(db: Db, now: number): Map<string, number> {
  const hit = deviceCounts.get(db);
  if (hit && now - hit.at < DEVICE_COUNT_TTL_MS && now >= hit.at) return hit.counts;
  const counts = new Map<string, number>();
  for (const r of prepared(db, 'SELECT estate, count(*) AS n FROM devices GROUP BY estate').all() as Array<{ estate: string; n: number }>) counts.set(r.estate, r.n);
  deviceCounts.set(db, { at: now, counts });
  return counts;
}

export function forgetDeviceCounts(db: Db): void {
  deviceCounts.delete(db);
}

export function conditionOf(b: Pick<EstateBadge, 'alerts' | 'devices' | 'lastHeard'>, now: number, silentAfterMs: number): EstateCondition {
  if (b.devices.registered === 0 || b.lastHeard === null || now - b.lastHeard > silentAfterMs) return 'unknown';
  if (b.alerts.critical) return 'critical';
  if (b.alerts.major) return 'major';
  if (b.alerts.warning) return 'warning';
  return 'calm';
}

export function snapshot(db: Db, now: number, options: { silentAfterMs?: number } = {}): DistrictSnapshot {
  const silentAfterMs = options.silentAfterMs ?? DEFAULT_SILENT_AFTER_MS;
  const badges = new Map<string, EstateBadge>();
  const zones = new Map<string, string[]>();
  const rows = prepared(
    db,
    `SELECT e.id, e.name, e.name_zh, e.lat, e.lon, e.timezone, o.community, COALESCE(o.kind, 'estate') AS kind, m.company
     FROM estates e LEFT JOIN org_estates o ON o.estate = e.id LEFT JOIN org_management m ON m.estate = e.id AND m.until IS NULL ORDER BY e.id`,
  ).all() as Array<{ id: string; name: string; name_zh: string; lat: number; lon: number; timezone: string; community: string | null; kind: EstateKind; company: string | null }>;
  const registered = registeredDevices(db, now);
  for (const r of rows) {
    badges.set(r.id, {
      estate: r.id, name: r.name, nameZh: r.name_zh, kind: r.kind, community: r.community, company: r.company, lat: r.lat, lon: r.lon,
      condition: 'unknown', alerts: { critical: 0, major: 0, warning: 0, info: 0 }, overdueWorkOrders: null, patrol: null,
      devices: { registered: registered.get(r.id) ?? 0, online: 0, offline: 0, unknown: 0 }, lastHeard: null,
    });
    const list = zones.get(r.timezone) ?? [];
    list.push(r.id);
    zones.set(r.timezone, list);
  }

  let serious: SeriousAlert[] = [];
  if (hasTable(db, 'alerts')) {
    for (const r of prepared(db, "SELECT estate, severity, count(*) AS n FROM alerts WHERE status != 'resolved' AND incident IS NULL GROUP BY estate, severity").all() as Array<{ estate: string; severity: keyof EstateBadge['alerts']; n: number }>) {
      const b = badges.get(r.estate);
      if (b && r.severity in b.alerts) b.alerts[r.severity] += r.n;
    }
    serious = (prepared(
      db,
      `SELECT id, estate, severity, status, opened_at AS openedAt, json_extract(body, '$.titleZh') AS titleZh, json_extract(body, '$.title') AS title
       FROM alerts WHERE status != 'resolved' AND incident IS NULL AND severity IN ('major', 'critical') ORDER BY opened_at DESC, id DESC LIMIT 500`,
    ).all() as SeriousAlert[]);
  }
  if (hasTable(db, 'workorders')) {
    // open orders past the deadline they race now (paused ones wait; spam is nobody's work), as the
    // work-order list's "overdue" filter counts them; estates with the module but none overdue show 0
    for (const b of badges.values()) b.overdueWorkOrders = 0;
    for (const r of prepared(db, "SELECT estate, count(*) AS n FROM workorders WHERE done = 0 AND spam = 0 AND status != 'paused' AND due <= ? GROUP BY estate").all(now) as Array<{ estate: string; n: number }>) {
      const b = badges.get(r.estate);
      if (b) b.overdueWorkOrders = r.n;
    }
  }
  if (hasTable(db, 'alert_device_health')) {
    for (const r of prepared(db, 'SELECT estate, state, count(*) AS n, max(last_seen) AS last FROM alert_device_health GROUP BY estate, state').all() as Array<{ estate: string; state: string; n: number; last: number | null }>) {
      const b = badges.get(r.estate);
      if (!b) continue;
      if (r.state === 'online') b.devices.online += r.n;
      else if (r.state === 'offline') b.devices.offline += r.n;
      if (r.last !== null && (b.lastHeard === null || r.last > b.lastHeard)) b.lastHeard = r.last;
    }
  }
  if (hasTable(db, 'patrol_tours')) {
    // tours of the estate's local today that are due (closed) so far; on time = no checkpoint missed or late
    const tours = prepared(
      db,
      `SELECT estate, count(*) AS due,
         sum(CASE WHEN coalesce(json_extract(result, '$.counts.missed'), 1) = 0 AND coalesce(json_extract(result, '$.counts.late'), 1) = 0 THEN 1 ELSE 0 END) AS onTime
       FROM patrol_tours WHERE day = ? AND closes <= ? AND state != 'cancelled' GROUP BY estate`,
    );
    for (const [timeZone, ids] of zones) {
      const inZone = new Set(ids);
      for (const r of tours.all(localDate(now, timeZone), now) as Array<{ estate: string; due: number; onTime: number }>) {
        const b = badges.get(r.estate);
        if (b && inZone.has(r.estate)) b.patrol = { due: r.due, onTime: r.onTime };
      }
    }
  }
  for (const b of badges.values()) {
    b.devices.unknown = Math.max(0, b.devices.registered - b.devices.online - b.devices.offline);
    b.condition = conditionOf(b, now, silentAfterMs);
  }

  const units = new Map((prepared(db, 'SELECT id, kind, name, name_zh AS nameZh, parent FROM org_units').all() as OrgUnit[]).map((u) => [u.id, u]));
  const companies = new Map(
    (prepared(db, 'SELECT id, name, name_zh AS nameZh, fallback FROM org_companies').all() as Array<Omit<PropertyCompany, 'fallback'> & { fallback: number }>).map((c) => [c.id, { ...c, fallback: Boolean(c.fallback) }]),
  );
  const unitEstates = new Map<string, string[]>([...units.keys()].map((id) => [id, []]));
  const companyEstates = new Map<string, string[]>([...companies.keys()].map((id) => [id, []]));
  for (const b of badges.values()) {
    // walk up from the community; a broken chain (a cycle cannot be made through upsertUnit) stops
    let unit = b.community ? units.get(b.community) : undefined;
    for (let depth = 0; unit && depth < 8; depth++) {
      unitEstates.get(unit.id)!.push(b.estate);
      unit = unit.parent ? units.get(unit.parent) : undefined;
    }
    if (b.company) companyEstates.get(b.company)?.push(b.estate);
  }
  return { at: now, badges, units, companies, unitEstates, companyEstates, serious };
}

/** The summary of one unit or company from a snapshot; undefined when it does not exist. */
export function groupSummary(s: DistrictSnapshot, group: { kind: 'unit' | 'company'; id: string }): UnitSummary | undefined {
  const owner = group.kind === 'unit' ? s.units.get(group.id) : s.companies.get(group.id);
  const ids = group.kind === 'unit' ? s.unitEstates.get(group.id) : s.companyEstates.get(group.id);
  if (!owner || !ids) return undefined;
  const estates = ids.map((id) => s.badges.get(id)!);
  const inGroup = new Set(ids);
  const totals = { estates: estates.length, unknown: 0, critical: 0, major: 0, offlineDevices: 0 };
  for (const b of estates) {
    if (b.condition === 'unknown') totals.unknown++;
    totals.critical += b.alerts.critical;
    totals.major += b.alerts.major;
    totals.offlineDevices += b.devices.offline;
  }
  const serious: SeriousAlert[] = [];
  for (const a of s.serious) {
    if (!inGroup.has(a.estate)) continue;
    serious.push(a);
    if (serious.length >= SERIOUS_SHOWN) break;
  }
  return { scope: `${group.kind}:${group.id}`, name: owner.name, nameZh: owner.nameZh, at: s.at, estates, totals, serious };
}

/**
 * The naive way, kept for the benchmark: per estate, its own queries (what a page doing one REST
 * call per estate would cost the server).
 */
export function naiveEstateBadge(db: Db, estate: string, now: number): EstateBadge | undefined {
  const e = prepared(db, 'SELECT id, name, name_zh, lat, lon, timezone FROM estates WHERE id = ?').get(estate) as
    | { id: string; name: string; name_zh: string; lat: number; lon: number; timezone: string }
    | undefined;
  if (!e) return undefined;
  const o = prepared(db, 'SELECT community, kind FROM org_estates WHERE estate = ?').get(estate) as { community: string; kind: EstateKind } | undefined;
  const company = (prepared(db, 'SELECT company FROM org_management WHERE estate = ? AND until IS NULL').pluck().get(estate) as string | undefined) ?? null;
  const b: EstateBadge = {
    estate, name: e.name, nameZh: e.name_zh, kind: o?.kind ?? 'estate', community: o?.community ?? null, company, lat: e.lat, lon: e.lon, condition: 'unknown',
    alerts: { critical: 0, major: 0, warning: 0, info: 0 }, overdueWorkOrders: null, patrol: null,
    devices: { registered: prepared(db, 'SELECT count(*) FROM devices WHERE estate = ?').pluck().get(estate) as number, online: 0, offline: 0, unknown: 0 }, lastHeard: null,
  };
  for (const r of prepared(db, "SELECT severity, count(*) AS n FROM alerts WHERE estate = ? AND status != 'resolved' AND incident IS NULL GROUP BY severity").all(estate) as Array<{ severity: keyof EstateBadge['alerts']; n: number }>) {
    if (r.severity in b.alerts) b.alerts[r.severity] += r.n;
  }
  for (const r of prepared(db, 'SELECT state, count(*) AS n, max(last_seen) AS last FROM alert_device_health WHERE estate = ? GROUP BY state').all(estate) as Array<{ state: string; n: number; last: number | null }>) {
    if (r.state === 'online') b.devices.online += r.n;
    else if (r.state === 'offline') b.devices.offline += r.n;
    if (r.last !== null && (b.lastHeard === null || r.last > b.lastHeard)) b.lastHeard = r.last;
  }
  if (hasTable(db, 'workorders'))
    b.overdueWorkOrders = prepared(db, "SELECT count(*) FROM workorders WHERE estate = ? AND done = 0 AND spam = 0 AND status != 'paused' AND due <= ?").pluck().get(estate, now) as number;
  b.devices.unknown = Math.max(0, b.devices.registered - b.devices.online - b.devices.offline);
  b.condition = conditionOf(b, now, DEFAULT_SILENT_AFTER_MS);
  return b;
}
