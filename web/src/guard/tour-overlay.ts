// What the phone shows per checkpoint: the server's status, with check-ins still in the outbox laid
// over checkpoints not yet visited ("waiting to sync"), so a round walked offline shows as walked. Pure.
import type { StopStatus, StopView, TourView } from '../../../protocol/patrol.ts';
import { sameCode } from './checkin.ts';
import { isCheckinItem, type OutboxItem } from './outbox.ts';

export type ShownStatus = StopStatus | 'queued';

export interface ShownStop extends StopView {
  shown: ShownStatus;
  /** the scan time: from the server, or from the queue */
  at: number | null;
}

export function overlayQueue(tour: TourView, queue: readonly OutboxItem[]): ShownStop[] {
  return tour.stops.map((stop) => {
    if (stop.scan) return { ...stop, shown: stop.status, at: stop.scan.ts };
    const queued = queue.filter(isCheckinItem).find((q) => q.payload.ts >= tour.opens && q.payload.ts <= stop.deadline && (sameCode(q.payload.checkpoint, stop.code) || sameCode(q.payload.checkpoint, stop.checkpoint)));
    return queued ? { ...stop, shown: 'queued', at: queued.payload.ts } : { ...stop, shown: stop.status, at: null };
  });
}
