// The alerts service: the edge around the pure lifecycle. It keeps the unresolved alerts in memory
// (de-duplication by (estate, source, type) needs no query), applies rule changes and operator actions,
// groups storms, stores every change with its audit entries in one transaction, and publishes each
// upsert on `estates/{e}/alerts`. Repeats that change nothing but a count are coalesced: stored and
// published at most once per tick, so a camera shouting every 100 ms costs one message a second.
import {
  INCIDENT_TYPE,
  isAlertSeverity,
  isAlertTier,
  type Alert,
  type AlertTier,
  type AlertUpsert,
  type EstateEvent,
} from '../../protocol/index.ts';
import type { Log } from '../log.ts';
import {
  acknowledge,
  addNote,
  assign,
  autoClear,
  escalate,
  group,
  isRefusal,
  openAlert,
  proveOnSite,
  reopenAlert,
  repeatAlert,
  resolve,
  retier,
  touchAlert,
  type Outcome,
  type Refusal,
  type Transition,
} from './lifecycle.ts';
import { onSiteProofs } from './on-site.ts';
import { DEFAULT_ESTATE_PARAMS, type EstateParams } from './params.ts';
import type { AlertChange } from './rules/types.ts';
import type { AlertInput, AlertSink } from './sink.ts';
import { joinIncident, openIncident, stormDecision } from './storm.ts';
import type { AlertStore } from './store.ts';

export type OperatorAction =
  | { kind: 'acknowledge'; note?: string }
  | { kind: 'assign'; assignee: string }
  | { kind: 'note'; text: string }
  | { kind: 'resolve'; note?: string }
  | { kind: 'tier'; tier: AlertTier };

export interface ServiceDeps {
  store: AlertStore;
  /** the estate's parameters; null = no such estate */
  params(estate: string): EstateParams | null;
  publish(upsert: AlertUpsert): void;
  log: Log;
  /** called once per stored change (metrics) */
  counted?(change: string): void;
  /**
   * Group commit: changes of one event-loop turn are written in one transaction (one fsync under
   * synchronous=FULL) and published after it. Off = written and published at once (unit tests).
   */
  groupCommit?: boolean;
  /** whether this node acts for the estate now (a cluster: its owner, caught up); absent = always */
  owns?(estate: string): boolean;
}

const keyOf = (estate: string, source: string, type: string) => `${estate}\u0000${source}\u0000${type}`;

/** Why an AlertInput from another module cannot be taken; null when it is fine. */
export function inputProblem(a: AlertInput): string | null {
  if (!a || typeof a !== 'object') return 'not an object';
  for (const f of ['estate', 'source', 'type', 'title', 'titleZh'] as const) {
    if (typeof a[f] !== 'string' || !a[f]) return `${f} must be a non-empty string`;
  }
  if (!isAlertSeverity(a.severity)) return `severity must be info, warning, major or critical, got ${JSON.stringify(a.severity)}`;
  if (a.tier !== undefined && !isAlertTier(a.tier)) return `tier must be small, serious, complex or special, got ${JSON.stringify(a.tier)}`;
  if (typeof a.at !== 'number' || !Number.isFinite(a.at)) return 'at must be epoch milliseconds';
  if ((a.x !== undefined && !Number.isFinite(a.x)) || (a.y !== undefined && !Number.isFinite(a.y))) return 'x and y must be numbers';
  if (a.type === INCIDENT_TYPE) return `type '${INCIDENT_TYPE}' is reserved for storms`;
  return null;
}

export class AlertService implements AlertSink {
  /** unresolved alerts by id */
  private readonly open = new Map<number, Alert>();
  private readonly keys = new Map<string, number>();
  /** recently auto-cleared, by key: a quick return reopens them */
  private readonly cleared = new Map<string, Alert>();
  /** ids whose repeats wait for the next flush */
  private readonly dirty = new Set<number>();
  /** per estate: open alerts with a place and no on-site proof yet (rebuilt lazily) */
  private candidates: Map<string, Alert[]> | null = null;
  /** changes waiting for the group commit */
  private pending: Transition[] = [];
  private scheduled = false;

  constructor(private readonly deps: ServiceDeps) {
    for (const a of deps.store.loadUnresolved()) this.remember(a);
  }

  // ---- AlertSink: other modules raise and clear through here ----

  raise(input: AlertInput, now = Date.now()): void {
    const problem = inputProblem(input);
    if (problem) {
      this.deps.log.warn(`alerts: ignored an alert from a module (${problem}): ${JSON.stringify(input)?.slice(0, 300)}`);
      this.deps.counted?.('rejected');
      return;
    }
    this.apply([{ op: 'raise', alert: input }], now);
  }

  clear(estate: string, source: string, type: string, at: number, now = Date.now()): void {
    this.apply([{ op: 'clear', estate, source, type, at }], now);
  }

  // ---- rule changes ----

  apply(changes: readonly AlertChange[], now: number): void {
    for (const change of changes) {
      try {
        if (change.op === 'raise') this.raiseOne(change.alert, now);
        else if (change.op === 'touch') this.touchOne(change, now);
        else this.clearOne(change, now);
      } catch (err) {
        this.deps.log.error(`alerts: ${change.op} failed: ${(err as Error).stack ?? err}`);
      }
    }
  }

  private raiseOne(input: AlertInput, now: number): void {
    const params = this.deps.params(input.estate);
    if (!params) {
      this.deps.log.warn(`alerts: no estate '${input.estate}' for alert ${input.type}/${input.source}`);
      this.deps.counted?.('rejected');
      return;
    }
    const key = keyOf(input.estate, input.source, input.type);
    const id = this.keys.get(key);
    if (id !== undefined) {
      const t = repeatAlert(this.open.get(id)!, input, now);
      return t.log.length ? this.record([t], now) : this.defer(t.alert);
    }
    const gone = this.cleared.get(key);
    if (gone && now - (gone.resolvedAt ?? 0) <= params.reopenWindowSec * 1000) {
      this.cleared.delete(key);
      const t = reopenAlert(gone, input, now);
      if (t.alert.incident !== undefined && !this.open.has(t.alert.incident)) delete t.alert.incident;
      return this.record([t], now);
    }
    const tier: AlertTier = input.tier ?? params.tiers[input.type] ?? 'small';
    const created = openAlert(input, this.deps.store.nextId(), tier, now);
    this.record([...this.storm(created, params, now)], now);
  }

  /** The new alert, plus the incident it starts or joins (the alert is published already grouped: no beep for a member). */
  private storm(created: Transition, params: EstateParams, now: number): Transition[] {
    const decision = stormDecision(created.alert, this.unresolvedIn(created.alert.estate), params.stormThreshold, params.stormWindowSec * 1000, now);
    if (!decision) return [created];
    if ('join' in decision) {
      const member = { ...created, alert: { ...created.alert, incident: decision.join.id }, log: [...created.log, ...group(created.alert, decision.join.id, now).log] };
      return [joinIncident(decision.join, created.alert, now), member];
    }
    const incident = openIncident(decision.create, this.deps.store.nextId(), now);
    const out: Transition[] = [incident];
    for (const m of decision.create) {
      if (m.id === created.alert.id) out.push({ ...created, alert: { ...created.alert, incident: incident.alert.id }, log: [...created.log, ...group(m, incident.alert.id, now).log] });
      else out.push(group(m, incident.alert.id, now));
    }
    this.deps.log.info(`alerts: storm in ${created.alert.estate}: ${decision.create.length} × ${created.alert.type} grouped into incident ${incident.alert.id}`);
    return out;
  }

  private touchOne(c: { estate: string; source: string; type: string; at: number }, now: number): void {
    const id = this.keys.get(keyOf(c.estate, c.source, c.type));
    if (id !== undefined) this.defer(touchAlert(this.open.get(id)!, c.at, now).alert);
  }

  private clearOne(c: { estate: string; source: string; type: string; at: number }, now: number): void {
    const id = this.keys.get(keyOf(c.estate, c.source, c.type));
    if (id === undefined) return;
    const t = autoClear(this.open.get(id)!, c.at, now, 'condition ended');
    if (t) this.record([t], now);
  }

  // ---- operator actions ----

  /** Applies an operator's action; an incident passes acknowledge/assign/resolve on to its members. */
  act(id: number, action: OperatorAction, actor: string, now: number, source?: string): { alert: Alert } | Refusal | undefined {
    const alert = this.get(id);
    if (!alert) return undefined;
    const run = (a: Alert): Outcome => {
      switch (action.kind) {
        case 'acknowledge':
          return acknowledge(a, actor, now, action.note);
        case 'assign':
          return assign(a, actor, action.assignee, now);
        case 'note':
          return addNote(a, actor, action.text, now);
        case 'resolve':
          return resolve(a, actor, now, action.note);
        case 'tier':
          return retier(a, actor, action.tier, now);
      }
    };
    const outcome = run(alert);
    if (isRefusal(outcome)) return outcome;
    const transitions: Array<Transition & { source?: string }> = [{ ...outcome, source }];
    if (alert.type === INCIDENT_TYPE && (action.kind === 'acknowledge' || action.kind === 'assign' || action.kind === 'resolve')) {
      for (const member of this.open.values()) {
        if (member.incident !== id) continue;
        const o = run(member);
        // a member already acknowledged by someone else stays as it is
        if (!isRefusal(o)) transitions.push({ ...o, source, log: o.log.map((e) => ({ ...e, detail: { ...e.detail, via: id } })) });
      }
    }
    this.record(transitions, now);
    // an operator's action is on disk before the answer goes out
    this.commit();
    return { alert: this.get(id)! };
  }

  /** A work order was made from this alert: the alert keeps its id (linked both ways), on disk before the answer. */
  linkWorkOrder(id: number, workOrder: number, actor: string, now = Date.now()): void {
    const alert = this.get(id);
    if (!alert || alert.workOrder === workOrder) return;
    const next = { ...alert, workOrder, version: alert.version + 1, updatedAt: now };
    this.record([{ alert: next, change: 'work_order', log: [{ at: now, actor, action: 'work_order', detail: { workOrder } }] }], now);
    this.commit();
  }

  // ---- on site, escalation, flushing ----

  /** A guard's check-in or position near an open alert stops its on-site clock (and its incident's). */
  onSite(event: EstateEvent, now: number): void {
    if (event.kind !== 'checkin' && event.kind !== 'position') return;
    const located = this.located(event.estate);
    if (!located.length) return;
    const radius = this.deps.params(event.estate)?.onSiteRadiusM ?? DEFAULT_ESTATE_PARAMS.onSiteRadiusM;
    const transitions: Transition[] = [];
    const proven = new Set<number>();
    for (const proof of onSiteProofs(located, event, radius, now)) {
      const evidence = { event: event.id, kind: event.kind, device: event.device, distance: proof.distance };
      // the cached candidate may predate a coalesced repeat: act on the current alert
      const current = this.open.get(proof.alert.id);
      if (!current || proven.has(current.id)) continue;
      const t = proveOnSite(current, proof.by, proof.at, now, evidence);
      if (!t) continue;
      transitions.push(t);
      proven.add(proof.alert.id);
      const incident = current.incident !== undefined ? this.open.get(current.incident) : undefined;
      if (incident && !proven.has(incident.id)) {
        const ti = proveOnSite(incident, proof.by, proof.at, now, { ...evidence, via: current.id });
        if (ti) {
          transitions.push(ti);
          proven.add(incident.id);
        }
      }
    }
    if (transitions.length) this.record(transitions, now);
  }

  /** The timer side: 54321 escalations, coalesced repeats, forgetting old auto-clears. */
  tick(now: number): void {
    const transitions: Transition[] = [];
    for (const a of this.open.values()) {
      // the 54321 clock runs on the estate's owner only: elsewhere these are a replica's copies
      if (this.deps.owns && !this.deps.owns(a.estate)) continue;
      let current = a;
      for (let t = escalate(current, now); t; t = escalate(current, now)) {
        transitions.push(t);
        current = t.alert;
      }
    }
    if (transitions.length) this.record(transitions, now);
    this.flush();
    for (const [key, a] of this.cleared) {
      const window = (this.deps.params(a.estate)?.reopenWindowSec ?? DEFAULT_ESTATE_PARAMS.reopenWindowSec) * 1000;
      if (now - (a.resolvedAt ?? 0) > window) this.cleared.delete(key);
    }
  }

  /** Stores and publishes coalesced repeats, and whatever waits for the group commit. */
  flush(): void {
    if (this.dirty.size) {
      const alerts = [...this.dirty].map((id) => this.open.get(id)).filter((a): a is Alert => a !== undefined);
      this.dirty.clear();
      for (const a of alerts) this.pending.push({ alert: a, change: 'repeated', log: [] });
    }
    this.commit();
  }

  /** Writes the queued changes in one transaction, then publishes them in order. */
  commit(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    // the latest state of each alert is what is stored; every change is published (and audited)
    const latest = new Map<number, Alert>();
    for (const t of batch) latest.set(t.alert.id, t.alert);
    try {
      this.deps.store.save(
        [...latest.values()],
        batch.flatMap((t) => t.log.map((entry) => ({ alert: t.alert.id, entry, source: (t as { source?: string }).source }))),
      );
    } catch (err) {
      // nothing of the batch is stored or shown; the next tick tries again (memory stays ahead)
      this.pending = batch.concat(this.pending);
      this.deps.log.error(`alerts: could not store ${batch.length} changes, retrying: ${(err as Error).message}`);
      return;
    }
    for (const t of batch) {
      this.deps.publish({ ...t.alert, change: t.change });
      this.deps.counted?.(t.change);
    }
  }

  /**
   * The estate's unresolved alerts as SQLite has them now (a cluster: rows another node shipped were
   * applied, or this node took the estate): memory is made to match, so repeats and the clock carry on
   * with the same alerts and ids. Changes of the estate still queued here are written first.
   */
  reloadEstate(estate: string): void {
    this.flush();
    for (const [id, a] of this.open) {
      if (a.estate !== estate) continue;
      this.open.delete(id);
      this.dirty.delete(id);
    }
    for (const [key, id] of this.keys) if (key.startsWith(`${estate}\u0000`) && !this.open.has(id)) this.keys.delete(key);
    for (const [key, a] of this.cleared) if (a.estate === estate) this.cleared.delete(key);
    for (const a of this.deps.store.loadUnresolved(estate)) this.remember(a);
    this.candidates = null;
  }

  // ---- reads ----

  get(id: number): Alert | undefined {
    const open = this.open.get(id);
    if (open) return open;
    for (let i = this.pending.length - 1; i >= 0; i--) if (this.pending[i].alert.id === id) return this.pending[i].alert;
    return this.deps.store.get(id);
  }

  unresolvedIn(estate: string): Alert[] {
    const out: Alert[] = [];
    for (const a of this.open.values()) if (a.estate === estate) out.push(a);
    return out;
  }

  get unresolvedCount(): number {
    return this.open.size;
  }

  // ---- internals ----

  private defer(alert: Alert): void {
    this.open.set(alert.id, alert);
    this.dirty.add(alert.id);
  }

  private remember(a: Alert): void {
    const key = keyOf(a.estate, a.source, a.type);
    if (a.status === 'resolved') {
      if (this.keys.get(key) === a.id) this.keys.delete(key);
      this.open.delete(a.id);
      if (a.resolution === 'auto_cleared') this.cleared.set(key, a);
    } else {
      this.open.set(a.id, a);
      this.keys.set(key, a.id);
    }
  }

  /** Memory now; the transaction and the live upserts at the commit; then incidents whose members are all done. */
  private record(transitions: Transition[], now: number): void {
    for (const t of transitions) {
      this.remember(t.alert);
      this.dirty.delete(t.alert.id);
    }
    this.candidates = null;
    this.pending.push(...transitions);
    if (!this.deps.groupCommit) this.commit();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commit());
    }
    const finished = new Set<number>();
    for (const t of transitions) {
      if (t.alert.status === 'resolved' && t.alert.incident !== undefined) finished.add(t.alert.incident);
    }
    const closing: Transition[] = [];
    for (const incidentId of finished) {
      const incident = this.open.get(incidentId);
      if (!incident) continue;
      let pending = false;
      for (const a of this.open.values()) if (a.incident === incidentId) pending = true;
      if (pending) continue;
      const t = autoClear(incident, now, now, 'every member resolved');
      if (t) closing.push(t);
    }
    if (closing.length) this.record(closing, now);
  }

  private located(estate: string): Alert[] {
    this.candidates ??= new Map();
    let list = this.candidates.get(estate);
    if (!list) {
      list = [];
      for (const a of this.open.values()) if (a.estate === estate && a.onSiteAt === undefined && a.x !== undefined && a.y !== undefined) list.push(a);
      this.candidates.set(estate, list);
    }
    return list;
  }
}
