// A tour's outcome as a pure function of its plan, the check-ins and the time: (tour, scans, now) →
// statuses. Nothing here remembers anything, so a check-in that syncs hours late, a duplicate, or a
// restart all give the same answer as if everything had arrived on time.
import type { StopStatus, TourCounts } from '../../protocol/patrol.ts';
import type { TourPlan } from './schedule.ts';

/** A check-in resolved to a checkpoint of the estate. */
export interface Scan {
  device: string;
  id: string;
  guard: string;
  /** checkpoint id */
  checkpoint: string;
  /** the device's scan time (epoch ms), however late it arrived */
  ts: number;
  method: string;
  note?: string;
  distanceM?: number;
}

export interface StopResult {
  checkpoint: string;
  plannedAt: number;
  deadline: number;
  status: StopStatus;
  scan?: Scan;
}

export interface TourResult {
  state: 'scheduled' | 'active' | 'done';
  guard: string | null;
  stops: StopResult[];
  counts: TourCounts;
  completion: number;
}

/** The order of scans: by time, then device, then id. */
export const byTime = (a: Scan, b: Scan) => a.ts - b.ts || cmp(a.device, b.device) || cmp(a.id, b.id);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Rules (docs/patrol.md):
 * - a check-in counts from the tour's `opens` to each checkpoint's deadline (planned + tolerance + grace);
 * - the tour belongs to its assigned guard, else to the guard of the earliest check-in at one of its checkpoints;
 * - per checkpoint the guard's first check-in counts; repeats and duplicates (same device + id) change nothing;
 * - visits not in route order: the longest run in route order stands, the others are `out_of_order`;
 * - otherwise `early` / `on_time` / `late` by the planned time ± tolerance; no check-in by the deadline: `missed`.
 */
export function evaluateTour(plan: TourPlan, scans: readonly Scan[], now: number): TourResult {
  const index = new Map(plan.stops.map((s, i) => [s.checkpoint, i]));
  const seen = new Set<string>();
  const candidates: Scan[] = [];
  for (const s of scans) {
    const key = `${s.device}\u0000${s.id}`;
    if (seen.has(key) || !index.has(s.checkpoint) || s.ts < plan.opens || s.ts > plan.closes) continue;
    seen.add(key);
    candidates.push(s);
  }
  candidates.sort(byTime);
  const guard = plan.guard ?? candidates[0]?.guard ?? null;

  const matched: Array<Scan | undefined> = plan.stops.map(() => undefined);
  for (const s of candidates) {
    if (s.guard !== guard) continue;
    const i = index.get(s.checkpoint)!;
    if (!matched[i] && s.ts <= plan.stops[i].deadline) matched[i] = s;
  }

  const inOrder = longestInOrder(matched);
  const counts: TourCounts = { on_time: 0, late: 0, early: 0, missed: 0, out_of_order: 0, pending: 0 };
  const stops = plan.stops.map((stop, i): StopResult => {
    const scan = matched[i];
    let status: StopStatus;
    if (!scan) status = now > stop.deadline ? 'missed' : 'pending';
    else if (!inOrder.has(i)) status = 'out_of_order';
    else if (scan.ts < stop.plannedAt - plan.toleranceMs) status = 'early';
    else if (scan.ts > stop.plannedAt + plan.toleranceMs) status = 'late';
    else status = 'on_time';
    counts[status]++;
    return { checkpoint: stop.checkpoint, plannedAt: stop.plannedAt, deadline: stop.deadline, status, ...(scan ? { scan } : {}) };
  });
  const visited = stops.length - counts.missed - counts.pending;
  const state = now < plan.opens ? 'scheduled' : counts.pending === 0 || now > plan.closes ? 'done' : 'active';
  return { state, guard, stops, counts, completion: stops.length ? visited / stops.length : 0 };
}

/**
 * Stop indices in the longest sequence visited in route order (a longest increasing subsequence of
 * route positions, taken in scan-time order). One stop scanned out of turn marks that stop only; a
 * guard who walks the route backwards gets all but one marked.
 */
export function longestInOrder(matched: ReadonlyArray<Scan | undefined>): Set<number> {
  const visits = matched
    .map((scan, stop) => ({ scan, stop }))
    .filter((v): v is { scan: Scan; stop: number } => !!v.scan)
    .sort((a, b) => byTime(a.scan, b.scan) || a.stop - b.stop);
  // patience sorting: tails[k] = index into visits of the smallest stop ending an in-order run of length k+1
  const tails: number[] = [];
  const previous: number[] = [];
  visits.forEach((v, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (visits[tails[mid]].stop < v.stop) lo = mid + 1;
      else hi = mid;
    }
    previous[i] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = i;
  });
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = previous[i]) keep.add(visits[i].stop);
  return keep;
}
