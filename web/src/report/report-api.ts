// PROVISIONAL until protocol/workorders.ts lands: the residents' public routes.
import { API_PREFIX } from '../../../protocol/api.ts';
import type { ReportDraft } from './draft.ts';
import { send } from './report-http.ts';

export const MAX_DESCRIPTION = 2000;
export const RATINGS = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const;
export type Rating = (typeof RATINGS)[number];

export interface ReportInfo {
  estate: { id: string; name: string; nameZh: string; timezone: string };
  buildings: Array<{ id: string; name: string }>;
  categories: Array<{ code: string; name: string; nameZh: string }>;
}

export interface Receipt {
  id: string;
  number: string;
  /** path + query of the tracking view */
  track: TrackRef;
}

export interface TrackRef {
  id: string;
  key: string;
}

export interface TrackedRequest {
  id: string;
  number: string;
  status: string;
  timezone: string;
  category: { code: string; name: string; nameZh: string };
  buildingName?: string;
  description: string;
  createdAt: number;
  deadline: { kind: 'on_site' | 'resolve' | 'plan'; at: number; opened: number } | null;
  paused?: { reason: string; since: number };
  notes: Array<{ at: number; text: string }>;
  photos: string[];
  rating?: { rating: Rating; comment?: string };
  canConfirm: boolean;
  canReopen: boolean;
}

export type SendProgress = { stage: 'preparing' | 'uploading' | 'waiting'; fraction: number };

export async function fetchInfo(estate: string): Promise<ReportInfo> {
  return send<ReportInfo>({ method: 'GET', url: `${API_PREFIX}/public/estates/${encodeURIComponent(estate)}/report` });
}

export async function submitReport(d: ReportDraft, progress: (p: SendProgress) => void): Promise<Receipt> {
  const form = new FormData();
  form.set('clientId', d.clientId);
  form.set('category', d.category);
  form.set('description', d.description);
  if (d.building) form.set('building', d.building);
  if (d.name.trim()) form.set('name', d.name.trim());
  if (d.phone.trim()) form.set('phone', d.phone.trim());
  for (const p of d.photos) form.append('photo', p.blob, p.name);
  return send<Receipt>({
    method: 'POST',
    url: `${API_PREFIX}/public/estates/${encodeURIComponent(d.estate)}/requests`,
    body: form,
    hasPhotos: d.photos.length > 0,
    onProgress: (fraction) => progress({ stage: 'uploading', fraction }),
    onUploaded: () => progress({ stage: 'waiting', fraction: 1 }),
  });
}

const TRACK_KEY = 'smart-estate.report.track.';

export async function fetchTrack(ref: TrackRef): Promise<{ view: TrackedRequest; serverTime: number | null }> {
  const view = await send<TrackedRequest>({ method: 'GET', url: `${API_PREFIX}/public/requests/${encodeURIComponent(ref.id)}?k=${encodeURIComponent(ref.key)}` });
  try {
    localStorage.setItem(TRACK_KEY + ref.id, JSON.stringify({ at: Date.now(), view }));
  } catch {
    // storage full
  }
  return { view, serverTime: null };
}

export function cachedTrack(ref: TrackRef): { at: number; view: TrackedRequest } | null {
  try {
    return JSON.parse(localStorage.getItem(TRACK_KEY + ref.id) ?? 'null');
  } catch {
    return null;
  }
}

export function confirmFix(ref: TrackRef, rating: Rating, comment: string): Promise<TrackedRequest> {
  return send({ method: 'POST', url: `${API_PREFIX}/public/requests/${encodeURIComponent(ref.id)}/confirm?k=${encodeURIComponent(ref.key)}`, body: JSON.stringify({ rating, comment }) });
}

export function reopen(ref: TrackRef, reason: string): Promise<TrackedRequest> {
  return send({ method: 'POST', url: `${API_PREFIX}/public/requests/${encodeURIComponent(ref.id)}/reopen?k=${encodeURIComponent(ref.key)}`, body: JSON.stringify({ reason }) });
}

export function trackPath(ref: TrackRef): string {
  return `/report/track?id=${encodeURIComponent(ref.id)}&k=${encodeURIComponent(ref.key)}`;
}

export function parseTrack(search: string): TrackRef | null {
  const q = new URLSearchParams(search);
  const id = q.get('id');
  const key = q.get('k');
  return id && key ? { id, key } : null;
}
