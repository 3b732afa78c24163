// The wall screen's copy of the estate's open work orders (工单): seeded over REST, kept current by
// the upserts on `estates/{e}/workorders` (newer versions win, so a late or repeated message cannot
// undo a newer state). It lives on the LiveStore, so the map layer draws whichever store it is given
// — the live one, or the replay's. A plain mutable object with a version counter.
import { allowedMs, racingDeadline } from '../../../protocol/clock.ts';
import { isWorkOrderDone, type WorkOrder, type WorkOrderUpsert } from '../../../protocol/workorders.ts';
import type { WorkOrderSpot } from '../map/work-order-layout.ts';

interface BookedOrder extends WorkOrder {
  /** local clock when this copy arrived (for reconciling with a fresh list) */
  receivedAt: number;
}

/** What the panel should do about an upsert beyond listing it. */
export interface WorkOrderAttention {
  order: WorkOrder;
  /** sound: an order went overdue (escalated). A new resident request never sounds. */
  alarm: boolean;
}

export interface OrderDeadline {
  kind: 'on_site' | 'fix';
  at: number;
  /** when this deadline's window started (for the countdown's "soon": the last fifth) */
  opened: number;
}

export function isWorkOrderUpsert(value: unknown): value is WorkOrderUpsert {
  const o = value as Partial<WorkOrderUpsert> | null;
  return !!o && typeof o.id === 'number' && typeof o.version === 'number' && typeof o.status === 'string' && typeof o.onSiteDue === 'number' && typeof o.fixDue === 'number';
}

/** The deadline an order races now (on site first, then the fix); null when done. While paused it stands still. */
export function orderDeadline(o: Pick<WorkOrder, 'status' | 'onSiteAt' | 'onSiteDue' | 'fixDue' | 'tier'>): OrderDeadline | null {
  const d = racingDeadline(isWorkOrderDone(o.status), o.onSiteAt, o);
  return d ? { ...d, opened: d.at - allowedMs(d.kind, o.tier) } : null;
}

export function isOverdue(o: WorkOrder, now: number): boolean {
  if (o.status === 'paused') return false;
  const d = orderDeadline(o);
  return !!d && now >= d.at;
}

/** Wall-screen order: overdue and nearest deadline first; paused orders (clock stopped) after the running ones. */
export function compareOrders(a: WorkOrder, b: WorkOrder): number {
  const paused = Number(a.status === 'paused') - Number(b.status === 'paused');
  if (paused) return paused;
  const da = orderDeadline(a)?.at ?? Infinity;
  const db = orderDeadline(b)?.at ?? Infinity;
  if (da !== db) return da - db;
  return b.openedAt - a.openedAt || b.id - a.id;
}

export class WorkOrderBook {
  private readonly orders = new Map<number, BookedOrder>();
  version = 0;
  /** upserts taken (for tests and the legend) */
  received = 0;

  /** Takes one upsert; returns what deserves attention, or null for an old or unknown message. */
  apply(message: unknown, now = Date.now()): WorkOrderAttention | null {
    if (!isWorkOrderUpsert(message)) return null;
    this.received++;
    const known = this.orders.get(message.id);
    if (known && known.version >= message.version) return null;
    const { change, notice, ...order } = message;
    if (isWorkOrderDone(order.status) || order.spam) this.orders.delete(order.id);
    else this.orders.set(order.id, { ...order, receivedAt: now });
    this.version++;
    const alarm = change === 'escalated' && !isWorkOrderDone(order.status) && (notice === undefined || notice.level === 'escalation');
    return { order, alarm };
  }

  /** A fresh list of the open orders from REST: newer copies win; what it lacks was closed meanwhile (unless it arrived since). */
  reconcile(list: readonly WorkOrder[], fetchedFrom: number, now = Date.now()): void {
    const present = new Set<number>();
    for (const o of list) {
      present.add(o.id);
      if (isWorkOrderDone(o.status) || o.spam) continue;
      const known = this.orders.get(o.id);
      if (!known || known.version < o.version) this.orders.set(o.id, { ...o, receivedAt: now });
    }
    for (const [id, o] of this.orders) if (!present.has(id) && o.receivedAt < fetchedFrom) this.orders.delete(id);
    this.version++;
  }

  /** Replay: the order as it was at a recorded moment (no version check: the timeline is ordered). */
  put(order: WorkOrder, now: number): void {
    if (isWorkOrderDone(order.status) || order.spam) this.orders.delete(order.id);
    else this.orders.set(order.id, { ...order, receivedAt: now });
    this.version++;
  }

  clear(): void {
    this.orders.clear();
    this.version++;
  }

  get(id: number): WorkOrder | undefined {
    return this.orders.get(id);
  }

  rows(): WorkOrder[] {
    return [...this.orders.values()].sort(compareOrders);
  }

  overdue(now: number): number {
    let n = 0;
    for (const o of this.orders.values()) if (isOverdue(o, now)) n++;
    return n;
  }

  /** For the map layer: one spot per open order. */
  *spots(): Iterable<WorkOrderSpot> {
    for (const o of this.orders.values()) {
      const d = orderDeadline(o);
      if (!d) continue;
      yield { id: String(o.id), building: o.building, floor: o.floor, x: o.x, y: o.y, due: d.at, opened: d.opened, paused: o.status === 'paused' };
    }
  }

  get size(): number {
    return this.orders.size;
  }
}
