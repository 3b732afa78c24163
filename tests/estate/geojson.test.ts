import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localFrame, pointInPolygon, type Polygon } from '../../protocol/index.ts';
import { EstateFileError, parseEstateGeoJson, signedArea, type ParsedEstate } from '../../server/estate/geojson.ts';
import { DEMO_ESTATE_FILE } from '../../server/estate/demo.ts';
import { formatEstateFile, gardenEstate } from '../../server/estate/demo/garden.ts';

const ORIGIN = { lat: 30.27, lon: 120.15 };
const frame = localFrame(ORIGIN);
const ESTATE = { id: 't', name: 'Test', nameZh: '测试', ...ORIGIN, timezone: 'Asia/Shanghai' };

/** [lon, lat] of a point x m east, y m north of the origin */
const at = (x: number, y: number) => frame.toLonLat(x, y);
const square = (x: number, y: number, size: number) => [at(x, y), at(x + size, y), at(x + size, y + size), at(x, y + size), at(x, y)];

function feature(properties: Record<string, unknown>, geometry: unknown) {
  return { type: 'Feature', properties, geometry };
}
const poly = (...rings: unknown[][]) => ({ type: 'Polygon', coordinates: rings });
const pt = (x: number, y: number) => ({ type: 'Point', coordinates: at(x, y) });
function fc(...features: unknown[]) {
  return { type: 'FeatureCollection', 'se:estate': ESTATE, features };
}
const building = (props: Record<string, unknown>) => parseEstateGeoJson(fc(feature({ building: 'yes', ...props }, poly(square(0, 0, 10))))).buildings[0];

function errorOf(fn: () => unknown): EstateFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EstateFileError);
    return err as EstateFileError;
  }
  throw new Error('expected an EstateFileError');
}

describe('heights', () => {
  it('takes height in metres, as a number or a string with a unit', () => {
    expect(building({ height: 12 }).height).toBe(12);
    expect(building({ height: '12' }).height).toBe(12);
    expect(building({ height: '12 m' }).height).toBe(12);
    expect(building({ height: '12.5m' }).height).toBe(12.5);
    expect(building({ height: '40 ft' }).height).toBeCloseTo(12.19, 2);
  });
  it('falls back to building:levels × 3 m, then to 3 floors', () => {
    const b = building({ 'building:levels': 18 });
    expect(b).toMatchObject({ height: 54, floors: 18, minHeight: 0 });
    expect(building({ 'building:levels': '6' })).toMatchObject({ height: 18, floors: 6 });
    expect(building({})).toMatchObject({ height: 9, floors: null });
  });
  it('prefers height over levels and keeps the levels as floors', () => {
    expect(building({ height: 100, 'building:levels': 33 })).toMatchObject({ height: 100, floors: 33 });
  });
  it('raises the base with min_height or building:min_level', () => {
    expect(building({ height: 7, min_height: 4.5 })).toMatchObject({ height: 7, minHeight: 4.5 });
    expect(building({ 'building:levels': 10, 'building:min_level': 2 })).toMatchObject({ height: 30, minHeight: 6 });
  });
  it('takes the building value as the use', () => {
    expect(building({ building: 'apartments' }).use).toBe('apartments');
  });
});

describe('geometry', () => {
  it('converts to local metres: 100 m east of the origin is x ≈ 100', () => {
    const parsed = parseEstateGeoJson(fc(feature({ 'se:kind': 'checkpoint', 'se:id': 'c1' }, pt(100, 0))));
    expect(parsed.checkpoints[0].x).toBeCloseTo(100, 1);
    expect(parsed.checkpoints[0].y).toBeCloseTo(0, 1);
    const north = parseEstateGeoJson(fc(feature({ 'se:kind': 'checkpoint', 'se:id': 'c1' }, { type: 'Point', coordinates: [ORIGIN.lon, ORIGIN.lat + 0.001] })));
    expect(north.checkpoints[0].y).toBeCloseTo(110.9, 0); // a thousandth of a degree of latitude
  });
  it('keeps holes, winds outer rings counter-clockwise and holes clockwise, centre = outer centroid', () => {
    const outer = square(0, 0, 30).reverse(); // clockwise in the file
    const hole = square(10, 10, 10); // counter-clockwise in the file
    const b = parseEstateGeoJson(fc(feature({ building: 'yes' }, poly(outer, hole)))).buildings[0];
    expect(b.polygons).toHaveLength(1);
    expect(b.polygons[0]).toHaveLength(2);
    expect(signedArea(b.polygons[0][0])).toBeGreaterThan(0);
    expect(signedArea(b.polygons[0][1])).toBeLessThan(0);
    expect(signedArea(b.polygons[0][0])).toBeCloseTo(900, -1);
    expect(b.center[0]).toBeCloseTo(15, 1);
    expect(b.center[1]).toBeCloseTo(15, 1);
    expect(pointInPolygon(15, 15, b.polygons[0])).toBe(false); // in the courtyard
    expect(pointInPolygon(5, 5, b.polygons[0])).toBe(true);
  });
  it('reads a MultiPolygon as several polygons, centred on their combined area', () => {
    const geometry = { type: 'MultiPolygon', coordinates: [[square(0, 0, 10)], [square(30, 0, 10)]] };
    const b = parseEstateGeoJson(fc(feature({ building: 'school' }, geometry))).buildings[0];
    expect(b.polygons).toHaveLength(2);
    expect(b.center[0]).toBeCloseTo(20, 1);
    expect(b.center[1]).toBeCloseTo(5, 1);
  });
  it('rings stay closed', () => {
    const ring = building({}).polygons[0][0];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
  });
});

describe('ids, names, estate', () => {
  it('takes the building id from se:id, id, @id, the Feature id, else b{index}', () => {
    const f = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...feature({ building: 'yes', ...props }, poly(square(0, 0, 10))), ...extra });
    const p = parseEstateGeoJson(fc(f({ 'se:id': 'A', id: 'x' }), f({ id: 'B' }), f({ '@id': 'way/3' }), f({}, { id: 'way/4' }), f({})));
    expect(p.buildings.map((b) => b.id)).toEqual(['A', 'B', 'way/3', 'way/4', 'b4']);
    expect(p.buildings[0].name).toBe('A');
  });
  it('names from name, else name:en', () => {
    expect(building({ name: '1号楼', 'name:en': 'Building 1' }).name).toBe('1号楼');
    expect(building({ 'name:en': 'Building 1' }).name).toBe('Building 1');
  });
  it('without se:estate: origin = bounding-box centre, the id from the options', () => {
    const json = { type: 'FeatureCollection', features: [feature({ building: 'yes' }, poly(square(100, 100, 20)))] };
    expect(errorOf(() => parseEstateGeoJson(json)).message).toMatch(/no estate id.*--estate/);
    const p = parseEstateGeoJson(json, { estate: 'osm' });
    expect(p.estate).toMatchObject({ id: 'osm', name: 'osm', timezone: 'Asia/Shanghai' });
    expect(p.buildings[0].center[0]).toBeCloseTo(0, 0);
    expect(p.buildings[0].center[1]).toBeCloseTo(0, 0);
  });
  it('options override se:estate', () => {
    const p = parseEstateGeoJson(fc(), { estate: { id: 'other', timezone: 'Asia/Chongqing' } });
    expect(p.estate).toMatchObject({ id: 'other', name: 'Test', timezone: 'Asia/Chongqing', lat: ORIGIN.lat });
  });
  it('reads zones, checkpoints, gates and devices; lists what it skipped', () => {
    const p = parseEstateGeoJson(fc(
      feature({ 'se:kind': 'zone', 'se:zone': 'restricted', 'se:id': 'z1', name: '配电房', 'se:hours': { from: '22:00', to: '06:00' } }, poly(square(0, 0, 5))),
      feature({ 'se:kind': 'checkpoint', 'se:id': 'CP-01', 'se:code': '04:A2:19', name: '北门' }, pt(1, 2)),
      feature({ 'se:kind': 'gate', 'se:id': 'g1', 'se:access': 'vehicle' }, pt(0, 50)),
      feature({ 'se:kind': 'device', 'se:device': 'camera', 'se:id': 'cam-1', 'se:heading': 370 - 20, 'se:fov': '90' }, pt(3, 4)),
      feature({ 'se:kind': 'device', 'se:device': 'patrol', 'se:id': 'hh-1', 'se:guard': 'G01' }, null),
      feature({ highway: 'service' }, { type: 'LineString', coordinates: [at(0, 0), at(1, 1)] }),
    ));
    expect(p.zones[0]).toMatchObject({ id: 'z1', kind: 'restricted', name: '配电房', hours: { from: '22:00', to: '06:00' } });
    expect(p.checkpoints[0]).toMatchObject({ id: 'CP-01', code: '04:A2:19', name: '北门' });
    expect(p.gates[0]).toMatchObject({ id: 'g1', access: ['vehicle'] });
    expect(p.devices[0]).toMatchObject({ id: 'cam-1', kind: 'camera', heading: 350, fov: 90 });
    expect(p.devices[1]).toMatchObject({ id: 'hh-1', kind: 'patrol', x: null, y: null, guard: 'G01' });
    expect(p.skipped).toEqual(['features[5] (highway=service)']);
  });
});

describe('bad files name the feature and the problem', () => {
  const named = { building: 'yes', 'se:id': 'b7', name: '7号楼' };
  const bad = (f: unknown, index = 1) => {
    const ok = feature({ building: 'yes', name: 'fine' }, poly(square(0, 0, 10)));
    const err = errorOf(() => parseEstateGeoJson(fc(ok, f)));
    expect(err.feature).toBe(index);
    expect(err.message).toContain(`features[${index}]`);
    return err.message;
  };
  it('not a FeatureCollection', () => {
    expect(errorOf(() => parseEstateGeoJson({ type: 'Feature' })).message).toMatch(/not a GeoJSON FeatureCollection \(got type 'Feature'\)/);
    expect(errorOf(() => parseEstateGeoJson([])).message).toMatch(/not a GeoJSON FeatureCollection \(got an array\)/);
    expect(errorOf(() => parseEstateGeoJson({ type: 'FeatureCollection' })).message).toMatch(/no "features" array/);
  });
  it('not a Feature', () => {
    expect(bad({ type: 'Point', coordinates: [0, 0] })).toMatch(/not a GeoJSON Feature/);
  });
  it('unsupported geometry type', () => {
    const msg = bad(feature(named, { type: 'LineString', coordinates: [at(0, 0), at(5, 5)] }));
    expect(msg).toMatch(/id 'b7', "7号楼"/);
    expect(msg).toMatch(/unsupported geometry type 'LineString' for a building \(need Polygon or MultiPolygon\)/);
    expect(bad(feature({ 'se:kind': 'zone', 'se:zone': 'perimeter', 'se:id': 'p' }, { type: 'MultiPolygon', coordinates: [[square(0, 0, 5)]] }))).toMatch(
      /unsupported geometry type 'MultiPolygon' for a zone/,
    );
    expect(bad(feature({ 'se:kind': 'checkpoint', 'se:id': 'c' }, poly(square(0, 0, 5))))).toMatch(/unsupported geometry type 'Polygon' \(need Point\)/);
  });
  it('unclosed ring', () => {
    const ring = square(0, 0, 10).slice(0, 4).concat([at(1, 1)]);
    expect(bad(feature(named, poly(ring)))).toMatch(/"7号楼".*ring 0 is not closed/);
  });
  it('too-short ring', () => {
    expect(bad(feature(named, poly([at(0, 0), at(1, 0), at(0, 0)])))).toMatch(/ring 0 is too short: 3 positions/);
    const multi = { type: 'MultiPolygon', coordinates: [[square(0, 0, 5)], [square(10, 0, 5), [at(0, 0), at(0, 0)]]] };
    expect(bad(feature(named, multi))).toMatch(/ring 1 of polygon 1 is too short/);
  });
  it('non-numeric and negative heights, a base above the roof', () => {
    expect(bad(feature({ ...named, height: 'tall' }, poly(square(0, 0, 10))))).toMatch(/non-numeric height "tall"/);
    expect(bad(feature({ ...named, 'building:levels': '6 floors' }, poly(square(0, 0, 10))))).toMatch(/non-numeric building:levels "6 floors"/);
    expect(bad(feature({ ...named, height: -3 }, poly(square(0, 0, 10))))).toMatch(/negative height/);
    expect(bad(feature({ ...named, height: 5, min_height: 6 }, poly(square(0, 0, 10))))).toMatch(/base \(6 m.*not below the roof \(5 m\)/);
  });
  it('coordinates out of range, or far from the estate', () => {
    expect(bad(feature(named, poly([[0, 0], [200, 0], [200, 1], [0, 0]])))).toMatch(/coordinates out of range: \[200, 0\]/);
    expect(bad(feature(named, poly([[0, 0], ['a', 0], [1, 1], [0, 0]])))).toMatch(/bad position \["a",0\]/);
    const swapped = square(0, 0, 10).map(([lon, lat]) => [lat, lon]);
    expect(bad(feature(named, poly(swapped)))).toMatch(/coordinates out of range: \[30.27, 120.15\] .*GeoJSON order is \[lon, lat\]/);
    const beijing = [[116.4, 39.9], [116.41, 39.9], [116.41, 39.91], [116.4, 39.9]];
    expect(bad(feature(named, poly(beijing)))).toMatch(/is 1\d{3}\.\d km from the estate origin \(limit 20 km\)/);
  });
  it('duplicate ids, unknown kinds, devices without an id, bad angles', () => {
    // the first feature has no id, so it got the generated b0
    expect(bad(feature({ building: 'yes', 'se:id': 'b0' }, poly(square(0, 0, 10))))).toMatch(/duplicate building id 'b0' \(also features\[0\]\)/);
    const dup = errorOf(() =>
      parseEstateGeoJson(fc(feature({ building: 'yes', 'se:id': 'x' }, poly(square(0, 0, 10))), feature({ building: 'yes', 'se:id': 'x' }, poly(square(20, 0, 10))))),
    );
    expect(dup.message).toMatch(/features\[1\] \(id 'x'\): duplicate building id 'x' \(also features\[0\]\)/);
    expect(bad(feature({ 'se:kind': 'tree' }, pt(0, 0)))).toMatch(/unknown se:kind 'tree'/);
    expect(bad(feature({ 'se:kind': 'zone', 'se:zone': 'garden' }, poly(square(0, 0, 5))))).toMatch(/se:zone must be one of perimeter, restricted, fire_lane, car_park \(got "garden"\)/);
    expect(bad(feature({ 'se:kind': 'device', 'se:device': 'camera', name: '北门' }, pt(0, 0)))).toMatch(/"北门".*needs se:id/);
    expect(bad(feature({ 'se:kind': 'device', 'se:device': 'camera', 'se:id': 'a/b' }, pt(0, 0)))).toMatch(/invalid device id 'a\/b'/);
    expect(bad(feature({ 'se:kind': 'device', 'se:device': 'drone', 'se:id': 'd' }, pt(0, 0)))).toMatch(/se:device must be one of patrol, camera, gate, sensor/);
    expect(bad(feature({ 'se:kind': 'device', 'se:device': 'camera', 'se:id': 'c', 'se:heading': 'north' }, pt(0, 0)))).toMatch(/se:heading must be a number of degrees 0…360/);
  });
  it('bad estate header', () => {
    expect(errorOf(() => parseEstateGeoJson({ ...fc(), 'se:estate': { ...ESTATE, id: 'a b' } })).message).toMatch(/invalid estate id 'a b'/);
    expect(errorOf(() => parseEstateGeoJson({ ...fc(), 'se:estate': { ...ESTATE, lat: 95 } })).message).toMatch(/estate origin out of range/);
    expect(errorOf(() => parseEstateGeoJson({ ...fc(), 'se:estate': { ...ESTATE, timezone: 'Mars/Olympus' } })).message).toMatch(/not an IANA time zone/);
  });
});

describe('demo estate 花园小区', () => {
  const text = readFileSync(DEMO_ESTATE_FILE, 'utf8');
  const demo: ParsedEstate = parseEstateGeoJson(JSON.parse(text));
  const count = (kind: string) => demo.devices.filter((d) => d.kind === kind).length;

  it('is what generate.ts produces (regenerate after editing garden.ts)', () => {
    expect(text).toBe(formatEstateFile(gardenEstate()));
  });
  it('has the estate, ~30 buildings, ~40 cameras, 2 plate cameras, 4 handhelds, 12 checkpoints, 3 gates', () => {
    expect(demo.estate).toMatchObject({ id: 'garden', name: 'Garden Estate', nameZh: '花园小区', timezone: 'Asia/Shanghai' });
    expect(demo.buildings.length).toBeGreaterThanOrEqual(28);
    expect(count('camera')).toBeGreaterThanOrEqual(38);
    expect(count('camera')).toBeLessThanOrEqual(42);
    expect(count('gate')).toBe(2);
    expect(count('patrol')).toBe(4);
    expect(demo.checkpoints.map((c) => c.code)).toEqual(Array.from({ length: 12 }, (_, i) => `CP-${String(i + 1).padStart(2, '0')}`));
    expect(demo.gates.map((g) => [g.id, g.access])).toEqual([
      ['gate-north', ['vehicle', 'pedestrian']], ['gate-east', ['vehicle']], ['gate-south', ['pedestrian']],
    ]);
    expect(new Set(demo.zones.map((z) => z.kind))).toEqual(new Set(['perimeter', 'restricted', 'fire_lane', 'car_park']));
    expect(demo.skipped).toEqual([]);
  });
  it('has towers of 18–33 floors, low-rise blocks, a courtyard, a MultiPolygon, a raised walkway, heights in metres', () => {
    const towers = demo.buildings.filter((b) => b.use === 'apartments');
    expect(towers.length).toBeGreaterThanOrEqual(20);
    for (const t of towers) expect(t.height).toBeGreaterThanOrEqual(54);
    expect(Math.max(...towers.map((t) => t.floors ?? 0))).toBe(33);
    expect(towers.filter((t) => t.floors === null).length).toBeGreaterThanOrEqual(2); // given as height
    expect(demo.buildings.filter((b) => b.use === 'residential').every((b) => (b.floors ?? 0) >= 4 && (b.floors ?? 0) <= 6)).toBe(true);
    expect(demo.buildings.find((b) => b.polygons[0].length > 1)?.name).toBe('会所');
    expect(demo.buildings.find((b) => b.polygons.length > 1)?.name).toBe('幼儿园');
    expect(demo.buildings.find((b) => b.minHeight > 0)).toMatchObject({ name: '连廊', minHeight: 4.5 });
    for (const name of ['会所', '幼儿园', '物业服务中心', '配电房']) expect(demo.buildings.some((b) => b.name === name)).toBe(true);
  });
  it('lies inside its perimeter: buildings, checkpoints, cameras with heading and fov', () => {
    const fence = demo.zones.find((z) => z.kind === 'perimeter')!.polygon;
    for (const b of demo.buildings) expect(pointInPolygon(b.center[0], b.center[1], fence), b.name).toBe(true);
    for (const c of demo.checkpoints) expect(pointInPolygon(c.x, c.y, fence), c.name).toBe(true);
    for (const d of demo.devices) {
      expect(pointInPolygon(d.x!, d.y!, fence), d.id).toBe(true);
      if (d.kind === 'camera') expect(d.heading !== null && d.fov !== null, d.id).toBe(true);
    }
    const extent = fence[0].map((p) => Math.hypot(p[0], p[1]));
    expect(Math.max(...extent)).toBeLessThan(200); // ~300 × 250 m around the origin
  });
  it('patrol legs follow streets: no leg between consecutive checkpoints crosses a building', () => {
    const solid: Polygon[] = demo.buildings.filter((b) => b.minHeight < 2).flatMap((b) => b.polygons);
    const cps = demo.checkpoints;
    cps.forEach((a, i) => {
      const b = cps[(i + 1) % cps.length];
      for (let s = 0; s <= 100; s++) {
        const [x, y] = [a.x + ((b.x - a.x) * s) / 100, a.y + ((b.y - a.y) * s) / 100];
        const hit = solid.find((p) => pointInPolygon(x, y, p));
        expect(hit, `${a.code} → ${b.code} at ${x.toFixed(1)},${y.toFixed(1)}`).toBeUndefined();
      }
    });
  });
});

describe('device floors and camera streams', () => {
  it('reads se:floor and a camera\'s se:whep / se:hls / se:snapshot, and refuses what cannot be fetched', () => {
    const parsed = parseEstateGeoJson(fc(
      feature({ 'se:kind': 'device', 'se:device': 'camera', 'se:id': 'cam-1', 'se:floor': '3', 'se:hls': 'http://u:p@10.0.0.9:8888/cam1/index.m3u8', 'se:whep': 'http://10.0.0.9:8889/cam1/whep', 'se:snapshot': 'http://10.0.0.9:1984/api/frame.jpeg?src=cam1' }, pt(1, 1)),
      feature({ 'se:kind': 'device', 'se:device': 'sensor', 'se:id': 'smoke-1', 'se:floor': -1 }, pt(2, 2)),
    ), { estate: ESTATE });
    expect(parsed.devices[0]).toMatchObject({ floor: 3, streams: { hls: 'http://u:p@10.0.0.9:8888/cam1/index.m3u8', whep: 'http://10.0.0.9:8889/cam1/whep', snapshot: 'http://10.0.0.9:1984/api/frame.jpeg?src=cam1' } });
    expect(parsed.devices[1].floor).toBe(-1);
    const bad = (props: Record<string, unknown>) => errorOf(() => parseEstateGeoJson(fc(feature({ 'se:kind': 'device', 'se:id': 'd1', ...props }, pt(0, 0))), { estate: ESTATE })).message;
    expect(bad({ 'se:device': 'camera', 'se:hls': 'rtsp://10.0.0.9/stream1' })).toMatch(/se:hls must be http or https/);
    expect(bad({ 'se:device': 'patrol', 'se:hls': 'http://10.0.0.9/x.m3u8' })).toMatch(/se:hls is for cameras/);
    expect(bad({ 'se:device': 'sensor', 'se:floor': 0 })).toMatch(/se:floor must be a storey/);
  });
});
