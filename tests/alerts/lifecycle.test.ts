// The lifecycle, the 54321 clock, storms, on-site proof and the report, as pure functions.
import { describe, expect, it } from 'vitest';
import { ON_SITE_MS, TIER_MS, type Alert } from '../../protocol/index.ts';
import {
  acknowledge,
  addNote,
  assign,
  autoClear,
  escalate,
  isRefusal,
  nextEscalation,
  openAlert,
  proveOnSite,
  reopenAlert,
  repeatAlert,
  resolve,
  retier,
  touchAlert,
  type Outcome,
  type Transition,
} from '../../server/alerts/lifecycle.ts';
import { onSiteProofs, PROOF_SKEW_MS } from '../../server/alerts/on-site.ts';
import { percentile, reportCsv, responseReport } from '../../server/alerts/report.ts';
import type { AlertInput } from '../../server/alerts/sink.ts';
import { joinIncident, openIncident, stormDecision } from '../../server/alerts/storm.ts';
import { event } from './fixtures.ts';

const T0 = Date.parse('2026-11-27T14:00:00Z');
const MIN = 60_000;
const input = (over: Partial<AlertInput> = {}): AlertInput => ({
  estate: 'test', source: 'cam-1', type: 'intrusion', severity: 'major', title: 'Intrusion', titleZh: '入侵', x: 10, y: 20, at: T0 - 1000, ...over,
});
const ok = (o: Outcome): Transition => {
  if (isRefusal(o)) throw new Error(`refused: ${o.error}`);
  return o;
};
const opened = (over: Partial<AlertInput> = {}, tier: Alert['tier'] = 'small', id = 1, now = T0) => openAlert(input(over), id, tier, now).alert;

describe('opening and the 54321 deadlines', () => {
  it('starts the clock at the server time it opens: on site in 5 min, the fix by tier', () => {
    const t = openAlert(input(), 1, 'small', T0);
    expect(t.change).toBe('raised');
    expect(t.alert).toMatchObject({ status: 'open', count: 1, firstSeen: T0 - 1000, openedAt: T0, onSiteDue: T0 + 5 * MIN, fixDue: T0 + 40 * MIN, escalation: 0, version: 1 });
    expect(t.log).toEqual([{ at: T0, actor: 'system', action: 'raised', detail: { severity: 'major', tier: 'small', observedAt: T0 - 1000 } }]);
    expect(opened({}, 'serious').fixDue - T0).toBe(3 * 3600_000);
    expect(opened({}, 'complex').fixDue - T0).toBe(2 * 86_400_000);
    expect(opened({}, 'special').fixDue - T0).toBe(86_400_000);
    expect(ON_SITE_MS).toBe(5 * MIN);
    expect(TIER_MS.small).toBe(40 * MIN);
  });
});

describe('de-duplication', () => {
  it('folds repeats into the open alert: count and last seen, no audit noise', () => {
    const a = opened();
    const r = repeatAlert(a, input({ at: T0 + 5000 }), T0 + 5000);
    expect(r.alert).toMatchObject({ id: 1, count: 2, lastSeen: T0 + 5000, updatedAt: T0, version: 2 });
    expect(r.log).toEqual([]);
    const worse = repeatAlert(r.alert, input({ severity: 'critical', at: T0 + 6000 }), T0 + 6000);
    expect(worse.alert).toMatchObject({ severity: 'critical', count: 3, updatedAt: T0 + 6000 });
    expect(worse.log[0]).toMatchObject({ action: 'repeated', detail: { severity: 'critical' } });
    expect(touchAlert(worse.alert, T0 + 9000, T0 + 9000).alert).toMatchObject({ count: 3, lastSeen: T0 + 9000, version: 4 });
  });

  it('reopens a flapping alert with its original clock', () => {
    const a = opened();
    const cleared = autoClear(a, T0 + MIN, T0 + MIN)!.alert;
    expect(cleared).toMatchObject({ status: 'resolved', resolution: 'auto_cleared', resolvedBy: 'system' });
    const back = reopenAlert(cleared, input({ at: T0 + 2 * MIN }), T0 + 2 * MIN);
    expect(back.alert).toMatchObject({ status: 'open', count: 2, openedAt: T0, onSiteDue: a.onSiteDue, fixDue: a.fixDue });
    expect(back.alert.resolvedAt).toBeUndefined();
    expect(back.change).toBe('reopened');
    expect(autoClear(cleared, T0, T0)).toBeNull();
  });
});

describe('operator actions', () => {
  it('acknowledges once, resolves once, and says why not otherwise', () => {
    const a = opened();
    const acked = ok(acknowledge(a, 'wang', T0 + MIN, 'on my way'));
    expect(acked.alert).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'wang', acknowledgedAt: T0 + MIN });
    expect(acked.log).toEqual([{ at: T0 + MIN, actor: 'wang', action: 'acknowledged', text: 'on my way' }]);
    expect(acknowledge(acked.alert, 'li', T0 + 2 * MIN)).toMatchObject({ refused: true, reason: 'already_acknowledged' });
    const done = ok(resolve(acked.alert, 'li', T0 + 3 * MIN));
    expect(done.alert).toMatchObject({ status: 'resolved', resolution: 'resolved', resolvedBy: 'li', acknowledgedBy: 'wang' });
    expect(resolve(done.alert, 'wang', T0 + 4 * MIN)).toMatchObject({ refused: true, reason: 'already_resolved' });
    expect(acknowledge(done.alert, 'wang', T0 + 4 * MIN)).toMatchObject({ refused: true, reason: 'resolved' });
    expect(assign(done.alert, 'wang', 'G01', T0 + 4 * MIN)).toMatchObject({ refused: true, reason: 'resolved' });
    expect(retier(done.alert, 'wang', 'serious', T0 + 4 * MIN)).toMatchObject({ refused: true, reason: 'resolved' });
    // notes belong in the ledger even afterwards
    expect(addNote(done.alert, 'wang', 'owner informed', T0 + 5 * MIN).log[0]).toMatchObject({ action: 'note', text: 'owner informed', actor: 'wang' });
  });

  it('resolving an open alert acknowledges it in the same step; assigning keeps the status', () => {
    const a = opened();
    const assigned = ok(assign(a, 'wang', 'G02', T0 + MIN));
    expect(assigned.alert).toMatchObject({ status: 'open', assignee: 'G02' });
    expect(assigned.log[0].detail).toEqual({ assignee: 'G02', previous: null });
    const done = ok(resolve(assigned.alert, 'wang', T0 + 2 * MIN, 'false alarm: a cat'));
    expect(done.alert).toMatchObject({ acknowledgedAt: T0 + 2 * MIN, acknowledgedBy: 'wang', resolvedAt: T0 + 2 * MIN });
  });

  it('a new tier moves the fix deadline from the opening, not from now', () => {
    const t = ok(retier(opened(), 'wang', 'complex', T0 + 30 * MIN));
    expect(t.alert.fixDue).toBe(T0 + 2 * 86_400_000);
    expect(t.log[0].detail).toEqual({ tier: 'complex', previous: 'small' });
  });
});

describe('escalation', () => {
  it('escalates at the on-site deadline, then at the fix deadline, one severity step each', () => {
    const a = opened({ severity: 'warning' });
    expect(nextEscalation(a)).toBe(T0 + 5 * MIN);
    expect(escalate(a, T0 + 5 * MIN - 1)).toBeNull();
    const first = escalate(a, T0 + 5 * MIN)!;
    expect(first.alert).toMatchObject({ escalation: 1, severity: 'major', escalatedAt: T0 + 5 * MIN });
    expect(first.log[0].detail).toMatchObject({ level: 1, reason: 'on_site_overdue', due: T0 + 5 * MIN });
    expect(escalate(first.alert, T0 + 39 * MIN)).toBeNull();
    expect(nextEscalation(first.alert)).toBe(T0 + 40 * MIN);
    const second = escalate(first.alert, T0 + 40 * MIN)!;
    expect(second.alert).toMatchObject({ escalation: 2, severity: 'critical' });
    expect(second.log[0].detail).toMatchObject({ reason: 'fix_overdue' });
    expect(escalate(second.alert, T0 + 99 * MIN)).toBeNull();
    expect(nextEscalation(second.alert)).toBeNull();
  });

  it('skips the on-site step when a guard was there in time; critical stays critical; special asks for a plan', () => {
    const there = proveOnSite(opened({ severity: 'critical' }), 'G01', T0 + 3 * MIN, T0 + 3 * MIN)!.alert;
    expect(escalate(there, T0 + 10 * MIN)).toBeNull();
    const late = escalate(there, T0 + 40 * MIN)!;
    expect(late.alert).toMatchObject({ escalation: 2, severity: 'critical' });
    const special = escalate({ ...opened({}, 'special'), onSiteAt: T0 + MIN }, T0 + 86_400_000)!;
    expect(special.log[0].detail).toMatchObject({ reason: 'plan_overdue' });
  });

  it('catches up both steps after a long outage; resolved alerts and incident members never escalate', () => {
    let a = opened({ severity: 'info' });
    const steps: Transition[] = [];
    for (let t = escalate(a, T0 + 3600_000); t; t = escalate(a, T0 + 3600_000)) {
      steps.push(t);
      a = t.alert;
    }
    expect(steps.map((s) => s.alert.escalation)).toEqual([1, 2]);
    expect(a.severity).toBe('major');
    expect(escalate(ok(resolve(opened(), 'x', T0)).alert, T0 + 3600_000)).toBeNull();
    expect(escalate({ ...opened(), incident: 9 }, T0 + 3600_000)).toBeNull();
    expect(nextEscalation({ ...opened(), incident: 9 })).toBeNull();
  });
});

describe('on-site proof', () => {
  const a = opened();
  const at = (x: number, y: number, ts = T0 + 2 * MIN, data: Record<string, string | number> = { guard: 'G01' }) =>
    event('position', 'hh-1', { lat: 0, lon: 0, ...data }, { ts, x, y });

  it('counts a guard within the geofence after the alert opened, once', () => {
    const [proof] = onSiteProofs([a], at(25, 30), 30, T0 + 2 * MIN + 500);
    expect(proof).toMatchObject({ by: 'G01', at: T0 + 2 * MIN, distance: 18 });
    const t = proveOnSite(a, proof.by, proof.at, T0 + 2 * MIN + 500, { distance: proof.distance })!;
    expect(t.alert).toMatchObject({ onSiteAt: T0 + 2 * MIN, onSiteBy: 'G01' });
    expect(t.log[0].detail).toMatchObject({ seconds: 120 });
    expect(proveOnSite(t.alert, 'G02', T0 + 3 * MIN, T0 + 3 * MIN)).toBeNull();
    expect(onSiteProofs([t.alert], at(10, 20), 30, T0 + 3 * MIN)).toEqual([]);
  });

  it('ignores reports too far, too vague, too old, non-guard kinds and resolved or unplaced alerts', () => {
    expect(onSiteProofs([a], at(41, 20), 30, T0 + 2 * MIN)).toEqual([]);
    expect(onSiteProofs([a], at(10, 20, T0 + 2 * MIN, { guard: 'G01', accuracy: 80 }), 30, T0 + 2 * MIN)).toEqual([]);
    expect(onSiteProofs([a], at(10, 20, T0 - PROOF_SKEW_MS - 1), 30, T0 + 2 * MIN)).toEqual([]);
    expect(onSiteProofs([a], event('camera', 'cam', { type: 'person' }, { x: 10, y: 20 }), 30, T0)).toEqual([]);
    expect(onSiteProofs([ok(resolve(a, 'x', T0)).alert], at(10, 20), 30, T0 + 2 * MIN)).toEqual([]);
    const { x: _x, y: _y, ...unplaced } = a;
    expect(onSiteProofs([unplaced as Alert], at(10, 20), 30, T0 + 2 * MIN)).toEqual([]);
  });

  it('takes a check-in at a checkpoint (the guard id, else the device) and never stops the clock before the opening', () => {
    const checkin = event('checkin', 'hh-2', { guard: 'G02', checkpoint: 'CP-04', method: 'nfc' }, { ts: T0 - MIN, x: 12, y: 22 });
    expect(onSiteProofs([a], checkin, 30, T0 + 1000)).toMatchObject([{ by: 'G02', at: T0 }]);
    const anonymous = event('position', 'phone-7', { lat: 0, lon: 0 }, { ts: T0 + MIN, x: 10, y: 20 });
    expect(onSiteProofs([a], anonymous, 30, T0 + MIN)[0].by).toBe('phone-7');
  });
});

describe('storms', () => {
  const offline = (id: number, openedAt: number, x = id * 10): Alert =>
    openAlert(input({ source: `cam-${id}`, type: 'device_offline', x, y: 0 }), id, 'serious', openedAt).alert;

  it('groups the threshold-th alert of one type within the window into one incident, and later ones join it', () => {
    const open = [1, 2, 3, 4].map((i) => offline(i, T0 + i * 1000));
    expect(stormDecision(open[3], open.slice(0, 3), 5, 60_000, T0 + 4000)).toBeNull();
    const fifth = offline(5, T0 + 5000);
    const d = stormDecision(fifth, open, 5, 60_000, T0 + 5000);
    expect(d && 'create' in d && d.create.map((a) => a.id)).toEqual([1, 2, 3, 4, 5]);
    const incident = openIncident((d as { create: Alert[] }).create, 6, T0 + 5000);
    expect(incident.alert).toMatchObject({
      type: 'incident', source: 'device_offline:6', members: 5, count: 5, openedAt: T0 + 1000, onSiteDue: T0 + 1000 + ON_SITE_MS,
      fixDue: T0 + 1000 + TIER_MS.serious, x: 30, y: 0, titleZh: '告警风暴：设备离线 ×5', title: 'Storm: 5 × Devices offline',
    });
    const sixth = offline(7, T0 + 20_000);
    const grouped = open.concat(fifth).map((a) => ({ ...a, incident: 6 }));
    const j = stormDecision(sixth, [...grouped, incident.alert], 5, 60_000, T0 + 20_000);
    expect(j && 'join' in j && j.join.id).toBe(6);
    const joined = joinIncident(incident.alert, sixth, T0 + 20_000);
    expect(joined.alert).toMatchObject({ members: 6, titleZh: '告警风暴：设备离线 ×6' });
  });

  it('does not group other types, old alerts or incidents themselves', () => {
    const old = [1, 2, 3, 4].map((i) => offline(i, T0 - 2 * MIN));
    expect(stormDecision(offline(5, T0), old, 5, 60_000, T0)).toBeNull();
    const mixed = [1, 2, 3, 4].map((i) => ({ ...offline(i, T0), type: 'tamper' }));
    expect(stormDecision(offline(5, T0), mixed, 5, 60_000, T0)).toBeNull();
    const inc = openIncident([1, 2].map((i) => offline(i, T0)), 3, T0).alert;
    expect(stormDecision(inc, [], 2, 60_000, T0)).toBeNull();
  });
});

describe('response-time report', () => {
  const SH = 'Asia/Shanghai';
  const alertAt = (id: number, openedAt: number, tier: Alert['tier'], patch: Partial<Alert> = {}): Alert => ({ ...openAlert(input({ source: `s${id}` }), id, tier, openedAt).alert, ...patch });

  it('buckets by the estate\'s month and tier, with on-site and fix times against the pledge', () => {
    const feb1 = Date.parse('2026-01-31T17:00:00Z'); // 01:00 on 1 February in Shanghai
    const jan = Date.parse('2026-01-15T02:00:00Z');
    const alerts = [
      alertAt(1, jan, 'small', { onSiteAt: jan + 4 * MIN, acknowledgedAt: jan + MIN, status: 'resolved', resolution: 'resolved', resolvedAt: jan + 30 * MIN }),
      alertAt(2, jan, 'small', { onSiteAt: jan + 6 * MIN, status: 'resolved', resolution: 'resolved', resolvedAt: jan + 50 * MIN, escalation: 2 }),
      alertAt(3, jan, 'small', { status: 'resolved', resolution: 'auto_cleared', resolvedAt: jan + 2 * MIN }),
      alertAt(4, jan, 'serious'),
      alertAt(5, feb1, 'small', { onSiteAt: feb1 + 2 * MIN }),
      alertAt(6, jan, 'small', { incident: 9 }), // counted through its incident
    ];
    const r = responseReport(alerts, 'garden', SH, '2026-01', '2026-02');
    expect(r.rows.map((row) => `${row.month} ${row.tier} ${row.alerts}`)).toEqual(['2026-01 small 3', '2026-01 serious 1', '2026-02 small 1']);
    expect(r.rows[0]).toMatchObject({
      resolved: 2, autoCleared: 1, onSite: 2, onSiteInTime: 1, onSiteMedianSec: 240, onSiteP90Sec: 360, fixedInTime: 1, fixMedianSec: 1800, fixP90Sec: 3000,
      ackMedianSec: 60, escalated: 1,
    });
    expect(r.rows[1]).toMatchObject({ onSite: 0, onSiteMedianSec: null, resolved: 0 });
    expect(responseReport(alerts, 'garden', 'UTC', '2026-02', '2026-02').rows).toEqual([]);
    const csv = reportCsv(r).split('\r\n');
    expect(csv[0]).toBe('month,tier,alerts,resolved,autoCleared,onSite,onSiteInTime,onSiteMedianSec,onSiteP90Sec,fixedInTime,fixMedianSec,fixP90Sec,ackMedianSec,escalated');
    expect(csv[1]).toBe('2026-01,small,3,2,1,2,1,240,360,1,1800,3000,60,1');
    expect(csv[2]).toBe('2026-01,serious,1,0,0,0,0,,,0,,,,0');
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3], 50)).toBe(3);
  });
});
