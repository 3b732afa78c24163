// Work orders as an estate module: the service (open orders, the 54321 clock), arrival proven by
// committed check-ins and positions, one timer, and the routes — staff (session), residents and
// handhelds (public, own auth), Open311 (outside /api/v1). Photos live under {data dir}/workorders/photos.
import { dirname, join } from 'node:path';
import { Counter, Gauge } from 'prom-client';
import { channelTopic } from '../../protocol/index.ts';
import type { EstateModule, ModuleFactory } from '../modules.ts';
import { DEFAULT_ESTATE_PARAMS } from '../alerts/params.ts';
import { Intake } from './intake.ts';
import { open311Router } from './open311.ts';
import { PhotoStore } from './photos.ts';
import { handheldRoutes, residentRoutes, type PublicDeps } from './public-routes.ts';
import { RateLimiter } from './rate-limit.ts';
import { staffRoutes } from './routes.ts';
import { WorkOrderService } from './service.ts';
import { WorkOrderStore } from './store.ts';
import './heat.ts'; // registers the work-order heat source

/** How often the clock looks for warnings and escalations. */
export const TICK_MS = 1_000;

export interface WorkOrdersModule extends EstateModule {
  service: WorkOrderService;
  tick(): number;
}

export const createWorkordersModule: ModuleFactory = (ctx): WorkOrdersModule => {
  const store = new WorkOrderStore(ctx.db);
  const changes = new Counter({ name: 'se_workorder_changes_total', help: 'Work-order changes by kind (created, dispatched, escalated …)', labelNames: ['change'], registers: [ctx.metrics.registry] });
  const service = new WorkOrderService({
    store,
    log: ctx.log,
    // the alerts' geofence radius: one on-site proof for both
    radius: () => DEFAULT_ESTATE_PARAMS.onSiteRadiusM,
    publish: (u) => {
      changes.inc({ change: u.change });
      ctx.publish(channelTopic(u.estate, 'workorders'), u);
    },
  });
  new Gauge({
    name: 'se_workorders_open',
    help: 'Work orders not resolved, closed or cancelled',
    registers: [ctx.metrics.registry],
    collect() {
      this.set(service.openCount);
    },
  });
  const intake = new Intake(ctx.db, service);
  const dataDir = dirname(ctx.db.name);
  const deps: PublicDeps = {
    db: ctx.db,
    service,
    intake,
    photos: new PhotoStore(join(dataDir, 'workorders', 'photos')),
    alerts: ctx.alerts,
    now: ctx.now,
    metrics: ctx.metrics,
    limiter: new RateLimiter(),
    change: (work) => ctx.configChange(work),
  };
  const tick = () => service.tick(ctx.now());
  const timer = setInterval(() => {
    try {
      tick();
    } catch (err) {
      ctx.log.error(`workorders: tick failed: ${(err as Error).stack ?? err}`);
    }
  }, TICK_MS);
  timer.unref();

  return {
    name: 'workorders',
    service,
    perEstate: true, // runs on the estate's owner only in a cluster
    tick,
    onCommitted(events) {
      const now = ctx.now();
      for (const e of events) {
        try {
          service.onEvent(e, now);
        } catch (err) {
          ctx.log.error(`workorders: event ${e.device}/${e.id ?? e.kind}: ${(err as Error).stack ?? err}`);
        }
      }
    },
    configApplied(changes) {
      // another node changed an estate's work-order configuration (teams, rules, the clock's tiers)
      for (const c of changes) if (c.table === 'workorder_config') service.setConfig(service.store.config(String(c.key.estate)));
    },
    publicRoutes(router) {
      residentRoutes(router, deps);
      handheldRoutes(router, deps);
    },
    routes(router) {
      staffRoutes(router, deps);
    },
    rootRoutes(router) {
      router.use(open311Router(deps));
    },
    stop() {
      clearInterval(timer);
    },
  };
};
