// Which checkpoint a check-in was at: by the tag's code (NFC UID / QR text), else by the GPS fix
// (a geofence around each checkpoint). Pure: the estate's checkpoints come in as a list.
import type { CheckpointInfo, EstateEvent } from '../../protocol/index.ts';
import { PHOTO_REF, SOS_CHECKPOINT } from '../../protocol/patrol.ts';

/** A GPS fix this close to a checkpoint counts as being there (phone GPS is good to 5–15 m in the open). */
export const GEOFENCE_M = 30;

/**
 * Tag codes as readers print them differ in case and separators (`04:a2:3b:91` vs `04A23B91`):
 * compare them without either.
 */
export function normalizeCode(code: string): string {
  return code.trim().toUpperCase().replace(/[\s:-]/g, '');
}

export interface Resolution {
  checkpoint: string | null;
  via: 'code' | 'gps' | null;
  /** metres between the GPS fix and the checkpoint, when there was a fix */
  distanceM?: number;
}

export interface CheckpointIndex {
  byCode: Map<string, CheckpointInfo>;
  list: CheckpointInfo[];
}

export function indexCheckpoints(list: CheckpointInfo[]): CheckpointIndex {
  const byCode = new Map<string, CheckpointInfo>();
  // codes first: a tag's code wins over another checkpoint's id that happens to read the same
  for (const c of list) byCode.set(normalizeCode(c.id), c);
  for (const c of list) byCode.set(normalizeCode(c.code), c);
  return { byCode, list };
}

/** Has the event a GPS fix of its own? (x/y may also come from the checkpoint or the device's place.) */
function gpsFix(event: EstateEvent): [number, number] | null {
  if (typeof event.data.lat !== 'number' || typeof event.data.lon !== 'number') return null;
  if (typeof event.x !== 'number' || typeof event.y !== 'number') return null;
  return [event.x, event.y];
}

export function resolveCheckpoint(event: EstateEvent, index: CheckpointIndex, radiusM = GEOFENCE_M): Resolution {
  const fix = gpsFix(event);
  const distance = (c: CheckpointInfo) => (fix ? Math.round(Math.hypot(fix[0] - c.x, fix[1] - c.y) * 10) / 10 : undefined);
  const code = typeof event.data.checkpoint === 'string' ? normalizeCode(event.data.checkpoint) : '';
  const tagged = code ? index.byCode.get(code) : undefined;
  if (tagged) {
    const d = distance(tagged);
    return { checkpoint: tagged.id, via: 'code', ...(d !== undefined ? { distanceM: d } : {}) };
  }
  if (fix) {
    let best: CheckpointInfo | null = null;
    let bestD = Infinity;
    for (const c of index.list) {
      const d = Math.hypot(fix[0] - c.x, fix[1] - c.y);
      if (d < bestD) [best, bestD] = [c, d];
    }
    if (best && bestD <= radiusM) return { checkpoint: best.id, via: 'gps', distanceM: Math.round(bestD * 10) / 10 };
  }
  return { checkpoint: null, via: null };
}

export function isSos(event: EstateEvent): boolean {
  return event.kind === 'checkin' && typeof event.data.checkpoint === 'string' && normalizeCode(event.data.checkpoint) === SOS_CHECKPOINT;
}

export function photoOf(note: string | undefined): string | undefined {
  return note ? PHOTO_REF.exec(note)?.[1] : undefined;
}
