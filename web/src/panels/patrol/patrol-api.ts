// REST of the patrol panel, through the app's API helpers (bearer token, 401 handling).
import type { TourView } from '../../../../protocol/patrol.ts';
import { getJson } from '../../app/api.ts';

/** Tours whose window meets [from, to] (epoch ms). */
export function listTours(estate: string, from: number, to: number, signal?: AbortSignal): Promise<TourView[]> {
  return getJson<TourView[]>(`/estates/${encodeURIComponent(estate)}/patrol/tours?from=${Math.round(from)}&to=${Math.round(to)}`, signal);
}
