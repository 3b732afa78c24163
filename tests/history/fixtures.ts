// Journal fixtures shared by the history contract and the forwarder tests.
import type { Db } from '../../server/store/db.ts';
import type { EstateEvent, EventKind } from '../../protocol/index.ts';

export interface JournalRow {
  seq: number;
  event: EstateEvent;
}

/**
 * Appends events to the journal the way ingest does (one row, body = JSON EstateEvent).
 * `seq` may be forced (the journal's seq can jump, e.g. past a multiple of 1,000,000).
 */
export function appendEvents(db: Db, events: Array<EstateEvent | { seq: number; event: EstateEvent }>): JournalRow[] {
  const withSeq = db.prepare('INSERT INTO events (seq, estate, device, kind, event_id, ts, rx, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insert = db.prepare('INSERT INTO events (estate, device, kind, event_id, ts, rx, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const rows: JournalRow[] = [];
  db.transaction(() => {
    for (const item of events) {
      const forced = 'seq' in item && 'event' in item ? item : null;
      const event = forced ? forced.event : (item as EstateEvent);
      const args = [event.estate, event.device, event.kind, event.id, event.ts, event.rx, JSON.stringify(event)] as const;
      const info = forced ? withSeq.run(forced.seq, ...args) : insert.run(...args);
      rows.push({ seq: Number(info.lastInsertRowid), event });
    }
  })();
  return rows;
}

/** Appends a raw body (for crafted, type-violating events). */
export function appendRaw(db: Db, row: { estate: string; device: string; kind: string; ts: number; body: string }): number {
  const info = db
    .prepare('INSERT INTO events (estate, device, kind, event_id, ts, rx, body) VALUES (?, ?, ?, NULL, ?, ?, ?)')
    .run(row.estate, row.device, row.kind, row.ts, row.ts, row.body);
  return Number(info.lastInsertRowid);
}

/** 2026-11-27T21:30:00+08:00 */
export const T0 = Date.UTC(2026, 10, 27, 13, 30, 0);

function ev(estate: string, device: string, kind: EventKind, id: string | null, ts: number, data: EstateEvent['data'], extra: Partial<EstateEvent> = {}): EstateEvent {
  return { estate, device, kind, id, ts, rx: ts + 37, data, ...extra };
}

/**
 * Several estates, kinds and devices; one device sending four check-ins in one millisecond (as a
 * handheld with second-resolution ISO times does) across a seq that crosses 1,000,000; two
 * positions of one device in one millisecond without ids; optional fields present and missing;
 * booleans, integers and fractions; CJK and awkward strings.
 */
export function contractFixtures(): Array<EstateEvent | { seq: number; event: EstateEvent }> {
  const oak = 'oak-garden';
  const pine = 'pine-court';
  return [
    ev(oak, 'hh-01', 'checkin', 'c-1', T0, { guard: 'g-li', checkpoint: 'cp-03', method: 'nfc', note: '巡更 north gate' }, { x: 12.5, y: -40.25 }),
    ev(oak, 'hh-01', 'checkin', 'c-2', T0, { guard: 'g-li', checkpoint: 'cp-04', method: 'qr' }),
    ev(oak, 'cam-07', 'camera', 'cam-e1', T0 + 500, {
      type: 'intrusion', phase: 'start', score: 0.93, zone: 'perimeter-n', label: '人员翻越 周界', snapshot: 'https://cdn.example/s/1.jpg?a=1,b=2',
    }, { x: 101, y: 7, building: 'B3' }),
    ev(oak, 'gate-02', 'vehicle', 'v-1', T0 + 700, { plate: '浙A12345', direction: 'in', confidence: 0.98, vehicleType: 'car', color: '白色' }),
    ev(oak, 'gate-02', 'vehicle', 'v-2', T0 + 700, { plate: '沪B0000学', direction: 'out', confidence: 1 }),
    ev(oak, 'hh-01', 'position', null, T0 + 1000, { guard: 'g-li', lat: 30.2741, lon: 120.1551, accuracy: 5 }, { x: 3, y: 4, building: 'B1' }),
    ev(oak, 'hh-01', 'position', null, T0 + 1000, { guard: 'g-li', lat: 30.27411, lon: 120.15512 }, { x: 3.5, y: 4.5 }),
    ev(oak, 'cam-07', 'camera', 'cam-e2', T0 + 1500, { type: 'intrusion', phase: 'end', score: 0.1 }),
    ev(oak, 'hh-01', 'status', null, T0 + 2000, { online: true, battery: 80, rssi: -67, firmware: '1.2.3' }),
    ev(oak, 'hh-01', 'status', null, T0 + 3000, { online: false, battery: 80.5 }),
    ev(oak, 'hh-02', 'checkin', 'c-9', T0 - 86_400_000, {
      guard: 'g-wang', checkpoint: 'cp-01', method: 'manual', note: 'It\\\'s "quoted", a=b c\\d\nsecond line\ttab \\',
    }),
    ev(pine, 'hh-01x', 'checkin', 'c-1', T0, { guard: 'g-zhao', checkpoint: 'cp-01', method: 'gps', lat: 31.2, lon: 121.4 }),
    ev(pine, 'gate-01', 'vehicle', 'v-1', T0 + 10, { plate: '粤B8888警', direction: 'in', confidence: 0.5 }),
    // Four check-ins of one device in one ms, journaled across seq 1,000,000: InfluxDB's time
    // order (seq mod 1e6) differs from the journal's here, and history must still follow seq.
    { seq: 999_998, event: ev(oak, 'hh-03', 'checkin', 'burst-1', T0 + 5000, { guard: 'g-sun', checkpoint: 'cp-05', method: 'nfc' }) },
    { seq: 999_999, event: ev(oak, 'hh-03', 'checkin', 'burst-2', T0 + 5000, { guard: 'g-sun', checkpoint: 'cp-06', method: 'nfc' }) },
    { seq: 1_000_000, event: ev(oak, 'hh-03', 'checkin', 'burst-3', T0 + 5000, { guard: 'g-sun', checkpoint: 'cp-07', method: 'nfc' }) },
    { seq: 1_000_001, event: ev(oak, 'hh-03', 'checkin', 'burst-4', T0 + 5000, { guard: 'g-sun', checkpoint: 'cp-08', method: 'nfc' }) },
    ev(oak, 'hh-01', 'checkin', 'c-3', T0, { guard: 'g-li', checkpoint: 'cp-03', method: 'nfc', note: '' }),
  ];
}

/** The contract's order: ts desc, then journal seq desc. */
export function newestFirst(rows: JournalRow[]): EstateEvent[] {
  return [...rows].sort((a, b) => b.event.ts - a.event.ts || b.seq - a.seq).map((r) => r.event);
}
