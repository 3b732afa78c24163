// The alerts capability as an estate module: rules on committed events, the service behind every
// module's ctx.alerts, one timer for deadlines and silences, REST routes. Rules are pure; this file is
// the edge (state holders, the clock, SQLite, the live channel).
import { Counter, Gauge } from 'prom-client';
import { channelTopic, type EstateEvent } from '../../protocol/index.ts';
import type { EstateModule, ModuleFactory } from '../modules.ts';
import { RuleContexts } from './contexts.ts';
import { alertRoutes } from './routes.ts';
import { afterRestart, deviceHealthEvent, deviceHealthSweep, healthDueAt, type DeviceHealth } from './rules/device-health.ts';
import { fireLaneDue, fireLaneEvent, type FireLaneEpisode, type FireLaneState } from './rules/fire-lane.ts';
import { hazardRule } from './rules/hazards.ts';
import { intrusionRule } from './rules/intrusion.ts';
import { tamperRule } from './rules/tamper.ts';
import type { AlertChange } from './rules/types.ts';
import { AlertService } from './service.ts';
import { AlertStore } from './store.ts';

/** How often deadlines, silent devices and coalesced repeats are looked at: the latency of an escalation. */
export const TICK_MS = 1_000;
/**
 * Every this often the tick looks at every device; in between only at those whose timeout may have
 * run out (healthDueAt as of their last look). With 10,000 heartbeating devices looking at all of
 * them every second was ~0.8 % of a core. Signs of life only move a device's due time later, so a
 * stale one costs a look, never a missed alert; a timeout shortened by configuration takes effect
 * within this time.
 */
export const FULL_SWEEP_MS = 10_000;
/** How often device health (last seen) is written to SQLite. */
const HEALTH_SAVE_MS = 5_000;

export interface AlertsModule extends EstateModule {
  service: AlertService;
  /** runs the timer's work now (tests with an injected clock need not wait for the next tick) */
  tick(): void;
  health(device: string): DeviceHealth | undefined;
}

export const createAlertsModule: ModuleFactory = (ctx): AlertsModule => {
  const startedAt = ctx.now();
  const store = new AlertStore(ctx.db, () => ctx.allocateId?.('alerts'));
  const contexts = new RuleContexts(ctx.db, store);
  const registry = ctx.metrics.registry;
  const changes = new Counter({ name: 'se_alert_changes_total', help: 'Alert upserts by change (raised, repeated, escalated …)', labelNames: ['change'], registers: [registry] });
  const service = new AlertService({
    store,
    params: (estate) => contexts.get(estate)?.params ?? null,
    publish: (upsert) => {
      try {
        ctx.publish(channelTopic(upsert.estate, 'alerts'), upsert);
      } catch (err) {
        // stored already: dashboards catch up from REST
        ctx.log.warn(`alerts: could not publish alert ${upsert.id}: ${(err as Error).message}`);
      }
    },
    log: ctx.log,
    counted: (change) => changes.inc({ change }),
    groupCommit: true,
    owns: ctx.owns ? (estate) => ctx.owns!(estate) : undefined,
  });
  new Gauge({
    name: 'se_alerts_unresolved',
    help: 'Alerts open or acknowledged',
    registers: [registry],
    collect() {
      this.set(service.unresolvedCount);
    },
  });

  // device health: known devices, each with the time it was last heard
  const health = new Map<string, DeviceHealth>();
  for (const h of store.loadHealth()) health.set(h.device, afterRestart(h, startedAt));
  const healthDirty = new Set<string>(health.keys());
  const devicesOf = ctx.db.prepare('SELECT id FROM devices WHERE estate = ?').pluck();
  let fireLane: FireLaneState = new Map(store.loadRuleState<FireLaneEpisode>('fire_lane'));
  const setFireLane = (next: FireLaneState) => {
    if (next === fireLane) return;
    fireLane = next;
    store.saveRuleState('fire_lane', fireLane);
  };

  const onEvent = (event: EstateEvent, now: number, out: AlertChange[]) => {
    const rules = contexts.get(event.estate, event.device);
    if (!rules) return;
    const h = deviceHealthEvent(health.get(event.device), event, rules, now);
    health.set(event.device, h.health);
    healthDirty.add(event.device);
    out.push(...h.changes);
    if (event.kind === 'camera') {
      out.push(...intrusionRule(event, rules), ...hazardRule(event, rules), ...tamperRule(event, rules));
      const lane = fireLaneEvent(fireLane, event, rules, now);
      setFireLane(lane.state);
      out.push(...lane.changes);
    }
  };

  let lastHealthSave = 0;
  /** per device: before this time (ms) its sweep cannot fire, as of its last look (see FULL_SWEEP_MS) */
  const dueAt = new Map<string, number>();
  let lastFullSweep = -Infinity;
  const tick = () => {
    const now = ctx.now();
    const out: AlertChange[] = [];
    const full = now - lastFullSweep >= FULL_SWEEP_MS;
    if (full) lastFullSweep = now;
    for (const [device, h] of health) {
      // silence is news only where the estate's events arrive: on its owner (a cluster)
      if (ctx.owns && !ctx.owns(h.estate)) continue;
      if (!full) {
        const due = dueAt.get(device);
        if (due !== undefined && now <= due) continue;
      }
      const rules = contexts.get(h.estate);
      const swept = rules && deviceHealthSweep(h, rules, now);
      if (!swept) {
        const due = rules ? healthDueAt(h, rules) : null;
        if (due === null) dueAt.delete(device);
        else dueAt.set(device, due);
        continue;
      }
      dueAt.delete(device);
      health.set(device, swept.health);
      healthDirty.add(device);
      out.push(...swept.changes);
    }
    const lane = fireLaneDue(fireLane, (estate) => contexts.get(estate), now);
    setFireLane(lane.state);
    out.push(...lane.changes);
    service.apply(out, now);
    service.tick(now);
    if (healthDirty.size && Date.now() - lastHealthSave >= HEALTH_SAVE_MS) saveHealth();
  };
  const saveHealth = () => {
    lastHealthSave = Date.now();
    const entries = [...healthDirty].map((d) => health.get(d)).filter((h): h is DeviceHealth => h !== undefined);
    healthDirty.clear();
    store.saveHealth(entries);
  };

  const timer = setInterval(() => {
    try {
      tick();
    } catch (err) {
      ctx.log.error(`alerts: tick failed: ${(err as Error).stack ?? err}`);
    }
  }, TICK_MS);
  timer.unref();

  return {
    name: 'alerts',
    service,
    tick,
    health: (device) => health.get(device),
    alertSink: {
      raise: (alert) => service.raise(alert, ctx.now()),
      clear: (estate, source, type, at) => service.clear(estate, source, type, at, ctx.now()),
      get: (id) => service.get(id),
      linkWorkOrder: (id, order, actor) => service.linkWorkOrder(id, order, actor, ctx.now()),
    },
    // the alert lane: a group's alert upserts go out before its live fan-out (EstateModule.urgent)
    perEstate: true, // runs on the estate's owner only in a cluster
    urgent: true,
    onCommitted(events) {
      const now = ctx.now();
      for (const event of events) {
        const out: AlertChange[] = [];
        try {
          onEvent(event, now, out);
          if (out.length) service.apply(out, now);
          service.onSite(event, now);
        } catch (err) {
          ctx.log.error(`alerts: event ${event.device}/${event.id ?? event.kind}: ${(err as Error).stack ?? err}`);
        }
      }
      // one transaction for the journal group's alert changes, now: waiting for the next turn
      // would queue the upserts behind every packet that arrived meanwhile
      service.commit();
    },
    // a cluster: the estate's alerts as its owner shipped them (a replica), or this node took the estate
    estateState(estate, reason, tables) {
      if (reason === 'applied' && !tables.has('alerts')) return;
      service.reloadEstate(estate);
      if (reason !== 'takeover') return;
      // every registered device of the estate gets a full timeout from the takeover (as afterRestart
      // at start): the old owner's health is not shipped, and a device that went quiet with it is
      // called offline here once its timeout has passed, heard or not
      const now = ctx.now();
      for (const device of devicesOf.all(estate) as string[]) {
        const h = health.get(device);
        const seeded: DeviceHealth = h && h.estate === estate ? afterRestart(h, now) : { device, estate, state: 'unknown', lastSeen: null, watchFrom: now };
        // never heard here: counted from the takeover, else the sweep would leave it unknown for good
        health.set(device, seeded.lastSeen === null ? { ...seeded, lastSeen: now } : seeded);
        dueAt.delete(device);
        healthDirty.add(device);
      }
    },
    configApplied(changes) {
      // another node changed an estate's rule overrides: its rules are read again
      for (const c of changes) if (c.table === 'alert_config') contexts.invalidate(String(c.key.estate));
    },
    routes(router) {
      alertRoutes(router, { db: ctx.db, service, store, contexts, health: (device) => health.get(device), now: ctx.now, owns: ctx.clustered && ctx.owns ? (estate) => ctx.owns!(estate) : undefined, change: (work) => ctx.configChange(work) });
    },
    stop() {
      clearInterval(timer);
      service.flush();
      saveHealth();
    },
  };
};
