// REST calls of the wall screen's work-order panel, through the app's API helpers (bearer token, 401).
import type { WorkOrder, WorkOrderListResponse } from '../../../../protocol/workorders.ts';
import { getJson, postJson } from '../../app/api.ts';

const base = (estate: string) => `/estates/${encodeURIComponent(estate)}`;

/** Every open order of the estate, nearest deadline first. */
export function activeOrders(estate: string, signal?: AbortSignal): Promise<WorkOrderListResponse> {
  return getJson<WorkOrderListResponse>(`${base(estate)}/workorders?status=active&limit=500&sort=due`, signal);
}

/** One click in the alerts panel: the alert becomes a work order (the same order again when it already is one). */
export function alertToOrder(estate: string, alert: number): Promise<WorkOrder> {
  return postJson<WorkOrder>(`${base(estate)}/alerts/${alert}/workorder`, {});
}
