// Stored tours → what the API and the patrol channel show (names, codes, photo references). Pure.
import type { CheckpointInfo } from '../../protocol/index.ts';
import type { PatrolRoute, StopView, TourView } from '../../protocol/patrol.ts';
import type { TourRow } from './store.ts';
import { photoOf } from './matching.ts';

export interface ViewNames {
  routes: Map<string, Pick<PatrolRoute, 'name' | 'nameZh'>>;
  checkpoints: Map<string, Pick<CheckpointInfo, 'name' | 'code'>>;
}

export function tourView(row: TourRow, names: ViewNames): TourView {
  const { plan, result } = row;
  const route = names.routes.get(plan.route);
  const stops = plan.stops.map((planned, i): StopView => {
    const r = result?.stops[i];
    const cp = names.checkpoints.get(planned.checkpoint);
    const view: StopView = {
      checkpoint: planned.checkpoint,
      name: cp?.name ?? planned.checkpoint,
      code: cp?.code ?? planned.checkpoint,
      plannedAt: planned.plannedAt,
      deadline: planned.deadline,
      status: r?.status ?? 'pending',
    };
    if (r?.scan) {
      const { checkpoint: _cp, ...scan } = r.scan;
      const photo = photoOf(scan.note);
      view.scan = { ...scan, ...(photo ? { photo } : {}) };
    }
    return view;
  });
  return {
    estate: plan.estate,
    id: plan.id,
    route: plan.route,
    routeName: route?.name ?? plan.route,
    routeNameZh: route?.nameZh ?? route?.name ?? plan.route,
    schedule: plan.schedule,
    day: plan.day,
    start: plan.start,
    opens: plan.opens,
    closes: plan.closes,
    state: row.state,
    guard: result?.guard ?? plan.guard,
    assigned: plan.guard !== null,
    stops,
    counts: result?.counts ?? { on_time: 0, late: 0, early: 0, missed: 0, out_of_order: 0, pending: stops.length },
    completion: result?.completion ?? 0,
    ...(row.cancelReason ? { cancelReason: row.cancelReason } : {}),
  };
}
