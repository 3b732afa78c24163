// The wall screen's alert book, countdown text and map commands: pure, no browser.
import { describe, expect, it } from 'vitest';
import type { Alert, AlertUpsert } from '../../protocol/index.ts';
import { AlertBook, compareAlerts } from '../../web/src/panels/alerts/alert-book.ts';
import { formatCountdown, urgency } from '../../web/src/panels/alerts/countdown.ts';
import { expirePulses, mapCommands, pulseAt, requestFlyTo, stopPulse } from '../../web/src/map/map-commands.ts';

const T0 = 1_800_000_000_000;
const MIN = 60_000;
let nextId = 1;
function alert(over: Partial<Alert> = {}): Alert {
  const id = over.id ?? nextId++;
  return {
    id, estate: 'garden', source: `cam-${id}`, type: 'intrusion', status: 'open', severity: 'major', baseSeverity: 'major', tier: 'small',
    title: 'Intrusion', titleZh: '入侵', detail: {}, count: 1, firstSeen: T0, lastSeen: T0, openedAt: T0, updatedAt: T0, version: 1,
    onSiteDue: T0 + 5 * MIN, fixDue: T0 + 40 * MIN, escalation: 0, x: 1, y: 2, ...over,
  };
}
const up = (a: Alert, change: AlertUpsert['change'] = 'raised'): AlertUpsert => ({ ...a, change });

describe('alert book', () => {
  it('keeps unresolved alerts, newest version wins, resolved ones leave', () => {
    const book = new AlertBook();
    const a = alert();
    expect(book.apply(up(a))).toMatchObject({ alarm: false });
    expect(book.apply(up({ ...a, version: 3, count: 4 }, 'repeated'))).not.toBeNull();
    expect(book.apply(up({ ...a, version: 2, count: 2 }, 'repeated'))).toBeNull(); // late message
    expect(book.get(a.id)?.count).toBe(4);
    book.apply(up({ ...a, version: 4, status: 'resolved' }, 'resolved'));
    expect(book.size).toBe(0);
    expect(book.apply({ nonsense: true })).toBeNull();
    expect(book.apply(null)).toBeNull();
  });

  it('sounds the alarm for a new critical alert or incident, an escalation into critical, never for incident members', () => {
    const book = new AlertBook();
    expect(book.apply(up(alert({ severity: 'critical' })))?.alarm).toBe(true);
    const major = alert();
    book.apply(up(major));
    expect(book.apply(up({ ...major, version: 2, severity: 'critical', escalation: 1 }, 'escalated'))?.alarm).toBe(true);
    expect(book.apply(up({ ...major, version: 3, severity: 'critical', escalation: 2 }, 'escalated'))?.alarm).toBe(false);
    const incident = alert({ type: 'incident', severity: 'critical', members: 5 });
    expect(book.apply(up(incident))?.alarm).toBe(true);
    expect(book.apply(up(alert({ severity: 'critical', incident: incident.id })))?.alarm).toBe(false);
    expect(book.apply(up({ ...alert({ severity: 'critical' }), status: 'acknowledged' }, 'acknowledged'))?.alarm).toBe(false);
  });

  it('lists rows by severity, then the nearest deadline, with incident members folded under their incident', () => {
    const book = new AlertBook();
    const late = alert({ severity: 'major', onSiteDue: T0 + 9 * MIN });
    const soon = alert({ severity: 'major', onSiteDue: T0 + 2 * MIN });
    const onSite = alert({ severity: 'major', onSiteDue: T0 + MIN, onSiteAt: T0, fixDue: T0 + 30 * MIN });
    const crit = alert({ severity: 'critical', onSiteDue: T0 + 20 * MIN });
    const info = alert({ severity: 'info' });
    const incident = alert({ type: 'incident', severity: 'warning' });
    const member = alert({ severity: 'critical', incident: incident.id });
    for (const a of [late, soon, onSite, crit, info, incident, member]) book.apply(up(a));
    expect(book.rows().map((a) => a.id)).toEqual([crit.id, soon.id, late.id, onSite.id, incident.id, info.id]);
    expect(book.members(incident.id).map((a) => a.id)).toEqual([member.id]);
    expect(compareAlerts({ ...crit, status: 'resolved' }, info)).toBeGreaterThan(0);
  });

  it('reconciles with a fresh list: drops what was resolved meanwhile, keeps what arrived since', () => {
    const book = new AlertBook();
    const gone = alert();
    const kept = alert();
    book.apply(up(gone), T0);
    book.apply(up(kept), T0);
    const arrived = alert();
    book.apply(up(arrived), T0 + 500);
    book.reconcile([{ ...kept, version: 2, count: 9 }], T0 + 100);
    expect(book.rows().map((a) => a.id).sort()).toEqual([kept.id, arrived.id].sort());
    expect(book.get(kept.id)?.count).toBe(9);
  });
});

describe('countdown', () => {
  it('formats minutes, hours, days and overdue time', () => {
    expect(formatCountdown(5 * MIN)).toBe('5:00');
    expect(formatCountdown(4 * MIN + 59_999)).toBe('4:59');
    expect(formatCountdown(3 * 3600_000 + 62_000)).toBe('3:01:02');
    expect(formatCountdown(2 * 86_400_000 + 3 * 3600_000)).toBe('2d 03h');
    expect(formatCountdown(-62_000)).toBe('-1:02');
    expect(formatCountdown(0)).toBe('0:00');
  });
  it('turns urgent in the last fifth and overdue at the deadline', () => {
    expect(urgency(T0 + 5 * MIN, T0, T0)).toBe('calm');
    expect(urgency(T0 + 5 * MIN, T0, T0 + 4 * MIN)).toBe('soon');
    expect(urgency(T0 + 5 * MIN, T0, T0 + 5 * MIN)).toBe('overdue');
  });
});

describe('map commands', () => {
  it('queues fly-to requests and pulses with a version counter', () => {
    const v = mapCommands.version;
    requestFlyTo(10, 20);
    const first = mapCommands.flyTo!;
    requestFlyTo(10, 20);
    expect(mapCommands.flyTo!.seq).toBe(first.seq + 1);
    requestFlyTo(NaN, 1);
    expect(mapCommands.flyTo).toMatchObject({ x: 10, y: 20 });
    pulseAt('a', 1, 2, '#f00', 1000, T0);
    expect(mapCommands.version).toBeGreaterThan(v);
    expect(expirePulses(T0 + 999)).toBe(true);
    expect(expirePulses(T0 + 1000)).toBe(false);
    pulseAt('b', 1, 2, '#f00', 1000, T0);
    stopPulse('b');
    expect(mapCommands.pulses.size).toBe(0);
  });
});
