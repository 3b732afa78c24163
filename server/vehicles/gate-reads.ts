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
import { prepared } from '../store/statements.ts';
import { getMeta, setMeta } from '../store/db.ts';

/** meta key: the journal seq up to which plate reads are in the ledger and the counts */
export const JOURNAL_MARK = 'vehicles.journal_seq';
/** A group without plate reads moves the journal mark only this often (ms): see committed(). */
const IDLE_MARK_MS = 10_000;

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
  /**
   * The group's transaction and each read's savepoint (a read that fails is rolled back alone).
   * Built once: better-sqlite3's db.transaction() builds a new wrapper at every call, which showed as
   * ~4% of the main thread in the ingest profile when it ran per read.
   */
  private readonly applyOne;
  private readonly applyGroup;
  private lastMarkAt = 0;

  constructor(
    private readonly ctx: ModuleContext,
    private readonly gateMaps: GateMaps,
  ) {
    this.applyOne = ctx.db.transaction((event: EstateEvent, touched: Set<string>, after: Array<() => void>) => {
      if (this.apply(event, after)) touched.add(event.estate);
    });
    this.applyGroup = ctx.db.transaction((reads: readonly EstateEvent[], touched: Set<string>, after: Array<() => void>) => {
      for (const event of reads) {
        try {
          this.applyOne(event, touched, after);
        } catch (err) {
          this.ctx.log.error(`vehicles: ${event.device}/${event.id}: ${(err as Error).stack ?? err}`);
        }
      }
      this.markJournal();
    });
  }

  enrich(event: EstateEvent): void {
    const read = vehicleRead(event);
    if (!read) return;
    Object.assign(event.data, evaluateRead(this.ctx, this.gateMaps, read).fields);
  }

  /**
   * After the commit: one transaction for the whole group — sessions, counts and the journal mark
   * together, so a crash between the journal commit and here is caught up at the next start, exactly
   * once (catchUp). Alerts and the occupancy message go out after that transaction.
   */
  committed(events: readonly EstateEvent[], options: { deferEffects?: boolean } = {}): void {
    const reads = events.filter((e) => e.kind === 'vehicle' && typeof e.data.decision === 'string');
    if (!reads.length) {
      // Nothing to apply, so no transaction (most groups of a camera- or sensor-heavy estate: it was
      // one per journal commit). The mark still moves now and then, so that a restart's catch-up does
      // not scan a day of heartbeats for plate reads.
      if (Date.now() - this.lastMarkAt >= IDLE_MARK_MS) this.markJournal();
      return;
    }
    const touched = new Set<string>();
    const after: Array<() => void> = [];
    this.applyGroup(reads, touched, after);
    const effects = () => {
      for (const act of after) act();
      for (const estate of touched) this.publishOccupancy(estate, 'read');
    };
    // at start the alert sink and the broker are bound only after every module is created
    if (options.deferEffects) setImmediate(effects);
    else effects();
  }

  /**
   * At start: the reads committed after the last mark (the server stopped between a commit and its
   * onCommitted). A first start only sets the mark: the journal's older reads are history, not news.
   */
  catchUp(): number {
    const { db } = this.ctx;
    const max = (db.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null }).seq ?? 0;
    const stored = getMeta(db, JOURNAL_MARK);
    // a journal trimmed empty numbers its rows from 1 again: then the mark means nothing
    if (stored === undefined || Number(stored) > max) {
      setMeta(db, JOURNAL_MARK, String(max));
      return 0;
    }
    const rows = db.prepare("SELECT body FROM events WHERE seq > ? AND kind = 'vehicle' ORDER BY seq").all(Number(stored)) as Array<{ body: string }>;
    const events = rows.map((r) => JSON.parse(r.body) as EstateEvent);
    this.committed(events, { deferEffects: true });
    return events.length;
  }

  /** onCommitted runs right after its group commit, so MAX(seq) is that group's end. */
  private markJournal(): void {
    this.lastMarkAt = Date.now();
    const r = prepared(this.ctx.db, 'SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null };
    if (r.seq !== null) setMeta(this.ctx.db, JOURNAL_MARK, String(r.seq));
  }

  publishOccupancy(estate: string, cause: OccupancyMessage['cause']): void {
    const message: OccupancyMessage = { estate, at: this.ctx.now(), carParks: occupancySnapshot(this.ctx.db, estate), cause };
    this.ctx.publish(channelTopic(estate, 'occupancy'), message, { retain: true });
  }

  /** Ledger and counts for one committed read (inside the caller's transaction); alerts are queued on `after`. True when a count changed. */
  private apply(event: EstateEvent, after: Array<() => void>): boolean {
    const { db } = this.ctx;
    const d = event.data as EstateEvent['data'] & VehicleDecisionFields;
    const direction = d.direction === 'out' ? 'out' : 'in';
    const plate = d.plateNormalized;
    const trusted = plate !== '' && d.decisionReason !== 'low_confidence' && d.decisionReason !== 'unreadable_plate';
    const eventRef = `${event.device}/${event.id ?? event.ts}`;

    let deltas: OccupancyDelta[];
    if (!trusted) deltas = anonymousPass(direction, d.carPark, d.decision);
    else {
      const visitor = d.list === 'visitor' ? validVisitor(matchPlate(db, event.estate, plate).visitors, event.ts) : null;
      const changes = pairRead(latestSession(db, event.estate, plate), {
        plate, direction, at: event.ts, event: eventRef, gate: d.gate, carPark: d.carPark, decision: d.decision, list: d.list,
        validUntil: visitor?.validUntil ?? null,
      });
      applySessionChanges(db, event.estate, changes, changes.insert ? this.ctx.allocateId?.('vehicles') : undefined);
      deltas = changes.occupancy;
      // the visitor left (or was seen entering again): the overstay is over
      if (changes.update?.hadOverstay) after.push(() => this.ctx.alerts.clear(event.estate, plate, vehicleAlertTypes.overstay, event.ts));
    }
    const changed = applyOccupancy(db, event.estate, deltas, this.ctx.now());

    if (d.decisionReason === 'blacklisted') {
      const gate = d.gate ? this.gateMaps.get(event.estate).gates.find((g) => g.id === d.gate) : undefined;
      const where = gate?.name ?? event.device;
      const shown = displayPlate(plate);
      const reason = matchPlate(db, event.estate, plate).blacklist?.reason ?? '';
      after.push(() =>
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
        }),
      );
    }
    return changed.length > 0;
  }
}
