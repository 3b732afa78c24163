// A synthetic estate of any size for the map benchmark: buildings on a grid of blocks (towers,
// low-rise blocks, some courtyards with holes, some MultiPolygon pairs), checkpoints and cameras
// spread over it, and guard/vehicle positions that wander. Pure and deterministic (seeded), so two
// renderers measured in one run see exactly the same estate.
import type { BuildingInfo, CheckpointInfo, DeviceInfo, EstateDetail } from '../../../../protocol/api.ts';
import type { Polygon } from '../../../../protocol/geo.ts';
import { mulberry32 } from '../../../../simulators/scenario/random.ts';

const rect = (x0: number, y0: number, x1: number, y1: number): Array<[number, number]> => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

export const CELL_M = 60;

export interface SyntheticOptions {
  buildings: number;
  cameras?: number;
  checkpoints?: number;
  seed?: number;
}

export function syntheticEstate({ buildings: count, cameras = 0, checkpoints = 24, seed = 1 }: SyntheticOptions): EstateDetail {
  const rnd = mulberry32(seed);
  const side = Math.max(1, Math.ceil(Math.sqrt(count)));
  const half = (side * CELL_M) / 2;
  const buildings: BuildingInfo[] = [];
  for (let i = 0; i < count; i++) {
    const cx = (i % side) * CELL_M - half + CELL_M / 2;
    const cy = Math.floor(i / side) * CELL_M - half + CELL_M / 2;
    const w = 18 + rnd() * 16;
    const d = 12 + rnd() * 12;
    const floors = rnd() < 0.4 ? 18 + Math.floor(rnd() * 15) : 4 + Math.floor(rnd() * 3);
    let polygons: Polygon[];
    if (i % 17 === 5) {
      // a courtyard block: outer ring with a hole
      polygons = [[rect(cx - w, cy - d, cx + w, cy + d), rect(cx - w / 3, cy - d / 3, cx + w / 3, cy + d / 3).reverse() as Array<[number, number]>]];
    } else if (i % 13 === 7) {
      // two wings of one building (MultiPolygon)
      polygons = [[rect(cx - w / 2, cy - d / 2, cx - 2, cy + d / 2)], [[...rect(cx + 2, cy - d / 2, cx + w / 2, cy + d / 2)]]];
    } else {
      polygons = [[rect(cx - w / 2, cy - d / 2, cx + w / 2, cy + d / 2)]];
    }
    buildings.push({ id: `b${i}`, name: `${i + 1}号楼`, use: i % 23 === 0 ? 'commercial' : 'residential', floors, height: floors * 3, minHeight: 0, polygons, center: [cx, cy] });
  }
  const devices: DeviceInfo[] = [];
  for (let i = 0; i < cameras; i++) {
    devices.push({ id: `cam${i}`, kind: 'camera', name: `摄像头 ${i + 1}`, x: (rnd() - 0.5) * 2 * half, y: (rnd() - 0.5) * 2 * half, heading: Math.floor(rnd() * 360), fov: 60 + Math.floor(rnd() * 40) });
  }
  const points: CheckpointInfo[] = [];
  for (let i = 0; i < checkpoints; i++) {
    points.push({ id: `CP-${i + 1}`, name: `巡更点 ${i + 1}`, code: `CP-${i + 1}`, x: (rnd() - 0.5) * 2 * half, y: (rnd() - 0.5) * 2 * half });
  }
  return {
    estate: { id: 'bench', name: 'Benchmark Estate', nameZh: '基准小区', lat: 30.27, lon: 120.15, timezone: 'Asia/Shanghai' },
    buildings,
    zones: [{ id: 'perimeter', name: '周界', kind: 'perimeter', polygon: [rect(-half - 20, -half - 20, half + 20, half + 20)] }],
    checkpoints: points,
    devices,
  };
}

/** Marker positions that wander within the estate: `step()` moves every marker once (one 10 Hz tick). */
export class Wanderers {
  readonly x: Float64Array;
  readonly y: Float64Array;
  private readonly rnd: () => number;

  constructor(
    readonly count: number,
    readonly half: number,
    seed = 2,
  ) {
    this.rnd = mulberry32(seed);
    this.x = new Float64Array(count);
    this.y = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      this.x[i] = (this.rnd() - 0.5) * 2 * half;
      this.y[i] = (this.rnd() - 0.5) * 2 * half;
    }
  }

  /** Everyone walks up to 1.5 m (a guard's pace over 100 ms, exaggerated), bouncing off the fence. */
  step(): void {
    for (let i = 0; i < this.count; i++) {
      this.x[i] = Math.max(-this.half, Math.min(this.half, this.x[i] + (this.rnd() - 0.5) * 3));
      this.y[i] = Math.max(-this.half, Math.min(this.half, this.y[i] + (this.rnd() - 0.5) * 3));
    }
  }
}

export function estateHalfSize(buildings: number): number {
  return (Math.max(1, Math.ceil(Math.sqrt(buildings))) * CELL_M) / 2;
}
