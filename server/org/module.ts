// The district level as an EstateModule: the org REST routes, and the summary channel — one
// snapshot of every estate's badge at most once a second (when events came in, else every 10 s so
// silence turns estates unknown and timers' alert changes show), published retained per unit and
// per company on `units/{u}/summary` / `companies/{c}/summary` only when that summary changed.
import { companySummaryTopic, unitSummaryTopic } from '../../protocol/index.ts';
import type { EstateModule, ModuleContext } from '../modules.ts';
import { METRIC_SOURCES } from './metric-sources.ts';
import { orgRoutes } from './routes.ts';
import { groupSummary, snapshot, type DistrictSnapshot } from './summary.ts';

export const SUMMARY_INTERVAL_MS = 1_000;
export const SUMMARY_IDLE_REFRESH_MS = 10_000;

export function createOrgModule(ctx: ModuleContext): EstateModule {
  let latest: DistrictSnapshot | null = null;
  let dirty = true;
  /** events since the last publish: a REST read that refreshed the snapshot must not swallow them */
  let unpublished = true;
  let lastRun = 0;
  let lastPublish = 0;
  const published = new Map<string, string>();

  const refresh = (): DistrictSnapshot => {
    const now = ctx.now();
    latest = snapshot(ctx.db, now);
    lastRun = now;
    dirty = false;
    return latest;
  };
  const current = (): DistrictSnapshot => (latest && ctx.now() - lastRun < SUMMARY_INTERVAL_MS && !dirty ? latest : refresh());

  const publishAll = () => {
    const s = refresh();
    unpublished = false;
    lastPublish = ctx.now();
    const groups = [...[...s.units.keys()].map((id) => ({ kind: 'unit' as const, id })), ...[...s.companies.keys()].map((id) => ({ kind: 'company' as const, id }))];
    for (const g of groups) {
      const summary = groupSummary(s, g);
      if (!summary) continue;
      // the time stamp alone does not make a new message
      const key = JSON.stringify({ ...summary, at: 0 });
      const topic = g.kind === 'unit' ? unitSummaryTopic(g.id) : companySummaryTopic(g.id);
      if (published.get(topic) === key) continue;
      published.set(topic, key);
      ctx.publish(topic, summary, { retain: true });
    }
  };

  const timer = setInterval(() => {
    if (!unpublished && ctx.now() - lastPublish < SUMMARY_IDLE_REFRESH_MS) return;
    try {
      publishAll();
    } catch (err) {
      ctx.log.warn(`org: summary failed: ${(err as Error).message}`);
    }
  }, SUMMARY_INTERVAL_MS);
  timer.unref();

  return {
    name: 'org',
    onCommitted() {
      dirty = true;
      unpublished = true;
    },
    routes(router) {
      orgRoutes(router, { db: ctx.db, sources: METRIC_SOURCES, now: ctx.now, summary: current, change: (work) => ctx.configChange(work) });
    },
    configApplied(changes) {
      // another node changed the organisation: the next summary shows it
      if (changes.some((c) => c.table.startsWith('org_'))) {
        dirty = true;
        unpublished = true;
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
}
