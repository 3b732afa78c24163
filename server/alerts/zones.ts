// Which armed zones a camera event falls in. A camera event names its zone when the camera's own
// analytics rule is bound to one (`zone` in the payload); otherwise the camera's installed position
// decides: inside a restricted zone, or near a perimeter zone's fence line (a perimeter zone is the
// whole fenced area, but only the band along the fence is "the perimeter").
import { pointInPolygon, type Polygon } from '../../protocol/index.ts';
import type { ZoneParams } from './params.ts';

export interface ZoneRule {
  id: string;
  name: string;
  kind: string;
  polygon: Polygon;
  params: ZoneParams;
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Distance from a point to the nearest edge of the polygon's outer ring, in metres. */
export function distanceToBoundary(x: number, y: number, polygon: Polygon): number {
  const ring = polygon[0] ?? [];
  let best = Infinity;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    best = Math.min(best, segmentDistance(x, y, ring[j][0], ring[j][1], ring[i][0], ring[i][1]));
  }
  return best;
}

/** The armed-zone candidates of an event (restricted first), before hours and types are checked. */
export function zonesAt(zones: readonly ZoneRule[], where: { x?: number; y?: number; zone?: unknown }, perimeterBandM: number): ZoneRule[] {
  if (typeof where.zone === 'string' && where.zone) {
    const named = zones.find((z) => z.id === where.zone);
    // a zone the estate does not know: fall back to the position rather than drop the detection
    if (named) return [named];
  }
  if (typeof where.x !== 'number' || typeof where.y !== 'number') return [];
  const { x, y } = where;
  const hits: ZoneRule[] = [];
  for (const z of zones) {
    if (z.kind === 'restricted' && pointInPolygon(x, y, z.polygon)) hits.push(z);
  }
  for (const z of zones) {
    if (z.kind === 'perimeter' && distanceToBoundary(x, y, z.polygon) <= perimeterBandM) hits.push(z);
  }
  return hits;
}
