// WGS84 ⇄ local metres around an estate origin (a local tangent plane, cheap-ruler's approximation:
// well under 0.1% error across an estate). x = metres east, y = metres north. Shared by the server
// (enrichment, GeoJSON import), the simulators (walking guards) and the web (nothing heavier needed).
import CheapRuler from 'cheap-ruler';

export interface GeoOrigin {
  lat: number;
  lon: number;
}

export interface LocalFrame {
  toLocal(lon: number, lat: number): [number, number];
  toLonLat(x: number, y: number): [number, number];
}

export function localFrame(origin: GeoOrigin): LocalFrame {
  const ruler = new CheapRuler(origin.lat, 'meters');
  // kx/ky: metres per degree of longitude/latitude at this latitude
  const [kx, ky] = [ruler.kx, ruler.ky];
  return {
    toLocal: (lon, lat) => [(lon - origin.lon) * kx, (lat - origin.lat) * ky],
    toLonLat: (x, y) => [origin.lon + x / kx, origin.lat + y / ky],
  };
}

/** Ray-casting point-in-polygon over a ring of [x, y]. */
export function pointInRing(x: number, y: number, ring: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A polygon is rings: the outer ring first, then holes. */
export type Polygon = Array<Array<[number, number]>>;

export function pointInPolygon(x: number, y: number, polygon: Polygon): boolean {
  if (!polygon.length || !pointInRing(x, y, polygon[0])) return false;
  for (let h = 1; h < polygon.length; h++) if (pointInRing(x, y, polygon[h])) return false;
  return true;
}
