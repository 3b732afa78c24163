// The dashboard's live store, in Node: where events land on the map, dedupe, panel order and cap, expiry.
import { describe, expect, it } from 'vitest';
import type { EstateDetail } from '../../protocol/api.ts';
import type { EstateEvent } from '../../protocol/schemas.ts';
import type { EventKind } from '../../protocol/topics.ts';
import { CAMERA_ALARM_MS, GUARD_STALE_MS, LiveStore, PANEL_CAPACITY, VEHICLE_VISIBLE_MS } from '../../web/src/live/live-store.ts';

const NOW = 1_800_000_000_000;

const detail: EstateDetail = {
  estate: { id: 'garden', name: 'Garden', nameZh: '花园', lat: 31, lon: 121, timezone: 'Asia/Shanghai' },
  buildings: [],
  zones: [],
  checkpoints: [{ id: 'cp-1', name: '东门', code: 'NFC-0001', x: 40, y: -10 }],
  devices: [
    { id: 'cam-1', kind: 'camera', name: '摄像头 1', x: 5, y: 6, heading: 90, fov: 70 },
    { id: 'gate-s', kind: 'gate', name: '南门道闸', x: 0, y: -100, heading: null, fov: null },
    { id: 'cam-unplaced', kind: 'camera', name: '未安装', x: null, y: null, heading: null, fov: null },
  ],
};

let seq = 0;
function event<K extends EventKind>(kind: K, device: string, data: EstateEvent['data'], extra: Partial<EstateEvent> = {}): EstateEvent {
  seq++;
  return { estate: 'garden', device, kind, id: `e${seq}`, ts: NOW - 1000 + seq, rx: NOW - 1000 + seq, data, ...extra };
}

describe('LiveStore', () => {
  it('places the installed cameras at once, and only those with a position', () => {
    const store = new LiveStore(detail);
    expect([...store.cameras.keys()]).toEqual(['cam-1']);
    expect(store.cameras.get('cam-1')).toMatchObject({ x: 5, y: 6, heading: 90, fov: 70 });
  });

  it('puts a guard at the event position, else at the checkpoint named by id or tag code', () => {
    const store = new LiveStore(detail);
    store.ingest(event('checkin', 'h1', { guard: '张伟', checkpoint: 'cp-1', method: 'nfc' }), NOW);
    store.ingest(event('checkin', 'h2', { guard: '李娜', checkpoint: 'NFC-0001', method: 'nfc' }), NOW);
    store.ingest(event('checkin', 'h3', { guard: '王强', checkpoint: 'cp-1', method: 'qr' }, { x: 1, y: 2 }), NOW);
    expect(store.guards.get('张伟')).toMatchObject({ x: 40, y: -10 });
    expect(store.guards.get('李娜')).toMatchObject({ x: 40, y: -10 });
    expect(store.guards.get('王强')).toMatchObject({ x: 1, y: 2 });
  });

  it('puts a vehicle read by a gate at the gate, and forgets it after a while', () => {
    const store = new LiveStore(detail);
    store.ingest(event('vehicle', 'gate-s', { plate: '沪A12345', direction: 'in', confidence: 0.9 }), NOW);
    expect(store.vehicles.get('沪A12345')).toMatchObject({ x: 0, y: -100, direction: 'in' });
    store.expire(NOW + VEHICLE_VISIBLE_MS + 5_000);
    expect(store.vehicles.size).toBe(0);
  });

  it('drops duplicates (QoS 1 redelivery, history overlapping live) by device and id', () => {
    const store = new LiveStore(detail);
    const e = event('checkin', 'h1', { guard: '张伟', checkpoint: 'cp-1', method: 'nfc' });
    expect(store.ingest(e, NOW)).toBe(true);
    expect(store.ingest({ ...e }, NOW)).toBe(false);
    expect(store.ingest({ ...e, device: 'h2' }, NOW)).toBe(true);
    expect(store.events).toHaveLength(2);
  });

  it('keeps the panel newest first and capped, with late events slotted in by time', () => {
    const store = new LiveStore(detail);
    for (let i = 0; i < PANEL_CAPACITY + 10; i++) store.ingest(event('status', 'cam-1', { online: true }, { ts: NOW + i * 1000 }), NOW);
    expect(store.events).toHaveLength(PANEL_CAPACITY);
    expect(store.events[0].ts).toBe(NOW + (PANEL_CAPACITY + 9) * 1000);
    const late = event('status', 'cam-1', { online: false }, { ts: NOW + (PANEL_CAPACITY + 5) * 1000 + 500 });
    store.ingest(late, NOW);
    expect(store.events.findIndex((e) => e.data.online === false)).toBe(4);
    // older than everything kept: not shown at all
    const before = store.eventsVersion;
    store.ingest(event('status', 'cam-1', { online: true }, { ts: NOW - 60_000 }), NOW);
    expect(store.eventsVersion).toBe(before);
  });

  it('seeds history given newest first so markers end at the latest position', () => {
    const store = new LiveStore(detail);
    const older = event('checkin', 'h1', { guard: '张伟', checkpoint: 'cp-1', method: 'nfc' }, { x: 0, y: 0, ts: NOW - 5000, rx: NOW - 5000 });
    const newer = event('checkin', 'h1', { guard: '张伟', checkpoint: 'cp-1', method: 'nfc' }, { x: 9, y: 9, ts: NOW - 1000, rx: NOW - 1000 });
    store.seed([newer, older], NOW);
    expect(store.guards.get('张伟')).toMatchObject({ x: 9, y: 9 });
    expect(store.events.map((e) => e.ts)).toEqual([NOW - 1000, NOW - 5000]);
  });

  it('ignores stale history for markers but still lists it', () => {
    const store = new LiveStore(detail);
    const old = NOW - GUARD_STALE_MS - 60_000;
    store.seed([event('checkin', 'h1', { guard: '张伟', checkpoint: 'cp-1', method: 'nfc' }, { ts: old, rx: old })], NOW);
    expect(store.guards.size).toBe(0);
    expect(store.events).toHaveLength(1);
  });

  it('raises a camera alarm on an incident type until its end or a timeout; not on motion', () => {
    const store = new LiveStore(detail);
    store.ingest(event('camera', 'cam-1', { type: 'motion', phase: 'start', score: 0.5 }), NOW);
    expect(store.cameras.get('cam-1')!.alarmUntil).toBe(0);
    store.ingest(event('camera', 'cam-1', { type: 'intrusion', phase: 'start', score: 0.9 }), NOW);
    expect(store.cameras.get('cam-1')!.alarmUntil).toBeGreaterThan(NOW);
    store.ingest(event('camera', 'cam-1', { type: 'intrusion', phase: 'end', score: 0.9 }), NOW);
    expect(store.cameras.get('cam-1')!.alarmUntil).toBe(0);
    store.ingest(event('camera', 'cam-1', { type: 'fire', phase: 'start', score: 0.9 }), NOW);
    store.expire(NOW + CAMERA_ALARM_MS + 1000);
    expect(store.cameras.get('cam-1')!.alarmUntil).toBe(0);
  });

  it('adds a camera it did not know when the event says where it is', () => {
    const store = new LiveStore(detail);
    store.ingest(event('camera', 'cam-new', { type: 'person', phase: 'start', score: 0.7 }, { x: 3, y: 4 }), NOW);
    expect(store.cameras.get('cam-new')).toMatchObject({ x: 3, y: 4 });
  });

  it('marks a camera offline from a status event', () => {
    const store = new LiveStore(detail);
    const v = store.markersVersion;
    store.ingest(event('status', 'cam-1', { online: false }), NOW);
    expect(store.cameras.get('cam-1')!.online).toBe(false);
    expect(store.markersVersion).toBeGreaterThan(v);
  });

  it('lists alert upserts once per status', () => {
    const store = new LiveStore(detail);
    store.ingestAlert({ id: 7, type: 'intrusion', severity: 'high', status: 'open', device: 'cam-1' }, NOW);
    store.ingestAlert({ id: 7, type: 'intrusion', severity: 'high', status: 'open', device: 'cam-1' }, NOW);
    store.ingestAlert({ id: 7, type: 'intrusion', severity: 'high', status: 'acknowledged', device: 'cam-1' }, NOW + 1);
    expect(store.events.map((e) => e.data.status)).toEqual(['acknowledged', 'open']);
    expect(store.cameras.get('cam-1')!.alarmUntil).toBeGreaterThan(NOW);
  });

  it('marks an open alert with a place on the map until it is resolved', () => {
    const store = new LiveStore(detail);
    store.ingestAlert({ id: 'a1', source: 'route-1', type: 'missed_checkpoint', severity: 'major', status: 'open', x: 10, y: 20, title: 'Missed', titleZh: '漏巡' }, NOW);
    expect(store.alertSpots.get('a1')).toMatchObject({ x: 10, y: 20 });
    expect(store.events[0]).toMatchObject({ kind: 'alert', device: 'route-1' });
    store.ingestAlert({ id: 'a1', source: 'route-1', type: 'missed_checkpoint', severity: 'major', status: 'resolved', x: 10, y: 20 }, NOW + 1);
    expect(store.alertSpots.size).toBe(0);
    expect(store.events).toHaveLength(2);
  });

  it('survives junk without throwing', () => {
    const store = new LiveStore(detail);
    expect(store.ingest({} as EstateEvent, NOW)).toBe(false);
    expect(store.ingest({ ...event('checkin', 'h1', {}), data: undefined as never }, NOW)).toBe(true);
    expect(store.guards.size).toBe(0);
  });
});
