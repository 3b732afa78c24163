// Where heat comes from: a named source yields (x, y, t) points of one estate in a time window.
// Alerts are built in; another capability registers its own (work orders, residents' requests):
//   registerHeatSource({ name: 'workorders', points: (db, estate, from, to) => … })
// and GET /estates/{e}/heat?source=workorders serves it, on the same grid, with no change here.
import type { Db } from '../store/db.ts';
import type { HeatPoint } from './grid.ts';

export interface HeatSource {
  /** the `source` query value */
  name: string;
  points(db: Db, estate: string, from: number, to: number): Iterable<HeatPoint>;
}

const sources = new Map<string, HeatSource>();

export function registerHeatSource(source: HeatSource): void {
  sources.set(source.name, source);
}

export function heatSource(name: string): HeatSource | undefined {
  return sources.get(name);
}

export function heatSourceNames(): string[] {
  return [...sources.keys()];
}

/** Alerts by when they opened and where (alerts without a place are not on the map). */
export const alertsHeatSource: HeatSource = {
  name: 'alerts',
  *points(db, estate, from, to) {
    let rows: Iterable<{ opened_at: number; body: string }>;
    try {
      // incidents group other alerts that are counted themselves
      rows = db.prepare("SELECT opened_at, body FROM alerts WHERE estate = ? AND opened_at >= ? AND opened_at < ? AND type != 'incident'").iterate(estate, from, to) as Iterable<{ opened_at: number; body: string }>;
    } catch {
      return; // no alerts table (the alerts module is not loaded): no heat
    }
    for (const r of rows) {
      const a = JSON.parse(r.body) as { x?: number; y?: number };
      if (typeof a.x === 'number' && typeof a.y === 'number') yield { x: a.x, y: a.y, t: r.opened_at };
    }
  },
};

registerHeatSource(alertsHeatSource);
