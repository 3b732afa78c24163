// The merged building geometry, in Node (no renderer): axes, heights, holes, MultiPolygons, bad input.
import { describe, expect, it } from 'vitest';
import type { BuildingInfo } from '../../protocol/api.ts';
import type { Polygon } from '../../protocol/geo.ts';
import {
  buildBuildingEdges,
  buildBuildingsGeometry,
  cleanRing,
  countSolids,
  extrudeBuilding,
  polygonToShape,
  ringArea,
} from '../../web/src/map/building-geometry.ts';

const square = (x0: number, y0: number, size: number): Array<[number, number]> => [
  [x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0],
];

function building(id: string, polygons: Polygon[], height = 30, minHeight = 0, use = 'residential'): BuildingInfo {
  return { id, name: id, use, floors: null, height, minHeight, polygons, center: [0, 0] };
}

/** Triangles of a non-indexed geometry whose three vertices all sit at scene height `y`, facing up. */
function roofTriangles(geometry: ReturnType<typeof extrudeBuilding>[number], y: number): number[][] {
  const pos = geometry.getAttribute('position');
  const normal = geometry.getAttribute('normal');
  const out: number[][] = [];
  for (let t = 0; t < pos.count; t += 3) {
    const ys = [pos.getY(t), pos.getY(t + 1), pos.getY(t + 2)];
    if (ys.every((v) => Math.abs(v - y) < 1e-4) && normal.getY(t) > 0.5) {
      out.push([0, 1, 2].map((k) => [pos.getX(t + k), pos.getZ(t + k)]).flat());
    }
  }
  return out;
}

function area(tris: number[][]): number {
  return tris.reduce((sum, [ax, az, bx, bz, cx, cz]) => sum + Math.abs((bx - ax) * (cz - az) - (cx - ax) * (bz - az)) / 2, 0);
}

describe('cleanRing', () => {
  it('drops the closing point, repeats and non-finite points', () => {
    expect(cleanRing([[0, 0], [1, 0], [1, 0], [1, 1], [Number.NaN, 3], [0, 1], [0, 0]])).toEqual([[0, 0], [1, 0], [1, 1], [0, 1]]);
  });
  it('rejects rings with fewer than three points or no area', () => {
    expect(cleanRing([[0, 0], [1, 1], [0, 0]])).toBeNull();
    expect(cleanRing([[0, 0], [1, 1], [2, 2], [0, 0]])).toBeNull();
  });
  it('signs areas: counter-clockwise positive', () => {
    expect(ringArea([[0, 0], [2, 0], [2, 2], [0, 2]])).toBe(4);
    expect(ringArea([[0, 0], [0, 2], [2, 2], [2, 0]])).toBe(-4);
  });
});

describe('polygonToShape', () => {
  it('keeps holes and skips degenerate ones', () => {
    const shape = polygonToShape([square(0, 0, 10), square(2, 2, 2), [[5, 5], [6, 6], [5, 5]]]);
    expect(shape).not.toBeNull();
    expect(shape!.holes).toHaveLength(1);
  });
  it('returns null for an empty or degenerate outer ring', () => {
    expect(polygonToShape([])).toBeNull();
    expect(polygonToShape([[[0, 0], [1, 0]]])).toBeNull();
  });
});

describe('extrudeBuilding', () => {
  it('maps x east → X, y north → -Z, height → Y, from minHeight to height', () => {
    const [solid] = extrudeBuilding(building('b', [[square(10, 20, 5)]], 36, 6));
    solid.computeBoundingBox();
    const box = solid.boundingBox!;
    expect(box.min.x).toBeCloseTo(10);
    expect(box.max.x).toBeCloseTo(15);
    expect(box.min.z).toBeCloseTo(-25);
    expect(box.max.z).toBeCloseTo(-20);
    expect(box.min.y).toBeCloseTo(6);
    expect(box.max.y).toBeCloseTo(36);
  });

  it('leaves a courtyard open: the roof area is the outer ring minus the hole', () => {
    const [solid] = extrudeBuilding(building('court', [[square(0, 0, 20), square(5, 5, 10)]], 12));
    expect(area(roofTriangles(solid, 12))).toBeCloseTo(400 - 100, 3);
  });

  it('gives a roof that faces up whichever way the ring winds', () => {
    const clockwise = square(0, 0, 10).slice().reverse();
    const [solid] = extrudeBuilding(building('cw', [[clockwise]], 9));
    expect(area(roofTriangles(solid, 9))).toBeCloseTo(100, 3);
  });

  it('extrudes every polygon of a MultiPolygon', () => {
    const parts = extrudeBuilding(building('multi', [[square(0, 0, 10)], [square(20, 0, 10)]], 15));
    expect(parts).toHaveLength(2);
  });

  it('still shows a building with no usable height', () => {
    const [solid] = extrudeBuilding(building('flat', [[square(0, 0, 10)]], 0));
    solid.computeBoundingBox();
    expect(solid.boundingBox!.max.y).toBeGreaterThan(0);
  });

  it('paints walls and roofs with vertex colours', () => {
    const [solid] = extrudeBuilding(building('b', [[square(0, 0, 10)]], 30));
    expect(solid.getAttribute('color').count).toBe(solid.getAttribute('position').count);
    expect(solid.getAttribute('uv')).toBeUndefined();
  });
});

describe('buildBuildingsGeometry', () => {
  it('merges many buildings into one geometry with no groups (one draw call)', () => {
    const buildings = Array.from({ length: 40 }, (_, i) =>
      building(`b${i}`, [[square((i % 8) * 30, Math.floor(i / 8) * 30, 20)]], 10 + i, i % 3 === 0 ? 5 : 0),
    );
    const separate = buildings.flatMap((b) => extrudeBuilding(b));
    const merged = buildBuildingsGeometry(buildings)!;
    expect(merged).not.toBeNull();
    expect(merged.groups).toHaveLength(0);
    expect(merged.index).toBeNull();
    expect(merged.getAttribute('position').count).toBe(separate.reduce((n, g) => n + g.getAttribute('position').count, 0));
    expect(merged.boundingBox!.max.y).toBeCloseTo(49);
    expect(countSolids(buildings)).toBe(40);
  });

  it('skips unusable footprints instead of failing', () => {
    const merged = buildBuildingsGeometry([
      building('ok', [[square(0, 0, 10)]]),
      building('line', [[[[0, 0], [1, 1]]]]),
      building('empty', []),
    ]);
    expect(merged).not.toBeNull();
    expect(countSolids([building('line', [[[[0, 0], [1, 1]]]])])).toBe(0);
  });

  it('returns null for nothing to draw', () => {
    expect(buildBuildingsGeometry([])).toBeNull();
  });

  it('outlines the merged solids with edges at corners and roof rims only', () => {
    const merged = buildBuildingsGeometry([building('box', [[square(0, 0, 10)]], 10)])!;
    const edges = buildBuildingEdges(merged);
    // a box: 4 roof + 4 floor + 4 vertical edges, 2 vertices each; no triangulation diagonals
    expect(edges.getAttribute('position').count).toBe(24);
  });
});
