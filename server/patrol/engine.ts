// The patrol engine: the edge around the pure parts. It files committed check-ins in the ledger,
// generates tours from schedules, re-evaluates the tours a check-in or the clock touches, persists
// the result, publishes tour upserts on `estates/{e}/patrol` and raises or clears alerts.
import { Counter } from 'prom-client';
import { channelTopic, type CheckpointInfo, type EstateEvent } from '../../protocol/index.ts';
import type { PatrolChannelMessage, PatrolRoute, TourView } from '../../protocol/patrol.ts';
import type { ModuleContext } from '../modules.ts';
import { getEstate, listCheckpoints, listEstates } from '../store/estates.ts';
import { getMeta, setMeta } from '../store/db.ts';
import { GARDEN_PATROL, GARDEN_PATROL_ESTATE, GARDEN_PATROL_ROUTE } from '../estate/demo/garden-patrol.ts';
import { alertChanges, alertSource, MISSED, SOS } from './alerts.ts';
import { evaluateTour, type TourResult } from './evaluate.ts';
import { indexCheckpoints, isSos, resolveCheckpoint, type CheckpointIndex } from './matching.ts';
import { checkRoute, type RouteCheck } from './route-config.ts';
import { localMinute, plannedTours } from './schedule.ts';
import { PatrolStore, type TourRow } from './store.ts';
import { tourView, type ViewNames } from './views.ts';

const HOUR = 3_600_000;
/** tours are generated this far back and ahead */
const LOOKBACK_MS = 24 * HOUR;
const HORIZON_MS = 24 * HOUR;
/** generation is idempotent; redo it this often per estate (a new day's tours appear) */
const REGENERATE_MS = 10 * 60_000;
/** checkpoint lists are re-read this often: `import buildings` may run in another process */
const CHECKPOINTS_TTL_MS = 10_000;
/** first start without a catch-up mark: check-ins of this long ago are filed from the journal */
const FIRST_CATCH_UP_MS = 7 * 24 * HOUR;
const SEQ_KEY = 'patrol.journal_seq';
const DEMO_KEY = `patrol.demo_seeded.${GARDEN_PATROL_ESTATE}`;

interface EstateCache {
  at: number;
  timeZone: string;
  checkpoints: CheckpointInfo[];
  index: CheckpointIndex;
}

export class PatrolEngine {
  readonly store: PatrolStore;
  private readonly estates = new Map<string, EstateCache>();
  private readonly generated = new Map<string, number>();
  /** clock time of each open tour's last evaluation: the clock alone changes a tour only at its boundaries */
  private readonly evaluatedAt = new Map<string, number>();

  /** check-ins filed, by how they resolved: code | gps | unknown (no such tag, no GPS match) | sos */
  private readonly filed: Counter<'result'>;

  constructor(private readonly ctx: ModuleContext) {
    this.store = new PatrolStore(ctx.db);
    this.filed = new Counter({ name: 'se_patrol_checkins_total', help: 'Check-ins filed in the patrol ledger, by how they resolved to a checkpoint', labelNames: ['result'], registers: [ctx.metrics.registry] });
  }

  now(): number {
    return this.ctx.now();
  }

  estate(estate: string): EstateCache | null {
    const hit = this.estates.get(estate);
    if (hit && Date.now() - hit.at < CHECKPOINTS_TTL_MS) return hit;
    const e = getEstate(this.ctx.db, estate);
    if (!e) return null;
    const checkpoints = listCheckpoints(this.ctx.db, estate);
    const entry = { at: Date.now(), timeZone: e.timezone, checkpoints, index: indexCheckpoints(checkpoints) };
    this.estates.set(estate, entry);
    return entry;
  }

  names(estate: string): ViewNames {
    return {
      routes: new Map(this.store.routes(estate).map((r) => [r.id, r])),
      checkpoints: new Map((this.estate(estate)?.checkpoints ?? []).map((c) => [c.id, c])),
    };
  }

  view(row: TourRow, names = this.names(row.plan.estate)): TourView {
    return tourView(row, names);
  }

  // ---- routes -----------------------------------------------------------------------------------

  /** A route as an admin sends it, checked against the estate's checkpoints; nothing written. */
  checkRoute(estate: string, id: string, input: unknown): RouteCheck {
    const e = this.estate(estate);
    if (!e) return { ok: false, error: `estate '${estate}' not found` };
    return checkRoute(estate, id, input, listCheckpoints(this.ctx.db, estate), e.timeZone, this.now());
  }

  /** Writes the route on this node alone (the demo's seed; the REST route goes through ctx.configChange). */
  putRoute(estate: string, id: string, input: unknown): RouteCheck {
    const check = this.checkRoute(estate, id, input);
    if (!check.ok) return check;
    this.store.transaction(() => this.store.putRoute(check.route));
    this.routeChanged(estate, id);
    return check;
  }

  deleteRoute(estate: string, id: string): boolean {
    const gone = this.store.deleteRoute(estate, id);
    this.routeChanged(estate, id);
    return gone;
  }

  /**
   * A route was written, replaced or deleted (here, or on another node through the shared
   * configuration): tours already open keep the plan they were walked to; the ones to come follow the
   * current version. Idempotent.
   */
  routeChanged(estate: string, id: string): void {
    this.store.deleteUnopenedTours(estate, id, this.now());
    this.generated.delete(estate);
    if (this.store.route(estate, id)) this.refresh(estate);
  }

  /** The demo estate gets its route once, when it appears (imported after the server started). */
  private seedDemo(): void {
    if (getMeta(this.ctx.db, DEMO_KEY) || !this.estate(GARDEN_PATROL_ESTATE)) return;
    if (!this.store.route(GARDEN_PATROL_ESTATE, GARDEN_PATROL_ROUTE)) {
      const r = this.putRoute(GARDEN_PATROL_ESTATE, GARDEN_PATROL_ROUTE, GARDEN_PATROL);
      if (!r.ok) return; // checkpoints not imported yet: next time
      this.ctx.log.info(`patrol: demo route '${GARDEN_PATROL_ROUTE}' added to estate '${GARDEN_PATROL_ESTATE}'`);
    }
    setMeta(this.ctx.db, DEMO_KEY, String(this.now()));
  }

  // ---- the clock --------------------------------------------------------------------------------

  private generate(estate: string, now: number): void {
    const last = this.generated.get(estate);
    if (last !== undefined && Math.abs(now - last) < REGENERATE_MS) return;
    const e = this.estate(estate);
    if (!e) return;
    const plans = this.store.routes(estate).flatMap((r) => plannedTours(r, e.timeZone, now - LOOKBACK_MS, now + HORIZON_MS));
    this.store.insertTours(plans);
    this.generated.set(estate, now);
  }

  /**
   * Brings tours up to the clock: generates what the schedules plan, and re-evaluates every tour that
   * is open or due to open (a window closing turns pending checkpoints into missed). Every read of
   * tours goes through here, so what the API shows is never staler than the clock.
   */
  refresh(estate?: string): void {
    const now = this.now();
    if (!estate || estate === GARDEN_PATROL_ESTATE) this.seedDemo();
    for (const e of estate ? [estate] : this.store.estatesWithRoutes()) this.generate(e, now);
    for (const row of this.store.dueTours(now, estate)) {
      // a deadline passing is judged where the estate's check-ins arrive: on its owner (a cluster)
      if (this.ctx.owns && !this.ctx.owns(row.plan.estate)) continue;
      const last = this.evaluatedAt.get(tourKey(row));
      if (last !== undefined && last <= now && !boundaryIn(row, last, now)) continue;
      this.evaluate(row, now);
    }
  }

  /** When the next tour opens or a deadline passes (for the timer), or null. */
  nextChange(): number | null {
    return this.store.nextTourChange(this.now());
  }

  private evaluate(row: TourRow, now: number, names?: ViewNames): void {
    if (row.state === 'cancelled') return;
    const { plan } = row;
    const result = evaluateTour(plan, this.store.decisiveScans(plan), now);
    if (result.state === 'done') this.evaluatedAt.delete(tourKey(row));
    else this.evaluatedAt.set(tourKey(row), now);
    if (row.result && row.state === result.state && JSON.stringify(row.result) === JSON.stringify(result)) return;
    this.store.saveResult(plan.estate, plan.id, result.state, result);
    const updated: TourRow = { ...row, state: result.state, result };
    const n = names ?? this.names(plan.estate);
    this.alert(updated, row.result, result, n, now);
    const message: PatrolChannelMessage = { type: 'tour', tour: this.view(updated, n) };
    this.ctx.publish(channelTopic(plan.estate, 'patrol'), message);
  }

  private alert(row: TourRow, before: TourResult | null, after: TourResult, names: ViewNames, now: number): void {
    const { plan } = row;
    const route = names.routes.get(plan.route);
    const cps = new Map((this.estate(plan.estate)?.checkpoints ?? []).map((c) => [c.id, { name: c.name, x: c.x, y: c.y }]));
    const tz = this.estate(plan.estate)?.timeZone ?? 'UTC';
    const changes = alertChanges(plan, before?.stops ?? null, after.stops, {
      routeName: route?.name ?? plan.route, routeNameZh: route?.nameZh ?? route?.name ?? plan.route,
      checkpoints: cps, startLabel: localMinute(plan.start, tz).slice(11), guard: after.guard,
    }, now);
    for (const a of changes.raise) this.ctx.alerts.raise(a);
    for (const c of changes.clear) {
      // another recent tour of the route still has this checkpoint missed: that alert stands
      const checkpoint = c.source.slice(plan.route.length + 1);
      const still = this.store.toursOverlapping(plan.estate, now - LOOKBACK_MS, now).some((t) =>
        t.plan.id !== plan.id && t.plan.route === plan.route && t.state !== 'cancelled' && t.result?.stops.some((s) => s.checkpoint === checkpoint && s.status === 'missed'),
      );
      if (!still) this.ctx.alerts.clear(plan.estate, c.source, c.type, c.at);
    }
  }

  // ---- check-ins --------------------------------------------------------------------------------

  /**
   * Files committed check-ins in the ledger and re-evaluates the tours whose window holds each scan
   * time, however late it arrived. A check-in seen before (same device + id) changes nothing.
   */
  ingest(events: readonly EstateEvent[]): number {
    const now = this.now();
    const touched = new Map<string, TourRow>();
    /** per estate: where and when the new scans that resolved to a checkpoint were made */
    const hits = new Map<string, Array<{ ts: number; checkpoint: string }>>();
    let filed = 0;
    for (const event of events) {
      if (event.kind !== 'checkin' || !event.id) continue;
      const e = this.estate(event.estate);
      const sos = isSos(event);
      const at = sos || !e ? { checkpoint: null, via: null } : resolveCheckpoint(event, e.index);
      const note = typeof event.data.note === 'string' ? event.data.note : undefined;
      const isNew = this.store.insertScan({
        estate: event.estate, device: event.device, id: event.id, guard: String(event.data.guard ?? ''), code: String(event.data.checkpoint ?? ''),
        checkpoint: at.checkpoint ?? '', checkpointId: at.checkpoint, via: at.via, method: String(event.data.method ?? ''), ts: event.ts, rx: event.rx,
        ...(note !== undefined ? { note } : {}), ...(at.distanceM !== undefined ? { distanceM: at.distanceM } : {}), sos,
      });
      if (!isNew) continue;
      filed++;
      this.filed.inc({ result: sos ? 'sos' : (at.via ?? 'unknown') });
      if (sos) this.raiseSos(event, note);
      if (!at.checkpoint) continue;
      let list = hits.get(event.estate);
      if (!list) hits.set(event.estate, (list = []));
      list.push({ ts: event.ts, checkpoint: at.checkpoint });
    }
    // The tours these scans fall in: read once per estate for the group's time span, not per scan
    // (parsing every open tour's plan for each check-in showed as 11% of the main thread under load).
    for (const [estate, list] of hits) {
      this.generate(estate, now);
      let from = Infinity;
      let to = -Infinity;
      for (const h of list) {
        from = Math.min(from, h.ts);
        to = Math.max(to, h.ts);
      }
      const tours = this.store.toursOverlapping(estate, from, to);
      for (const h of list) {
        for (const row of tours) {
          if (row.plan.opens <= h.ts && h.ts <= row.plan.closes && row.plan.stops.some((s) => s.checkpoint === h.checkpoint)) touched.set(`${row.plan.estate}\u0000${row.plan.id}`, row);
        }
      }
    }
    for (const row of touched.values()) {
      // re-read: the clock may have moved this tour on since it was collected
      this.evaluate(this.store.tour(row.plan.estate, row.plan.id) ?? row, now);
    }
    return filed;
  }

  private raiseSos(event: EstateEvent, note: string | undefined): void {
    const guard = String(event.data.guard ?? event.device);
    this.ctx.alerts.raise({
      estate: event.estate, source: event.device, type: SOS, severity: 'critical', tier: 'serious', at: event.ts,
      title: `SOS from guard ${guard} (${event.device})`, titleZh: `保安求助 SOS：${guard}（${event.device}）`,
      ...(event.x !== undefined && event.y !== undefined ? { x: event.x, y: event.y } : {}),
      ...(event.building ? { building: event.building } : {}),
      detail: { guard, device: event.device, event: event.id, ...(note ? { note } : {}) },
    });
  }

  /**
   * Files the check-ins committed since the last one filed (or, on a first start, of the last week):
   * the ledger survives a crash between the journal commit and onCommitted.
   */
  catchUp(): number {
    const db = this.ctx.db;
    const max = (db.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null }).seq ?? 0;
    const stored = getMeta(db, SEQ_KEY);
    // a journal trimmed empty numbers its rows from 1 again: then the mark means nothing
    const mark = stored !== undefined && Number(stored) <= max ? Number(stored) : undefined;
    const rows: Array<{ body: string }> = [];
    if (mark !== undefined) {
      rows.push(...(db.prepare("SELECT body FROM events WHERE seq > ? AND kind = 'checkin' ORDER BY seq").all(mark) as Array<{ body: string }>));
    } else {
      const since = this.now() - FIRST_CATCH_UP_MS;
      for (const e of listEstates(db)) {
        rows.push(...(db.prepare("SELECT body FROM events WHERE estate = ? AND ts >= ? AND kind = 'checkin' ORDER BY seq").all(e.id, since) as Array<{ body: string }>));
      }
    }
    const filed = this.ingest(rows.map((r) => JSON.parse(r.body) as EstateEvent));
    this.markJournal();
    return filed;
  }

  /** Remembers how far the journal has been filed: onCommitted runs right after a group commit, so MAX(seq) is that group's end. */
  markJournal(): void {
    const r = this.ctx.db.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null };
    if (r.seq !== null) setMeta(this.ctx.db, SEQ_KEY, String(r.seq));
  }

  // ---- reads ------------------------------------------------------------------------------------

  tours(estate: string, from: number, to: number): TourView[] {
    this.refresh(estate);
    const names = this.names(estate);
    return this.store.toursOverlapping(estate, from, to).filter((t) => t.plan.start <= to).map((t) => this.view(t, names));
  }

  tour(estate: string, id: string): TourView | undefined {
    this.refresh(estate);
    const row = this.store.tour(estate, id);
    return row ? this.view(row) : undefined;
  }

  cancel(estate: string, id: string, reason: string): TourView | undefined {
    const row = this.store.tour(estate, id);
    if (!row) return undefined;
    if (row.state !== 'cancelled') {
      this.store.cancelTour(estate, id, reason);
      const names = this.names(estate);
      // its missed checkpoints no longer stand against the guard
      for (const s of row.result?.stops ?? []) if (s.status === 'missed') this.ctx.alerts.clear(estate, alertSource(row.plan.route, s.checkpoint), MISSED, this.now());
      const view = this.view({ ...row, state: 'cancelled', cancelReason: reason }, names);
      this.ctx.publish(channelTopic(estate, 'patrol'), { type: 'tour', tour: view } satisfies PatrolChannelMessage);
      return view;
    }
    return this.view(row);
  }

  routes(estate: string): PatrolRoute[] {
    if (estate === GARDEN_PATROL_ESTATE) this.seedDemo();
    return this.store.routes(estate);
  }
}

const tourKey = (row: TourRow) => `${row.plan.estate}\u0000${row.plan.id}`;

/** Does the tour open, close or pass a deadline in (from, to]? Only then can the clock change it. */
function boundaryIn(row: TourRow, from: number, to: number): boolean {
  const { plan } = row;
  const crosses = (t: number) => t > from && t <= to;
  // statuses flip just after a deadline (now > deadline), and the state at opens / after closes
  return crosses(plan.opens) || crosses(plan.closes + 1) || plan.stops.some((s) => crosses(s.deadline + 1));
}
