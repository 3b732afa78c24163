// Zones geometry, estate bounds and the camera framing, in Node.
import { PerspectiveCamera, Vector3 } from 'three';
import { describe, expect, it } from 'vitest';
import type { ZoneInfo } from '../../protocol/api.ts';
import { estateBounds, framingPose } from '../../web/src/map/estate-bounds.ts';
import { buildZonesGeometry, ribbonGeometry, ZONE_STYLES } from '../../web/src/map/zone-geometry.ts';
import { coneSpread } from '../../web/src/map/marker-geometry.ts';

const rect = (x0: number, y0: number, x1: number, y1: number): Array<[number, number]> => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

describe('zones', () => {
  it('draws a perimeter as an outline ribbon only and a car park filled, all in one geometry', () => {
    const zones: ZoneInfo[] = [
      { id: 'p', name: 'perimeter', kind: 'perimeter', polygon: [rect(0, 0, 100, 100)] },
      { id: 'c', name: 'car park', kind: 'car_park', polygon: [rect(10, 10, 30, 20)] },
    ];
    const geometry = buildZonesGeometry(zones)!;
    const color = geometry.getAttribute('color');
    expect(color.itemSize).toBe(4);
    const alphas = new Set<number>();
    for (let i = 0; i < color.count; i++) alphas.add(Math.round(color.getW(i) * 100) / 100);
    expect(alphas).toEqual(new Set([0.95, ZONE_STYLES.car_park.fill]));
    geometry.computeBoundingBox();
    // flat on the ground, y north → -Z
    expect(geometry.boundingBox!.max.y).toBeLessThan(0.5);
    expect(geometry.boundingBox!.min.z).toBeLessThan(-99);
  });

  it('ribbons face up and close their corners', () => {
    const ribbon = ribbonGeometry(rect(0, 0, 10, 10), 2, 0.1)!;
    const pos = ribbon.getAttribute('position');
    expect(pos.count).toBe(4 * 6);
    for (let t = 0; t < pos.count; t += 3) {
      const a = new Vector3().fromBufferAttribute(pos, t);
      const b = new Vector3().fromBufferAttribute(pos, t + 1);
      const c = new Vector3().fromBufferAttribute(pos, t + 2);
      const n = b.sub(a).cross(c.sub(a));
      expect(n.y).toBeGreaterThan(0);
    }
    ribbon.computeBoundingBox();
    expect(ribbon.boundingBox!.min.x).toBeCloseTo(-1);
    expect(ribbon.boundingBox!.max.x).toBeCloseTo(11);
  });

  it('skips zones without a usable polygon', () => {
    expect(buildZonesGeometry([{ id: 'x', name: 'x', kind: 'restricted', polygon: [[[0, 0], [1, 1]]] }])).toBeNull();
  });
});

describe('estate framing', () => {
  it('bounds everything placed and ignores unplaced devices', () => {
    const b = estateBounds({
      buildings: [{ id: 'b', name: 'b', use: 'residential', floors: 3, height: 9, minHeight: 0, polygons: [[rect(0, 0, 10, 10)]], center: [5, 5] }],
      zones: [{ id: 'p', name: 'p', kind: 'perimeter', polygon: [rect(-50, -20, 60, 80)] }],
      checkpoints: [{ id: 'c', name: 'c', code: 'c', x: 70, y: 0 }],
      devices: [{ id: 'd', kind: 'camera', name: 'd', x: null, y: null, heading: null, fov: null }],
    });
    expect(b).toEqual({ minX: -50, maxX: 70, minY: -20, maxY: 80 });
  });

  it('keeps every corner of the estate on screen, for wide and tall screens', () => {
    const bounds = { minX: -200, maxX: 250, minY: -150, maxY: 220 };
    for (const aspect of [16 / 9, 4 / 3, 1, 0.6]) {
      const pose = framingPose(bounds, 40, aspect, 60);
      const camera = new PerspectiveCamera(40, aspect, 1, pose.far);
      camera.position.set(...pose.position);
      camera.lookAt(new Vector3(...pose.target));
      camera.updateMatrixWorld();
      let widest = 0;
      for (const x of [bounds.minX, bounds.maxX])
        for (const y of [bounds.minY, bounds.maxY])
          for (const h of [0, 60]) {
            const p = new Vector3(x, h, -y).project(camera);
            expect(Math.abs(p.x)).toBeLessThanOrEqual(0.91);
            expect(Math.abs(p.y)).toBeLessThanOrEqual(0.91);
            widest = Math.max(widest, Math.abs(p.x), Math.abs(p.y));
          }
      // and it is not framed absurdly far away either
      expect(widest).toBeGreaterThan(0.8);
      // seen from the south and above: the camera is south of (greater Z than) the target, up high
      expect(pose.position[2]).toBeGreaterThan(pose.target[2]);
      expect(pose.position[1]).toBeGreaterThan(100);
    }
  });
});

describe('camera cones', () => {
  it('widen with the field of view and stay bounded for fisheyes', () => {
    expect(coneSpread(90, 10)).toBeCloseTo(10);
    expect(coneSpread(30, 10)).toBeLessThan(coneSpread(60, 10));
    expect(coneSpread(360, 10)).toBeCloseTo(coneSpread(150, 10));
  });
});
