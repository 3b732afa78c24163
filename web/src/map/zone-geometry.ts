// Zones (perimeter, car park, fire lane, restricted) → one flat merged geometry with RGBA vertex
// colours: a translucent fill per zone plus an opaque ribbon along its outline (a ribbon rather than
// GL lines, which are one pixel wide: too thin to read on a wall screen). One draw call in all.
import { BufferAttribute, BufferGeometry, Color, ShapeGeometry } from 'three';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';
import type { ZoneInfo, ZoneKind } from '../../../protocol/api.ts';
import { cleanRing, polygonToShape } from './building-geometry.ts';

export interface ZoneStyle {
  color: string;
  /** fill opacity; 0 = outline only */
  fill: number;
  /** ribbon width along the outline, metres */
  outline: number;
  /** height above the ground, metres: keeps overlapping zones from z-fighting */
  lift: number;
}

export const ZONE_STYLES: Record<ZoneKind, ZoneStyle> = {
  perimeter: { color: '#38d6ff', fill: 0, outline: 1.6, lift: 0.12 },
  car_park: { color: '#5b8cff', fill: 0.28, outline: 0.6, lift: 0.06 },
  fire_lane: { color: '#ff8a3d', fill: 0.45, outline: 0.6, lift: 0.08 },
  restricted: { color: '#ff4d6d', fill: 0.3, outline: 0.8, lift: 0.1 },
};

function styleOf(kind: ZoneKind): ZoneStyle {
  return ZONE_STYLES[kind] ?? ZONE_STYLES.restricted;
}

function setColor(geometry: BufferGeometry, color: Color, alpha: number): void {
  const count = geometry.getAttribute('position').count;
  const rgba = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) rgba.set([color.r, color.g, color.b, alpha], i * 4);
  geometry.setAttribute('color', new BufferAttribute(rgba, 4));
}

/** A flat quad strip of `width` metres along a closed ring, in scene axes at height `lift`. */
export function ribbonGeometry(ring: ReadonlyArray<readonly [number, number]>, width: number, lift: number): BufferGeometry | null {
  const points = cleanRing(ring);
  if (!points) return null;
  const half = width / 2;
  const positions: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const [ax, ay] = points[i];
    const [bx, by] = points[(i + 1) % points.length];
    const length = Math.hypot(bx - ax, by - ay);
    if (length === 0) continue;
    // unit direction, extended by half a width at both ends so corners close without mitres
    const dx = (bx - ax) / length;
    const dy = (by - ay) / length;
    const [sx, sy, ex, ey] = [ax - dx * half, ay - dy * half, bx + dx * half, by + dy * half];
    const [nx, ny] = [-dy * half, dx * half];
    const quad = [
      [sx + nx, sy + ny], [sx - nx, sy - ny], [ex - nx, ey - ny],
      [sx + nx, sy + ny], [ex - nx, ey - ny], [ex + nx, ey + ny],
    ];
    // scene axes: X = x, Y = up, Z = -y
    for (const [x, y] of quad) positions.push(x, lift, -y);
  }
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(new Float32Array(positions), 3));
  geometry.setAttribute('normal', new BufferAttribute(new Float32Array(positions.length).map((_, i) => (i % 3 === 1 ? 1 : 0)), 3));
  return geometry;
}

function fillGeometry(zone: ZoneInfo, style: ZoneStyle): BufferGeometry | null {
  const shape = polygonToShape(zone.polygon);
  if (!shape) return null;
  const geometry = new ShapeGeometry(shape, 1);
  geometry.rotateX(-Math.PI / 2); // (x, y, 0) → (x, 0, -y)
  geometry.translate(0, style.lift, 0);
  geometry.deleteAttribute('uv');
  return geometry.index ? geometry.toNonIndexed() : geometry;
}

/** All zones as one geometry (position, normal, RGBA color); null when there is nothing to draw. */
export function buildZonesGeometry(zones: readonly ZoneInfo[]): BufferGeometry | null {
  const parts: BufferGeometry[] = [];
  for (const zone of zones) {
    const style = styleOf(zone.kind);
    const color = new Color(style.color);
    if (style.fill > 0) {
      const fill = fillGeometry(zone, style);
      if (fill) {
        setColor(fill, color, style.fill);
        parts.push(fill);
      }
    }
    for (const ring of zone.polygon ?? []) {
      const ribbon = ribbonGeometry(ring, style.outline, style.lift + 0.01);
      if (ribbon) {
        setColor(ribbon, color, 0.95);
        parts.push(ribbon);
      }
    }
  }
  if (!parts.length) return null;
  const merged = mergeGeometries(parts, false);
  for (const part of parts) part.dispose();
  if (!merged) throw new Error('zone geometries could not be merged');
  merged.computeBoundingSphere();
  return merged;
}
