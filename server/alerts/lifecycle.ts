// The alert lifecycle as pure functions: open → acknowledged → resolved (or auto-cleared), repeats
// folded into the open alert, the 54321 deadlines and their escalation. Each returns the alert after
// the change and the audit entries to keep, or a refusal (HTTP 409) saying why not. No I/O here.
import {
  ALERT_SEVERITIES,
  alertDeadlines,
  severityRank,
  type Alert,
  type AlertChangeKind,
  type AlertLogEntry,
  type AlertSeverity,
  type AlertTier,
} from '../../protocol/index.ts';
import type { AlertInput } from './sink.ts';

export const SYSTEM = 'system';

export interface Transition {
  alert: Alert;
  change: AlertChangeKind;
  log: AlertLogEntry[];
}

export interface Refusal {
  refused: true;
  /** a stable word for clients */
  reason: 'already_acknowledged' | 'already_resolved' | 'resolved';
  error: string;
}

export type Outcome = Transition | Refusal;

export const isRefusal = (o: Outcome): o is Refusal => 'refused' in o;

const maxSeverity = (a: AlertSeverity, b: AlertSeverity): AlertSeverity => (severityRank(a) >= severityRank(b) ? a : b);
const stepUp = (s: AlertSeverity): AlertSeverity => ALERT_SEVERITIES[Math.min(ALERT_SEVERITIES.length - 1, severityRank(s) + 1)];

function bump(alert: Alert, patch: Partial<Alert>, now: number, lifecycle = true): Alert {
  return { ...alert, ...patch, version: alert.version + 1, ...(lifecycle ? { updatedAt: now } : {}) };
}

/** A new alert: the 54321 clock starts now (server time); `input.at` is when it was observed. */
export function openAlert(input: AlertInput, id: number, tier: AlertTier, now: number): Transition {
  const alert: Alert = {
    id,
    estate: input.estate,
    source: input.source,
    type: input.type,
    status: 'open',
    severity: input.severity,
    baseSeverity: input.severity,
    tier,
    title: input.title,
    titleZh: input.titleZh,
    ...(input.x !== undefined ? { x: input.x } : {}),
    ...(input.y !== undefined ? { y: input.y } : {}),
    ...(input.building ? { building: input.building } : {}),
    ...(input.device ? { device: input.device } : {}),
    ...(input.zone ? { zone: input.zone } : {}),
    detail: input.detail ?? {},
    count: 1,
    firstSeen: input.at,
    lastSeen: input.at,
    openedAt: now,
    updatedAt: now,
    version: 1,
    ...alertDeadlines(now, tier),
    escalation: 0,
  };
  return { alert, change: 'raised', log: [{ at: now, actor: SYSTEM, action: 'raised', detail: { severity: input.severity, tier, observedAt: input.at } }] };
}

/**
 * The same (source, type) again while the alert is open: one alert, a higher count. Not an audit
 * entry (a camera repeating itself is not news) unless the severity rises.
 */
export function repeatAlert(alert: Alert, input: AlertInput, now: number): Transition {
  const severity = maxSeverity(alert.severity, input.severity);
  const rises = severity !== alert.severity;
  const next = bump(
    alert,
    {
      count: alert.count + 1,
      lastSeen: Math.max(alert.lastSeen, input.at),
      severity,
      baseSeverity: maxSeverity(alert.baseSeverity, input.severity),
      title: input.title,
      titleZh: input.titleZh,
      detail: { ...alert.detail, ...(input.detail ?? {}) },
      ...(alert.x === undefined && input.x !== undefined ? { x: input.x, y: input.y } : {}),
    },
    now,
    rises,
  );
  return { alert: next, change: 'repeated', log: rises ? [{ at: now, actor: SYSTEM, action: 'repeated', detail: { severity } }] : [] };
}

/** An observation that only says "still there" (a detection's update): last seen, nothing else. */
export function touchAlert(alert: Alert, at: number, now: number): Transition {
  return { alert: bump(alert, { lastSeen: Math.max(alert.lastSeen, at) }, now, false), change: 'repeated', log: [] };
}

/**
 * A condition that cleared itself and came back soon after (a flapping device): the same alert opens
 * again and its clock keeps running from the first opening, so flapping cannot reset the deadlines.
 */
export function reopenAlert(alert: Alert, input: AlertInput, now: number): Transition {
  const { resolvedAt: _r, resolvedBy: _b, resolution: _s, ...rest } = alert;
  const next = bump(
    rest as Alert,
    {
      status: alert.acknowledgedAt !== undefined ? 'acknowledged' : 'open',
      count: alert.count + 1,
      lastSeen: Math.max(alert.lastSeen, input.at),
      severity: maxSeverity(alert.severity, input.severity),
      detail: { ...alert.detail, ...(input.detail ?? {}) },
    },
    now,
  );
  return { alert: next, change: 'reopened', log: [{ at: now, actor: SYSTEM, action: 'reopened', detail: { observedAt: input.at } }] };
}

/** The condition ended by itself (device back online, lane free, tamper over). */
export function autoClear(alert: Alert, at: number, now: number, why?: string): Transition | null {
  if (alert.status === 'resolved') return null;
  const next = bump(alert, { status: 'resolved', resolution: 'auto_cleared', resolvedAt: now, resolvedBy: SYSTEM, lastSeen: Math.max(alert.lastSeen, at) }, now);
  return { alert: next, change: 'auto_cleared', log: [{ at: now, actor: SYSTEM, action: 'auto_cleared', ...(why ? { text: why } : {}), detail: { observedAt: at } }] };
}

export function acknowledge(alert: Alert, actor: string, now: number, note?: string): Outcome {
  if (alert.status === 'resolved') return { refused: true, reason: 'resolved', error: `alert ${alert.id} is resolved: nothing to acknowledge` };
  if (alert.status === 'acknowledged') {
    return { refused: true, reason: 'already_acknowledged', error: `alert ${alert.id} was already acknowledged by ${alert.acknowledgedBy}` };
  }
  const next = bump(alert, { status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: actor }, now);
  return { alert: next, change: 'acknowledged', log: [{ at: now, actor, action: 'acknowledged', ...(note ? { text: note } : {}) }] };
}

export function assign(alert: Alert, actor: string, assignee: string, now: number): Outcome {
  if (alert.status === 'resolved') return { refused: true, reason: 'resolved', error: `alert ${alert.id} is resolved: it cannot be assigned` };
  const next = bump(alert, { assignee }, now);
  return { alert: next, change: 'assigned', log: [{ at: now, actor, action: 'assigned', detail: { assignee, previous: alert.assignee ?? null } }] };
}

/** Notes are welcome at any time, after resolution too (the follow-up belongs in the ledger). */
export function addNote(alert: Alert, actor: string, text: string, now: number): Transition {
  return { alert: bump(alert, {}, now), change: 'noted', log: [{ at: now, actor, action: 'note', text }] };
}

/** Resolving an open alert acknowledges it in the same step (a false alarm needs no two clicks). */
export function resolve(alert: Alert, actor: string, now: number, note?: string): Outcome {
  if (alert.status === 'resolved') {
    return { refused: true, reason: 'already_resolved', error: `alert ${alert.id} was already resolved by ${alert.resolvedBy} (${alert.resolution})` };
  }
  const ack = alert.acknowledgedAt === undefined ? { acknowledgedAt: now, acknowledgedBy: actor } : {};
  const next = bump(alert, { ...ack, status: 'resolved', resolution: 'resolved', resolvedAt: now, resolvedBy: actor }, now);
  return { alert: next, change: 'resolved', log: [{ at: now, actor, action: 'resolved', ...(note ? { text: note } : {}) }] };
}

/** A different tier (the operator knows better than the rule): the fix deadline moves, the clock does not restart. */
export function retier(alert: Alert, actor: string, tier: AlertTier, now: number): Outcome {
  if (alert.status === 'resolved') return { refused: true, reason: 'resolved', error: `alert ${alert.id} is resolved: its tier is history` };
  const next = bump(alert, { tier, fixDue: alertDeadlines(alert.openedAt, tier).fixDue }, now);
  return { alert: next, change: 'retiered', log: [{ at: now, actor, action: 'retiered', detail: { tier, previous: alert.tier } }] };
}

/** A guard was there: the on-site clock stops. Only the first proof counts. */
export function proveOnSite(alert: Alert, by: string, at: number, now: number, evidence: Record<string, unknown> = {}): Transition | null {
  if (alert.status === 'resolved' || alert.onSiteAt !== undefined) return null;
  const next = bump(alert, { onSiteAt: at, onSiteBy: by }, now);
  return { alert: next, change: 'on_site', log: [{ at: now, actor: by, action: 'on_site', detail: { ...evidence, onSiteAt: at, seconds: Math.round((at - alert.openedAt) / 1000) } }] };
}

/**
 * The 54321 escalation: not on site by the on-site deadline → level 1; not fixed by the tier's
 * deadline → level 2. Each step raises the severity once. Members of an incident do not escalate on
 * their own: the incident does. Call repeatedly until null (after a restart both may be due).
 */
export function escalate(alert: Alert, now: number): Transition | null {
  if (alert.status === 'resolved' || alert.incident !== undefined) return null;
  let level: 1 | 2 | null = null;
  let due = 0;
  if (alert.escalation < 1 && alert.onSiteAt === undefined && now >= alert.onSiteDue) [level, due] = [1, alert.onSiteDue];
  else if (alert.escalation < 2 && now >= alert.fixDue) [level, due] = [2, alert.fixDue];
  if (level === null) return null;
  const severity = stepUp(alert.severity);
  const next = bump(alert, { escalation: level, escalatedAt: now, severity }, now);
  const reason = level === 1 ? 'on_site_overdue' : alert.tier === 'special' ? 'plan_overdue' : 'fix_overdue';
  return { alert: next, change: 'escalated', log: [{ at: now, actor: SYSTEM, action: 'escalated', detail: { level, reason, due, severity } }] };
}

/** The next time escalate() may have work for this alert; null when none. */
export function nextEscalation(alert: Alert): number | null {
  if (alert.status === 'resolved' || alert.incident !== undefined) return null;
  if (alert.escalation < 1 && alert.onSiteAt === undefined) return alert.onSiteDue;
  if (alert.escalation < 2) return alert.fixDue;
  return null;
}

/** Joins an alert to an incident (storm grouping). */
export function group(alert: Alert, incident: number, now: number): Transition {
  return { alert: bump(alert, { incident }, now), change: 'grouped', log: [{ at: now, actor: SYSTEM, action: 'grouped', detail: { incident } }] };
}
