// Session pairing per plate, with missed reads at either end, and the counts it implies.
import { describe, expect, it } from 'vitest';
import {
  anonymousPass, dwellMs, overstayDue, pairRead, TURN_AWAY_MS, type LatestSession, type SessionChanges, type SessionRead,
} from '../../server/vehicles/sessions.ts';

const M = 60_000;
const T = Date.UTC(2026, 10, 27, 6, 0);
const read = (direction: 'in' | 'out', at: number, over: Partial<SessionRead> = {}): SessionRead => ({
  plate: '浙A12345', direction, at, event: `lpr/${direction}-${at}`, gate: direction === 'in' ? 'gate-east' : 'gate-north',
  carPark: direction === 'in' ? 'garage' : 'visitor-park', decision: 'allow', list: 'resident', validUntil: null, ...over,
});

/** Plays reads through pairRead like the ledger does: rows by id, the latest one fed back. */
function play(reads: SessionRead[]) {
  const rows: Array<{ id: number; status: string; enteredAt: number | null; exitedAt: number | null; carPark: string; gateIn: string; gateOut: string }> = [];
  const counts = new Map<string, number>();
  for (const r of reads) {
    const last = rows.at(-1);
    const latest: LatestSession | null = last ? { id: last.id, status: last.status as LatestSession['status'], carPark: last.carPark, enteredAt: last.enteredAt, overstay: false } : null;
    const c: SessionChanges = pairRead(latest, r);
    if (c.update) Object.assign(rows.find((x) => x.id === c.update!.id)!, { status: c.update.status, exitedAt: c.update.exitedAt, gateOut: c.update.gateOut });
    if (c.insert) rows.push({ id: rows.length + 1, ...c.insert });
    for (const d of c.occupancy) counts.set(d.carPark, Math.max(0, (counts.get(d.carPark) ?? 0) + d.delta));
  }
  return { rows: rows.map((r) => [r.status, r.enteredAt, r.exitedAt]), counts: Object.fromEntries(counts) };
}

describe('pairing', () => {
  it('pairs an entry with the next exit: one closed session, dwell time', () => {
    const { rows, counts } = play([read('in', T), read('out', T + 90 * M)]);
    expect(rows).toEqual([['closed', T, T + 90 * M]]);
    expect(dwellMs(T, T + 90 * M)).toBe(90 * M);
    // the exit counts against the car park the car entered, not the exit gate's
    expect(counts).toEqual({ garage: 0 });
  });

  it('a missed exit: an entry after an entry closes the first as exit_missed, without an exit time', () => {
    const { rows } = play([read('in', T), read('in', T + 5 * 60 * M), read('out', T + 6 * 60 * M)]);
    expect(rows).toEqual([
      ['exit_missed', T, null],
      ['closed', T + 5 * 60 * M, T + 6 * 60 * M],
    ]);
    expect(dwellMs(T, null)).toBeNull();
  });

  it('a missed entry: an exit without an open session is an entry_missed session with the exit alone', () => {
    const { rows, counts } = play([read('out', T), read('in', T + 60 * M), read('out', T + 120 * M)]);
    expect(rows).toEqual([
      ['entry_missed', null, T],
      ['closed', T + 60 * M, T + 120 * M],
    ]);
    expect(counts).toEqual({ 'visitor-park': 0, garage: 0 }); // never below zero
  });

  it('a refused car that turns round is turned_away and counts nothing; one seen leaving much later is an entry_missed', () => {
    const denied = { decision: 'deny' as const, list: 'blacklist' as const };
    const turned = play([read('in', T, denied), read('out', T + 2 * M, denied)]);
    expect(turned.rows).toEqual([['turned_away', T, T + 2 * M]]);
    expect(turned.counts).toEqual({});
    const later = play([read('in', T, denied), read('out', T + TURN_AWAY_MS + 1, denied)]);
    expect(later.rows).toEqual([
      ['denied', T, null],
      ['entry_missed', null, T + TURN_AWAY_MS + 1],
    ]);
  });

  it('a car refused while a session is open (e.g. blacklisted meanwhile) closes it as exit_missed', () => {
    const { rows } = play([read('in', T), read('in', T + 60 * M, { decision: 'deny', list: 'blacklist' })]);
    expect(rows).toEqual([
      ['exit_missed', T, null],
      ['denied', T + 60 * M, null],
    ]);
  });

  it('counts: entries up, exits down, refused entries not at all', () => {
    const cars = ['浙A11111', '浙A22222', '浙A33333'];
    const rows = cars.map((plate) => pairRead(null, read('in', T, { plate })));
    expect(rows.flatMap((c) => c.occupancy)).toEqual(cars.map(() => ({ carPark: 'garage', delta: 1 })));
    expect(pairRead(null, read('in', T, { decision: 'deny' })).occupancy).toEqual([]);
    expect(pairRead(null, read('in', T, { decision: 'review', list: 'none' })).occupancy).toEqual([{ carPark: 'garage', delta: 1 }]);
    expect(pairRead(null, read('in', T, { carPark: '' })).occupancy).toEqual([]); // a gate that counts for no car park
  });

  it('untrusted reads (low confidence, unreadable) count as passes but pair with nothing', () => {
    expect(anonymousPass('in', 'garage', 'review')).toEqual([{ carPark: 'garage', delta: 1 }]);
    expect(anonymousPass('out', 'garage', 'review')).toEqual([{ carPark: 'garage', delta: -1 }]);
    expect(anonymousPass('in', 'garage', 'deny')).toEqual([]);
    expect(anonymousPass('in', '', 'review')).toEqual([]);
  });
});

describe('overstay', () => {
  const visitor = { list: 'visitor' as const, enteredAt: T, validUntil: T + 2 * 3600_000 };
  it('is due past the validity window or after the longest stay, whichever comes first', () => {
    expect(overstayDue(visitor, 8, T + 3600_000)).toBeNull();
    expect(overstayDue(visitor, 8, T + 2 * 3600_000)).toBeNull(); // the window's last millisecond is still inside
    expect(overstayDue(visitor, 8, T + 2 * 3600_000 + 1)).toBe(T + 2 * 3600_000);
    expect(overstayDue(visitor, 1, T + 3600_000 + 1)).toBe(T + 3600_000);
    expect(overstayDue({ ...visitor, validUntil: null }, 8, T + 8 * 3600_000 + 1)).toBe(T + 8 * 3600_000);
  });
  it('never applies to residents, strangers or sessions without an entry', () => {
    expect(overstayDue({ ...visitor, list: 'resident' }, 1, T + 100 * 3600_000)).toBeNull();
    expect(overstayDue({ ...visitor, list: 'none' }, 1, T + 100 * 3600_000)).toBeNull();
    expect(overstayDue({ ...visitor, enteredAt: null }, 1, T + 100 * 3600_000)).toBeNull();
  });
});
