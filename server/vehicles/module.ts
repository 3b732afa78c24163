// The vehicles capability (道闸 · 车辆名单 · 车辆进出台账 · 车位): the gate decision on every plate read
// (before the commit), the ledger and car-park counts (after it), the overstay timer, and REST.
// docs/vehicles.md describes the rules and the endpoints.
import { vehicleAlertTypes } from '../../protocol/vehicles.ts';
import { listEstates } from '../store/estates.ts';
import type { EstateModule, ModuleContext, ModuleFactory } from '../modules.ts';
import { GateMaps } from './gate-map.ts';
import { GateReads } from './gate-reads.ts';
import { gateRoutes } from './gate-routes.ts';
import { validVisitor } from './decision.ts';
import { markOverstay, openVisitorSessions, setValidUntil } from './ledger.ts';
import { matchPlate } from './lists.ts';
import { listRoutes } from './lists-routes.ts';
import { displayPlate } from './plate.ts';
import { ensureVehicleTables } from './schema.ts';
import { overstayDue } from './sessions.ts';
import { forgetSettings, getSettings } from './settings.ts';
import { webhookRoutes } from './webhook-routes.ts';

/** How often open visitor sessions are checked for overstay (and occupancy republished once at start). */
export const TICK_MS = 30_000;

export interface VehiclesModule extends EstateModule {
  /** one run of the timer's work (tests call it with their own clock) */
  tick(): void;
}

export interface VehiclesOptions {
  tickMs?: number;
}

export function vehiclesModule(options: VehiclesOptions = {}): ModuleFactory {
  return (ctx) => createVehiclesModule(ctx, options);
}

export function createVehiclesModule(ctx: ModuleContext, options: VehiclesOptions = {}): VehiclesModule {
  ensureVehicleTables(ctx.db);
  const gateMaps = new GateMaps(ctx.db);
  const reads = new GateReads(ctx, gateMaps);
  // before any new read: the ones committed while the last run was going down
  // in a cluster the journal also holds other owners' reads (ModuleContext.clustered)
  const caught = ctx.clustered ? 0 : reads.catchUp();
  if (caught) ctx.log.info(`vehicles: caught up ${caught} plate read(s) committed before the last stop`);
  const published = new Set<string>();

  function tick(): void {
    const now = ctx.now();
    // the retained occupancy message does not survive a restart: send each estate's once
    for (const e of listEstates(ctx.db)) {
      // in a cluster the owner publishes (a takeover publishes again: estateState below)
      if (published.has(e.id) || (ctx.owns && !ctx.owns(e.id))) continue;
      published.add(e.id);
      if (gateMaps.get(e.id, now).carParks.length) reads.publishOccupancy(e.id, 'refresh');
    }
    const settings = new Map<string, number>();
    for (const s of openVisitorSessions(ctx.db)) {
      // every node holds a copy of the ledger in a cluster: the estate's owner alone raises overstays
      if (ctx.owns && !ctx.owns(s.estate)) continue;
      let maxStay = settings.get(s.estate);
      if (maxStay === undefined) settings.set(s.estate, (maxStay = getSettings(ctx.db, s.estate).visitorMaxStayHours));
      let due = overstayDue(s, maxStay, now);
      if (due === null) continue;
      // the pass may have been extended (or a new one issued) since the car came in
      const pass = validVisitor(matchPlate(ctx.db, s.estate, s.plate).visitors, now);
      if (pass && pass.validUntil !== s.validUntil) {
        setValidUntil(ctx.db, s.id, pass.validUntil);
        s.validUntil = pass.validUntil;
        due = overstayDue(s, maxStay, now);
        if (due === null) continue;
      }
      markOverstay(ctx.db, s.id);
      const gate = gateMaps.get(s.estate, now).gates.find((g) => g.id === s.gateIn);
      const shown = displayPlate(s.plate);
      const pastWindow = s.validUntil !== null && due === s.validUntil;
      ctx.alerts.raise({
        estate: s.estate,
        source: s.plate,
        type: vehicleAlertTypes.overstay,
        severity: 'warning',
        tier: 'small',
        title: pastWindow ? `Visitor ${shown} still inside after the pass ended` : `Visitor ${shown} inside longer than ${maxStay} h`,
        titleZh: pastWindow ? `访客车辆 ${shown} 通行期已过仍未离场` : `访客车辆 ${shown} 停留超过 ${maxStay} 小时`,
        ...(gate ? { x: gate.x, y: gate.y } : {}),
        detail: { plate: s.plate, session: s.id, carPark: s.carPark, gate: s.gateIn, enteredAt: s.enteredAt, validUntil: s.validUntil, maxStayHours: maxStay },
        at: due,
      });
    }
  }

  const timer = setInterval(() => {
    try {
      tick();
    } catch (err) {
      ctx.log.error(`vehicles: ${(err as Error).stack ?? err}`);
    }
  }, options.tickMs ?? TICK_MS);
  timer.unref();
  // the first run soon after start (the broker is up by then), not a whole interval later
  const first = setTimeout(() => {
    try {
      tick();
    } catch (err) {
      ctx.log.error(`vehicles: ${(err as Error).stack ?? err}`);
    }
  }, 1_000);
  first.unref();

  return {
    name: 'vehicles',
    perEstate: true, // runs on the estate's owner only in a cluster
    replaysJournal: true, // GateReads.catchUp() applies the reads past the mark
    tick,
    enrich: (event) => reads.enrich(event),
    onCommitted: (events) => reads.committed(events),
    estateState(estate, reason) {
      // the ledger and the counts are read from SQLite at each read: nothing is kept in memory but the
      // retained occupancy message, which the new owner sends again (the old one may have died before
      // its last count reached the dashboards)
      if (reason !== 'takeover') return;
      published.add(estate);
      if (gateMaps.get(estate, ctx.now()).carParks.length) reads.publishOccupancy(estate, 'refresh');
    },
    configApplied(changes) {
      // another node changed an estate's gate settings: the next read decides by them
      for (const c of changes) if (c.table === 'vehicle_settings') forgetSettings(ctx.db, String(c.key.estate));
    },
    routes(router) {
      listRoutes(router, ctx);
      gateRoutes(router, ctx, reads, gateMaps);
    },
    publicRoutes(router) {
      webhookRoutes(router, ctx);
    },
    stop() {
      clearInterval(timer);
      clearTimeout(first);
    },
  };
}
