// REST calls of the gate panel, through the app's API helpers (bearer token, 401 handling).
import type { EventsResponse } from '../../../../protocol/api.ts';
import type { CarParkOccupancy, GateDetail } from '../../../../protocol/vehicles.ts';
import { getJson } from '../../app/api.ts';

const base = (estate: string) => `/estates/${encodeURIComponent(estate)}`;

export function listGates(estate: string, signal?: AbortSignal): Promise<GateDetail[]> {
  return getJson<GateDetail[]>(`${base(estate)}/gates`, signal);
}

export function carParks(estate: string, signal?: AbortSignal): Promise<CarParkOccupancy[]> {
  return getJson<CarParkOccupancy[]>(`${base(estate)}/car-parks`, signal);
}

/** The latest plate reads (newest first), with their decisions as stored. */
export function recentReads(estate: string, limit: number, signal?: AbortSignal): Promise<EventsResponse> {
  return getJson<EventsResponse>(`${base(estate)}/events?kind=vehicle&limit=${limit}`, signal);
}
