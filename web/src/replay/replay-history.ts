// Loads a replay window from the existing history API: every kind of event between `from` and
// `to` (paged newest-first, 10,000 per request, each page ending where the last began) and, when the
// alerts capability is installed, the alerts opened in the window as upserts at the times they
// opened, were acknowledged and resolved. Guard positions are thinned to one per guard per
// POSITION_STEP_MS: a handheld reporting every second would otherwise dominate the download.
import { DEVICE_KINDS } from '../../../protocol/topics.ts';
import type { EstateEvent } from '../../../protocol/schemas.ts';
import { ApiRequestError, getJson, queryEvents } from '../app/api.ts';
import type { AlertMessage } from '../live/live-store.ts';
import type { WorkOrder, WorkOrderListResponse } from '../../../protocol/workorders.ts';
import type { ReplayItem } from './replay-timeline.ts';

export const REPLAY_WINDOW_MS = 24 * 3600_000;
export const PAGE_LIMIT = 10_000;
/** Per kind: beyond this many pages the oldest part of the window is left out (and said so). */
export const MAX_PAGES = 8;
export const POSITION_STEP_MS = 5_000;

export interface ReplayData {
  items: ReplayItem[];
  from: number;
  to: number;
  /** some kind had more than MAX_PAGES pages: the window's start is missing */
  truncated: boolean;
}

/** One position per guard per `step` ms (the first of each step), other events untouched; input oldest first. */
export function thinPositions(events: readonly EstateEvent[], step = POSITION_STEP_MS): EstateEvent[] {
  const last = new Map<string, number>();
  return events.filter((e) => {
    if (e.kind !== 'position') return true;
    const who = typeof e.data?.guard === 'string' ? e.data.guard : e.device;
    const previous = last.get(who);
    if (previous !== undefined && e.ts - previous < step) return false;
    last.set(who, e.ts);
    return true;
  });
}

/** Alerts (as the alerts REST lists them) → upserts at each lifecycle time inside the window. */
export function alertChanges(alerts: readonly AlertMessage[], from: number, to: number): ReplayItem[] {
  const out: ReplayItem[] = [];
  for (const alert of alerts) {
    const steps: Array<[unknown, string]> = [
      [alert.openedAt, 'open'],
      [alert.acknowledgedAt, 'acknowledged'],
      [alert.resolvedAt, 'resolved'],
    ];
    for (const [at, status] of steps) {
      if (typeof at === 'number' && at >= from && at <= to) out.push({ at, alert: { ...alert, status } });
    }
  }
  return out;
}

/**
 * Work orders (as REST lists them: their latest state) → the order at each milestone inside the
 * window: opened, accepted, on site, paused (the running pause only: earlier pauses are in the
 * order's log, not its row), resolved / closed / cancelled (which take it off the map).
 */
export function workOrderChanges(orders: readonly WorkOrder[], from: number, to: number): ReplayItem[] {
  const out: ReplayItem[] = [];
  for (const o of orders) {
    const base = { ...o, onSiteAt: undefined, onSiteBy: undefined, pausedAt: undefined, pauseReason: undefined };
    const steps: Array<[number | undefined, Partial<WorkOrder>]> = [
      [o.openedAt, { status: o.dispatchedAt !== undefined && o.dispatchedAt <= o.openedAt ? 'dispatched' : 'new' }],
      [o.dispatchedAt, { status: 'dispatched' }],
      [o.acceptedAt, { status: 'accepted' }],
      [o.onSiteAt, { status: 'on_site', onSiteAt: o.onSiteAt, onSiteBy: o.onSiteBy }],
      [o.status === 'paused' ? o.pausedAt : undefined, { status: 'paused', pausedAt: o.pausedAt, pauseReason: o.pauseReason }],
      [o.resolvedAt, { status: 'resolved' }],
      [o.closedAt, { status: 'closed' }],
      [o.cancelledAt, { status: 'cancelled' }],
    ];
    let state: WorkOrder = base;
    for (const [at, patch] of steps.filter(([at]) => typeof at === 'number').sort((a, b) => a[0]! - b[0]!)) {
      state = { ...state, ...patch };
      if (at! >= from && at! <= to) out.push({ at: at!, workOrder: state });
      else if (at! < from) out.push({ at: from, workOrder: state }); // the state it had when the window opened
    }
  }
  return out;
}

async function workOrders(estate: string, from: number, signal: AbortSignal): Promise<WorkOrder[]> {
  const path = `/estates/${encodeURIComponent(estate)}/workorders`;
  try {
    // opened in the window, and those opened earlier that are still open
    const [recent, open] = await Promise.all([
      getJson<WorkOrderListResponse>(`${path}?since=${from}&limit=500&sort=newest`, signal),
      getJson<WorkOrderListResponse>(`${path}?status=active&limit=500&sort=due`, signal),
    ]);
    return [...new Map([...open.orders, ...recent.orders].map((o) => [o.id, o])).values()];
  } catch (err) {
    // no work-order capability on this server (404): replay without them
    if (err instanceof ApiRequestError && err.status === 404) return [];
    throw err;
  }
}

async function kindEvents(estate: string, kind: string, from: number, to: number, signal: AbortSignal): Promise<{ events: EstateEvent[]; truncated: boolean }> {
  const seen = new Set<string>();
  const out: EstateEvent[] = [];
  let until = to;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { events } = await queryEvents(estate, { kind, from, to: until, limit: PAGE_LIMIT }, signal);
    for (const e of events) {
      // pages overlap on their boundary millisecond: drop what the last page already had
      const key = `${e.device}/${e.id ?? ''}/${e.ts}/${e.rx}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e);
    }
    if (events.length < PAGE_LIMIT) return { events: out, truncated: false };
    const oldest = events[events.length - 1].ts;
    if (oldest >= until && page > 0) return { events: out, truncated: true };
    until = oldest;
  }
  return { events: out, truncated: true };
}

export async function loadReplay(estate: string, to: number, signal: AbortSignal, windowMs = REPLAY_WINDOW_MS): Promise<ReplayData> {
  const from = to - windowMs;
  const kinds = await Promise.all(DEVICE_KINDS.map((kind) => kindEvents(estate, kind, from, to, signal)));
  const events = kinds.flatMap((k) => k.events).sort((a, b) => a.ts - b.ts);
  const items: ReplayItem[] = thinPositions(events).map((event) => ({ at: event.ts, event }));
  try {
    const { alerts } = await getJson<{ alerts: AlertMessage[] }>(`/estates/${encodeURIComponent(estate)}/alerts?since=${from}&limit=500&sort=newest`, signal);
    items.push(...alertChanges(alerts, from, to));
  } catch (err) {
    // no alerts capability on this server (404): replay the devices' events alone
    if (!(err instanceof ApiRequestError) || err.status !== 404) throw err;
  }
  items.push(...workOrderChanges(await workOrders(estate, from, signal), from, to));
  return { items, from, to, truncated: kinds.some((k) => k.truncated) };
}
