// Every rule as a pure function: (state, event, context, now) → (state, alert changes).
import { describe, expect, it } from 'vitest';
import { deviceHealthEvent, deviceHealthSweep, afterRestart, healthDueAt, DEVICE_OFFLINE, type DeviceHealth } from '../../server/alerts/rules/device-health.ts';
import { fireLaneDue, fireLaneEvent, EPISODE_STALE_MS, FIRE_LANE, type FireLaneState } from '../../server/alerts/rules/fire-lane.ts';
import { hazardRule } from '../../server/alerts/rules/hazards.ts';
import { intrusionRule } from '../../server/alerts/rules/intrusion.ts';
import { tamperRule } from '../../server/alerts/rules/tamper.ts';
import type { AlertChange } from '../../server/alerts/rules/types.ts';
import { distanceToBoundary, zonesAt } from '../../server/alerts/zones.ts';
import { ZONES, camera, event, ruleContext, sh, zone } from './fixtures.ts';

const raised = (changes: AlertChange[]) => changes.filter((c) => c.op === 'raise').map((c) => (c as Extract<AlertChange, { op: 'raise' }>).alert);

describe('zones', () => {
  it('finds restricted zones by containment and perimeter zones by the band along the fence', () => {
    expect(distanceToBoundary(0, 0, ZONES[0].polygon)).toBe(125);
    expect(distanceToBoundary(147, 0, ZONES[0].polygon)).toBeCloseTo(3);
    expect(zonesAt(ZONES, { x: 120, y: 90 }, 20).map((z) => z.id)).toEqual(['power-room']);
    expect(zonesAt(ZONES, { x: 147, y: 0 }, 20).map((z) => z.id)).toEqual(['perimeter']);
    expect(zonesAt(ZONES, { x: 160, y: 0 }, 20).map((z) => z.id)).toEqual(['perimeter']); // just outside the fence
    expect(zonesAt(ZONES, { x: 0, y: 0 }, 20)).toEqual([]); // the middle of the estate is not the perimeter
    expect(zonesAt(ZONES, { x: 0, y: 0, zone: 'power-room' }, 20).map((z) => z.id)).toEqual(['power-room']);
    expect(zonesAt(ZONES, { x: 147, y: 0, zone: 'no-such-zone' }, 20).map((z) => z.id)).toEqual(['perimeter']);
    expect(zonesAt(ZONES, {}, 20)).toEqual([]);
  });
});

describe('perimeter and restricted-zone intrusion', () => {
  const ctx = ruleContext({ devices: [{ id: 'cam-fence', name: '周界 05' }] });
  const fence = { x: 147, y: 0 };

  it('raises for a person at the fence at night, in the estate time zone', () => {
    const [alert] = raised(intrusionRule(camera('cam-fence', 'person', 'start', { ...fence, ts: sh('2026-11-27T23:00:00') }), ctx));
    expect(alert).toMatchObject({ source: 'cam-fence', type: 'intrusion', severity: 'major', zone: 'perimeter', device: 'cam-fence', x: 147, y: 0 });
    expect(alert.titleZh).toBe('周界入侵：perimeter（周界 05）');
    expect(alert.detail).toMatchObject({ detection: 'person', zoneKind: 'perimeter' });
  });

  it('is quiet at the fence by day (perimeter zones are armed 22:00–06:00 by default), exactly at the boundaries', () => {
    expect(intrusionRule(camera('cam-fence', 'person', 'start', { ...fence, ts: sh('2026-11-27T21:59:59.999') }), ctx)).toEqual([]);
    expect(raised(intrusionRule(camera('cam-fence', 'person', 'start', { ...fence, ts: sh('2026-11-27T22:00:00') }), ctx))).toHaveLength(1);
    expect(raised(intrusionRule(camera('cam-fence', 'intrusion', 'start', { ...fence, ts: sh('2026-11-28T00:00:00') }), ctx))).toHaveLength(1);
    expect(raised(intrusionRule(camera('cam-fence', 'intrusion', 'start', { ...fence, ts: sh('2026-11-28T05:59:59') }), ctx))).toHaveLength(1);
    expect(intrusionRule(camera('cam-fence', 'intrusion', 'start', { ...fence, ts: sh('2026-11-28T06:00:00') }), ctx)).toEqual([]);
  });

  it('uses the estate time zone: the same instant is day in Shanghai and night in UTC', () => {
    const t = Date.parse('2026-11-27T23:30:00Z'); // 07:30 in Shanghai
    expect(intrusionRule(camera('cam-fence', 'person', 'start', { ...fence, ts: t }), ctx)).toEqual([]);
    expect(raised(intrusionRule(camera('cam-fence', 'person', 'start', { ...fence, ts: t }), ruleContext({ timeZone: 'UTC' })))).toHaveLength(1);
  });

  it('raises around the clock in a restricted zone, named by the camera or by its position', () => {
    const noon = sh('2026-11-27T12:00:00');
    const [byName] = raised(intrusionRule(camera('cam-door', 'person', 'start', { x: 132, y: 100, zone: 'power-room', ts: noon }), ctx));
    expect(byName).toMatchObject({ zone: 'power-room', title: expect.stringContaining('Restricted zone intrusion') });
    expect(raised(intrusionRule(camera('cam-in', 'intrusion', 'start', { x: 120, y: 90, ts: noon }), ctx))).toHaveLength(1);
  });

  it('ignores detections elsewhere, other types, low scores, `end`, and disabled zones; `update` only refreshes', () => {
    const night = sh('2026-11-27T23:00:00');
    expect(intrusionRule(camera('cam-garden', 'intrusion', 'start', { x: 0, y: 0, ts: night }), ctx)).toEqual([]);
    expect(intrusionRule(camera('cam-fence', 'vehicle', 'start', { ...fence, ts: night }), ctx)).toEqual([]);
    expect(intrusionRule(camera('cam-fence', 'person', 'start', { ...fence, ts: night, score: 0.3 }), ctx)).toEqual([]);
    expect(intrusionRule(camera('cam-fence', 'person', 'end', { ...fence, ts: night }), ctx)).toEqual([]);
    expect(intrusionRule(event('checkin', 'h1', { guard: 'G01' }, { x: 147, y: 0 }), ctx)).toEqual([]);
    expect(intrusionRule(camera('cam-fence', 'person', 'update', { ...fence, ts: night }), ctx)).toEqual([
      { op: 'touch', estate: 'test', source: 'cam-fence', type: 'intrusion', at: night },
    ]);
    const off = ruleContext({ zones: [zone('perimeter', 'perimeter', ZONES[0].polygon[0], null, { enabled: false })] });
    expect(intrusionRule(camera('cam-fence', 'intrusion', 'start', { ...fence, ts: night }), off)).toEqual([]);
  });

  it('follows configured types and hours, and the zone\'s own hours from the estate file', () => {
    const intrusionOnly = ruleContext({ zones: [zone('r', 'restricted', ZONES[1].polygon[0], null, { types: ['intrusion'] })] });
    expect(intrusionRule(camera('c', 'person', 'start', { x: 120, y: 90 }), intrusionOnly)).toEqual([]);
    expect(raised(intrusionRule(camera('c', 'intrusion', 'start', { x: 120, y: 90 }), intrusionOnly))).toHaveLength(1);
    const allDay = ruleContext({ zones: [zone('p', 'perimeter', ZONES[0].polygon[0], 'always')] });
    expect(raised(intrusionRule(camera('c', 'person', 'start', { ...fence, ts: sh('2026-11-27T12:00:00') }), allDay))).toHaveLength(1);
    const lunch = ruleContext({ zones: [zone('r', 'restricted', ZONES[1].polygon[0], '12:00-13:00')] });
    expect(raised(intrusionRule(camera('c', 'person', 'start', { x: 120, y: 90, ts: sh('2026-11-27T12:30:00') }), lunch))).toHaveLength(1);
    expect(intrusionRule(camera('c', 'person', 'start', { x: 120, y: 90, ts: sh('2026-11-27T13:00:00') }), lunch)).toEqual([]);
  });
});

describe('falling objects, fire and smoke', () => {
  const ctx = ruleContext({ devices: [{ id: 'cam-3', name: '高空抛物 3号楼' }] });
  it('are critical at once and never clear by themselves', () => {
    for (const type of ['falling_object', 'fire', 'smoke']) {
      const [alert] = raised(hazardRule(camera('cam-3', type, 'start', { x: 1, y: 2 }), ctx));
      expect(alert).toMatchObject({ type, severity: 'critical', source: 'cam-3', x: 1, y: 2 });
      expect(raised(hazardRule(camera('cam-3', type, 'update'), ctx))).toHaveLength(1);
      expect(hazardRule(camera('cam-3', type, 'end'), ctx)).toEqual([]);
    }
    expect(raised(hazardRule(camera('cam-3', 'falling_object', 'start'), ctx))[0].titleZh).toBe('高空抛物：高空抛物 3号楼');
    expect(hazardRule(camera('cam-3', 'fire', 'start', { score: 0.2 }), ctx)).toEqual([]);
    expect(hazardRule(camera('cam-3', 'motion', 'start'), ctx)).toEqual([]);
  });
});

describe('camera tamper', () => {
  it('raises while tampered and clears when the view is back', () => {
    const ctx = ruleContext();
    expect(raised(tamperRule(camera('cam-1', 'tamper', 'start'), ctx))[0]).toMatchObject({ type: 'tamper', severity: 'major' });
    expect(tamperRule(camera('cam-1', 'tamper', 'end', { ts: 5 }), ctx)).toEqual([{ op: 'clear', estate: 'test', source: 'cam-1', type: 'tamper', at: 5 }]);
    expect(tamperRule(camera('cam-1', 'fire', 'start'), ctx)).toEqual([]);
  });
});

describe('fire lane blocked for longer than N minutes', () => {
  const ctx = ruleContext({ params: { fireLaneMinutes: 5 } });
  const t0 = sh('2026-11-27T10:00:00');
  const min = 60_000;
  const empty: FireLaneState = new Map();

  it('raises on an update once the episode has lasted N minutes, then only refreshes, and clears at the end', () => {
    let r = fireLaneEvent(empty, camera('cam-fl', FIRE_LANE, 'start', { ts: t0 }), ctx, t0);
    expect(r.changes).toEqual([]);
    r = fireLaneEvent(r.state, camera('cam-fl', FIRE_LANE, 'update', { ts: t0 + 4 * min }), ctx, t0 + 5 * min - 1);
    expect(r.changes).toEqual([]);
    r = fireLaneEvent(r.state, camera('cam-fl', FIRE_LANE, 'update', { ts: t0 + 5 * min }), ctx, t0 + 5 * min);
    expect(raised(r.changes)[0]).toMatchObject({ type: FIRE_LANE, severity: 'major', titleZh: expect.stringContaining('超过 5 分钟') });
    r = fireLaneEvent(r.state, camera('cam-fl', FIRE_LANE, 'update', { ts: t0 + 6 * min }), ctx, t0 + 6 * min);
    expect(r.changes.map((c) => c.op)).toEqual(['touch']);
    r = fireLaneEvent(r.state, camera('cam-fl', FIRE_LANE, 'end', { ts: t0 + 7 * min }), ctx, t0 + 7 * min);
    expect(r.changes).toEqual([{ op: 'clear', estate: 'test', source: 'cam-fl', type: FIRE_LANE, at: t0 + 7 * min }]);
    expect(r.state.size).toBe(0);
  });

  it('raises from the timer when no update comes, once; a short stop never raises nor clears', () => {
    const started = fireLaneEvent(empty, camera('cam-fl', FIRE_LANE, 'start', { ts: t0 }), ctx, t0).state;
    expect(fireLaneDue(started, () => ctx, t0 + 5 * min - 1).changes).toEqual([]);
    const due = fireLaneDue(started, () => ctx, t0 + 5 * min);
    expect(raised(due.changes)).toHaveLength(1);
    expect(raised(due.changes)[0].at).toBe(t0 + 5 * min);
    expect(fireLaneDue(due.state, () => ctx, t0 + 9 * min).changes).toEqual([]);

    const short = fireLaneEvent(empty, camera('cam-fl', FIRE_LANE, 'start', { ts: t0 }), ctx, t0).state;
    expect(fireLaneEvent(short, camera('cam-fl', FIRE_LANE, 'end', { ts: t0 + min }), ctx, t0 + min).changes).toEqual([]);
  });

  it('forgets an episode the camera stopped reporting long ago', () => {
    const started = fireLaneEvent(empty, camera('cam-fl', FIRE_LANE, 'start', { ts: t0 }), ctx, t0).state;
    expect(fireLaneDue(started, () => ctx, t0 + EPISODE_STALE_MS + 1).state.size).toBe(0);
  });
});

describe('device health', () => {
  const ctx = ruleContext({ params: { deviceTimeoutSec: 90 }, devices: [{ id: 'cam-1', x: 5, y: 6 }, { id: 'hh-1', kind: 'patrol' }, { id: 'cam-quiet', params: { ignoreOffline: true } }, { id: 'cam-slow', params: { timeoutSec: 600 } }] });
  const t0 = 1_000_000;
  const heard = (device: string, at: number) => deviceHealthEvent(undefined, event('status', device, { online: true }, { ts: at }), ctx, at).health;

  it('is unknown until heard, online while heard, offline after the timeout', () => {
    const h = heard('cam-1', t0);
    expect(h).toMatchObject({ state: 'online', lastSeen: t0 });
    expect(deviceHealthSweep(h, ctx, t0 + 90_000)).toBeNull();
    const swept = deviceHealthSweep(h, ctx, t0 + 90_001)!;
    expect(swept.health).toMatchObject({ state: 'offline', reason: 'timeout', offlineSince: t0 + 90_000 });
    expect(raised(swept.changes)[0]).toMatchObject({ type: DEVICE_OFFLINE, source: 'cam-1', severity: 'major', x: 5, y: 6, at: t0 + 90_000 });
    expect(deviceHealthSweep(swept.health, ctx, t0 + 999_999)).toBeNull();
    // any event proves life and clears the alert
    const back = deviceHealthEvent(swept.health, event('camera', 'cam-1', { type: 'motion', phase: 'start', score: 1 }, { ts: t0 + 200_000 }), ctx, t0 + 200_000);
    expect(back.health.state).toBe('online');
    expect(back.changes).toEqual([{ op: 'clear', estate: 'test', source: 'cam-1', type: DEVICE_OFFLINE, at: t0 + 200_000 }]);
  });

  it('says when the sweep can first fire (the tick skips a device until then), later after every sign of life', () => {
    for (const device of ['cam-1', 'cam-slow']) {
      const h = heard(device, t0);
      const due = healthDueAt(h, ctx)!;
      expect(deviceHealthSweep(h, ctx, due)).toBeNull();
      expect(deviceHealthSweep(h, ctx, due + 1)).not.toBeNull();
      const again = deviceHealthEvent(h, event('status', device, { online: true }, { ts: t0 + 30_000 }), ctx, t0 + 30_000).health;
      expect(healthDueAt(again, ctx)).toBe(due + 30_000);
    }
    expect(healthDueAt(heard('cam-slow', t0), ctx)).toBe(t0 + 600_000);
    // a restart gives a full timeout from the start; offline or never heard: nothing to wait for
    expect(healthDueAt(afterRestart(heard('cam-1', t0), t0 + 50_000), ctx)).toBe(t0 + 50_000 + 90_000);
    const offline = deviceHealthSweep(heard('cam-1', t0), ctx, t0 + 90_001)!.health;
    expect(healthDueAt(offline, ctx)).toBeNull();
    expect(healthDueAt({ device: 'cam-1', estate: 'test', state: 'unknown', lastSeen: null, watchFrom: t0 }, ctx)).toBeNull();
  });

  it('goes offline at once on the Last Will, once', () => {
    const will = event('status', 'cam-1', { online: false }, { ts: t0 + 10 });
    const r = deviceHealthEvent(heard('cam-1', t0), will, ctx, t0 + 10);
    expect(r.health).toMatchObject({ state: 'offline', reason: 'last_will', lastSeen: t0 });
    expect(raised(r.changes)[0].detail).toMatchObject({ reason: 'last_will', lastSeen: t0 });
    expect(deviceHealthEvent(r.health, will, ctx, t0 + 20).changes).toEqual([]);
  });

  it('never alerts for a device never heard, nor for handhelds or devices configured quiet; honours a device timeout', () => {
    const never: DeviceHealth = { device: 'cam-x', estate: 'test', state: 'unknown', lastSeen: null, watchFrom: t0 };
    expect(deviceHealthSweep(never, ctx, t0 + 10 * 86_400_000)).toBeNull();
    expect(deviceHealthSweep(heard('hh-1', t0), ctx, t0 + 3600_000)!.changes).toEqual([]);
    expect(deviceHealthSweep(heard('hh-1', t0), ctx, t0 + 3600_000)!.health.state).toBe('offline');
    expect(deviceHealthSweep(heard('cam-quiet', t0), ctx, t0 + 3600_000)!.changes).toEqual([]);
    expect(deviceHealthSweep(heard('cam-slow', t0), ctx, t0 + 599_000)).toBeNull();
    expect(raised(deviceHealthSweep(heard('cam-slow', t0), ctx, t0 + 600_001)!.changes)).toHaveLength(1);
  });

  it('after a restart shows online devices as unknown and gives them a full timeout', () => {
    const before = heard('cam-1', t0);
    const restartedAt = t0 + 3600_000;
    const after = afterRestart(before, restartedAt);
    expect(after.state).toBe('unknown');
    expect(deviceHealthSweep(after, ctx, restartedAt + 90_000)).toBeNull();
    expect(raised(deviceHealthSweep(after, ctx, restartedAt + 90_001)!.changes)).toHaveLength(1);
    const offline = { ...before, state: 'offline' as const };
    expect(afterRestart(offline, restartedAt)).toBe(offline);
  });
});
