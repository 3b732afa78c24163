// The wall screen's copy of the estate's unresolved alerts: seeded over REST, kept current by the
// upserts on `estates/{e}/alerts` (newer versions win, so a late or repeated message cannot undo a
// newer state). A plain mutable object with a version counter, read a few times a second.
import { INCIDENT_TYPE, nextDeadline, severityRank, type Alert, type AlertUpsert } from '../../../../protocol/alerts.ts';
import { serverNow } from '../../app/server-clock.ts';

export interface BookedAlert extends Alert {
  /** local clock when this copy arrived (for reconciling with a fresh list) */
  receivedAt: number;
}

/** What the panel should do about an upsert beyond listing it. */
export interface Attention {
  alert: Alert;
  /** beep and fly there: a new critical alert (or incident), or one escalated to critical */
  alarm: boolean;
}

export function isUpsert(value: unknown): value is AlertUpsert {
  const a = value as Partial<AlertUpsert> | null;
  return !!a && typeof a.id === 'number' && typeof a.version === 'number' && typeof a.status === 'string' && typeof a.type === 'string';
}

/** Wall-screen order: unresolved first, the worst severity, then the nearest deadline, then the newest. */
export function compareAlerts(a: Alert, b: Alert): number {
  const resolved = Number(a.status === 'resolved') - Number(b.status === 'resolved');
  if (resolved) return resolved;
  const severity = severityRank(b.severity) - severityRank(a.severity);
  if (severity) return severity;
  const da = nextDeadline(a)?.at ?? Infinity;
  const db = nextDeadline(b)?.at ?? Infinity;
  if (da !== db) return da - db;
  return b.openedAt - a.openedAt || b.id - a.id;
}

export class AlertBook {
  private readonly alerts = new Map<number, BookedAlert>();
  version = 0;
  /** upserts taken (for tests and the legend) */
  received = 0;

  /** Takes one upsert; returns what deserves attention, or null for an old or unknown message. */
  apply(message: unknown, now = serverNow()): Attention | null {
    if (!isUpsert(message)) return null;
    this.received++;
    const known = this.alerts.get(message.id);
    if (known && known.version >= message.version) return null;
    const { change, ...alert } = message;
    if (alert.status === 'resolved') this.alerts.delete(alert.id);
    else this.alerts.set(alert.id, { ...alert, receivedAt: now });
    this.version++;
    const ownRow = alert.incident === undefined || !this.alerts.has(alert.incident);
    const critical = alert.severity === 'critical' && alert.status !== 'resolved';
    const alarm = ownRow && critical && (change === 'raised' || change === 'reopened' || (change === 'escalated' && known?.severity !== 'critical'));
    return { alert, alarm };
  }

  /** A fresh list from REST: newer copies win; what it lacks was resolved meanwhile (unless it arrived since). */
  reconcile(list: readonly Alert[], fetchedFrom: number, now = serverNow()): void {
    const present = new Set<number>();
    for (const a of list) {
      present.add(a.id);
      const known = this.alerts.get(a.id);
      if (a.status === 'resolved') continue;
      if (!known || known.version < a.version) this.alerts.set(a.id, { ...a, receivedAt: now });
    }
    for (const [id, a] of this.alerts) if (!present.has(id) && a.receivedAt < fetchedFrom) this.alerts.delete(id);
    this.version++;
  }

  get(id: number): Alert | undefined {
    return this.alerts.get(id);
  }

  /** The rows: alerts not grouped into an incident that is itself listed, in wall-screen order. */
  rows(): Alert[] {
    const out: Alert[] = [];
    for (const a of this.alerts.values()) if (a.incident === undefined || !this.alerts.has(a.incident)) out.push(a);
    return out.sort(compareAlerts);
  }

  members(incident: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.alerts.values()) if (a.incident === incident) out.push(a);
    return out.sort(compareAlerts);
  }

  get size(): number {
    return this.alerts.size;
  }
}

export const isIncident = (a: Alert) => a.type === INCIDENT_TYPE;
