// The work-order service: the edge around the pure lifecycle. Open orders live in memory with a
// min-heap of their next clock time (warning or deadline), so a tick looks only at what is due —
// not at all 10,000 open orders. Every change is stored with its timeline and audit entries in one
// transaction (synchronous like the server: FULL by default) before it is answered or published on
// `estates/{e}/workorders`.
import { isWorkOrderDone, type WorkOrder, type WorkOrderConfig, type WorkOrderUpsert, type EstateEvent } from '../../protocol/index.ts';
import type { AuditEntry } from '../audit/log.ts';
import type { Log } from '../log.ts';
import { presence, proofAt, type Presence } from '../alerts/on-site.ts';
import { notifyList } from './config.ts';
import { DueQueue } from './due-queue.ts';
import { arrive, clockStep, isRefusal, nextWake, type Outcome, type Refusal, type Transition } from './lifecycle.ts';
import type { WorkOrderStore } from './store.ts';

export interface ServiceDeps {
  store: WorkOrderStore;
  publish(upsert: WorkOrderUpsert): void;
  log: Log;
  /** geofence radius around an order's place (the alerts' onSiteRadiusM, default 30 m) */
  radius(estate: string): number;
}

/** Who did it and from where, for the audit log. */
export interface Actor {
  name: string;
  source?: string | null;
}

export class WorkOrderService {
  private readonly open = new Map<number, WorkOrder>();
  readonly queue = new DueQueue();
  private readonly configs = new Map<string, WorkOrderConfig>();
  /** open orders by the person who may prove arrival (assignee, acceptor): an event looks only at theirs */
  private readonly byPerson = new Map<string, Set<number>>();

  constructor(private readonly deps: ServiceDeps) {
    for (const o of deps.store.loadOpen()) this.remember(o);
  }

  radius(estate: string): number {
    return this.deps.radius(estate);
  }

  get store(): WorkOrderStore {
    return this.deps.store;
  }

  config(estate: string): WorkOrderConfig {
    let c = this.configs.get(estate);
    if (!c) this.configs.set(estate, (c = this.deps.store.config(estate)));
    return c;
  }

  setConfig(c: WorkOrderConfig): void {
    this.configs.set(c.estate, c);
  }

  get(id: number): WorkOrder | undefined {
    return this.open.get(id) ?? this.deps.store.get(id);
  }

  openOrders(estate?: string): WorkOrder[] {
    const out: WorkOrder[] = [];
    for (const o of this.open.values()) if (!estate || o.estate === estate) out.push(o);
    return out;
  }

  get openCount(): number {
    return this.open.size;
  }

  /**
   * Stores transitions (one transaction, with audit entries for people's changes and `extra` inside
   * it), then publishes them. Throws when the store fails: nothing is shown or acknowledged then.
   */
  commit(transitions: Transition[], actor: Actor | null, extra?: () => void): void {
    if (!transitions.length && !extra) return;
    const audits: AuditEntry[] = [];
    if (actor) {
      for (const t of transitions) {
        audits.push({
          actor: actor.name,
          source: actor.source ?? null,
          action: `workorder.${t.change}`,
          estate: t.order.estate,
          target: String(t.order.id),
          summary: { status: t.order.status, ...(t.log[0]?.text ? { text: t.log[0].text.slice(0, 200) } : {}), ...(t.log[0]?.detail ? { detail: t.log[0].detail } : {}) },
          at: t.order.updatedAt,
        });
      }
    }
    this.deps.store.save(transitions, audits, extra);
    for (const t of transitions) this.remember(t.order);
    for (const t of transitions) {
      try {
        this.deps.publish({ ...t.order, change: t.change, ...(t.notice ? { notice: t.notice } : {}) });
      } catch (err) {
        this.deps.log.warn(`workorders: could not publish order ${t.order.id}: ${(err as Error).message}`);
      }
    }
  }

  /** Runs one pure step on the current order and commits it; a refusal is returned as it is. */
  act(id: number, step: (o: WorkOrder) => Outcome, actor: Actor, extra?: (t: Transition) => void): Transition | Refusal | undefined {
    const o = this.get(id);
    if (!o) return undefined;
    const outcome = step(o);
    if (isRefusal(outcome)) return outcome;
    this.commit([outcome], actor, extra ? () => extra(outcome) : undefined);
    return outcome;
  }

  /** Presence of the assignee (check-in or position in the geofence / building) proves arrival. */
  onEvent(event: EstateEvent, now: number): void {
    if (event.kind !== 'checkin' && event.kind !== 'position') return;
    const radius = this.deps.radius(event.estate);
    const who = presence(event, radius);
    if (!who) return;
    const out: Transition[] = [];
    const mine = this.byPerson.get(who.by);
    if (!mine) return;
    for (const id of mine) {
      const o = this.open.get(id);
      if (!o || o.estate !== event.estate || (o.status !== 'accepted' && o.status !== 'dispatched' && o.status !== 'reopened')) continue;
      if (o.assignee !== who.by && o.acceptedBy !== who.by) continue;
      const t = this.proofFor(o, who, event.ts, now, { event: event.id, kind: event.kind, device: event.device });
      if (t && !isRefusal(t)) out.push(t);
    }
    if (out.length) this.commit(out, { name: who.by, source: `device:${event.device}` });
  }

  /** The arrival transition if `who` at `ts` is inside the order's geofence, else a refusal saying how far. */
  proofFor(o: WorkOrder, who: Presence, ts: number, now: number, evidence: Record<string, unknown>): Outcome {
    const radius = this.deps.radius(o.estate);
    const proof = proofAt(o, who, ts, radius, now, true);
    if (!proof) {
      const far = o.x !== undefined && o.y !== undefined ? Math.round(Math.hypot(o.x - who.x, o.y - who.y)) : null;
      return { refused: true, reason: 'not_on_site', error: `not at the order's place: ${far === null ? 'outside the building' : `${far} m away`} (within ${radius} m or inside building ${o.building ?? '—'} proves arrival)` };
    }
    return arrive(o, who.by, proof.at, now, { ...evidence, distance: proof.distance, building: who.building ?? null });
  }

  /** The clock: warnings and escalations of what is due now, in one transaction. */
  tick(now: number): number {
    const out: Transition[] = [];
    const again: WorkOrder[] = [];
    for (let entry = this.queue.popDue(now); entry; entry = this.queue.popDue(now)) {
      let o = this.open.get(entry.id);
      if (!o || o.version !== entry.version) continue; // stale: a newer entry exists (or the order is done)
      const notify = notifyList(this.config(o.estate), o.team, o.assignee);
      for (let t = clockStep(o, now, notify); t; t = clockStep(o, now, notify)) {
        out.push(t);
        o = t.order;
      }
      if (o.version === entry.version) again.push(o); // nothing due after all: keep it for later, not this tick
    }
    for (const o of again) this.schedule(o);
    if (out.length) {
      try {
        this.commit(out, null);
      } catch (err) {
        // memory stays as it was; the entries are back in the queue for the next tick
        for (const t of out) this.schedule(this.open.get(t.order.id)!);
        this.deps.log.error(`workorders: could not store ${out.length} clock changes, retrying: ${(err as Error).message}`);
      }
    }
    if (this.queue.size > 4 * this.open.size + 1024) this.queue.rebuild([...this.open.values()].map((x) => ({ at: nextWake(x), id: x.id, version: x.version })));
    return out.length;
  }

  private schedule(o: WorkOrder): void {
    const at = nextWake(o);
    if (at !== null) this.queue.push(at, o.id, o.version);
  }

  private remember(o: WorkOrder): void {
    const prev = this.open.get(o.id);
    for (const p of [prev?.assignee, prev?.acceptedBy]) if (p) this.byPerson.get(p)?.delete(o.id);
    if (isWorkOrderDone(o.status)) {
      this.open.delete(o.id);
      return;
    }
    for (const p of [o.assignee, o.acceptedBy]) {
      if (!p) continue;
      let set = this.byPerson.get(p);
      if (!set) this.byPerson.set(p, (set = new Set()));
      set.add(o.id);
    }
    this.open.set(o.id, o);
    if (!prev || prev.version !== o.version) this.schedule(o);
  }
}
