// "On site" (到场) is proven by where a guard is, not by a click: a check-in (at a checkpoint) or a
// position report within the geofence of the alert. Pure: which open alerts an event proves.
import type { Alert, EstateEvent } from '../../protocol/index.ts';

/** A report from before the alert opened still counts if it is this recent (the guard was already there). */
export const PROOF_SKEW_MS = 2 * 60_000;

export interface OnSiteProof {
  alert: Alert;
  by: string;
  /** server time the guard is known to have been there */
  at: number;
  distance: number;
}

/** Who an event shows, and where, if it can prove presence at all. */
export function presence(event: EstateEvent, radiusM: number): { by: string; x: number; y: number } | null {
  if (event.kind !== 'checkin' && event.kind !== 'position') return null;
  if (typeof event.x !== 'number' || typeof event.y !== 'number') return null;
  // a fix vaguer than the geofence proves nothing
  if (typeof event.data.accuracy === 'number' && event.data.accuracy > radiusM) return null;
  const by = typeof event.data.guard === 'string' && event.data.guard ? event.data.guard : event.device;
  return { by, x: event.x, y: event.y };
}

export function onSiteProofs(alerts: Iterable<Alert>, event: EstateEvent, radiusM: number, now: number): OnSiteProof[] {
  const who = presence(event, radiusM);
  if (!who) return [];
  const out: OnSiteProof[] = [];
  for (const a of alerts) {
    if (a.status === 'resolved' || a.onSiteAt !== undefined || a.x === undefined || a.y === undefined) continue;
    if (event.ts < a.openedAt - PROOF_SKEW_MS) continue;
    const distance = Math.hypot(a.x - who.x, a.y - who.y);
    if (distance > radiusM) continue;
    // the clock stops when the guard was there, never before the alert opened nor after we heard of it
    out.push({ alert: a, by: who.by, at: Math.min(now, Math.max(a.openedAt, event.ts)), distance: Math.round(distance * 10) / 10 });
  }
  return out;
}
