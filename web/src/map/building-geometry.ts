// Building footprints → one merged, extruded BufferGeometry (deck.gl's solid-polygon idea): the cost
// in draw calls stays the same however many buildings an estate has. Pure functions, no renderer,
// so they run (and are tested) in Node.
//
// Coordinates: the API gives local metres, x = east, y = north. three.js here is Y-up with
// X = x, Y = height, Z = -y (north is -Z, so the map is not mirrored when seen from above).
import { BufferAttribute, BufferGeometry, Color, EdgesGeometry, ExtrudeGeometry, Path, Shape, Vector2 } from 'three';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';
import type { BuildingInfo } from '../../../protocol/api.ts';
import type { Polygon } from '../../../protocol/geo.ts';

type Ring = ReadonlyArray<readonly [number, number]>;

/** Lowest visible building height, so a footprint with a zero or missing height still shows. */
export const MIN_BUILDING_HEIGHT = 1;

export interface BuildingPalette {
  /** wall colour at the foot of a building */
  base: string;
  /** wall colour at the top of the tallest building (walls shade from base to top by height) */
  top: string;
  /** roof colour */
  roof: string;
}

/** Cool, low-saturation slate: readable from across a room on a dark wall screen without glare. */
export const DEFAULT_PALETTE: BuildingPalette = { base: '#1c2b44', top: '#5d7fae', roof: '#8fb3e0' };

/** Uses that are not homes get a different hue, so shops and schools stand out among the towers. */
export const USE_PALETTES: Record<string, BuildingPalette> = {
  commercial: { base: '#2a2440', top: '#7a68b0', roof: '#b3a2e8' },
  retail: { base: '#2a2440', top: '#7a68b0', roof: '#b3a2e8' },
  office: { base: '#1d3340', top: '#4d8fa8', roof: '#8fd0e6' },
  school: { base: '#203a2e', top: '#4f9a76', roof: '#8fd6b0' },
  kindergarten: { base: '#203a2e', top: '#4f9a76', roof: '#8fd6b0' },
  service: { base: '#2b2b2b', top: '#6a6a6a', roof: '#9a9a9a' },
  guardhouse: { base: '#3a2f1c', top: '#a8884d', roof: '#e0c088' },
};

export function paletteFor(use: string): BuildingPalette {
  return USE_PALETTES[use] ?? DEFAULT_PALETTE;
}

function isFinitePoint(p: readonly [number, number] | undefined): p is readonly [number, number] {
  return !!p && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/** Drops non-finite points, repeated points and the closing point GeoJSON repeats; null if < 3 remain. */
export function cleanRing(ring: Ring): Array<[number, number]> | null {
  const out: Array<[number, number]> = [];
  for (const p of ring) {
    if (!isFinitePoint(p)) continue;
    const last = out[out.length - 1];
    if (last && last[0] === p[0] && last[1] === p[1]) continue;
    out.push([p[0], p[1]]);
  }
  while (out.length > 1 && out[0][0] === out[out.length - 1][0] && out[0][1] === out[out.length - 1][1]) out.pop();
  return out.length >= 3 && Math.abs(ringArea(out)) > 1e-6 ? out : null;
}

/** Signed area (shoelace), positive for counter-clockwise rings in x-east/y-north coordinates. */
export function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return sum / 2;
}

/** A polygon (outer ring, then holes) as a THREE.Shape in the x/y plane; null if the outer ring is degenerate. */
export function polygonToShape(polygon: Polygon): Shape | null {
  const outer = polygon.length ? cleanRing(polygon[0]) : null;
  if (!outer) return null;
  const shape = new Shape(outer.map(([x, y]) => new Vector2(x, y)));
  for (let h = 1; h < polygon.length; h++) {
    const hole = cleanRing(polygon[h]);
    if (hole) shape.holes.push(new Path(hole.map(([x, y]) => new Vector2(x, y))));
  }
  return shape;
}

/** Maps the extrusion's frame (x, y on the ground, z up) onto the scene's (X = x, Y = up, Z = -y). */
function toSceneAxes(geometry: BufferGeometry): BufferGeometry {
  return geometry.rotateX(-Math.PI / 2);
}

/** Paints walls from the palette's base to its top colour by absolute height, roofs flat. */
function paint(geometry: BufferGeometry, palette: BuildingPalette, shadeHeight: number): void {
  const position = geometry.getAttribute('position');
  const normal = geometry.getAttribute('normal');
  const colors = new Float32Array(position.count * 3);
  const base = new Color(palette.base);
  const top = new Color(palette.top);
  const roof = new Color(palette.roof);
  const wall = new Color();
  for (let i = 0; i < position.count; i++) {
    // after toSceneAxes, Y is up: a face whose normal points up (or down) is a roof (or a floor)
    const color = Math.abs(normal.getY(i)) > 0.5 ? roof : wall.copy(base).lerp(top, Math.min(1, position.getY(i) / shadeHeight));
    colors[i * 3] = color.r;
    colors[i * 3 + 1] = color.g;
    colors[i * 3 + 2] = color.b;
  }
  geometry.setAttribute('color', new BufferAttribute(colors, 3));
}

export interface BuildingGeometryOptions {
  /** height at which walls reach the palette's top colour; default: the tallest roof */
  shadeHeight?: number;
  /** colours by building use (`default` for the rest); default: USE_PALETTES / DEFAULT_PALETTE (night) */
  palettes?: { default: BuildingPalette; [use: string]: BuildingPalette };
}

/**
 * Which triangles of the merged geometry belong to which building, so a raycast hit (its faceIndex)
 * names the building: merging keeps the parts in order, so building i owns triangles
 * [starts[i], starts[i + 1]). Kept on the geometry's userData by buildBuildingsGeometry.
 */
export interface BuildingFaces {
  ids: string[];
  starts: Uint32Array;
}

/** The building that owns triangle `faceIndex` of a merged geometry (binary search), or null. */
export function buildingAtFace(faces: BuildingFaces, faceIndex: number): string | null {
  const { starts, ids } = faces;
  if (!Number.isInteger(faceIndex) || faceIndex < 0 || !ids.length || faceIndex >= starts[ids.length]) return null;
  let lo = 0;
  let hi = ids.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= faceIndex) lo = mid;
    else hi = mid - 1;
  }
  return ids[lo];
}

/** The face table of a geometry made by buildBuildingsGeometry. */
export function facesOf(geometry: BufferGeometry): BuildingFaces | null {
  return (geometry.userData.buildingFaces as BuildingFaces | undefined) ?? null;
}

/** One building's solids in scene axes: one extrusion per polygon of its (Multi)Polygon, from minHeight to height. */
export function extrudeBuilding(building: BuildingInfo, options: BuildingGeometryOptions = {}): BufferGeometry[] {
  const bottom = Number.isFinite(building.minHeight) ? Math.max(0, building.minHeight) : 0;
  const roof = Number.isFinite(building.height) ? building.height : 0;
  const depth = Math.max(MIN_BUILDING_HEIGHT, roof - bottom);
  const palette = options.palettes ? (options.palettes[building.use] ?? options.palettes.default) : paletteFor(building.use);
  const shadeHeight = options.shadeHeight ?? Math.max(bottom + depth, 1);
  const out: BufferGeometry[] = [];
  for (const polygon of building.polygons ?? []) {
    const shape = polygonToShape(polygon);
    if (!shape) continue;
    const geometry = new ExtrudeGeometry(shape, { depth, bevelEnabled: false, curveSegments: 1, steps: 1 });
    geometry.translate(0, 0, bottom);
    toSceneAxes(geometry);
    geometry.deleteAttribute('uv');
    geometry.clearGroups();
    paint(geometry, palette, shadeHeight);
    out.push(geometry);
  }
  return out;
}

/** Tallest roof of a list of buildings (0 for none). */
export function tallestRoof(buildings: readonly BuildingInfo[]): number {
  let max = 0;
  for (const b of buildings) if (Number.isFinite(b.height) && b.height > max) max = b.height;
  return max;
}

/**
 * Every building merged into ONE geometry (position, normal, color), for one draw call.
 * Null when no building has a usable footprint.
 */
export function buildBuildingsGeometry(buildings: readonly BuildingInfo[], options: BuildingGeometryOptions = {}): BufferGeometry | null {
  const shadeHeight = options.shadeHeight ?? Math.max(tallestRoof(buildings), 1);
  const parts: BufferGeometry[] = [];
  const ids: string[] = [];
  const starts: number[] = [];
  let triangles = 0;
  for (const b of buildings) {
    const solids = extrudeBuilding(b, { shadeHeight, palettes: options.palettes });
    if (!solids.length) continue;
    ids.push(b.id);
    starts.push(triangles);
    for (const solid of solids) {
      // ExtrudeGeometry is not indexed: three vertices per triangle
      triangles += (solid.index ? solid.index.count : solid.getAttribute('position').count) / 3;
      parts.push(solid);
    }
  }
  if (!parts.length) return null;
  starts.push(triangles);
  const merged = mergeGeometries(parts, false);
  for (const part of parts) part.dispose();
  if (!merged) throw new Error('building geometries could not be merged (mismatched attributes)');
  merged.userData.buildingFaces = { ids, starts: Uint32Array.from(starts) } satisfies BuildingFaces;
  merged.computeBoundingBox();
  merged.computeBoundingSphere();
  return merged;
}

/** The outline edges of the merged solids (roof rims and vertical corners), for one LineSegments draw call. */
export function buildBuildingEdges(solids: BufferGeometry, thresholdAngle = 30): BufferGeometry {
  const edges = new EdgesGeometry(solids, thresholdAngle);
  edges.computeBoundingSphere();
  return edges;
}

/** How many polygons of a building list yield a solid (what the merged geometry contains). */
export function countSolids(buildings: readonly BuildingInfo[]): number {
  let n = 0;
  for (const b of buildings) for (const p of b.polygons ?? []) if (polygonToShape(p)) n++;
  return n;
}
