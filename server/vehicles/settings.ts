// Per-estate gate rules (VehicleSettings): the review threshold, what an unknown plate gets, the
// visitors' longest stay. Defaults until an admin changes them.
import { DEFAULT_VEHICLE_SETTINGS, type VehicleSettings } from '../../protocol/vehicles.ts';
import type { Db } from '../store/db.ts';
import type { Valid } from './validate.ts';
import { prepared } from '../store/statements.ts';

/**
 * Every plate read asks for its estate's settings; reading and parsing the row each time showed in the
 * ingest profile. They change through putSettings (the REST API) and, in a cluster, the shared
 * configuration's feed; both drop the cached copy. Callers get their own copy.
 */
const cache = new WeakMap<Db, Map<string, VehicleSettings>>();

function cached(db: Db): Map<string, VehicleSettings> {
  let byEstate = cache.get(db);
  if (!byEstate) cache.set(db, (byEstate = new Map()));
  return byEstate;
}

export function getSettings(db: Db, estate: string): VehicleSettings {
  const byEstate = cached(db);
  let settings = byEstate.get(estate);
  if (!settings) {
    const row = prepared(db, 'SELECT settings FROM vehicle_settings WHERE estate = ?').get(estate) as { settings: string } | undefined;
    settings = { ...DEFAULT_VEHICLE_SETTINGS };
    if (row) {
      try {
        settings = { ...DEFAULT_VEHICLE_SETTINGS, ...(JSON.parse(row.settings) as Partial<VehicleSettings>) };
      } catch {
        // a damaged row: the defaults, as before
      }
    }
    byEstate.set(estate, settings);
  }
  return { ...settings };
}

export function putSettings(db: Db, estate: string, s: VehicleSettings): void {
  prepared(db, 'INSERT INTO vehicle_settings (estate, settings) VALUES (?, ?) ON CONFLICT(estate) DO UPDATE SET settings = excluded.settings').run(estate, JSON.stringify(s));
  // read again from the row: in a cluster this write is rolled back and comes back through the feed
  forgetSettings(db, estate);
}

/** Drops the cached settings of an estate (its row changed: putSettings, the shared configuration's feed). */
export function forgetSettings(db: Db, estate: string): void {
  cached(db).delete(estate);
}

/** A partial update on top of `current`; every given field is checked. */
export function validateSettings(body: unknown, current: VehicleSettings): Valid<VehicleSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'body must be a JSON object {reviewBelow?, unknownEntry?, visitorMaxStayHours?}' };
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !(k in DEFAULT_VEHICLE_SETTINGS));
  if (unknown.length) return { ok: false, error: `unknown setting(s) ${unknown.join(', ')}: reviewBelow, unknownEntry, visitorMaxStayHours` };
  const next = { ...current };
  if (b.reviewBelow !== undefined) {
    if (typeof b.reviewBelow !== 'number' || !(b.reviewBelow >= 0 && b.reviewBelow <= 1)) return { ok: false, error: 'reviewBelow must be a number 0…1' };
    next.reviewBelow = b.reviewBelow;
  }
  if (b.unknownEntry !== undefined) {
    if (b.unknownEntry !== 'review' && b.unknownEntry !== 'deny') return { ok: false, error: "unknownEntry must be 'review' or 'deny'" };
    next.unknownEntry = b.unknownEntry;
  }
  if (b.visitorMaxStayHours !== undefined) {
    const h = b.visitorMaxStayHours;
    if (typeof h !== 'number' || !(h > 0 && h <= 24 * 31)) return { ok: false, error: 'visitorMaxStayHours must be a number of hours, more than 0 and at most 744 (31 days)' };
    next.visitorMaxStayHours = h;
  }
  return { ok: true, value: next };
}
