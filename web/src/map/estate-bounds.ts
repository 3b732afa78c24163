// The ground extent of an estate (local metres) and a camera pose that frames it from the south,
// raised and slightly east, the way a control-room wall map is usually shown.
import { PerspectiveCamera, Vector3 } from 'three';
import type { EstateDetail } from '../../../protocol/api.ts';

export interface Bounds {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/** Smallest box holding every building, zone, checkpoint and placed device; a 200 m square when empty. */
export function estateBounds(detail: Pick<EstateDetail, 'buildings' | 'zones' | 'checkpoints' | 'devices'>): Bounds {
  const b: Bounds = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  const add = (x: number | null, y: number | null) => {
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) return;
    b.minX = Math.min(b.minX, x);
    b.maxX = Math.max(b.maxX, x);
    b.minY = Math.min(b.minY, y);
    b.maxY = Math.max(b.maxY, y);
  };
  for (const building of detail.buildings) for (const polygon of building.polygons) for (const [x, y] of polygon[0] ?? []) add(x, y);
  for (const zone of detail.zones) for (const [x, y] of zone.polygon[0] ?? []) add(x, y);
  for (const c of detail.checkpoints) add(c.x, c.y);
  for (const d of detail.devices) add(d.x, d.y);
  if (!Number.isFinite(b.minX)) return { minX: -100, maxX: 100, minY: -100, maxY: 100 };
  return b;
}

export interface CameraPose {
  /** scene coordinates (X = x, Y = up, Z = -y) */
  position: [number, number, number];
  target: [number, number, number];
  far: number;
}

/** The camera looks from the south-south-east, 50° above the horizon: north stays "up the screen". */
const ELEVATION = (50 * Math.PI) / 180;
const AZIMUTH = (20 * Math.PI) / 180;
/** How much of the screen (normalised device coordinates, 1 = edge) the estate may fill. */
const MARGIN = 0.9;

function poseAt(target: Vector3, distance: number): Vector3 {
  const ground = distance * Math.cos(ELEVATION);
  return new Vector3(target.x + ground * Math.sin(AZIMUTH), target.y + distance * Math.sin(ELEVATION), target.z + ground * Math.cos(AZIMUTH));
}

/**
 * A perspective view that fits the bounds' corners (on the ground and at `height`) inside the screen
 * for a vertical field of view of `fovDeg` and an aspect ratio, centred on screen: the near edge of a
 * tilted view looms larger, so the look-at point is shifted rather than the bounds' middle.
 */
export function framingPose(bounds: Bounds, fovDeg = 45, aspect = 16 / 9, height = 30): CameraPose {
  const cx = (bounds.minX + bounds.maxX) / 2;
  const cy = (bounds.minY + bounds.maxY) / 2;
  const corners: Vector3[] = [];
  for (const x of [bounds.minX, bounds.maxX]) for (const y of [bounds.minY, bounds.maxY]) for (const h of [0, height]) corners.push(new Vector3(x, h, -y));
  const camera = new PerspectiveCamera(fovDeg, aspect, 1, 1e6);
  const target = new Vector3(cx, 0, -cy);
  const ndc = new Vector3();
  /** NDC extent [minX, maxX, minY, maxY] of the corners seen from `distance`. */
  const extent = (distance: number): [number, number, number, number] => {
    camera.position.copy(poseAt(target, distance));
    camera.lookAt(target);
    camera.updateMatrixWorld();
    const e: [number, number, number, number] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const c of corners) {
      ndc.copy(c).project(camera);
      e[0] = Math.min(e[0], ndc.x);
      e[1] = Math.max(e[1], ndc.x);
      e[2] = Math.min(e[2], ndc.y);
      e[3] = Math.max(e[3], ndc.y);
    }
    return e;
  };
  const fits = (distance: number) => {
    const [x0, x1, y0, y1] = extent(distance);
    return x0 >= -MARGIN && x1 <= MARGIN && y0 >= -MARGIN && y1 <= MARGIN;
  };
  const search = () => {
    let [near, far] = [10, 20_000];
    for (let i = 0; i < 40; i++) {
      const mid = (near + far) / 2;
      if (fits(mid)) far = mid;
      else near = mid;
    }
    return far;
  };
  let distance = search();
  for (let pass = 0; pass < 3; pass++) {
    // move the look-at point so the estate's screen extent is centred, then fit again
    const [x0, x1, y0, y1] = extent(distance);
    const halfHeight = Math.tan(((fovDeg / 2) * Math.PI) / 180) * distance;
    const right = new Vector3().setFromMatrixColumn(camera.matrixWorld, 0);
    const up = new Vector3().setFromMatrixColumn(camera.matrixWorld, 1);
    const shift = right.multiplyScalar(((x0 + x1) / 2) * halfHeight * aspect).add(up.multiplyScalar(((y0 + y1) / 2) * halfHeight));
    // keep the look-at point on the ground: slide along the ground plane only
    shift.y = 0;
    target.add(shift);
    distance = search();
  }
  const position = poseAt(target, distance);
  return { position: [position.x, position.y, position.z], target: [target.x, target.y, target.z], far: distance * 6 };
}
