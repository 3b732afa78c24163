// The ground extent of an estate (local metres) and a camera pose that frames it from the south,
// raised and slightly east, the way a control-room wall map is usually shown.
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

/** A perspective view that fits the bounds for a vertical field of view of `fovDeg` degrees. */
export function framingPose(bounds: Bounds, fovDeg = 45, aspect = 16 / 9): CameraPose {
  const cx = (bounds.minX + bounds.maxX) / 2;
  const cy = (bounds.minY + bounds.maxY) / 2;
  const width = Math.max(bounds.maxX - bounds.minX, 50);
  const depth = Math.max(bounds.maxY - bounds.minY, 50);
  const radius = Math.hypot(width, depth) / 2;
  const vertical = ((fovDeg / 2) * Math.PI) / 180;
  const horizontal = Math.atan(Math.tan(vertical) * aspect);
  const distance = (radius / Math.sin(Math.min(vertical, horizontal))) * 0.82;
  // from the south-south-east, 50° above the horizon: north stays "up the screen"
  const elevation = (50 * Math.PI) / 180;
  const azimuth = (20 * Math.PI) / 180;
  const ground = distance * Math.cos(elevation);
  const position: [number, number, number] = [cx + ground * Math.sin(azimuth), distance * Math.sin(elevation), -cy + ground * Math.cos(azimuth)];
  return { position, target: [cx, 0, -cy], far: distance * 6 };
}
