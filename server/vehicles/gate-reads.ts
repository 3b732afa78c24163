// One plate read through the vehicles module: before the commit it gets its decision fields (stored,
// published live and forwarded with the event); after the commit it moves the ledger and the car-park
// counts, and raises the alerts (blacklisted plate; overstay is the timer's, in module.ts).
import { channelTopic, type EstateEvent } from '../../protocol/index.ts';
import { vehicleAlertTypes, type OccupancyMessage, type VehicleDecisionFields } from '../../protocol/vehicles.ts';
import type { ModuleContext } from '../modules.ts';
import { decide, isMatchable, NO_MATCH, validVisitor, type Decision } from './decision.ts';
import { resolveGate, type GateMaps } from './gate-map.ts';
import { applySessionChanges, latestSession } from './ledger.ts';
import { matchPlate } from './lists.ts';
import { applyOccupancy, occupancySnapshot } from './occupancy.ts';
import { displayPlate, normalizePlate } from './plate.ts';
import { anonymousPass, pairRead, type OccupancyDelta } from './sessions.ts';
import { getSettings } from './settings.ts';

export interface ReadInput {
  estate: string;
  device: string;
  x?: number;
  y?: number;
  /** device time, epoch ms */
  at: number;
  plate: string;
  direction: 'in' | 'out';
  confidence: number;
  vehicleType?: string;
}

export interface Evaluation {
  fields: VehicleDecisionFields;
  decision: Decision;
  gateName: string;
}

/** The decision fields of one read. Reads the lists, the settings and the gates; writes nothing. */
export function evaluateRead(ctx: Pick<ModuleContext, 'db'>, gateMaps: GateMaps, r: ReadInput): Evaluation {
  const plate = normalizePlate(r.plate, r.vehicleType);
  const settings = getSettings(ctx.db, r.estate);
  const read = { plate, confidence: r.confidence, direction: r.direction, at: r.at };
  const match = plate.ok && isMatchable(read, settings) ? matchPlate(ctx.db, r.estate, plate.plate) : NO_MATCH;
  const decision = decide(read, match, settings);
  const gate = resolveGate(gateMaps.get(r.estate).gates, r.device, r.x, r.y);
  const fields: VehicleDecisionFields = {
    plateNormalized: plate.ok ? plate.plate : '',
    plateKind: plate.ok ? plate.kind : 'unknown',
    plateColor: plate.ok ? plate.color : 'unknown',
    decision: decision.decision,
    decisionReason: decision.reason,
    list: decision.list,
    gate: gate?.id ?? '',
    // a resident's own car park wins over the gate's: the garage resident who came in by the main gate
    carPark: decision.residentCarPark || gate?.carPark || '',
  };
  return { fields, decision, gateName: gate?.name ?? r.device };
}

const vehicleRead = (e: EstateEvent): ReadInput | null => {
  const d = e.data;
  if (e.kind !== 'vehicle' || typeof d.plate !== 'string' || (d.direction !== 'in' && d.direction !== 'out') || typeof d.confidence !== 'number') return null;
  return {
    estate: e.estate, device: e.device, x: e.x, y: e.y, at: e.ts, plate: d.plate, direction: d.direction, confidence: d.confidence,
    ...(typeof d.vehicleType === 'string' ? { vehicleType: d.vehicleType } : {}),
  };
};

export class GateReads {
  constructor(
    private readonly ctx: ModuleContext,
    private readonly gateMaps: GateMaps,
  ) {}

  enrich(event: EstateEvent): void {
    const read = vehicleRead(event);
    if (!read) return;
    Object.assign(event.data, evaluateRead(this.ctx, this.gateMaps, read).fields);
  }

  committed(events: readonly EstateEvent[]): void {
    const touched = new Set<string>();
    for (const event of events) {
      if (event.kind !== 'vehicle' || typeof event.data.decision !== 'string') continue;
      try {
        if (this.apply(event)) touched.add(event.estate);
      } catch (err) {
        this.ctx.log.error(`vehicles: ${event.device}/${event.id}: ${(err as Error).stack ?? err}`);
      }
    }
    for (const estate of touched) this.publishOccupancy(estate, 'read');
  }

  publishOccupancy(estate: string, cause: OccupancyMessage['cause']): void {
    const message: OccupancyMessage = { estate, at: this.ctx.now(), carParks: occupancySnapshot(this.ctx.db, estate), cause };
    this.ctx.publish(channelTopic(estate, 'occupancy'), message, { retain: true });
  }

  /** Ledger, counts and alerts for one committed read; true when a count changed. */
  private apply(event: EstateEvent): boolean {
    const { db } = this.ctx;
    const d = event.data as EstateEvent['data'] & VehicleDecisionFields;
    const direction = d.direction === 'out' ? 'out' : 'in';
    const plate = d.plateNormalized;
    const trusted = plate !== '' && d.decisionReason !== 'low_confidence' && d.decisionReason !== 'unreadable_plate';
    const eventRef = `${event.device}/${event.id ?? event.ts}`;
    const now = this.ctx.now();

    const { changed, clearOverstay } = db.transaction(() => {
      let deltas: OccupancyDelta[];
      let clearOverstay = false;
      if (!trusted) deltas = anonymousPass(direction, d.carPark, d.decision);
      else {
        const visitor = d.list === 'visitor' ? validVisitor(matchPlate(db, event.estate, plate).visitors, event.ts) : null;
        const changes = pairRead(latestSession(db, event.estate, plate), {
          plate, direction, at: event.ts, event: eventRef, gate: d.gate, carPark: d.carPark, decision: d.decision, list: d.list,
          validUntil: visitor?.validUntil ?? null,
        });
        applySessionChanges(db, event.estate, changes);
        deltas = changes.occupancy;
        clearOverstay = changes.update?.hadOverstay ?? false;
      }
      return { changed: applyOccupancy(db, event.estate, deltas, now), clearOverstay };
    })();
    // the visitor left (or was seen entering again): the overstay is over
    if (clearOverstay) this.ctx.alerts.clear(event.estate, plate, vehicleAlertTypes.overstay, event.ts);

    if (d.decisionReason === 'blacklisted') {
      const gate = d.gate ? this.gateMaps.get(event.estate).gates.find((g) => g.id === d.gate) : undefined;
      const where = gate?.name ?? event.device;
      const shown = displayPlate(plate);
      const reason = matchPlate(db, event.estate, plate).blacklist?.reason ?? '';
      this.ctx.alerts.raise({
        estate: event.estate,
        source: plate,
        type: vehicleAlertTypes.blacklisted,
        severity: 'major',
        tier: 'small',
        title: `Blacklisted plate ${shown} at ${where} (${direction === 'in' ? 'entering' : 'leaving'})`,
        titleZh: `黑名单车辆 ${shown} ${direction === 'in' ? '驶入' : '驶出'} ${where}`,
        ...(event.x !== undefined && event.y !== undefined ? { x: event.x, y: event.y } : {}),
        ...(event.building ? { building: event.building } : {}),
        detail: { plate, raw: String(d.plate), reason, gate: d.gate, device: event.device, direction, decision: d.decision, event: eventRef, confidence: d.confidence },
        at: event.ts,
      });
    }
    return changed.length > 0;
  }
}
