// Where floors and what stands on them go when a building is opened: pure placement, the items a
// floor shows (devices with a floor inside the building, their open alerts, items of other layers),
// and the heat grid's smoothing.
import { describe, expect, it } from 'vitest';
import type { BuildingInfo, DeviceInfo } from '../../protocol/api.ts';
import { floorBase, floorPosition, FLOOR_GAP_M, storeysOf } from '../../web/src/map/floor-placement.ts';
import { floorItems } from '../../web/src/map/Floors.tsx';
import { smoothGrid } from '../../web/src/map/heat-texture.ts';

const tower: BuildingInfo = { id: 'b1', name: '1号楼', use: 'residential', floors: 33, height: 99, minHeight: 0, polygons: [[[[0, 0], [20, 0], [20, 12], [0, 12], [0, 0]]]], center: [10, 6] };
const device = (id: string, x: number, floor: number | null): DeviceInfo => ({ id, kind: 'sensor', name: id, x, y: 6, heading: null, fov: null, floor });

describe('floor placement', () => {
  it('stacks storeys apart by the gap, basements below ground', () => {
    const g = storeysOf(tower);
    expect(g).toEqual({ floors: 33, storey: 3 });
    expect(floorBase(g, 1)).toBe(0);
    expect(floorBase(g, 2)).toBeCloseTo(3 + FLOOR_GAP_M);
    expect(floorBase(g, 2, 0)).toBe(3); // closed: storeys touch
    expect(floorBase(g, -1)).toBeLessThan(0);
    // a point on floor 10 in scene axes (Z = -y)
    const [x, y, z] = floorPosition(tower, 10, 4, 5);
    expect([x, z]).toEqual([4, -5]);
    expect(y).toBeGreaterThan(floorBase(g, 10));
    // floors unknown: from the height
    expect(storeysOf({ ...tower, floors: null, height: 18 }).floors).toBe(6);
  });

  it('puts devices with a floor inside the building, their open alerts and other layers\' items on floors', () => {
    const store = { openAlerts: new Map([['a1', { device: 'in', x: 5, y: 6 }], ['a2', { device: 'out' }]]) } as never;
    const items = floorItems(tower, [device('in', 5, 3), device('nofloor', 6, null), device('out', 500, 2)], store, [{ key: 'wo:1', kind: 'workorder', floor: 7, color: '#fff' }]);
    expect(items.map((i) => [i.key, i.floor])).toEqual([['device:in', 3], ['alert:a1', 3], ['wo:1', 7]]);
  });

  it('smooths the heat grid one cell wider, keeping the hottest cell hottest', () => {
    const s = smoothGrid({ cell: 10, x0: 0, y0: 0, cols: 2, rows: 1, counts: [4, 0], max: 4, total: 4 });
    expect(s).toMatchObject({ cols: 4, rows: 3, x0: -10, y0: -10 });
    expect(s.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(4);
    expect(s.counts.indexOf(s.max)).toBe(1 * 4 + 1);
  });
});
