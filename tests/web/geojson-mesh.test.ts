// The whole estate-file → 3D pipeline in Node: GeoJSON (OSM conventions) parsed by the server's
// importer into local metres, then merged into the map's one building geometry. Heights, bases,
// holes, MultiPolygons, the face → building table that picking relies on, and bad input.
import { Mesh, MeshBasicMaterial, Raycaster, Vector3 } from 'three';
import { describe, expect, it } from 'vitest';
import { localFrame } from '../../protocol/geo.ts';
import { EstateFileError, parseEstateGeoJson } from '../../server/estate/geojson.ts';
import { buildBuildingsGeometry, buildingAtFace, facesOf } from '../../web/src/map/building-geometry.ts';

const ORIGIN = { lat: 30.27, lon: 120.15 };
const frame = localFrame(ORIGIN);
const at = (x: number, y: number) => frame.toLonLat(x, y);
const ring = (x0: number, y0: number, x1: number, y1: number) => [at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)];
const feature = (properties: Record<string, unknown>, geometry: unknown) => ({ type: 'Feature', properties, geometry });
const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', 'se:estate': { id: 'p', name: 'Pipeline', nameZh: '管线', ...ORIGIN, timezone: 'Asia/Shanghai' }, features });

function mesh(geojson: unknown) {
  const parsed = parseEstateGeoJson(geojson);
  const geometry = buildBuildingsGeometry(parsed.buildings)!;
  return { parsed, geometry };
}

/** Casts a ray straight down at map point (x, y) and names the building hit first. */
function pickFromAbove(geometry: ReturnType<typeof buildBuildingsGeometry>, x: number, y: number): { id: string | null; height: number } | null {
  const target = new Mesh(geometry!, new MeshBasicMaterial());
  const hits = new Raycaster(new Vector3(x, 1000, -y), new Vector3(0, -1, 0)).intersectObject(target);
  if (!hits.length) return null;
  return { id: buildingAtFace(facesOf(geometry!)!, hits[0].faceIndex!), height: hits[0].point.y };
}

/** Area of the upward-facing triangles at scene height y (a roof), square metres. */
function roofArea(geometry: NonNullable<ReturnType<typeof buildBuildingsGeometry>>, y: number): number {
  const pos = geometry.getAttribute('position');
  const normal = geometry.getAttribute('normal');
  let area = 0;
  for (let t = 0; t < pos.count; t += 3) {
    if (normal.getY(t) < 0.5 || [0, 1, 2].some((k) => Math.abs(pos.getY(t + k) - y) > 1e-3)) continue;
    const a = new Vector3().fromBufferAttribute(pos, t);
    const b = new Vector3().fromBufferAttribute(pos, t + 1);
    const c = new Vector3().fromBufferAttribute(pos, t + 2);
    area += b.sub(a).cross(c.sub(a)).length() / 2;
  }
  return area;
}

describe('GeoJSON → merged building mesh', () => {
  const file = collection(
    feature({ building: 'apartments', 'se:id': 'tower', name: '1号楼', height: '54 m' }, { type: 'Polygon', coordinates: [ring(0, 0, 20, 20)] }),
    feature({ building: 'yes', 'se:id': 'levels', 'building:levels': 6 }, { type: 'Polygon', coordinates: [ring(40, 0, 60, 20)] }),
    feature({ building: 'roof', 'se:id': 'walkway', height: 9, min_height: 6 }, { type: 'Polygon', coordinates: [ring(80, 0, 100, 20)] }),
    feature({ building: 'yes', 'se:id': 'court', 'building:levels': 4 }, { type: 'Polygon', coordinates: [ring(0, 40, 40, 80), ring(10, 50, 30, 70)] }),
    feature({ building: 'yes', 'se:id': 'wings', height: 15 }, { type: 'MultiPolygon', coordinates: [[ring(60, 40, 70, 80)], [ring(80, 40, 90, 80)]] }),
  );

  it('raises each roof to its height: `height`, else building:levels × 3 m', () => {
    const { geometry } = mesh(file);
    expect(pickFromAbove(geometry, 10, 10)).toEqual({ id: 'tower', height: expect.closeTo(54, 1) });
    expect(pickFromAbove(geometry, 50, 10)).toEqual({ id: 'levels', height: expect.closeTo(18, 1) });
  });

  it('lifts the base with min_height: nothing of a raised walkway below 6 m', () => {
    const { geometry, parsed } = mesh(file);
    const faces = facesOf(geometry)!;
    const i = faces.ids.indexOf('walkway');
    const pos = geometry.getAttribute('position');
    let low = Infinity;
    let high = -Infinity;
    for (let t = faces.starts[i]; t < faces.starts[i + 1]; t++) {
      for (let k = 0; k < 3; k++) {
        low = Math.min(low, pos.getY(t * 3 + k));
        high = Math.max(high, pos.getY(t * 3 + k));
      }
    }
    expect(parsed.buildings.find((b) => b.id === 'walkway')).toMatchObject({ height: 9, minHeight: 6 });
    expect(low).toBeCloseTo(6, 1);
    expect(high).toBeCloseTo(9, 1);
  });

  it('keeps a courtyard open: the ray through the hole reaches no roof, the roof area excludes it', () => {
    const { geometry } = mesh(file);
    expect(pickFromAbove(geometry, 20, 60)).toBeNull();
    expect(pickFromAbove(geometry, 5, 45)?.id).toBe('court');
    // 40 × 40 minus the 20 × 20 hole (the ring is 10 cm-rounded local metres: allow a little)
    expect(roofArea(geometry, 12)).toBeCloseTo(1600 - 400, -1);
  });

  it('draws both parts of a MultiPolygon as one building', () => {
    const { geometry } = mesh(file);
    expect(pickFromAbove(geometry, 65, 60)?.id).toBe('wings');
    expect(pickFromAbove(geometry, 85, 60)?.id).toBe('wings');
    expect(pickFromAbove(geometry, 75, 60)).toBeNull();
    expect(facesOf(geometry)!.ids.filter((id) => id === 'wings')).toHaveLength(1);
  });

  it('keeps a face table covering every triangle, in building order', () => {
    const { geometry, parsed } = mesh(file);
    const faces = facesOf(geometry)!;
    expect(faces.ids).toEqual(parsed.buildings.map((b) => b.id));
    expect(faces.starts[0]).toBe(0);
    expect(faces.starts[faces.ids.length]).toBe(geometry.getAttribute('position').count / 3);
    for (let i = 0; i < faces.ids.length; i++) expect(faces.starts[i + 1]).toBeGreaterThan(faces.starts[i]);
    expect(buildingAtFace(faces, -1)).toBeNull();
    expect(buildingAtFace(faces, faces.starts[faces.ids.length])).toBeNull();
    expect(buildingAtFace(faces, faces.starts[2])).toBe(faces.ids[2]);
    expect(buildingAtFace(faces, faces.starts[2] - 1)).toBe(faces.ids[1]);
  });

  it('stops a bad file before any geometry, naming the feature', () => {
    const bad = collection(
      feature({ building: 'yes', 'se:id': 'ok' }, { type: 'Polygon', coordinates: [ring(0, 0, 10, 10)] }),
      feature({ building: 'yes', 'se:id': 'b07', name: '7号楼', height: 'tall' }, { type: 'Polygon', coordinates: [ring(20, 0, 30, 10)] }),
    );
    expect(() => mesh(bad)).toThrowError(EstateFileError);
    expect(() => mesh(bad)).toThrowError(/features\[1\] \(id 'b07', "7号楼"\): .*tall/);
    const open = collection(feature({ building: 'yes', 'se:id': 'gap' }, { type: 'Polygon', coordinates: [ring(0, 0, 10, 10).slice(0, 4)] }));
    expect(() => mesh(open)).toThrowError(/features\[0\] \(id 'gap'\): ring 0 is not closed/);
    const line = collection(feature({ building: 'yes', 'se:id': 'line' }, { type: 'LineString', coordinates: [at(0, 0), at(1, 1)] }));
    expect(() => mesh(line)).toThrowError(/unsupported geometry type 'LineString'/);
  });
});
