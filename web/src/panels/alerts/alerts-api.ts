// REST calls of the alerts panel, through the app's API helpers (bearer token, 401 handling).
import type { Alert, AlertListResponse } from '../../../../protocol/alerts.ts';
import { getJson, postJson } from '../../app/api.ts';

const base = (estate: string) => `/estates/${encodeURIComponent(estate)}`;

/** Every unresolved alert of the estate (incident members included: the book groups them). */
export function activeAlerts(estate: string, signal?: AbortSignal): Promise<AlertListResponse> {
  return getJson<AlertListResponse>(`${base(estate)}/alerts?status=active&limit=500`, signal);
}

export type AlertAction = 'acknowledge' | 'resolve';

export function actOn(estate: string, id: number, action: AlertAction, note?: string): Promise<Alert> {
  return postJson<Alert>(`${base(estate)}/alerts/${id}/${action}`, note ? { note } : {});
}

export interface DeviceHealthSummary {
  counts: { online: number; offline: number; unknown: number };
}

export function deviceHealth(estate: string, signal?: AbortSignal): Promise<DeviceHealthSummary> {
  return getJson<DeviceHealthSummary>(`${base(estate)}/device-health`, signal);
}
