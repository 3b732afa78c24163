// The residents' public routes (docs/workorders.md, "Residents — no login"): the form's estate,
// buildings and categories; the report itself (multipart with its photos, upload progress shown);
// the tracking view by its secret token; confirm + rate, or reopen. The last tracking answer is kept
// on the phone so the page still shows something in a dead spot.
import { API_PREFIX } from '../../../protocol/api.ts';
import { racingDeadline } from '../../../protocol/clock.ts';
import {
  WORKORDER_LIMITS,
  type Rating,
  type ReportFormResponse,
  type ResidentConfirmRequest,
  type ResidentCreateResponse,
  type ResidentReopenRequest,
  type ResidentTrackResponse,
} from '../../../protocol/workorders.ts';
import { placeFields, type ReportDraft } from './draft.ts';
import { send } from './report-http.ts';

export { RATINGS, type Rating } from '../../../protocol/workorders.ts';
export const MAX_DESCRIPTION = WORKORDER_LIMITS.descriptionChars;

export type ReportInfo = ReportFormResponse;
export type Receipt = ResidentCreateResponse;
export type TrackedRequest = ResidentTrackResponse;
/** The secret tracking token (the link's `t`). */
export type TrackRef = string;

export type SendProgress = { stage: 'preparing' | 'uploading' | 'waiting'; fraction: number };

const pub = `${API_PREFIX}/public`;

export function fetchInfo(estate: string, building: string | null): Promise<ReportInfo> {
  return send<ReportInfo>({ method: 'GET', url: `${pub}/estates/${encodeURIComponent(estate)}/report-form${building ? `?b=${encodeURIComponent(building)}` : ''}` });
}

export function submitReport(d: ReportDraft, progress: (p: SendProgress) => void): Promise<Receipt> {
  const form = new FormData();
  form.set('category', d.category);
  form.set('description', d.description.trim());
  if (d.building) form.set('building', d.building);
  for (const [k, v] of Object.entries(placeFields(d))) form.set(k, v);
  if (d.name.trim()) form.set('name', d.name.trim());
  if (d.phone.trim()) form.set('phone', d.phone.trim());
  // the same id on every resend of this draft: a lost answer never makes a second request
  form.set('clientId', d.clientId);
  for (const p of d.photos) form.append('photos', p.blob, p.name);
  return send<Receipt>({
    method: 'POST',
    url: `${pub}/estates/${encodeURIComponent(d.estate)}/requests`,
    body: form,
    hasPhotos: d.photos.length > 0,
    onProgress: (fraction) => progress({ stage: 'uploading', fraction }),
    onUploaded: () => progress({ stage: 'waiting', fraction: 1 }),
  });
}

const TRACK_KEY = 'smart-estate.report.track.';

function keep(token: TrackRef, view: TrackedRequest): TrackedRequest {
  try {
    localStorage.setItem(TRACK_KEY + token, JSON.stringify({ at: Date.now(), view }));
  } catch {
    // storage full: still shown
  }
  return view;
}

export async function fetchTrack(token: TrackRef): Promise<TrackedRequest> {
  return keep(token, await send<TrackedRequest>({ method: 'GET', url: `${pub}/requests/${encodeURIComponent(token)}` }));
}

export function cachedTrack(token: TrackRef): { at: number; view: TrackedRequest } | null {
  try {
    return JSON.parse(localStorage.getItem(TRACK_KEY + token) ?? 'null') as { at: number; view: TrackedRequest } | null;
  } catch {
    return null;
  }
}

export async function confirmFix(token: TrackRef, rating: Rating, comment: string): Promise<TrackedRequest> {
  const body: ResidentConfirmRequest = comment ? { rating, comment } : { rating };
  return keep(token, await send<TrackedRequest>({ method: 'POST', url: `${pub}/requests/${encodeURIComponent(token)}/confirm`, body: JSON.stringify(body) }));
}

export async function reopen(token: TrackRef, reason: string): Promise<TrackedRequest> {
  const body: ResidentReopenRequest = { reason };
  return keep(token, await send<TrackedRequest>({ method: 'POST', url: `${pub}/requests/${encodeURIComponent(token)}/reopen`, body: JSON.stringify(body) }));
}

export const photoUrl = (token: TrackRef, hash: string) => `${pub}/requests/${encodeURIComponent(token)}/photos/${encodeURIComponent(hash)}`;

export function trackPath(token: TrackRef): string {
  return `/report/track?t=${encodeURIComponent(token)}`;
}

export function parseTrack(search: string): TrackRef | null {
  return new URLSearchParams(search).get('t') || null;
}

/** The deadline the resident's order races now: staff on site first, then the fix (special: a plan); none when done or paused. */
export function trackDeadline(v: TrackedRequest): { kind: 'on_site' | 'resolve' | 'plan'; at: number; opened: number } | null {
  if (v.status === 'paused') return null;
  const done = v.status === 'resolved' || v.status === 'closed' || v.status === 'cancelled';
  // on site since the last reopening (a reopened order needs staff there again)
  const last = (action: string) => v.timeline.reduce((at, e) => (e.action === action ? Math.max(at, e.at) : at), -1);
  const onSite = v.status === 'on_site' || (last('on_site') >= 0 && last('on_site') >= last('reopened'));
  const d = racingDeadline(done, onSite ? v.openedAt : undefined, v);
  if (!d) return null;
  return { kind: d.kind === 'on_site' ? 'on_site' : v.tier === 'special' ? 'plan' : 'resolve', at: d.at, opened: v.openedAt };
}
