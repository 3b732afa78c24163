// What the rules need to know about an estate — its time zone, zones with their effective parameters,
// devices, configuration — loaded from SQLite and cached for a few seconds (an estate import or
// `device add` in another process shows up soon; a configuration change here invalidates at once).
import { dataVersion, type Db } from '../store/db.ts';
import { getEstate } from '../store/estates.ts';
import { listDevices } from '../store/devices.ts';
import { TtlCache } from '../store/ttl-cache.ts';
import { mergeEstateParams, mergeZoneParams, type DeviceParams, type EstateParams, type ZoneOverride } from './params.ts';
import type { AlertStore } from './store.ts';
import type { DeviceFacts, RuleContext } from './rules/types.ts';
import type { ZoneRule } from './zones.ts';

const TTL_MS = 10_000;
const MISS_RELOAD_MS = 1_000;

export interface EstateRules extends RuleContext {
  /** zones whose configured hours did not parse (armed around the clock meanwhile) */
  problems: Array<{ zone: string; error: string }>;
  devices: ReadonlyMap<string, DeviceFacts>;
}

export class RuleContexts {
  private readonly cache: TtlCache<EstateRules | null>;

  constructor(
    private readonly db: Db,
    private readonly store: AlertStore,
  ) {
    this.cache = new TtlCache({
      ttlMs: TTL_MS,
      load: (e) => this.load(e),
      version: () => dataVersion(db),
      stale: (ctx, ageMs, device) => device !== undefined && ctx !== null && !ctx.devices.has(device) && ageMs >= MISS_RELOAD_MS,
    });
  }

  /**
   * The estate's rule context; null for an estate that does not exist. Cached by wall-clock time; a
   * device the cache does not know yet (just registered) reloads it, at most once a second.
   */
  get(estate: string, device?: string): EstateRules | null {
    return this.cache.get(estate, Date.now(), device);
  }

  invalidate(estate?: string): void {
    this.cache.invalidate(estate);
  }

  private load(estate: string): EstateRules | null {
    const summary = getEstate(this.db, estate);
    if (!summary) return null;
    const config = this.store.config(estate);
    const estateOverride = config.find((c) => c.scope === 'estate')?.params as Partial<EstateParams> | undefined;
    const zoneOverrides = new Map(config.filter((c) => c.scope === 'zone').map((c) => [c.target, c.params as ZoneOverride]));
    const deviceOverrides = new Map(config.filter((c) => c.scope === 'device').map((c) => [c.target, c.params as DeviceParams]));
    const params = mergeEstateParams(estateOverride);

    const problems: EstateRules['problems'] = [];
    const zones: ZoneRule[] = [];
    // listZones leaves out the rule hours; they are this module's business
    const rows = this.db.prepare('SELECT id, name, kind, polygon, hours FROM zones WHERE estate = ? ORDER BY id').all(estate) as Array<{
      id: string;
      name: string;
      kind: string;
      polygon: string;
      hours: string | null;
    }>;
    for (const r of rows) {
      let zoneHours: unknown = null;
      try {
        zoneHours = r.hours === null ? null : JSON.parse(r.hours);
      } catch {
        zoneHours = r.hours;
      }
      const merged = mergeZoneParams(r.kind, zoneHours, zoneOverrides.get(r.id));
      if (merged.problem) problems.push({ zone: r.id, error: merged.problem });
      if (merged.params) zones.push({ id: r.id, name: r.name, kind: r.kind, polygon: JSON.parse(r.polygon), params: merged.params });
    }

    const devices = new Map<string, DeviceFacts>();
    for (const d of listDevices(this.db, estate)) {
      devices.set(d.id, { id: d.id, name: d.name, kind: d.kind, x: d.x, y: d.y, params: deviceOverrides.get(d.id) ?? {} });
    }
    return {
      estate,
      timeZone: summary.timezone,
      params,
      zones,
      problems,
      devices,
      device: (id) => devices.get(id),
      deviceName: (id) => devices.get(id)?.name ?? id,
    };
  }
}
