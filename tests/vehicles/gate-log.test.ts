// The gate panel's state (web, pure): rows from vehicle events, newest first, deduplicated, bounded;
// car-park counts from the REST snapshot and the occupancy channel; gauge levels.
import { describe, expect, it } from 'vitest';
import { CarParkBoard, fillLevel, GateLog, gateRow } from '../../web/src/panels/gates/gate-log.ts';

const T = Date.UTC(2026, 10, 27, 6, 0);
const data = (over: Record<string, string | number | boolean> = {}) => ({
  plate: '浙A·1O345', direction: 'in', confidence: 0.93, plateNormalized: '浙A10345', decision: 'allow', decisionReason: 'resident', list: 'resident', gate: 'gate-east', ...over,
});

describe('gateRow', () => {
  it('shows the normalised plate with its dot, else the raw read', () => {
    expect(gateRow('k', 'lpr', T, data())).toMatchObject({ plate: '浙A·10345', decision: 'allow', reason: 'resident', gate: 'gate-east', direction: 'in', confidence: 0.93 });
    expect(gateRow('k', 'lpr', T, data({ plateNormalized: '', plate: '9jub11', decision: 'review', decisionReason: 'unreadable_plate' }))).toMatchObject({ plate: '9jub11', decision: 'review' });
    expect(gateRow('k', 'lpr', T, data({ plateNormalized: '浙AD12345' }))?.plate).toBe('浙AD12345');
  });
  it('ignores events without a decision (no vehicles module on the server, another kind)', () => {
    expect(gateRow('k', 'lpr', T, { plate: '浙A12345', direction: 'in' })).toBeNull();
    expect(gateRow('k', 'lpr', T, data({ decision: 'maybe' }))).toBeNull();
  });
});

describe('GateLog', () => {
  it('keeps rows newest first, once each, at most its capacity', () => {
    const log = new GateLog(3);
    const add = (key: string, ts: number) => log.add(gateRow(key, 'lpr', ts, data()));
    expect(add('a', T)).toBe(true);
    expect(add('c', T + 2000)).toBe(true);
    expect(add('b', T + 1000)).toBe(true); // late: slots in by time
    expect(add('a', T)).toBe(false); // the live copy of a row loaded from history
    expect(log.rows().map((r) => r.key)).toEqual(['c', 'b', 'a']);
    expect(add('d', T + 3000)).toBe(true);
    expect(log.rows().map((r) => r.key)).toEqual(['d', 'c', 'b']);
    expect(add('old', T - 1)).toBe(false); // older than everything kept
    expect(add('a', T + 4000)).toBe(true); // dropped keys may come back
    expect(log.version).toBe(5);
    expect(log.add(null)).toBe(false);
  });
});

describe('CarParkBoard', () => {
  const park = (parked: number) => ({ id: 'garage', name: '地下车库', capacity: 200, parked, free: 200 - parked, updatedAt: T });
  it('takes channel messages of its estate, the newest news winning over an older snapshot', () => {
    const board = new CarParkBoard('garden');
    expect(board.applyMessage({ estate: 'garden', at: T + 10, cause: 'read', carParks: [park(5)] })).toBe(true);
    board.apply([park(3)], T); // a REST answer that left before the message
    expect(board.carParks()[0].parked).toBe(5);
    expect(board.applyMessage({ estate: 'other', at: T + 20, carParks: [park(9)] })).toBe(false);
    expect(board.applyMessage('junk')).toBe(false);
    expect(board.applyMessage({ estate: 'garden', at: T + 30, carParks: [park(6), { id: 7 }] })).toBe(true);
    expect(board.carParks().map((c) => c.parked)).toEqual([6]);
  });
  it('colours the gauge by how full the car park is', () => {
    expect(fillLevel({ parked: 10, capacity: 100 })).toBe('ok');
    expect(fillLevel({ parked: 85, capacity: 100 })).toBe('busy');
    expect(fillLevel({ parked: 95, capacity: 100 })).toBe('full');
    expect(fillLevel({ parked: 130, capacity: 100 })).toBe('full');
    expect(fillLevel({ parked: 3, capacity: null })).toBe('unknown');
  });
});
