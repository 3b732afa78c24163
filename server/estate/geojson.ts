// Estate files: one GeoJSON FeatureCollection (RFC 7946, WGS84 [lon, lat]) describes a whole estate —
// buildings with the OpenStreetMap conventions, plus zones, checkpoints, gates and devices under a
// namespaced `se:` property set. This module is the pure conversion to the domain shapes of
// protocol/api.ts, in local metres (x east, y north of the estate origin); import.ts writes them.
//
// ## Property convention (also in docs/glossary.md)
// FeatureCollection (top level):
//   "se:estate": { id, name, nameZh, lat, lon, timezone }   origin = lat/lon (the estate centre).
//   Absent (e.g. a plain OSM export): the origin is the centre of the bounding box of all features
//   and the estate id must come from the caller (`--estate`).
// Buildings: any feature with `building=*` or `building:part=*` (not `no`), Polygon or MultiPolygon.
//   id        `se:id`, else `id`, else `@id` (OSM exports), else `b{feature index}`
//   name      `name` (Chinese, e.g. "1号楼"), else `name:en`, else the id;  use = the `building` value
//   roof      `height` in metres ("12", "12 m", "40 ft", or a number), else `building:levels` × 3 m,
//             else 3 floors (9 m)
//   base      `min_height`, else `building:min_level` × 3 m, else 0
// Everything else carries `se:kind`:
//   "zone"        Polygon; `se:zone` = perimeter | restricted | fire_lane | car_park; `se:id`; `name`;
//                 optional `se:hours` (JSON, rule parameters, passed through to the zone's hours)
//   "checkpoint"  Point; `se:id`; `se:code` (the NFC UID / QR payload on the tag; default: the id); `name`
//   "gate"        Point; `se:id`; `se:access` = "vehicle,pedestrian" | "vehicle" | "pedestrian"; `name`;
//                 optional `se:car_park` (the car park its vehicle passes count for) and `se:devices`
//                 (its plate cameras, comma-separated device ids); car-park zones: optional `capacity`
//   "device"      Point (or null geometry: not placed); `se:device` = patrol | camera | gate | sensor;
//                 `se:id` (required: it is the MQTT username); `name`; cameras: `se:heading` (degrees
//                 clockwise from north) and `se:fov` (degrees); handhelds: optional `se:guard` (guard id);
//                 any device: optional `se:floor` (storey it is installed on, 1 = ground, -1 = basement);
//                 cameras: optional `se:whep`, `se:hls`, `se:snapshot` (stream URLs, server/cameras/)
// Other features (roads, trees, …) are skipped and listed in `skipped`.
//
// Output rings stay closed (first point = last, as in GeoJSON) and are wound the RFC 7946 way:
// outer rings counter-clockwise, holes clockwise. Coordinates are rounded to centimetres.
import { STREAM_KINDS, StreamUrlError, parseStreamUrl, type StreamUrls } from '../cameras/stream-urls.ts';
import {
  DEVICE_CLASSES, ZONE_KINDS, isId, localFrame,
  type BuildingInfo, type CheckpointInfo, type DeviceClass, type DeviceInfo, type EstateSummary, type LocalFrame,
  type Polygon, type ZoneInfo, type ZoneKind,
} from '../../protocol/index.ts';

/** Metres per storey when only `building:levels` is known (the usual figure for OSM 3D renderers). */
export const LEVEL_HEIGHT_M = 3;
/** Storeys assumed for a building with neither `height` nor `building:levels`. */
export const DEFAULT_LEVELS = 3;
/** A feature further than this from the origin is a mistake (swapped lat/lon, another city). */
export const MAX_DISTANCE_M = 20_000;
export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

export type Position = [number, number];

export interface ParsedZone extends ZoneInfo {
  /** `se:hours`, passed through to the zone's rule parameters */
  hours?: unknown;
  /** car parks: spaces, from OSM `capacity` or `se:capacity` */
  capacity?: number;
}

export interface ParsedDevice extends DeviceInfo {
  /** `se:guard` of a patrol handheld: the guard who carries it */
  guard?: string;
  /** cameras: `se:whep`, `se:hls`, `se:snapshot` */
  streams?: StreamUrls;
}

export const GATE_ACCESS = ['vehicle', 'pedestrian'] as const;
export type GateAccess = (typeof GATE_ACCESS)[number];

export interface GateInfo {
  id: string;
  name: string;
  access: GateAccess[];
  x: number;
  y: number;
  /** `se:car_park`: the car park (zone id) this gate's vehicle passes count for */
  carPark?: string;
  /** `se:devices`: the plate cameras at this gate (comma-separated device ids) */
  devices?: string[];
}

export interface ParsedEstate {
  estate: EstateSummary;
  buildings: BuildingInfo[];
  zones: ParsedZone[];
  checkpoints: CheckpointInfo[];
  devices: ParsedDevice[];
  gates: GateInfo[];
  /** features that are neither buildings nor `se:` features, e.g. `features[12] (highway=service)` */
  skipped: string[];
}

export interface ParseOptions {
  /** Overrides (or supplies, for files without `se:estate`) the estate; a string is the id. */
  estate?: string | Partial<EstateSummary>;
}

/** A bad estate file; `feature` is the index in `features` when one feature is at fault. */
/** `problems` lists every bad feature of the file (one line each), so a user fixes them in one pass. */
export class EstateFileError extends Error {
  readonly problems: string[];
  constructor(message: string, readonly feature?: number, problems?: string[]) {
    super(message);
    this.name = 'EstateFileError';
    this.problems = problems ?? [message];
  }
}

type Props = Record<string, unknown>;
interface RawFeature {
  index: number;
  props: Props;
  geometry: { type: string; coordinates?: unknown } | null;
  label: string;
}

export function parseEstateGeoJson(json: unknown, options: ParseOptions = {}): ParsedEstate {
  if (!isObject(json) || json.type !== 'FeatureCollection') {
    const got = isObject(json) ? `type '${String(json.type)}'` : Array.isArray(json) ? 'an array' : typeof json;
    throw new EstateFileError(`not a GeoJSON FeatureCollection (got ${got})`);
  }
  if (!Array.isArray(json.features)) throw new EstateFileError('FeatureCollection has no "features" array');
  // Every bad feature is collected rather than thrown at the first, so one run lists them all;
  // the file is still all-or-nothing (any problem throws at the end, nothing is returned).
  const problems: string[] = [];
  let firstBad: number | undefined;
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof EstateFileError)) throw err;
      firstBad ??= err.feature;
      problems.push(...err.problems);
    }
  };
  const features: RawFeature[] = [];
  json.features.forEach((f, index) => attempt(() => void features.push(rawFeature(f, index))));

  let estate: EstateSummary;
  try {
    estate = resolveEstate(json['se:estate'], options.estate, features);
  } catch (err) {
    if (err instanceof EstateFileError) throw collected([...err.problems, ...problems], problems.length ? firstBad : err.feature);
    throw err;
  }
  const frame = localFrame(estate);
  const out: ParsedEstate = { estate, buildings: [], zones: [], checkpoints: [], devices: [], gates: [], skipped: [] };
  const seen = new Map<string, number>();
  const claim = (kind: string, id: string, f: RawFeature) => {
    const key = `${kind}:${id}`;
    const other = seen.get(key);
    if (other !== undefined) throw featureError(f, `duplicate ${kind} id '${id}' (also features[${other}])`);
    seen.set(key, f.index);
  };

  for (const f of features) {
    attempt(() => {
      const kind = f.props['se:kind'];
      if (kind === undefined) {
        if (!isBuilding(f.props)) {
          out.skipped.push(`features[${f.index}] ${f.label}`);
          return;
        }
        const b = parseBuilding(f, frame);
        claim('building', b.id, f);
        out.buildings.push(b);
        return;
      }
      switch (kind) {
        case 'zone': {
          const z = parseZone(f, frame);
          claim('zone', z.id, f);
          out.zones.push(z);
          break;
        }
        case 'checkpoint': {
          const c = parseCheckpoint(f, frame);
          claim('checkpoint', c.id, f);
          out.checkpoints.push(c);
          break;
        }
        case 'gate': {
          const g = parseGate(f, frame);
          claim('gate', g.id, f);
          out.gates.push(g);
          break;
        }
        case 'device': {
          const d = parseDevice(f, frame);
          claim('device', d.id, f);
          out.devices.push(d);
          break;
        }
        default:
          throw featureError(f, `unknown se:kind '${String(kind)}' (one of zone, checkpoint, gate, device)`);
      }
    });
  }
  for (const g of out.gates) {
    if (g.carPark === undefined || out.zones.some((z) => z.id === g.carPark && z.kind === 'car_park')) continue;
    const f = features.find((x) => x.index === seen.get(`gate:${g.id}`))!;
    firstBad ??= f.index;
    problems.push(featureError(f, `se:car_park '${g.carPark}' is not a car_park zone of this file`).message);
  }
  if (problems.length) throw collected(problems, firstBad);
  return out;
}

// ---- estate -------------------------------------------------------------------------------------

function resolveEstate(declared: unknown, override: ParseOptions['estate'], features: RawFeature[]): EstateSummary {
  if (declared !== undefined && !isObject(declared)) throw new EstateFileError('"se:estate" must be an object {id, name, nameZh, lat, lon, timezone}');
  const fromFile = (declared ?? {}) as Partial<Record<keyof EstateSummary, unknown>>;
  const over: Partial<EstateSummary> = typeof override === 'string' ? { id: override } : (override ?? {});
  const pick = <K extends keyof EstateSummary>(k: K): unknown => (over[k] !== undefined ? over[k] : fromFile[k]);

  const id = pick('id');
  if (id === undefined) throw new EstateFileError('no estate id: the file has no "se:estate" — give one (--estate <id>)');
  if (typeof id !== 'string' || !isId(id)) {
    throw new EstateFileError(`invalid estate id '${String(id)}': use letters, digits, '_', '-', '.' (max 64)`);
  }
  const name = optionalText(pick('name'), 'estate name') ?? id;
  const nameZh = optionalText(pick('nameZh'), 'estate nameZh') ?? name;
  const timezone = optionalText(pick('timezone'), 'estate timezone') ?? DEFAULT_TIMEZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new EstateFileError(`estate timezone '${timezone}' is not an IANA time zone (e.g. Asia/Shanghai)`);
  }
  let lat = pick('lat');
  let lon = pick('lon');
  if (lat === undefined && lon === undefined) {
    [lon, lat] = boundsCentre(features);
  } else if (!isFiniteNumber(lat) || lat < -90 || lat > 90 || !isFiniteNumber(lon) || lon < -180 || lon > 180) {
    throw new EstateFileError(`estate origin out of range: lat ${String(lat)} (−90…90), lon ${String(lon)} (−180…180)`);
  }
  return { id, name, nameZh, lat: lat as number, lon: lon as number, timezone };
}

/** Centre of the bounding box of every coordinate in the file (coordinates are checked first). */
function boundsCentre(features: RawFeature[]): Position {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) {
    if (!f.geometry) continue;
    forEachPosition(f.geometry.coordinates, (p) => {
      const [lon, lat] = checkPosition(p, f);
      minX = Math.min(minX, lon);
      maxX = Math.max(maxX, lon);
      minY = Math.min(minY, lat);
      maxY = Math.max(maxY, lat);
    });
  }
  if (minX === Infinity) throw new EstateFileError('no estate origin: the file has no "se:estate" and no coordinates');
  return [(minX + maxX) / 2, (minY + maxY) / 2];
}

function forEachPosition(coords: unknown, visit: (p: unknown) => void): void {
  if (!Array.isArray(coords)) return;
  if (coords.length > 0 && !Array.isArray(coords[0])) return visit(coords);
  for (const c of coords) forEachPosition(c, visit);
}

// ---- features -----------------------------------------------------------------------------------

function rawFeature(f: unknown, index: number): RawFeature {
  const bare = { index, label: '' };
  if (!isObject(f) || f.type !== 'Feature') {
    throw featureError(bare, `not a GeoJSON Feature (got ${isObject(f) ? `type '${String(f.type)}'` : typeof f})`);
  }
  const own = f.properties === null || f.properties === undefined ? {} : f.properties;
  if (!isObject(own)) throw featureError(bare, '"properties" must be an object');
  // Overpass/OSM exports put the id on the Feature itself ("id": "way/123").
  const props: Props = own.id === undefined && (typeof f.id === 'string' || typeof f.id === 'number') ? { ...own, id: f.id } : own;
  const geometry = f.geometry ?? null;
  if (geometry !== null && (!isObject(geometry) || typeof geometry.type !== 'string')) {
    throw featureError({ index, label: labelOf(props) }, '"geometry" must be a GeoJSON geometry object or null');
  }
  return { index, props, geometry: geometry as RawFeature['geometry'], label: labelOf(props) };
}

/** `(id 'b01', "1号楼")`, or the first tag for an unnamed OSM feature. */
function labelOf(p: Props): string {
  const id = p['se:id'] ?? p.id ?? p['@id'];
  const name = p.name ?? p['name:en'];
  const parts: string[] = [];
  if (id !== undefined && id !== null) parts.push(`id '${String(id)}'`);
  if (typeof name === 'string') parts.push(`"${name}"`);
  if (!parts.length) {
    const tag = ['se:kind', 'building', 'building:part', 'highway', 'landuse', 'amenity'].find((k) => p[k] !== undefined);
    if (tag) parts.push(`${tag}=${String(p[tag])}`);
  }
  return parts.length ? `(${parts.join(', ')})` : '(no id or name)';
}

/** One error for all the file's problems; `feature` is the first bad feature's index. */
function collected(problems: string[], feature: number | undefined): EstateFileError {
  if (problems.length === 1) return new EstateFileError(problems[0], feature, problems);
  return new EstateFileError(`${problems.length} problems:\n  ${problems.join('\n  ')}`, feature, problems);
}

function featureError(f: Pick<RawFeature, 'index' | 'label'>, problem: string): EstateFileError {
  return new EstateFileError(`features[${f.index}] ${f.label || '(no id or name)'}: ${problem}`, f.index);
}

function isBuilding(p: Props): boolean {
  const b = p.building ?? p['building:part'];
  return b !== undefined && b !== null && b !== 'no' && b !== false;
}

function parseBuilding(f: RawFeature, frame: LocalFrame): BuildingInfo {
  const polygons = polygonsOf(f, frame, ['Polygon', 'MultiPolygon'], 'a building');
  const id = featureId(f, ['se:id', 'id', '@id']) ?? `b${f.index}`;
  const use = String(f.props.building ?? f.props['building:part']);
  const levels = measure(f, 'building:levels', false);
  const explicitHeight = measure(f, 'height', true);
  const minLevel = measure(f, 'building:min_level', false);
  const explicitMin = measure(f, 'min_height', true);
  const height = explicitHeight ?? (levels !== undefined ? levels * LEVEL_HEIGHT_M : DEFAULT_LEVELS * LEVEL_HEIGHT_M);
  const minHeight = explicitMin ?? (minLevel !== undefined ? minLevel * LEVEL_HEIGHT_M : 0);
  if (height <= 0) throw featureError(f, `height must be above 0 m (got ${height})`);
  if (minHeight >= height) throw featureError(f, `base (${minHeight} m, min_height/building:min_level) is not below the roof (${height} m)`);
  return {
    id,
    name: displayName(f, id),
    use,
    floors: levels ?? null,
    height: round(height),
    minHeight: round(minHeight),
    polygons,
    center: centroid(polygons),
  };
}

function parseZone(f: RawFeature, frame: LocalFrame): ParsedZone {
  const kind = f.props['se:zone'];
  if (typeof kind !== 'string' || !(ZONE_KINDS as readonly string[]).includes(kind)) {
    throw featureError(f, `se:zone must be one of ${ZONE_KINDS.join(', ')} (got ${JSON.stringify(kind) ?? 'nothing'})`);
  }
  const [polygon] = polygonsOf(f, frame, ['Polygon'], 'a zone');
  const id = featureId(f, ['se:id', 'id']) ?? `z${f.index}`;
  const zone: ParsedZone = { id, name: displayName(f, id), kind: kind as ZoneKind, polygon };
  if (f.props['se:hours'] !== undefined) zone.hours = f.props['se:hours'];
  const capacity = f.props['se:capacity'] ?? f.props.capacity;
  if (capacity !== undefined && capacity !== null && kind === 'car_park') {
    const n = typeof capacity === 'string' && capacity.trim() !== '' ? Number(capacity) : capacity;
    if (!Number.isSafeInteger(n) || (n as number) < 0) throw featureError(f, `capacity must be a whole number of spaces (got ${JSON.stringify(capacity)})`);
    zone.capacity = n as number;
  }
  return zone;
}

function parseCheckpoint(f: RawFeature, frame: LocalFrame): CheckpointInfo {
  const [x, y] = pointOf(f, frame, false)!;
  const id = featureId(f, ['se:id', 'id']) ?? `cp${f.index}`;
  const code = f.props['se:code'] ?? id;
  if ((typeof code !== 'string' && typeof code !== 'number') || String(code).trim() === '') {
    throw featureError(f, `se:code must be the tag's text (got ${JSON.stringify(code)})`);
  }
  return { id, name: displayName(f, id), code: String(code).trim(), x, y };
}

function parseGate(f: RawFeature, frame: LocalFrame): GateInfo {
  const [x, y] = pointOf(f, frame, false)!;
  const id = featureId(f, ['se:id', 'id']) ?? `gate${f.index}`;
  const raw = f.props['se:access'] ?? 'vehicle,pedestrian';
  const access = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
  const bad = access.find((a) => !(GATE_ACCESS as readonly string[]).includes(a));
  if (bad !== undefined || !access.length) throw featureError(f, `se:access must list ${GATE_ACCESS.join(' and/or ')} (got '${String(raw)}')`);
  const gate: GateInfo = { id, name: displayName(f, id), access: access as GateAccess[], x, y };
  const carPark = f.props['se:car_park'];
  if (carPark !== undefined && carPark !== null && carPark !== '') {
    if (typeof carPark !== 'string') throw featureError(f, `se:car_park must be a car park's zone id (got ${JSON.stringify(carPark)})`);
    gate.carPark = carPark.trim();
  }
  const devices = f.props['se:devices'];
  if (devices !== undefined && devices !== null && devices !== '') {
    if (typeof devices !== 'string') throw featureError(f, `se:devices must list device ids, comma-separated (got ${JSON.stringify(devices)})`);
    gate.devices = devices.split(',').map((d) => d.trim()).filter(Boolean);
  }
  return gate;
}

function parseDevice(f: RawFeature, frame: LocalFrame): ParsedDevice {
  const kind = f.props['se:device'];
  if (typeof kind !== 'string' || !(DEVICE_CLASSES as readonly string[]).includes(kind)) {
    throw featureError(f, `se:device must be one of ${DEVICE_CLASSES.join(', ')} (got ${JSON.stringify(kind) ?? 'nothing'})`);
  }
  const id = featureId(f, ['se:id', 'id']);
  if (id === undefined) throw featureError(f, 'a device needs se:id: it is the device\'s MQTT username');
  if (!isId(id)) throw featureError(f, `invalid device id '${id}': use letters, digits, '_', '-', '.' (max 64)`);
  const at = pointOf(f, frame, true);
  const heading = angle(f, 'se:heading', 0, 360);
  const fov = angle(f, 'se:fov', 1, 360);
  const device: ParsedDevice = {
    id,
    kind: kind as DeviceClass,
    name: displayName(f, id),
    x: at ? at[0] : null,
    y: at ? at[1] : null,
    heading: heading === null ? null : heading % 360,
    fov,
  };
  const guard = f.props['se:guard'];
  if (guard !== undefined) {
    if (typeof guard !== 'string' || !isId(guard)) throw featureError(f, `se:guard must be a guard id (letters, digits, '_', '-', '.'), got ${JSON.stringify(guard)}`);
    device.guard = guard;
  }
  const floor = f.props['se:floor'];
  if (floor !== undefined && floor !== null && floor !== '') {
    const n = typeof floor === 'string' ? Number(floor.trim()) : floor;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -20 || n > 300 || n === 0) throw featureError(f, `se:floor must be a storey number (1 = ground floor, -1 = first basement), got ${JSON.stringify(floor)}`);
    device.floor = n;
  }
  for (const k of STREAM_KINDS) {
    const v = f.props[`se:${k}`];
    if (v === undefined || v === null || v === '') continue;
    if (kind !== 'camera') throw featureError(f, `se:${k} is for cameras (se:device camera), not ${kind}`);
    try {
      (device.streams ??= {})[k] = parseStreamUrl(k, v);
    } catch (err) {
      if (err instanceof StreamUrlError) throw featureError(f, `se:${err.message}`);
      throw err;
    }
  }
  return device;
}

// ---- geometry -----------------------------------------------------------------------------------

function polygonsOf(f: RawFeature, frame: LocalFrame, allowed: string[], what: string): Polygon[] {
  const g = f.geometry;
  if (!g) throw featureError(f, `${what} needs a geometry (${allowed.join(' or ')}), got null`);
  if (!allowed.includes(g.type)) throw featureError(f, `unsupported geometry type '${g.type}' for ${what} (need ${allowed.join(' or ')})`);
  const raw = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  if (!Array.isArray(raw) || raw.length === 0) throw featureError(f, `${g.type} has no coordinates`);
  return raw.map((poly, p) => {
    const where = g.type === 'MultiPolygon' ? ` of polygon ${p}` : '';
    if (!Array.isArray(poly) || poly.length === 0) throw featureError(f, `polygon${where} has no rings`);
    return poly.map((ring, r) => {
      const local = ringOf(f, frame, ring, `ring ${r}${where}`);
      // RFC 7946: outer rings counter-clockwise, holes clockwise.
      const ccw = signedArea(local) > 0;
      return (r === 0) === ccw ? local : local.reverse();
    });
  });
}

function ringOf(f: RawFeature, frame: LocalFrame, ring: unknown, where: string): Array<[number, number]> {
  if (!Array.isArray(ring)) throw featureError(f, `${where} is not an array of positions`);
  if (ring.length < 4) throw featureError(f, `${where} is too short: ${ring.length} positions, a closed ring needs at least 4`);
  const positions = ring.map((p) => checkPosition(p, f));
  const [first, last] = [positions[0], positions[positions.length - 1]];
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw featureError(f, `${where} is not closed: first position [${first}] differs from last [${last}]`);
  }
  const local = positions.map(([lon, lat]) => toLocal(f, frame, lon, lat));
  if (Math.abs(signedArea(local)) < 1e-6) throw featureError(f, `${where} has no area (all positions on a line)`);
  return local;
}

function pointOf(f: RawFeature, frame: LocalFrame, optional: boolean): [number, number] | null {
  const g = f.geometry;
  if (!g) {
    if (optional) return null;
    throw featureError(f, 'needs a Point geometry, got null');
  }
  if (g.type !== 'Point') throw featureError(f, `unsupported geometry type '${g.type}' (need Point)`);
  const [lon, lat] = checkPosition(g.coordinates, f);
  return toLocal(f, frame, lon, lat);
}

function checkPosition(p: unknown, f: Pick<RawFeature, 'index' | 'label'>): Position {
  if (!Array.isArray(p) || p.length < 2 || !isFiniteNumber(p[0]) || !isFiniteNumber(p[1])) {
    throw featureError(f, `bad position ${JSON.stringify(p)}: need [longitude, latitude] numbers`);
  }
  const [lon, lat] = p as [number, number];
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    throw featureError(f, `coordinates out of range: [${lon}, ${lat}] (longitude −180…180, latitude −90…90; GeoJSON order is [lon, lat])`);
  }
  return [lon, lat];
}

function toLocal(f: RawFeature, frame: LocalFrame, lon: number, lat: number): [number, number] {
  const [x, y] = frame.toLocal(lon, lat);
  const d = Math.hypot(x, y);
  if (d > MAX_DISTANCE_M) {
    throw featureError(f, `position [${lon}, ${lat}] is ${(d / 1000).toFixed(1)} km from the estate origin (limit ${MAX_DISTANCE_M / 1000} km): another place, or [lat, lon] swapped?`);
  }
  return [round(x), round(y)];
}

/** Shoelace area, positive for counter-clockwise rings (x east, y north). */
export function signedArea(ring: ReadonlyArray<readonly [number, number]>): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return a / 2;
}

/** Area-weighted centroid of the outer rings (holes ignored: the footprint's middle, for labels). */
export function centroid(polygons: Polygon[]): [number, number] {
  let [cx, cy, area] = [0, 0, 0];
  for (const [outer] of polygons) {
    for (let i = 0, j = outer.length - 1; i < outer.length; j = i++) {
      const cross = outer[j][0] * outer[i][1] - outer[i][0] * outer[j][1];
      cx += (outer[j][0] + outer[i][0]) * cross;
      cy += (outer[j][1] + outer[i][1]) * cross;
      area += cross / 2;
    }
  }
  if (Math.abs(area) < 1e-9) {
    const all = polygons.flatMap(([outer]) => outer);
    return [round(all.reduce((s, p) => s + p[0], 0) / all.length), round(all.reduce((s, p) => s + p[1], 0) / all.length)];
  }
  return [round(cx / (6 * area)), round(cy / (6 * area))];
}

// ---- properties ---------------------------------------------------------------------------------

const UNITS: Record<string, number> = { '': 1, m: 1, metre: 1, metres: 1, meter: 1, meters: 1, ft: 0.3048, feet: 0.3048, "'": 0.3048 };

/** A non-negative number: a JSON number or "12", "12.5 m", "40 ft" (metres only for levels). */
function measure(f: RawFeature, key: string, withUnit: boolean): number | undefined {
  const v = f.props[key];
  if (v === undefined || v === null || v === '') return undefined;
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z']*)\s*$/i.exec(v.replace(',', '.'));
    if (m && (withUnit ? UNITS[m[2].toLowerCase()] !== undefined : m[2] === '')) n = Number(m[1]) * UNITS[m[2].toLowerCase()];
  }
  if (n === undefined || !Number.isFinite(n)) {
    throw featureError(f, `non-numeric ${key} ${JSON.stringify(v)} (${withUnit ? 'metres, e.g. 12 or "12 m"' : 'a number, e.g. 6'})`);
  }
  if (n < 0) throw featureError(f, `negative ${key} ${JSON.stringify(v)}`);
  return n;
}

function angle(f: RawFeature, key: string, min: number, max: number): number | null {
  const v = f.props[key];
  if (v === undefined || v === null) return null;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (!isFiniteNumber(n) || n < min || n > max) throw featureError(f, `${key} must be a number of degrees ${min}…${max} (got ${JSON.stringify(v)})`);
  return n;
}

function featureId(f: RawFeature, keys: string[]): string | undefined {
  for (const k of keys) {
    const v = f.props[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' && typeof v !== 'number') throw featureError(f, `${k} must be a string or number`);
    const id = String(v).trim();
    if (id.length > 128) throw featureError(f, `${k} is longer than 128 characters`);
    if (id) return id;
  }
  return undefined;
}

function displayName(f: RawFeature, fallback: string): string {
  const n = f.props.name ?? f.props['name:en'] ?? f.props['name:zh'];
  return typeof n === 'string' && n.trim() ? n.trim() : fallback;
}

function optionalText(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !v.trim()) throw new EstateFileError(`${what} must be a non-empty string (got ${JSON.stringify(v)})`);
  return v.trim();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

const round = (v: number) => Math.round(v * 100) / 100;
