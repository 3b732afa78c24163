import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../server/ingest/normalize.ts';
import { localFrame } from '../../protocol/index.ts';
import type { EstateContext } from '../../server/ingest/estate-context.ts';

const origin = { lat: 30.27, lon: 120.15 };
const ctx: EstateContext = {
  frame: localFrame(origin),
  buildings: [{ id: 'b1', polygons: [[[[0, 0], [20, 0], [20, 20], [0, 20], [0, 0]], [[5, 5], [15, 5], [15, 15], [5, 15], [5, 5]]]], box: [0, 0, 20, 20] }],
  checkpoints: new Map([['CP-01', { x: 2, y: 2 }]]),
};
const device = { id: 'hh-1', estate: 'garden', x: 100, y: -50 };

describe('normalizeEvent', () => {
  it('uses the device time, falls back to receive time, and drops undefined fields', () => {
    const e = normalizeEvent('checkin', { id: 'a', ts: '2026-11-27T00:00:00+08:00', guard: 'g', checkpoint: 'zz', method: 'qr', note: undefined }, device, ctx, 5);
    expect(e).toMatchObject({ estate: 'garden', device: 'hh-1', kind: 'checkin', id: 'a', ts: Date.parse('2026-11-26T16:00:00Z'), rx: 5, data: { guard: 'g', checkpoint: 'zz', method: 'qr' } });
    expect('note' in e.data).toBe(false);
    expect(normalizeEvent('status', { online: true }, device, ctx, 42)).toMatchObject({ id: null, ts: 42 });
  });

  it('places events: own lat/lon, else the checkpoint, else the device; and finds the building (not in its courtyard)', () => {
    const [lon, lat] = ctx.frame.toLonLat(2, 3);
    const p = normalizeEvent('position', { lat, lon }, device, ctx, 1);
    expect(p.x).toBeCloseTo(2, 1);
    expect(p.y).toBeCloseTo(3, 1);
    expect(p.building).toBe('b1');
    const [clon, clat] = ctx.frame.toLonLat(10, 10);
    expect(normalizeEvent('position', { lat: clat, lon: clon }, device, ctx, 1).building).toBeUndefined();
    expect(normalizeEvent('checkin', { id: 'c', guard: 'g', checkpoint: 'CP-01', method: 'nfc' }, device, ctx, 1)).toMatchObject({ x: 2, y: 2, building: 'b1' });
    expect(normalizeEvent('camera', { id: 'd', type: 'person', phase: 'start', score: 0.5 }, device, ctx, 1)).toMatchObject({ x: 100, y: -50 });
    expect(normalizeEvent('camera', { id: 'd', type: 'person', phase: 'start', score: 0.5 }, { ...device, x: null, y: null }, null, 1).x).toBeUndefined();
  });
});
