// Fire lane blocked (消防通道占用) for longer than N minutes. A car stopping for a minute to unload
// is not an alert; one parked for ten is. The camera reports `fire_lane_blocked` start … update … end;
// the alert opens once the episode has lasted N minutes (on an update, or at the deadline by the
// sweep when no update comes) and clears when the camera reports the lane free again.
// Durations run on the server clock, so a camera with a wrong clock cannot shorten or stretch them.
import type { EstateEvent } from '../../../protocol/index.ts';
import { placeOf, type AlertChange, type RuleContext, type RuleResult } from './types.ts';

export const FIRE_LANE = 'fire_lane_blocked';
/** An episode with neither update nor end for this long is forgotten (the camera lost it). */
export const EPISODE_STALE_MS = 12 * 3600_000;

export interface FireLaneEpisode {
  estate: string;
  device: string;
  /** server time the blocking was first reported */
  since: number;
  /** device time of the first report */
  firstTs: number;
  /** server time of the latest report */
  lastReport: number;
  raised: boolean;
  x?: number;
  y?: number;
  building?: string;
  zone?: string;
}

/** Open episodes by camera. */
export type FireLaneState = ReadonlyMap<string, FireLaneEpisode>;

function raiseFor(ep: FireLaneEpisode, ctx: RuleContext, at: number): AlertChange {
  const minutes = ctx.params.fireLaneMinutes;
  const camera = ctx.deviceName(ep.device);
  return {
    op: 'raise',
    alert: {
      estate: ep.estate,
      source: ep.device,
      type: FIRE_LANE,
      severity: 'major',
      title: `Fire lane blocked over ${minutes} min: ${camera}`,
      titleZh: `消防通道占用超过 ${minutes} 分钟：${camera}`,
      ...placeOf(ep),
      device: ep.device,
      ...(ep.zone ? { zone: ep.zone } : {}),
      detail: { blockedSince: ep.firstTs, minutes },
      at,
    },
  };
}

export function fireLaneEvent(state: FireLaneState, event: EstateEvent, ctx: RuleContext, now: number): RuleResult<FireLaneState> {
  if (event.kind !== 'camera' || event.data.type !== FIRE_LANE) return { state, changes: [] };
  const current = state.get(event.device);
  const next = new Map(state);
  if (event.data.phase === 'end') {
    if (!current) return { state, changes: [] };
    next.delete(event.device);
    return { state: next, changes: current.raised ? [{ op: 'clear', estate: event.estate, source: event.device, type: FIRE_LANE, at: event.ts }] : [] };
  }
  const ep: FireLaneEpisode = current
    ? { ...current, lastReport: now }
    : {
        estate: event.estate,
        device: event.device,
        since: now,
        firstTs: event.ts,
        lastReport: now,
        raised: false,
        ...placeOf(event),
        ...(typeof event.data.zone === 'string' ? { zone: event.data.zone } : {}),
      };
  const changes: AlertChange[] = [];
  if (!ep.raised && now - ep.since >= ctx.params.fireLaneMinutes * 60_000) {
    ep.raised = true;
    changes.push(raiseFor(ep, ctx, event.ts));
  } else if (ep.raised) {
    changes.push({ op: 'touch', estate: event.estate, source: event.device, type: FIRE_LANE, at: event.ts });
  }
  next.set(event.device, ep);
  return { state: next, changes };
}

/** The timer side: episodes that reached N minutes without an update raise now; stale ones are dropped. */
export function fireLaneDue(state: FireLaneState, ctxFor: (estate: string) => RuleContext | null, now: number): RuleResult<FireLaneState> {
  let next: Map<string, FireLaneEpisode> | null = null;
  const changes: AlertChange[] = [];
  for (const [device, ep] of state) {
    if (now - ep.lastReport > EPISODE_STALE_MS) {
      (next ??= new Map(state)).delete(device);
      continue;
    }
    if (ep.raised) continue;
    const ctx = ctxFor(ep.estate);
    if (!ctx || now - ep.since < ctx.params.fireLaneMinutes * 60_000) continue;
    (next ??= new Map(state)).set(device, { ...ep, raised: true });
    // observed at: the first report's device time plus the minutes it has lasted
    changes.push(raiseFor(ep, ctx, ep.firstTs + ctx.params.fireLaneMinutes * 60_000));
  }
  return { state: next ?? state, changes };
}

