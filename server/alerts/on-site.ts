// "On site" (到场) is proven by where a guard is, not by a click: a check-in (at a checkpoint) or a
// position report within the geofence of the alert. Pure: which open alerts an event proves. The same
// test proves arrival at a work order (server/workorders/), whose geofence is also its building's
// footprint (the event's building, from enrichment).
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

export interface Presence {
  by: string;
  x: number;
  y: number;
  /** the building whose footprint the report lies in */
  building?: string;
}

/** Who an event shows, and where, if it can prove presence at all. */
export function presence(event: EstateEvent, radiusM: number): Presence | null {
  if (event.kind !== 'checkin' && event.kind !== 'position') return null;
  if (typeof event.x !== 'number' || typeof event.y !== 'number') return null;
  // a fix vaguer than the geofence proves nothing
  if (typeof event.data.accuracy === 'number' && event.data.accuracy > radiusM) return null;
  const by = typeof event.data.guard === 'string' && event.data.guard ? event.data.guard : event.device;
  return { by, x: event.x, y: event.y, ...(event.building ? { building: event.building } : {}) };
}

/** What a geofence is drawn around: a place, when it opened, and (work orders) its building. */
export interface ProofTarget {
  x?: number;
  y?: number;
  building?: string;
  openedAt: number;
}

/**
 * Does this presence, reported at `ts`, prove being at the target? Within `radiusM` of its place, or
 * (with `byBuilding`) inside its building's footprint. The time is clamped: never before the target
 * opened nor after we heard of it.
 */
export function proofAt(target: ProofTarget, who: Presence, ts: number, radiusM: number, now: number, byBuilding = false): { at: number; distance: number | null } | null {
  if (ts < target.openedAt - PROOF_SKEW_MS) return null;
  const distance = target.x !== undefined && target.y !== undefined ? Math.hypot(target.x - who.x, target.y - who.y) : null;
  const inBuilding = byBuilding && target.building !== undefined && who.building === target.building;
  if (!inBuilding && (distance === null || distance > radiusM)) return null;
  return { at: Math.min(now, Math.max(target.openedAt, ts)), distance: distance === null ? null : Math.round(distance * 10) / 10 };
}

export function onSiteProofs(alerts: Iterable<Alert>, event: EstateEvent, radiusM: number, now: number): OnSiteProof[] {
  const who = presence(event, radiusM);
  if (!who) return [];
  const out: OnSiteProof[] = [];
  for (const a of alerts) {
    if (a.status === 'resolved' || a.onSiteAt !== undefined || a.x === undefined || a.y === undefined) continue;
    const proof = proofAt(a, who, event.ts, radiusM, now);
    if (proof) out.push({ alert: a, by: who.by, at: proof.at, distance: proof.distance! });
  }
  return out;
}
