// The replay in Node: the timeline applies history to a LiveStore up to the replay time (forward
// incrementally, back by rebuilding), with the recorded time as the clock; positions are thinned,
// alerts become upserts at their lifecycle times. Also the live store's trails, checkpoint visits
// and per-source last-heard times, which replay and kiosk rely on.
import { describe, expect, it } from 'vitest';
import type { EstateDetail } from '../../protocol/api.ts';
import type { EstateEvent } from '../../protocol/schemas.ts';
import { LiveStore, PARK_AFTER_MS, PARKED_MAX_MS, TRAIL_POINTS, VEHICLE_VISIBLE_MS, parkingBay } from '../../web/src/live/live-store.ts';
import { pointInPolygon, type Polygon } from '../../protocol/geo.ts';
import { alertChanges, thinPositions } from '../../web/src/replay/replay-history.ts';
import { ReplayTimeline, type ReplayItem } from '../../web/src/replay/replay-timeline.ts';

const T0 = 1_800_000_000_000;
const MIN = 60_000;

const detail: EstateDetail = {
  estate: { id: 'garden', name: 'Garden', nameZh: '花园', lat: 31, lon: 121, timezone: 'Asia/Shanghai' },
  buildings: [],
  zones: [],
  checkpoints: [{ id: 'CP-01', name: '东门', code: 'NFC-01', x: 40, y: -10 }],
  devices: [
    { id: 'cam-1', kind: 'camera', name: '摄像头 1', x: 5, y: 6, heading: 90, fov: 70 },
    { id: 'hh-1', kind: 'patrol', name: '巡更机 1', x: null, y: null, heading: null, fov: null },
  ],
};

let seq = 0;
const position = (ts: number, x: number, y: number, guard = 'G01'): EstateEvent => ({ estate: 'garden', device: 'hh-1', kind: 'position', id: `p${++seq}`, ts, rx: T0 + 99 * MIN, data: { guard, lat: 0, lon: 0 }, x, y });
const items = (events: EstateEvent[]): ReplayItem[] => events.map((event) => ({ at: event.ts, event }));

describe('ReplayTimeline', () => {
  const path = [position(T0 + 10 * MIN, -60, -40), position(T0 + 20 * MIN, 10, -20), position(T0 + 30 * MIN, 70, 30)];

  it('puts the guard where it was at the replay time, moving forward and back', () => {
    const store = new LiveStore(detail);
    const timeline = new ReplayTimeline(store, items([...path].reverse()), T0, T0 + 60 * MIN);
    timeline.seek(T0 + 5 * MIN);
    expect(store.guards.size).toBe(0);
    timeline.seek(T0 + 11 * MIN);
    expect(store.guards.get('G01')).toMatchObject({ x: -60, y: -40 });
    timeline.seek(T0 + 31 * MIN);
    expect(store.guards.get('G01')).toMatchObject({ x: 70, y: 30 });
    expect(store.guards.get('G01')!.trail.map((p) => [p.x, p.y])).toEqual([[-60, -40], [10, -20]]);
    timeline.seek(T0 + 21 * MIN);
    expect(store.guards.get('G01')).toMatchObject({ x: 10, y: -20 });
    expect(store.guards.get('G01')!.trail).toHaveLength(1);
  });

  it('lets a guard leave the map when it has been silent too long in replay time, not wall time', () => {
    const store = new LiveStore(detail);
    const timeline = new ReplayTimeline(store, items(path), T0, T0 + 120 * MIN);
    timeline.seek(T0 + 31 * MIN);
    expect(store.guards.size).toBe(1);
    timeline.seek(T0 + 61 * MIN);
    expect(store.guards.size).toBe(0);
  });

  it('replays alert changes: open, then resolved', () => {
    const store = new LiveStore(detail);
    const alert = { id: 7, source: 'cam-1', device: 'cam-1', type: 'intrusion', x: 5, y: 6, openedAt: T0 + 5 * MIN, resolvedAt: T0 + 15 * MIN };
    const timeline = new ReplayTimeline(store, alertChanges([alert], T0, T0 + 60 * MIN), T0, T0 + 60 * MIN);
    timeline.seek(T0 + 6 * MIN);
    expect(store.openAlerts.size).toBe(1);
    expect(store.alertSpots.size).toBe(1);
    timeline.seek(T0 + 16 * MIN);
    expect(store.openAlerts.size).toBe(0);
    expect(store.alertSpots.size).toBe(0);
  });

  it('clamps to its window and counts what it applied', () => {
    const store = new LiveStore(detail);
    const timeline = new ReplayTimeline(store, items(path), T0 + 15 * MIN, T0 + 25 * MIN);
    timeline.seek(0);
    expect(timeline.time).toBe(T0 + 15 * MIN);
    timeline.seek(Infinity);
    expect(timeline.time).toBe(T0 + 25 * MIN);
    expect(timeline.items).toHaveLength(1);
    expect(timeline.applied).toBe(1);
  });
});

describe('replay history', () => {
  it('thins positions to one per guard per step, keeping other events', () => {
    const events = [position(T0, 0, 0), position(T0 + 1000, 1, 1), position(T0 + 5000, 2, 2), position(T0 + 1000, 9, 9, 'G02')];
    const checkin: EstateEvent = { estate: 'garden', device: 'hh-1', kind: 'checkin', id: 'c1', ts: T0 + 2000, rx: T0 + 2000, data: { guard: 'G01', checkpoint: 'CP-01', method: 'nfc' } };
    const kept = thinPositions([...events, checkin].sort((a, b) => a.ts - b.ts), 5000);
    expect(kept.map((e) => e.id)).toEqual([events[0].id, events[3].id, 'c1', events[2].id]);
  });

  it('turns alerts into upserts at their open, acknowledge and resolve times inside the window', () => {
    const changes = alertChanges([{ id: 1, openedAt: T0 - MIN, acknowledgedAt: T0 + MIN, resolvedAt: T0 + 2 * MIN }], T0, T0 + 10 * MIN);
    expect(changes.map((c) => [c.at, 'alert' in c ? c.alert.status : null])).toEqual([[T0 + MIN, 'acknowledged'], [T0 + 2 * MIN, 'resolved']]);
  });
});

describe('LiveStore for the wall screen', () => {
  it('keeps a short trail of distinct positions behind each guard', () => {
    const store = new LiveStore(detail, T0);
    for (let i = 0; i < TRAIL_POINTS + 5; i++) store.ingest(position(T0 + i * 1000, i * 10, 0), T0 + 100_000);
    store.ingest(position(T0 + 99_000, (TRAIL_POINTS + 4) * 10 + 1, 0), T0 + 100_000); // a 1 m shuffle: no new crumb
    const guard = store.guards.get('G01')!;
    expect(guard.trail).toHaveLength(TRAIL_POINTS);
    expect(guard.trail.at(-1)!.x).toBe((TRAIL_POINTS + 3) * 10);
  });

  it('remembers the last check-in per checkpoint by id or tag code, even from old history', () => {
    const store = new LiveStore(detail, T0);
    const checkin = (ts: number, checkpoint: string): EstateEvent => ({ estate: 'garden', device: 'hh-1', kind: 'checkin', id: `c${ts}`, ts, rx: ts, data: { guard: 'G01', checkpoint, method: 'nfc' } });
    store.ingest(checkin(T0 - 3 * 3600_000, 'NFC-01'), T0);
    expect(store.checkpointVisits.get('CP-01')).toBe(T0 - 3 * 3600_000);
    store.ingest(checkin(T0 - MIN, 'CP-01'), T0);
    store.ingest(checkin(T0 - 2 * MIN, 'CP-01'), T0);
    expect(store.checkpointVisits.get('CP-01')).toBe(T0 - MIN);
  });

  it('notes when each source was last heard, by the device\'s class', () => {
    const store = new LiveStore(detail, T0);
    expect([...store.expectedSources].sort()).toEqual(['camera', 'patrol']);
    store.ingest({ estate: 'garden', device: 'cam-1', kind: 'status', id: null, ts: T0, rx: T0, data: { online: true } }, T0 + 5);
    store.ingest({ estate: 'garden', device: 'gate-x', kind: 'vehicle', id: 'v1', ts: T0, rx: T0 + 2, data: { plate: '浙A1', direction: 'in', confidence: 1 } }, T0 + 5);
    expect(store.lastHeard).toEqual({ camera: T0, patrol: 0, gate: T0 + 2 });
  });

  it('forgets markers, visits, alerts and events on clear (replay rewinds with it)', () => {
    const store = new LiveStore(detail, T0);
    const seen = position(T0, 1, 1);
    store.ingest(seen, T0);
    store.ingestAlert({ id: 1, status: 'open', x: 1, y: 1 }, T0);
    store.clear();
    expect([store.guards.size, store.openAlerts.size, store.alertSpots.size, store.events.length]).toEqual([0, 0, 0, 0]);
    expect(store.cameras.size).toBe(1);
    // and takes the same events again (dedupe memory cleared too)
    expect(store.ingest(seen, T0)).toBe(true);
    expect(store.guards.size).toBe(1);
  });

  it('moves a vehicle that drove in from its gate to a car-park bay, and keeps it there until it leaves', () => {
    const carPark: Polygon = [[[100, 100], [160, 100], [160, 140], [100, 140], [100, 100]]];
    const withCarPark: EstateDetail = {
      ...detail,
      zones: [{ id: 'p1', name: '停车场', kind: 'car_park', polygon: carPark }],
      devices: [...detail.devices, { id: 'gate-s', kind: 'gate', name: '南门', x: 0, y: -100, heading: null, fov: null }],
    };
    const store = new LiveStore(withCarPark, T0);
    const read = (ts: number, direction: string): EstateEvent => ({ estate: 'garden', device: 'gate-s', kind: 'vehicle', id: `v${ts}`, ts, rx: ts, data: { plate: '浙A12345', direction, confidence: 0.9 } });
    store.ingest(read(T0, 'in'), T0);
    expect(store.vehicles.get('浙A12345')).toMatchObject({ x: 0, y: -100 });
    store.expire(T0 + PARK_AFTER_MS);
    const parked = store.vehicles.get('浙A12345')!;
    expect(parked.parked).toBe(true);
    expect(pointInPolygon(parked.x, parked.y, carPark)).toBe(true);
    expect(parkingBay('浙A12345', [carPark])).toEqual({ x: parked.x, y: parked.y });
    store.expire(T0 + 3 * 3600_000);
    expect(store.vehicles.has('浙A12345')).toBe(true);
    store.ingest(read(T0 + 4 * 3600_000, 'out'), T0 + 4 * 3600_000);
    expect(store.vehicles.get('浙A12345')).toMatchObject({ x: 0, y: -100, direction: 'out' });
    store.expire(T0 + 4 * 3600_000 + VEHICLE_VISIBLE_MS + 1);
    expect(store.vehicles.has('浙A12345')).toBe(false);
    // a missed exit read: gone after PARKED_MAX_MS
    store.ingest(read(T0 + 5 * 3600_000, 'in'), T0 + 5 * 3600_000);
    store.expire(T0 + 5 * 3600_000 + PARKED_MAX_MS + 1);
    expect(store.vehicles.size).toBe(0);
  });
});
