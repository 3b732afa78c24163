// Which gate a plate camera stands at, and so which car park its passes count for: the gate that lists
// the camera (`se:devices`), else the nearest vehicle gate within NEAR_GATE_M of the camera (a camera
// added by hand, with a position but no gate). Cached per estate for a few seconds, like the ingest's
// estate context, because an import may run in another process.
import type { GateDetail } from '../../protocol/vehicles.ts';
import type { Db } from '../store/db.ts';
import { listCarParks, listGates } from '../estate/gates.ts';

export const NEAR_GATE_M = 60;
const TTL_MS = 10_000;

export function resolveGate(gates: readonly GateDetail[], device: string, x: number | undefined, y: number | undefined): GateDetail | null {
  const listed = gates.find((g) => g.devices.includes(device));
  if (listed) return listed;
  if (x === undefined || y === undefined) return null;
  let best: GateDetail | null = null;
  let bestDistance = NEAR_GATE_M;
  for (const g of gates) {
    if (!g.access.includes('vehicle')) continue;
    const d = Math.hypot(g.x - x, g.y - y);
    if (d <= bestDistance) (best = g), (bestDistance = d);
  }
  return best;
}

export interface EstateGates {
  gates: GateDetail[];
  carParks: Array<{ id: string; name: string; capacity: number | null }>;
}

export class GateMaps {
  private cache = new Map<string, { at: number; value: EstateGates }>();

  constructor(private readonly db: Db) {}

  get(estate: string, now = Date.now()): EstateGates {
    const hit = this.cache.get(estate);
    if (hit && now - hit.at < TTL_MS) return hit.value;
    const value = { gates: listGates(this.db, estate), carParks: listCarParks(this.db, estate) };
    this.cache.set(estate, { at: now, value });
    return value;
  }

  invalidate(estate: string): void {
    this.cache.delete(estate);
  }
}
