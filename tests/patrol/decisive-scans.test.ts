// A tour evaluated on its decisive scans (two indexed lookups a checkpoint) must come out exactly as
// evaluated on every scan of its window: checked over generated ledgers against a real SQLite file.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../server/store/db.ts';
import { PatrolStore } from '../../server/patrol/store.ts';
import { evaluateTour } from '../../server/patrol/evaluate.ts';
import type { TourPlan } from '../../server/patrol/schedule.ts';
import { mulberry32 } from '../../simulators/scenario/random.ts';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const MIN = 60_000;
const T0 = Date.parse('2026-11-27T22:00:00+08:00');

describe('decisive scans', () => {
  it('give every tour the same result as all the scans of its window', () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-decisive-'));
    dirs.push(dir);
    const db = openDb(join(dir, 'p.db'));
    dbs.push(db);
    const store = new PatrolStore(db);
    const rnd = mulberry32(271828);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    const checkpoints = ['CP-01', 'CP-02', 'CP-03', 'CP-04', 'CP-05', 'CP-06', 'CP-07'];
    const guards = ['G01', 'G02', 'G03'];
    // a ledger: scans around two hours, by three guards, at route and other checkpoints, some SOS, ties in time
    for (let i = 0; i < 3000; i++) {
      const ts = T0 - 20 * MIN + Math.floor(rnd() * 160) * (MIN / 2);
      const estate = rnd() < 0.9 ? 'garden' : 'other';
      store.insertScan({
        device: pick(['hh-1', 'hh-2', 'hh-3', 'phone-a']), id: `s-${i}`, estate, guard: pick(guards), code: 'x',
        checkpointId: rnd() < 0.05 ? null : pick(checkpoints), checkpoint: '', via: 'code', method: 'nfc', ts, rx: ts, sos: rnd() < 0.05,
      } as never);
    }
    let compared = 0;
    let withScans = 0;
    for (let k = 0; k < 300; k++) {
      const n = 1 + Math.floor(rnd() * 6);
      const opens = T0 - Math.floor(rnd() * 30) * MIN;
      const stops = Array.from({ length: n }, (_, i) => {
        const plannedAt = opens + 5 * MIN + i * 10 * MIN;
        return { checkpoint: pick(checkpoints), plannedAt, deadline: plannedAt + Math.floor(rnd() * 20) * MIN };
      });
      const plan: TourPlan = {
        id: `t-${k}`, estate: 'garden', route: 'r', schedule: 's', day: '2026-11-27', start: opens + 5 * MIN, opens,
        closes: opens + Math.floor(30 + rnd() * 90) * MIN, guard: rnd() < 0.5 ? null : pick(guards), toleranceMs: 5 * MIN, stops,
      };
      for (const now of [opens - MIN, opens + 20 * MIN, plan.closes + MIN]) {
        const all = evaluateTour(plan, store.scans(plan.estate, plan.opens, plan.closes, plan.stops.map((s) => s.checkpoint)), now);
        const decisive = evaluateTour(plan, store.decisiveScans(plan), now);
        expect(decisive, `${JSON.stringify(plan)} at ${now}`).toEqual(all);
        compared++;
        if (all.stops.some((s) => s.scan)) withScans++;
      }
    }
    expect(compared).toBe(900);
    expect(withScans).toBeGreaterThan(300); // most tours had scans that mattered
  });
});
