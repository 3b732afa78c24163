// The demo estate's vehicle lists and starting car-park counts, from the same roster the simulated
// gates drive (simulators/scenario/plates.ts demoRoster), so the demo's decisions come out as on site.
// Run by provisionDemo on every `demo` / `sim` start: lists are upserted, the demo's visitor passes are
// issued afresh (relative to now), and the ledger and counts are set to the simulation's starting state
// (the residents it starts with in the garage have an open session and are counted).
import type { Db } from '../store/db.ts';
import { getEstate, listBuildings } from '../store/estates.ts';
import { listCarParks } from '../estate/gates.ts';
import { demoRoster, localPrefix } from '../../simulators/scenario/plates.ts';
import { applySessionChanges } from './ledger.ts';
import { addVisitor, upsertBlacklisted, upsertResident } from './lists.ts';
import { correctOccupancy } from './occupancy.ts';
import { normalizePlate } from './plate.ts';
import { ensureVehicleTables } from './schema.ts';

/** The residents' underground garage in the demo estate (its east gate counts for it). */
export const DEMO_GARAGE = 'carpark-ramp';
/** `created_by` of what the seeding writes, so a new run replaces the last run's passes. */
export const DEMO_USER = 'demo';

export interface DemoVehicles {
  residents: number;
  visitors: number;
  blacklist: number;
  /** starting count per car park */
  parked: Record<string, number>;
}

export function seedDemoVehicles(db: Db, estateId: string, now = Date.now()): DemoVehicles {
  ensureVehicleTables(db);
  const estate = getEstate(db, estateId);
  if (!estate) throw new Error(`estate '${estateId}' not found`);
  const roster = demoRoster(localPrefix(estate.lat, estate.lon));
  const buildings = new Map(listBuildings(db, estateId).map((b) => [b.name, b.id]));
  const carParks = listCarParks(db, estateId);
  const garage = carParks.some((c) => c.id === DEMO_GARAGE) ? DEMO_GARAGE : '';
  const normal = (plate: string) => {
    const p = normalizePlate(plate);
    if (!p.ok) throw new Error(`demo roster: ${p.error}`); // the roster generator and the normaliser disagree: a bug
    return p.plate;
  };

  return db.transaction(() => {
    for (const r of roster.residents) {
      upsertResident(db, estateId, {
        plate: normal(r.plate), name: r.name, building: buildings.get(r.building) ?? '', room: r.room, space: r.space,
        carPark: garage, phone: '', note: '演示数据 demo',
      }, now);
    }
    db.prepare('DELETE FROM vehicle_visitors WHERE estate = ? AND created_by = ?').run(estateId, DEMO_USER);
    for (const v of roster.visitors) {
      addVisitor(db, estateId, {
        plate: normal(v.plate), name: v.name, host: v.host, validFrom: now - 3600_000, validUntil: now + Math.round(v.hours * 3600_000), note: '演示数据 demo',
      }, DEMO_USER, now);
    }
    for (const b of roster.blacklist) upsertBlacklisted(db, estateId, { plate: normal(b.plate), reason: b.reason }, DEMO_USER, now);

    // the ledger starts where the simulation starts: the last run's stays end, the parked residents' begin
    db.prepare("UPDATE vehicle_sessions SET status = 'exit_missed' WHERE estate = ? AND status = 'open'").run(estateId);
    for (const r of roster.residents.filter((x) => x.parked)) {
      applySessionChanges(db, estateId, {
        update: null,
        insert: {
          plate: normal(r.plate), status: 'open', list: 'resident', carPark: garage, gateIn: '', gateOut: '', enteredAt: now, exitedAt: null,
          inEvent: 'demo-start', outEvent: '', validUntil: null,
        },
        occupancy: [],
      });
    }

    const parked: Record<string, number> = {};
    for (const c of carParks) parked[c.id] = 0;
    if (garage) parked[garage] = roster.residents.filter((r) => r.parked).length;
    for (const [carPark, n] of Object.entries(parked)) correctOccupancy(db, estateId, carPark, n, DEMO_USER, 'demo start: the simulation starts with these cars parked', now);
    return { residents: roster.residents.length, visitors: roster.visitors.length, blacklist: roster.blacklist.length, parked };
  })();
}
