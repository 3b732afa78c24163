// Patrol as an estate module: check-ins after the commit, a timer at the edge for tours that open
// and deadlines that pass, REST for operators and for the guard app (device token).
import type { EstateEvent } from '../../protocol/index.ts';
import type { EstateModule, ModuleContext } from '../modules.ts';
import { PatrolEngine } from './engine.ts';
import { deviceRoutes, operatorRoutes } from './api.ts';

/** the timer never sleeps longer than this (a clock jump, a route added in another process) */
const MAX_SLEEP_MS = 60_000;
const MIN_SLEEP_MS = 250;

export interface PatrolModule extends EstateModule {
  engine: PatrolEngine;
  /** runs the clock's work now (tests with an injected clock call it instead of waiting) */
  tick(): void;
}

export function createPatrolModule(ctx: ModuleContext): PatrolModule {
  const engine = new PatrolEngine(ctx);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const tick = () => {
    try {
      engine.refresh();
    } catch (err) {
      ctx.log.error(`patrol: ${(err as Error).stack ?? err}`);
    }
  };
  const arm = () => {
    if (stopped) return;
    const now = ctx.now();
    const next = engine.nextChange();
    const wait = next === null ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, next - now + 50));
    timer = setTimeout(() => {
      tick();
      arm();
    }, wait);
    timer.unref();
  };

  try {
    // in a cluster the journal also holds other owners' check-ins (ModuleContext.clustered)
    const filed = ctx.clustered ? 0 : engine.catchUp();
    if (filed) ctx.log.info(`patrol: filed ${filed} check-ins from the journal`);
  } catch (err) {
    ctx.log.error(`patrol: catch-up from the journal failed: ${(err as Error).stack ?? err}`);
  }
  tick();
  arm();
  const fileGroup = ctx.db.transaction((events: readonly EstateEvent[]) => {
    engine.ingest(events);
    engine.markJournal();
  });

  return {
    name: 'patrol',
    perEstate: true, // runs on the estate's owner only in a cluster
    replaysJournal: true, // engine.catchUp() files what the journal has past the mark
    engine,
    tick,
    onCommitted(events) {
      if (!events.some((e) => e.kind === 'checkin')) return;
      // One transaction per group commit: filing each scan on its own paid one fsync per check-in
      // (synchronous=FULL), which capped ingest at a few hundred check-ins a second.
      fileGroup(events);
    },
    publicRoutes: (router) => deviceRoutes(router, engine, ctx),
    routes: (router) => operatorRoutes(router, engine, ctx),
    configApplied: (changes) => {
      for (const c of changes) if (c.table === 'patrol_routes') engine.routeChanged(String(c.key.estate), String(c.key.id));
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
