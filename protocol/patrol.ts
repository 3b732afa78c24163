// Patrol (巡更): routes, schedules and tours as the REST API and the `estates/{e}/patrol` channel carry
// them, and the guard app's provisioning QR. Shared by the server (validation), the wall screen and
// the guard app. Times are epoch ms; schedule times are wall-clock `HH:MM` in the estate's time zone.
import { z } from 'zod';
import { ID_PATTERN } from './topics.ts';

/** How each planned checkpoint of a tour ends. */
export const STOP_OUTCOMES = ['on_time', 'late', 'early', 'missed', 'out_of_order'] as const;
export type StopOutcome = (typeof STOP_OUTCOMES)[number];
/** `pending`: not visited and its window is still open. */
export type StopStatus = StopOutcome | 'pending';

export const TOUR_STATES = ['scheduled', 'active', 'done', 'cancelled'] as const;
export type TourState = (typeof TOUR_STATES)[number];

/**
 * The reserved checkpoint code of an SOS: a guard app (or any handheld) sends a `checkin` with
 * `checkpoint: "SOS"`, method `manual` and a note. It rides the same queued, exactly-once QoS 1 path as a
 * check-in, and needs no change to device contract v1. No estate checkpoint may use this code.
 */
export const SOS_CHECKPOINT = 'SOS';

/** A photo taken with a check-in travels separately (PUT /api/v1/patrol/photos/{id}); the note carries `[photo:{id}]`. */
export const PHOTO_REF = /\[photo:([A-Za-z0-9_.-]{1,64})\]/;
export const photoRef = (id: string) => `[photo:${id}]`;
/** Largest photo accepted, as a data URL (a phone photo downscaled to ~640 px JPEG is 30–80 KB). */
export const MAX_PHOTO_BYTES = 256 * 1024;

const text = (max: number) => z.string().trim().min(1).max(max);
const id = z.string().regex(ID_PATTERN, 'must be letters, digits, _ . - (max 64), starting with a letter or digit');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00–23:59)');

export const scheduleSchema = z.object({
  id,
  /** first tour starts at this wall-clock time */
  start: hhmm,
  /** no tour starts at or after this time; end ≤ start means the window runs past midnight (22:00–06:00); end = start: 24 h */
  end: hhmm,
  /** minutes between tour starts */
  everyMin: z.number().int().min(5).max(1440),
  /** the guard id (as in check-ins) who walks these tours; absent = the first guard who checks in claims the tour */
  guard: text(64).nullable().optional(),
});

export const routeStopSchema = z.object({
  /** checkpoint id in the estate */
  checkpoint: text(64),
  /** minutes after the previous checkpoint (for the first: after the tour start) */
  afterMin: z.number().min(0).max(720),
});

export const routeInputSchema = z.object({
  name: text(64),
  nameZh: text(64).optional(),
  stops: z.array(routeStopSchema).min(1).max(100),
  /** ± minutes around each planned time that count as on time */
  toleranceMin: z.number().min(0).max(120).default(5),
  /** minutes after the on-time window during which a scan is still `late`; after that the checkpoint is missed */
  graceMin: z.number().min(0).max(720).default(15),
  schedules: z.array(scheduleSchema).max(20).default([]),
  active: z.boolean().default(true),
});

export type PatrolScheduleSpec = z.infer<typeof scheduleSchema>;
export type RouteStopSpec = z.infer<typeof routeStopSchema>;
export type RouteInput = z.input<typeof routeInputSchema>;

export interface PatrolRoute {
  estate: string;
  id: string;
  name: string;
  nameZh: string;
  stops: RouteStopSpec[];
  toleranceMin: number;
  graceMin: number;
  schedules: PatrolScheduleSpec[];
  active: boolean;
  /** when this version took effect: tours that closed before it are not generated */
  since: number;
}

export interface ScanView {
  device: string;
  id: string;
  guard: string;
  ts: number;
  method: string;
  note?: string;
  /** photo id when the note carries a photo reference */
  photo?: string;
  /** metres from the checkpoint when the check-in had a GPS fix */
  distanceM?: number;
}

export interface StopView {
  checkpoint: string;
  name: string;
  code: string;
  plannedAt: number;
  /** no scan by then = missed */
  deadline: number;
  status: StopStatus;
  scan?: ScanView;
}

export interface TourCounts {
  on_time: number;
  late: number;
  early: number;
  missed: number;
  out_of_order: number;
  pending: number;
}

export interface TourView {
  estate: string;
  /** `{route}@{local start YYYY-MM-DDTHH:MM}` */
  id: string;
  route: string;
  routeName: string;
  routeNameZh: string;
  schedule: string;
  /** the local date the schedule's window began (a night shift belongs to the evening it started) */
  day: string;
  start: number;
  /** check-ins count from `opens` to `closes` */
  opens: number;
  closes: number;
  state: TourState;
  /** the assigned guard, or the one who claimed the tour by checking in first; null = nobody yet */
  guard: string | null;
  assigned: boolean;
  stops: StopView[];
  counts: TourCounts;
  /** visited checkpoints ÷ planned, 0..1 */
  completion: number;
  cancelReason?: string;
}

/** Message on `estates/{e}/patrol`: one tour changed. */
export interface PatrolChannelMessage {
  type: 'tour';
  tour: TourView;
}

/** GET /api/v1/patrol/me (device token): what the guard app shows. */
export interface PatrolMe {
  device: string;
  estate: { id: string; name: string; nameZh: string; timezone: string };
  guard: string;
  now: number;
  /** the tour to walk now (or the next one), null when none is planned within a day */
  tour: TourView | null;
  /** first checkpoint still pending, in route order */
  next: StopView | null;
  /** every checkpoint of the estate: names for typed codes, and offline display */
  checkpoints: Array<{ id: string; name: string; code: string }>;
}

export interface ReportItem {
  tour: string;
  checkpoint: string;
  name: string;
  plannedAt: number;
  scannedAt: number | null;
  status: StopOutcome;
}

export interface ReportRow {
  day: string;
  route: string;
  routeName: string;
  /** '' = tours nobody claimed */
  guard: string;
  tours: number;
  planned: number;
  visited: number;
  on_time: number;
  late: number;
  early: number;
  missed: number;
  out_of_order: number;
  /** visited ÷ planned, 0..100, one decimal */
  completionPct: number;
  lateList: ReportItem[];
  missedList: ReportItem[];
}

export interface PatrolReport {
  estate: string;
  from: string;
  to: string;
  timeZone: string;
  rows: ReportRow[];
  /** every checkpoint that did not end on time, across the rows */
  exceptions: Array<ReportItem & { day: string; route: string; guard: string }>;
}

/** Provisioning QR: JSON `{server?, device, token, guard?}` (see docs/patrol.md). */
export interface Provisioning {
  /** the server's base URL (http(s)://host:port) when the app is opened elsewhere */
  server?: string;
  device: string;
  token: string;
  guard?: string;
}

export function parseProvisioning(textValue: string): { ok: true; value: Provisioning } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(textValue.trim());
  } catch {
    return { ok: false, error: 'not a provisioning code (expected JSON {device, token})' };
  }
  const parsed = z
    .object({
      server: z.string().regex(/^https?:\/\/[^\s/]+$/, 'server must be http(s)://host[:port]').optional(),
      device: id,
      token: text(200),
      guard: text(64).optional(),
    })
    .safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `provisioning code: ${issue.path.join('.') || '(code)'}: ${issue.message}` };
  }
  return { ok: true, value: parsed.data };
}
