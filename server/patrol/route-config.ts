// A route as an admin sends it → a stored route, or the reason it cannot be one. Pure.
import { isId, type CheckpointInfo } from '../../protocol/index.ts';
import { SOS_CHECKPOINT, routeInputSchema, type PatrolRoute } from '../../protocol/patrol.ts';
import { overlapError } from './schedule.ts';

export type RouteCheck = { ok: true; route: PatrolRoute } | { ok: false; error: string };

export function checkRoute(estate: string, id: string, input: unknown, checkpoints: readonly CheckpointInfo[], timeZone: string, now: number): RouteCheck {
  if (!isId(id)) return { ok: false, error: `invalid route id '${id}': use letters, digits, '_', '-', '.' (max 64)` };
  const parsed = routeInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `invalid route: ${issue.path.join('.') || '(body)'}: ${issue.message}` };
  }
  const r = parsed.data;
  const known = new Set(checkpoints.map((c) => c.id));
  const seen = new Set<string>();
  for (const [i, stop] of r.stops.entries()) {
    if (stop.checkpoint.toUpperCase() === SOS_CHECKPOINT) return { ok: false, error: `stops.${i}: '${SOS_CHECKPOINT}' is reserved for the guard's SOS` };
    if (!known.has(stop.checkpoint)) return { ok: false, error: `stops.${i}: no checkpoint '${stop.checkpoint}' in estate '${estate}'` };
    // one scan per checkpoint and tour keeps matching unambiguous; a round ends where it began without a second scan
    if (seen.has(stop.checkpoint)) return { ok: false, error: `stops.${i}: checkpoint '${stop.checkpoint}' is already on the route (each checkpoint once per tour)` };
    seen.add(stop.checkpoint);
  }
  const ids = new Set<string>();
  for (const s of r.schedules) {
    if (ids.has(s.id)) return { ok: false, error: `schedule id '${s.id}' used twice` };
    ids.add(s.id);
  }
  const route: PatrolRoute = {
    estate, id, name: r.name, nameZh: r.nameZh ?? r.name, stops: r.stops, toleranceMin: r.toleranceMin, graceMin: r.graceMin,
    schedules: r.schedules.map((s) => ({ ...s, guard: s.guard ?? null })), active: r.active, since: now,
  };
  const overlap = overlapError(route, timeZone);
  if (overlap) return { ok: false, error: overlap };
  return { ok: true, route };
}
