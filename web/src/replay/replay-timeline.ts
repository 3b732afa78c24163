// The replay's clock: every recorded event and alert change of the window, oldest first, applied to
// a LiveStore up to the replay time. Forward moves apply only what is new; a move back rebuilds
// from the start (tens of thousands of events take a fraction of a second). Pure: no timers, no
// network, so replay semantics are unit-tested in Node.
import type { EstateEvent } from '../../../protocol/schemas.ts';
import type { WorkOrder } from '../../../protocol/workorders.ts';
import type { AlertMessage, LiveStore } from '../live/live-store.ts';

export type ReplayItem = { at: number; event: EstateEvent } | { at: number; alert: AlertMessage } | { at: number; workOrder: WorkOrder };

export class ReplayTimeline {
  readonly items: ReplayItem[];
  /** index of the first item not yet applied */
  private cursor = 0;
  /** the replay time the store shows (epoch ms) */
  time: number;

  constructor(
    readonly store: LiveStore,
    items: ReplayItem[],
    readonly from: number,
    readonly to: number,
  ) {
    // stable sort: events of the same millisecond keep the history's (journal) order
    this.items = items.filter((i) => i.at >= from && i.at <= to).sort((a, b) => a.at - b.at);
    this.time = from;
    store.clear();
  }

  /** Shows the estate as it was at `t` (clamped to the window). */
  seek(t: number): void {
    const target = Math.min(this.to, Math.max(this.from, t));
    if (target < this.time) {
      this.store.clear();
      this.cursor = 0;
    }
    this.time = target;
    const { store } = this;
    while (this.cursor < this.items.length && this.items[this.cursor].at <= target) {
      const item = this.items[this.cursor++];
      // the recorded time is the clock: received "then", not now
      if ('event' in item) store.ingest({ ...item.event, rx: item.at }, target);
      else if ('alert' in item) store.ingestAlert({ ...item.alert, updatedAt: item.at }, item.at);
      else store.workOrders.put(item.workOrder, item.at);
    }
    store.expire(target);
    store.markersVersion++;
  }

  /** How many items have been applied (for the bar's counter). */
  get applied(): number {
    return this.cursor;
  }
}
