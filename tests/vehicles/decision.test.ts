// The gate decision: lists, validity windows, confidence, direction.
import { describe, expect, it } from 'vitest';
import { DEFAULT_VEHICLE_SETTINGS, type VehicleSettings } from '../../protocol/vehicles.ts';
import { decide, isMatchable, NO_MATCH, validVisitor, type ListMatch } from '../../server/vehicles/decision.ts';
import { normalizePlate } from '../../server/vehicles/plate.ts';

const H = 3600_000;
const T = Date.UTC(2026, 10, 27, 6, 0); // 14:00 in Hangzhou
const settings: VehicleSettings = { ...DEFAULT_VEHICLE_SETTINGS };
const read = (over: Partial<{ plate: string; confidence: number; direction: 'in' | 'out'; at: number }> = {}) => ({
  plate: normalizePlate(over.plate ?? '浙A·12345'),
  confidence: over.confidence ?? 0.95,
  direction: over.direction ?? 'in',
  at: over.at ?? T,
});
const match = (m: Partial<ListMatch>): ListMatch => ({ ...NO_MATCH, ...m });

describe('validity windows', () => {
  const windows = [
    { id: 1, validFrom: T - 2 * H, validUntil: T - H }, // yesterday's visit, over
    { id: 2, validFrom: T + H, validUntil: T + 3 * H }, // later today
  ];
  it('are inclusive at both ends', () => {
    expect(validVisitor([{ id: 9, validFrom: T, validUntil: T + H }], T)?.id).toBe(9);
    expect(validVisitor([{ id: 9, validFrom: T - H, validUntil: T }], T)?.id).toBe(9);
    expect(validVisitor([{ id: 9, validFrom: T - H, validUntil: T - 1 }], T)).toBeNull();
    expect(validVisitor([{ id: 9, validFrom: T + 1, validUntil: T + H }], T)).toBeNull();
  });
  it('pick the pass valid now among several, the one lasting longest', () => {
    expect(validVisitor(windows, T)).toBeNull();
    expect(validVisitor(windows, T + 2 * H)?.id).toBe(2);
    expect(validVisitor([...windows, { id: 3, validFrom: T + H, validUntil: T + 5 * H }], T + 2 * H)?.id).toBe(3);
  });
  it('decide by time: a visitor is let in inside a window and refused outside it, let out any time', () => {
    const m = match({ visitors: windows });
    expect(decide(read({ at: T + 90 * 60_000 }), m, settings)).toMatchObject({ decision: 'allow', reason: 'visitor', list: 'visitor', visitor: { id: 2 } });
    expect(decide(read({ at: T }), m, settings)).toMatchObject({ decision: 'deny', reason: 'visitor_outside_window', list: 'visitor' });
    expect(decide(read({ at: T + 4 * H }), m, settings)).toMatchObject({ decision: 'deny', reason: 'visitor_outside_window' });
    expect(decide(read({ at: T + 4 * H, direction: 'out' }), m, settings)).toMatchObject({ decision: 'allow', reason: 'visitor_outside_window' });
  });
});

describe('decide', () => {
  it('lets residents in and out', () => {
    const m = match({ resident: { id: 1, carPark: 'garage' } });
    expect(decide(read(), m, settings)).toMatchObject({ decision: 'allow', reason: 'resident', list: 'resident', residentCarPark: 'garage' });
    expect(decide(read({ direction: 'out' }), m, settings)).toMatchObject({ decision: 'allow', reason: 'resident' });
  });
  it('denies blacklisted plates at entry (even residents), leaves leaving ones to a guard', () => {
    const m = match({ blacklist: { id: 4, reason: 'unpaid fees' }, resident: { id: 1, carPark: '' } });
    expect(decide(read(), m, settings)).toMatchObject({ decision: 'deny', reason: 'blacklisted', list: 'blacklist', blacklistReason: 'unpaid fees' });
    expect(decide(read({ direction: 'out' }), m, settings)).toMatchObject({ decision: 'review', reason: 'blacklisted' });
  });
  it('sends strangers to review (or denies them, by setting) and lets them out', () => {
    expect(decide(read(), NO_MATCH, settings)).toMatchObject({ decision: 'review', reason: 'unknown_plate', list: 'none' });
    expect(decide(read(), NO_MATCH, { ...settings, unknownEntry: 'deny' })).toMatchObject({ decision: 'deny', reason: 'unknown_plate' });
    expect(decide(read({ direction: 'out' }), NO_MATCH, settings)).toMatchObject({ decision: 'allow', reason: 'exit' });
  });
  it('never matches a low-confidence read: not to let it in, nor to deny it', () => {
    const blacklisted = match({ blacklist: { id: 4, reason: 'x' } });
    const resident = match({ resident: { id: 1, carPark: '' } });
    for (const m of [blacklisted, resident, NO_MATCH]) {
      expect(decide(read({ confidence: 0.79 }), m, settings)).toMatchObject({ decision: 'review', reason: 'low_confidence', list: 'none' });
    }
    expect(decide(read({ confidence: 0.8 }), resident, settings).decision).toBe('allow'); // the threshold itself is enough
    expect(decide(read({ confidence: 0.85 }), resident, { ...settings, reviewBelow: 0.9 }).reason).toBe('low_confidence');
    expect(isMatchable(read({ confidence: 0.79 }), settings)).toBe(false);
    expect(isMatchable(read({ plate: 'A12345' }), settings)).toBe(false);
  });
  it('sends unreadable plates to review', () => {
    expect(decide(read({ plate: '9jub11' }), NO_MATCH, settings)).toMatchObject({ decision: 'review', reason: 'unreadable_plate', list: 'none' });
  });
});
