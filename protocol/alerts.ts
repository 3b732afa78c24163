// Alerts as the server publishes them (`estates/{e}/alerts`, REST) and the wall screen reads them: the
// lifecycle states, severities, the 54321 service pledge, and the REST shapes. Shared by server and web.
// The 54321 clock itself (tiers, deadlines) lives in clock.ts, shared with work orders.
import { SLA_TIERS, deadlines, isSlaTier, racingDeadline, type SlaTier } from './clock.ts';

export const ALERT_SEVERITIES = ['info', 'warning', 'major', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** The 54321 service pledge: how fast an alert must be fixed (all need a guard on site within 5 min). */
export const ALERT_TIERS = SLA_TIERS;
export type AlertTier = SlaTier;

/** open → acknowledged → resolved (auto-cleared alerts are resolved with resolution `auto_cleared`). */
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** How an alert ended: an operator resolved it, or the condition ended by itself. */
export type AlertResolution = 'resolved' | 'auto_cleared';

/** Escalation steps: 1 = not on site in time, 2 = not fixed (or no plan) in time. */
export type EscalationLevel = 0 | 1 | 2;

/** The alert type of a storm: many alerts of one type at once, grouped into one incident. */
export const INCIDENT_TYPE = 'incident';

/** What one upsert on `estates/{e}/alerts` is about (the wall screen beeps on `raised` / `escalated` critical). */
export type AlertChangeKind =
  | 'raised'
  | 'repeated'
  | 'reopened'
  | 'acknowledged'
  | 'assigned'
  | 'noted'
  | 'retiered'
  | 'on_site'
  | 'escalated'
  | 'grouped'
  | 'resolved'
  | 'auto_cleared'
  | 'work_order';

/** One alert, as stored and as published. Times are epoch ms (server clock). */
export interface Alert {
  id: number;
  estate: string;
  /** what it is about (device, zone, plate, route …); (source, type) is the de-duplication key */
  source: string;
  type: string;
  status: AlertStatus;
  /** current severity (raised one step per escalation) */
  severity: AlertSeverity;
  /** the severity it was raised with */
  baseSeverity: AlertSeverity;
  tier: AlertTier;
  title: string;
  titleZh: string;
  /** local metres, for the map and the on-site geofence */
  x?: number;
  y?: number;
  building?: string;
  /** the device that saw it (camera alerts, device health) */
  device?: string;
  zone?: string;
  detail: Record<string, unknown>;
  /** observations folded into this alert (repeats raise it instead of opening new alerts) */
  count: number;
  /** first and latest observation (device time) */
  firstSeen: number;
  lastSeen: number;
  /** when the alert opened on the server: the 54321 clock starts here */
  openedAt: number;
  /** the last lifecycle change (not bumped by repeats) */
  updatedAt: number;
  /** bumped by every upsert, repeats included: newer versions win */
  version: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  assignee?: string;
  /** deadlines of the 54321 clock */
  onSiteDue: number;
  fixDue: number;
  /** on-site proof: a guard's check-in or position within the geofence */
  onSiteAt?: number;
  onSiteBy?: string;
  escalation: EscalationLevel;
  escalatedAt?: number;
  resolvedAt?: number;
  resolvedBy?: string;
  resolution?: AlertResolution;
  /** the incident (an alert of type `incident`) this alert was grouped into */
  incident?: number;
  /** on an incident: how many alerts it groups */
  members?: number;
  /** the work order made from this alert (POST /estates/{e}/alerts/{id}/workorder) */
  workOrder?: number;
}

/** What `estates/{e}/alerts` carries: the alert after the change, and what changed. */
export interface AlertUpsert extends Alert {
  change: AlertChangeKind;
}

export interface AlertLogEntry {
  at: number;
  /** operator name, `system`, or the guard/device that proved presence */
  actor: string;
  action: AlertChangeKind | 'note';
  text?: string;
  detail?: Record<string, unknown>;
}

export interface AlertListResponse {
  alerts: Alert[];
  total: number;
  limit: number;
  offset: number;
}

export interface AlertDetailResponse {
  alert: Alert;
  log: AlertLogEntry[];
  /** for an incident: the alerts it groups */
  members?: Alert[];
}

/** One row of the response-time report: one tier in one month (the estate's time zone). */
export interface ResponseReportRow {
  month: string;
  tier: AlertTier;
  alerts: number;
  resolved: number;
  autoCleared: number;
  /** alerts with an on-site proof, and how many within 5 min */
  onSite: number;
  onSiteInTime: number;
  onSiteMedianSec: number | null;
  onSiteP90Sec: number | null;
  /** resolved by an operator within the tier's deadline */
  fixedInTime: number;
  fixMedianSec: number | null;
  fixP90Sec: number | null;
  ackMedianSec: number | null;
  escalated: number;
}

export interface ResponseReport {
  estate: string;
  timezone: string;
  from: string;
  to: string;
  rows: ResponseReportRow[];
}

export const severityRank = (s: string): number => {
  const i = (ALERT_SEVERITIES as readonly string[]).indexOf(s);
  return i < 0 ? 0 : i;
};

export const isAlertTier = isSlaTier;

/** An alert's 54321 deadlines from its opening (alerts never pause). */
export const alertDeadlines = (openedAt: number, tier: AlertTier) => deadlines({ startedAt: openedAt, tier });

export function isAlertSeverity(value: unknown): value is AlertSeverity {
  return typeof value === 'string' && (ALERT_SEVERITIES as readonly string[]).includes(value);
}

/** The deadline an open alert is racing now: on site first, then the fix; null when resolved. */
export function nextDeadline(a: Pick<Alert, 'status' | 'onSiteAt' | 'onSiteDue' | 'fixDue'>): { kind: 'on_site' | 'fix'; at: number } | null {
  return racingDeadline(a.status === 'resolved', a.onSiteAt, a);
}
