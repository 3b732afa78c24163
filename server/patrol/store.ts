// Patrol tables: routes, tours (plan snapshot + last evaluation), the patrol ledger of check-ins
// (巡更台账) and check-in photos. The journal stays the record of what devices sent; these rows are
// derived from it and can be rebuilt from it (see module.ts catch-up).
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.ts';
import type { PatrolRoute, TourState } from '../../protocol/patrol.ts';
import type { TourPlan } from './schedule.ts';
import { byTime, type Scan, type TourResult } from './evaluate.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS patrol_routes (
  estate TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,              -- JSON PatrolRoute
  PRIMARY KEY (estate, id)
);
CREATE TABLE IF NOT EXISTS patrol_tours (
  estate TEXT NOT NULL,
  id TEXT NOT NULL,                -- {route}@{local start}
  route TEXT NOT NULL,
  day TEXT NOT NULL,               -- local date the schedule window began
  start INTEGER NOT NULL,
  opens INTEGER NOT NULL,
  closes INTEGER NOT NULL,
  state TEXT NOT NULL,             -- scheduled | active | done | cancelled
  guard TEXT,
  plan TEXT NOT NULL,              -- JSON TourPlan, a snapshot of the route when generated
  result TEXT,                     -- JSON TourResult, the last evaluation
  cancel_reason TEXT,
  PRIMARY KEY (estate, id)
);
CREATE INDEX IF NOT EXISTS patrol_tours_opens ON patrol_tours (estate, opens);
CREATE INDEX IF NOT EXISTS patrol_tours_open_state ON patrol_tours (state, opens);
CREATE INDEX IF NOT EXISTS patrol_tours_day ON patrol_tours (estate, day);
-- The patrol ledger: every check-in, resolved to a checkpoint (or not). One row per (device, id):
-- a redelivered or re-synced check-in is the same row.
CREATE TABLE IF NOT EXISTS patrol_scans (
  device TEXT NOT NULL,
  event_id TEXT NOT NULL,
  estate TEXT NOT NULL,
  guard TEXT NOT NULL,
  code TEXT NOT NULL,              -- what the device reported
  checkpoint TEXT,                 -- resolved checkpoint id; NULL = unknown code and no GPS match
  via TEXT,                        -- code | gps
  method TEXT NOT NULL,
  ts INTEGER NOT NULL,             -- the device's scan time
  rx INTEGER NOT NULL,             -- when the server received it
  note TEXT,
  distance_m REAL,
  sos INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (device, event_id)
);
CREATE INDEX IF NOT EXISTS patrol_scans_ts ON patrol_scans (estate, ts);
-- a tour's decisive scans: the earliest at each checkpoint in a window, of anyone and of the walking
-- guard (see decisiveScans); the second also when that guard never came by and others did, often
CREATE INDEX IF NOT EXISTS patrol_scans_checkpoint_ts ON patrol_scans (estate, checkpoint, ts);
CREATE INDEX IF NOT EXISTS patrol_scans_checkpoint_guard_ts ON patrol_scans (estate, checkpoint, guard, ts);
CREATE TABLE IF NOT EXISTS patrol_photos (
  device TEXT NOT NULL,
  id TEXT NOT NULL,
  estate TEXT NOT NULL,
  mime TEXT NOT NULL,
  data BLOB NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (device, id)
);
`;

/** Longest a tour may be open (validated on routes): bounds the search for the tours a check-in falls in. */
export const MAX_TOUR_SPAN_MS = 24 * 3_600_000;

export interface TourRow {
  plan: TourPlan;
  state: TourState;
  result: TourResult | null;
  cancelReason: string | null;
}

export interface LedgerRow extends Scan {
  estate: string;
  code: string;
  checkpointId: string | null;
  via: string | null;
  rx: number;
  sos: boolean;
}

type Raw = Record<string, unknown>;

const tourRow = (r: Raw): TourRow => ({
  plan: JSON.parse(r.plan as string),
  state: r.state as TourState,
  result: r.result ? JSON.parse(r.result as string) : null,
  cancelReason: (r.cancel_reason as string | null) ?? null,
});

const scanRow = (r: Raw): Scan => ({
  device: r.device as string,
  id: r.event_id as string,
  guard: r.guard as string,
  checkpoint: r.checkpoint as string,
  ts: r.ts as number,
  method: r.method as string,
  ...(r.note ? { note: r.note as string } : {}),
  ...(r.distance_m !== null && r.distance_m !== undefined ? { distanceM: r.distance_m as number } : {}),
});

/** The patrol tables, for a shared configuration's copy without the module (config-db.ts). */
export function ensurePatrolTables(db: Db): void {
  db.exec(SCHEMA);
}

export class PatrolStore {
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
  }

  /** Prepared once per SQL text: preparing costs more than most of these queries. */
  private q(sql: string): Statement<unknown[]> {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- routes -----------------------------------------------------------------------------------

  routes(estate: string): PatrolRoute[] {
    return (this.q('SELECT body FROM patrol_routes WHERE estate = ? ORDER BY id').all(estate) as Raw[]).map((r) => JSON.parse(r.body as string));
  }

  route(estate: string, id: string): PatrolRoute | undefined {
    const r = this.q('SELECT body FROM patrol_routes WHERE estate = ? AND id = ?').get(estate, id) as Raw | undefined;
    return r ? JSON.parse(r.body as string) : undefined;
  }

  putRoute(route: PatrolRoute): void {
    this.q('INSERT INTO patrol_routes (estate, id, body) VALUES (?, ?, ?) ON CONFLICT(estate, id) DO UPDATE SET body = excluded.body').run(
      route.estate, route.id, JSON.stringify(route),
    );
  }

  deleteRoute(estate: string, id: string): boolean {
    return this.q('DELETE FROM patrol_routes WHERE estate = ? AND id = ?').run(estate, id).changes > 0;
  }

  estatesWithRoutes(): string[] {
    return (this.q('SELECT DISTINCT estate FROM patrol_routes ORDER BY estate').all() as Raw[]).map((r) => r.estate as string);
  }

  // ---- tours ------------------------------------------------------------------------------------

  /** New tours only: a tour already generated keeps its plan and its evaluation. */
  insertTours(plans: TourPlan[]): number {
    const insert = this.q(
      `INSERT OR IGNORE INTO patrol_tours (estate, id, route, day, start, opens, closes, state, guard, plan)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?)`,
    );
    let added = 0;
    for (const p of plans) added += insert.run(p.estate, p.id, p.route, p.day, p.start, p.opens, p.closes, p.guard, JSON.stringify(p)).changes;
    return added;
  }

  /** Tours of a route not yet open: dropped when the route changes, then planned again from the new version. */
  deleteUnopenedTours(estate: string, route: string, now: number): number {
    return this.q("DELETE FROM patrol_tours WHERE estate = ? AND route = ? AND opens > ? AND state = 'scheduled'").run(estate, route, now).changes;
  }

  tour(estate: string, id: string): TourRow | undefined {
    const r = this.q('SELECT plan, state, result, cancel_reason FROM patrol_tours WHERE estate = ? AND id = ?').get(estate, id) as Raw | undefined;
    return r ? tourRow(r) : undefined;
  }

  /** Tours that the clock may change: not final, already open. */
  dueTours(now: number, estate?: string): TourRow[] {
    const sql = `SELECT plan, state, result, cancel_reason FROM patrol_tours WHERE state IN ('scheduled', 'active') AND opens <= ?${estate ? ' AND estate = ?' : ''} ORDER BY opens`;
    return (this.q(sql).all(...(estate ? [now, estate] : [now])) as Raw[]).map(tourRow);
  }

  /** Earliest moment a not-final tour changes by itself: its opening or the next deadline. */
  nextTourChange(now: number): number | null {
    const r = this.q("SELECT MIN(opens) AS t FROM patrol_tours WHERE state = 'scheduled' AND opens > ?").get(now) as Raw;
    let next = (r.t as number | null) ?? null;
    for (const t of this.dueTours(now)) {
      for (const s of t.plan.stops) if (s.deadline >= now && (next === null || s.deadline < next)) next = s.deadline;
      if (t.plan.closes >= now && (next === null || t.plan.closes < next)) next = t.plan.closes;
    }
    return next;
  }

  /** Tours whose window meets [from, to], by start. */
  toursOverlapping(estate: string, from: number, to: number): TourRow[] {
    return (
      this.q('SELECT plan, state, result, cancel_reason FROM patrol_tours WHERE estate = ? AND opens BETWEEN ? AND ? AND closes >= ? ORDER BY start, id')
        .all(estate, from - MAX_TOUR_SPAN_MS, to, from) as Raw[]
    ).map(tourRow);
  }

  toursOfDays(estate: string, fromDay: string, toDay: string): TourRow[] {
    return (
      this.q('SELECT plan, state, result, cancel_reason FROM patrol_tours WHERE estate = ? AND day BETWEEN ? AND ? ORDER BY start, id').all(estate, fromDay, toDay) as Raw[]
    ).map(tourRow);
  }

  saveResult(estate: string, id: string, state: TourState, result: TourResult): void {
    this.q('UPDATE patrol_tours SET state = ?, guard = ?, result = ? WHERE estate = ? AND id = ?').run(state, result.guard, JSON.stringify(result), estate, id);
  }

  cancelTour(estate: string, id: string, reason: string): void {
    this.q("UPDATE patrol_tours SET state = 'cancelled', cancel_reason = ? WHERE estate = ? AND id = ?").run(reason, estate, id);
  }

  // ---- ledger -----------------------------------------------------------------------------------

  /** true when the check-in is new (a duplicate (device, id) changes nothing) */
  insertScan(row: LedgerRow): boolean {
    const insert = this.q(
      `INSERT OR IGNORE INTO patrol_scans (device, event_id, estate, guard, code, checkpoint, via, method, ts, rx, note, distance_m, sos)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return insert.run(row.device, row.id, row.estate, row.guard, row.code, row.checkpointId, row.via, row.method, row.ts, row.rx, row.note ?? null, row.distanceM ?? null, row.sos ? 1 : 0).changes === 1;
  }

  /**
   * The scans that decide a tour's outcome, for evaluateTour: the earliest at each of its checkpoints
   * in its window (the earliest of all says whose tour it is when none is assigned), and at each
   * checkpoint the walking guard's earliest up to that stop's deadline. evaluateTour gives the same
   * result on these as on every scan of the window (tests/patrol/decisive-scans.test.ts), and reading
   * them costs a few indexed lookups a checkpoint instead of every scan of the window: re-evaluating a
   * tour per check-in group over all of them made check-ins cost more the longer a round was open
   * (a 60 s ingest benchmark fell from ~9,000 to ~2,600 events/s).
   */
  decisiveScans(plan: TourPlan): Scan[] {
    const stops = new Map(plan.stops.map((s, i) => [s.checkpoint, i])); // evaluateTour's index: the last stop of a checkpoint
    const out: Scan[] = [];
    let earliest: Scan | undefined;
    for (const checkpoint of stops.keys()) {
      const scan = this.earliestScan(plan.estate, checkpoint, plan.opens, plan.closes, null);
      if (!scan) continue;
      out.push(scan);
      if (!earliest || byTime(scan, earliest) < 0) earliest = scan;
    }
    const guard = plan.guard ?? earliest?.guard;
    if (guard === undefined) return out;
    for (const [checkpoint, i] of stops) {
      const scan = this.earliestScan(plan.estate, checkpoint, plan.opens, Math.min(plan.closes, plan.stops[i].deadline), guard);
      if (scan) out.push(scan);
    }
    return out;
  }

  /**
   * The earliest non-SOS scan at a checkpoint with from ≤ ts ≤ to (by `guard`, if given), ties broken
   * by device and id as evaluateTour does. Two steps, so each is a walk of the (estate, checkpoint, ts)
   * index that stops at once: ORDER BY ts, device, event_id LIMIT 1 made SQLite sort every scan of the
   * window at that checkpoint first.
   */
  private earliestScan(estate: string, checkpoint: string, from: number, to: number, guard: string | null): Scan | undefined {
    const byGuard = guard === null ? '' : ' AND guard = ?';
    const extra = guard === null ? [] : [guard];
    const ts = this.q(`SELECT ts FROM patrol_scans WHERE estate = ? AND checkpoint = ? AND ts BETWEEN ? AND ? AND sos = 0${byGuard} ORDER BY ts LIMIT 1`).get(
      estate, checkpoint, from, to, ...extra,
    ) as { ts: number } | undefined;
    if (!ts) return undefined;
    const ties = (this.q(`SELECT * FROM patrol_scans WHERE estate = ? AND checkpoint = ? AND ts = ? AND sos = 0${byGuard}`).all(estate, checkpoint, ts.ts, ...extra) as Raw[]).map(scanRow);
    return ties.sort(byTime)[0];
  }

  /**
   * Resolved, non-SOS check-ins of an estate with from ≤ ts ≤ to, at the given checkpoints: every scan
   * of a window, the reference decisiveScans is held to in tests (the engine reads decisiveScans).
   */
  scans(estate: string, from: number, to: number, checkpoints: readonly string[]): Scan[] {
    // json_each: one statement whatever the route's length
    return (
      this.q(
        `SELECT * FROM patrol_scans WHERE estate = ? AND ts BETWEEN ? AND ? AND sos = 0
           AND checkpoint IN (SELECT value FROM json_each(?)) ORDER BY ts, device, event_id`,
      ).all(estate, from, to, JSON.stringify(checkpoints)) as Raw[]
    ).map(scanRow);
  }

  ledger(estate: string, from: number, to: number, limit: number): Array<Record<string, unknown>> {
    return (
      this.q('SELECT * FROM patrol_scans WHERE estate = ? AND ts BETWEEN ? AND ? ORDER BY ts DESC, device, event_id LIMIT ?').all(estate, from, to, limit) as Raw[]
    ).map((r) => ({
      device: r.device, id: r.event_id, guard: r.guard, code: r.code, checkpoint: r.checkpoint, via: r.via, method: r.method,
      ts: r.ts, rx: r.rx, note: r.note ?? undefined, distanceM: r.distance_m ?? undefined, sos: r.sos === 1,
    }));
  }

  // ---- photos -----------------------------------------------------------------------------------

  putPhoto(estate: string, device: string, id: string, mime: string, data: Buffer, at: number): boolean {
    return this.q('INSERT OR IGNORE INTO patrol_photos (device, id, estate, mime, data, at) VALUES (?, ?, ?, ?, ?, ?)').run(device, id, estate, mime, data, at).changes === 1;
  }

  photo(estate: string, device: string, id: string): { mime: string; data: Buffer } | undefined {
    return this.q('SELECT mime, data FROM patrol_photos WHERE estate = ? AND device = ? AND id = ?').get(estate, device, id) as
      | { mime: string; data: Buffer }
      | undefined;
  }
}
