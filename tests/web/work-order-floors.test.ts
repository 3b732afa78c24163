// Work orders on floors (#18): which open orders stand on which floor of which building, coloured by
// their clock, several on one floor spread apart; the roof stack leaves out those the opened building
// shows on its floors; and Floors puts another building's items nowhere. Pure, no renderer.
import { describe, expect, it } from 'vitest';
import type { BuildingInfo } from '../../protocol/api.ts';
import { floorItems } from '../../web/src/map/Floors.tsx';
import { buildingIndex, floorItemsSignature, FLOOR_SPREAD_M, layoutSpots, workOrderFloorItems, WORK_ORDER_COLORS, type WorkOrderSpot } from '../../web/src/map/work-order-layout.ts';

const b = (id: string, x: number): BuildingInfo => ({ id, name: id, use: 'residential', floors: 12, height: 36, minHeight: 0, polygons: [[[[x - 10, -6], [x + 10, -6], [x + 10, 6], [x - 10, 6], [x - 10, -6]]]], center: [x, 0] });
const A = b('A', 0);
const B = b('B', 100);
const index = buildingIndex([A, B]);
const NOW = 1_000_000;
const spot = (id: string, building: string | undefined, floor: number | undefined, due = NOW + 3_600_000, extra: Partial<WorkOrderSpot> = {}): WorkOrderSpot => ({ id, building, floor, due, opened: NOW - 60_000, paused: false, ...extra });

describe('work orders on floors', () => {
  const spots = [
    spot('1', 'A', 5),
    spot('2', 'A', 5, NOW - 1), // overdue
    spot('3', 'A', undefined), // no floor: roof beacon only
    spot('4', 'B', 2, NOW + 3_600_000, { paused: true }),
    spot('5', 'nowhere', 3), // unknown building: not on a floor
    spot('6', undefined, 4, NOW + 3_600_000, { x: 50, y: 50 }), // a floor without a building means nothing
  ];

  it('puts each order with a building and a floor on that floor, coloured by its clock', () => {
    const items = workOrderFloorItems(spots, index, NOW);
    expect(items.map((i) => [i.key, i.building, i.floor])).toEqual([['wo:1', 'A', 5], ['wo:2', 'A', 5], ['wo:4', 'B', 2]]);
    expect(items[1].color).toBe(`#${WORK_ORDER_COLORS.overdue.getHexString()}`);
    expect(items[2].color).toBe(`#${WORK_ORDER_COLORS.paused.getHexString()}`);
    // two on one floor stand apart, around the building's spot; one alone stands on it
    expect(Math.hypot(items[0].x! - items[1].x!, items[0].y! - items[1].y!)).toBeCloseTo(2 * FLOOR_SPREAD_M);
    expect([items[2].x, items[2].y]).toEqual([100, 0]);
  });

  it('is stable: the same orders give the same signature, a colour change another', () => {
    const s1 = floorItemsSignature(workOrderFloorItems(spots, index, NOW));
    expect(floorItemsSignature(workOrderFloorItems([...spots].reverse(), index, NOW))).toBe(s1);
    expect(floorItemsSignature(workOrderFloorItems(spots, index, NOW + 2 * 3_600_000))).not.toBe(s1); // all overdue now
  });

  it('leaves the opened building\'s floor orders out of its roof stack, and only those', () => {
    const closed = layoutSpots(spots, index, NOW).map((p) => p.id).sort();
    expect(closed).toEqual(['1', '2', '3', '4', '6']);
    const openA = layoutSpots(spots, index, NOW, 'A').map((p) => p.id).sort();
    expect(openA).toEqual(['3', '4', '6']);
  });

  it('lands on the opened building\'s floors only: Floors leaves another building\'s items out', () => {
    const items = workOrderFloorItems(spots, index, NOW);
    expect(floorItems(A, [], null, items).map((i) => [i.key, i.floor])).toEqual([['wo:1', 5], ['wo:2', 5]]);
    expect(floorItems(B, [], null, items).map((i) => [i.key, i.floor])).toEqual([['wo:4', 2]]);
  });
});
