// The gate panel's state, kept outside React: the latest plate reads with their decisions (from the
// live feed and, at start and now and then, from the history), and the car parks' counts (from the
// retained `estates/{e}/occupancy` channel and the REST snapshot). Pure: no fetch, no timers.
import { displayPlate, type CarParkOccupancy, type GateDecision, type OccupancyMessage } from '../../../../protocol/vehicles.ts';
import type { EventData } from '../../../../protocol/schemas.ts';

/** Rows kept: a wall screen shows about a dozen; the rest scroll. */
export const GATE_LOG_CAPACITY = 30;

export interface GateRow {
  key: string;
  ts: number;
  device: string;
  gate: string;
  /** the plate as it reads best: normalised (with the dot) when readable, else what the camera said */
  plate: string;
  direction: 'in' | 'out';
  decision: GateDecision;
  reason: string;
  list: string;
  confidence: number | null;
}

const DECISIONS = new Set(['allow', 'deny', 'review']);

/** A vehicle event with a decision → a row; anything else → null. */
export function gateRow(key: string, device: string, ts: number, data: EventData): GateRow | null {
  if (typeof data.decision !== 'string' || !DECISIONS.has(data.decision)) return null;
  const normal = typeof data.plateNormalized === 'string' ? data.plateNormalized : '';
  return {
    key,
    ts,
    device,
    gate: typeof data.gate === 'string' ? data.gate : '',
    plate: normal ? displayPlate(normal) : String(data.plate ?? '?'),
    direction: data.direction === 'out' ? 'out' : 'in',
    decision: data.decision as GateDecision,
    reason: typeof data.decisionReason === 'string' ? data.decisionReason : '',
    list: typeof data.list === 'string' ? data.list : 'none',
    confidence: typeof data.confidence === 'number' ? data.confidence : null,
  };
}

export class GateLog {
  private list: GateRow[] = [];
  private readonly keys = new Set<string>();
  /** bumped on every change */
  version = 0;

  constructor(readonly capacity = GATE_LOG_CAPACITY) {}

  /** Newest first by read time; a repeat of a key is ignored. Returns whether the log changed. */
  add(row: GateRow | null): boolean {
    if (!row || this.keys.has(row.key)) return false;
    let at = 0;
    while (at < this.list.length && this.list[at].ts > row.ts) at++;
    if (at >= this.capacity) return false;
    const next = this.list.slice();
    next.splice(at, 0, row);
    for (const dropped of next.splice(this.capacity)) this.keys.delete(dropped.key);
    this.keys.add(row.key);
    this.list = next;
    this.version++;
    return true;
  }

  rows(): readonly GateRow[] {
    return this.list;
  }
}

export type FillLevel = 'ok' | 'busy' | 'full' | 'unknown';

/** How full a car park is, for the gauge's colour: busy from 85 %, full from 95 %. */
export function fillLevel(c: Pick<CarParkOccupancy, 'parked' | 'capacity'>): FillLevel {
  if (!c.capacity) return 'unknown';
  const share = c.parked / c.capacity;
  return share >= 0.95 ? 'full' : share >= 0.85 ? 'busy' : 'ok';
}

export class CarParkBoard {
  private parks: CarParkOccupancy[] = [];
  private at = 0;
  version = 0;

  constructor(readonly estate: string) {}

  /** A REST snapshot (taken at `at`, local clock) or a channel message; older news is ignored. */
  apply(carParks: CarParkOccupancy[], at: number): void {
    if (at < this.at) return;
    this.at = at;
    this.parks = carParks;
    this.version++;
  }

  /** A message from `estates/{e}/occupancy`, checked loosely: the web shows what it can read. */
  applyMessage(payload: unknown): boolean {
    const m = payload as Partial<OccupancyMessage> | null;
    if (!m || m.estate !== this.estate || !Array.isArray(m.carParks) || typeof m.at !== 'number') return false;
    const parks = m.carParks.filter((c): c is CarParkOccupancy => !!c && typeof c.id === 'string' && typeof c.parked === 'number');
    this.apply(parks, m.at);
    return true;
  }

  carParks(): readonly CarParkOccupancy[] {
    return this.parks;
  }
}
