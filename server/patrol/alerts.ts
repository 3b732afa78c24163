// Which alerts a tour's re-evaluation raises or clears: pure, from the statuses before and after.
// (source, type) is the alerts' de-duplication key: source = `{route}:{checkpoint}`, so a checkpoint
// missed on several tours in a row stays one alert that the control room works through.
import type { AlertInput } from '../alerts/sink.ts';
import type { StopStatus } from '../../protocol/patrol.ts';
import type { StopResult } from './evaluate.ts';
import type { TourPlan } from './schedule.ts';

export const MISSED = 'patrol_missed';
export const LATE = 'patrol_late';
export const SOS = 'patrol_sos';

export interface AlertContext {
  routeName: string;
  routeNameZh: string;
  /** checkpoint id → name and place */
  checkpoints: Map<string, { name: string; x: number; y: number }>;
  /** HH:MM of the tour start in the estate's time zone */
  startLabel: string;
  guard: string | null;
}

export interface AlertChanges {
  raise: AlertInput[];
  clear: Array<{ source: string; type: string; at: number }>;
}

const VISITED: ReadonlySet<StopStatus> = new Set(['on_time', 'late', 'early', 'out_of_order']);

export const alertSource = (route: string, checkpoint: string) => `${route}:${checkpoint}`;

/**
 * - a checkpoint becomes `missed` → raise patrol_missed (warning; a small job under 54321);
 * - a checkpoint becomes `late` → raise patrol_late (info);
 * - a `missed` checkpoint turns out visited (a check-in synced late) → clear patrol_missed.
 * `previous` is null for a tour evaluated for the first time.
 */
export function alertChanges(plan: TourPlan, previous: readonly StopResult[] | null, next: readonly StopResult[], ctx: AlertContext, now: number): AlertChanges {
  const out: AlertChanges = { raise: [], clear: [] };
  next.forEach((stop, i) => {
    const before = previous?.[i]?.status ?? 'pending';
    if (before === stop.status) return;
    const cp = ctx.checkpoints.get(stop.checkpoint);
    const name = cp?.name ?? stop.checkpoint;
    const source = alertSource(plan.route, stop.checkpoint);
    const base = {
      estate: plan.estate,
      source,
      ...(cp ? { x: cp.x, y: cp.y } : {}),
      detail: {
        tour: plan.id, route: plan.route, checkpoint: stop.checkpoint, plannedAt: stop.plannedAt, deadline: stop.deadline, guard: ctx.guard,
        ...(stop.scan ? { scannedAt: stop.scan.ts, device: stop.scan.device, event: stop.scan.id } : {}),
      },
    };
    if (stop.status === 'missed') {
      out.raise.push({
        ...base, type: MISSED, severity: 'warning', tier: 'small', at: stop.deadline,
        title: `Checkpoint missed: ${name} (${ctx.routeName} ${ctx.startLabel})`,
        titleZh: `漏巡：${name}（${ctx.routeNameZh} ${ctx.startLabel}）`,
      });
    } else if (before === 'missed' && VISITED.has(stop.status)) {
      out.clear.push({ source, type: MISSED, at: now });
    }
    if (stop.status === 'late' && stop.scan) {
      const minutes = Math.round((stop.scan.ts - stop.plannedAt) / 60_000);
      out.raise.push({
        ...base, type: LATE, severity: 'info', at: stop.scan.ts,
        title: `Checkpoint late by ${minutes} min: ${name} (${ctx.routeName} ${ctx.startLabel})`,
        titleZh: `迟巡 ${minutes} 分钟：${name}（${ctx.routeNameZh} ${ctx.startLabel}）`,
      });
    }
  });
  return out;
}
