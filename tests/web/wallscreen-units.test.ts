// The wall screen's pure parts, in Node: label-font coverage (the real shipped font), instance
// matrices, picking, checkpoint ages, staleness, kiosk options, details look-ups.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import { BoxGeometry, InstancedMesh, Matrix4, Mesh, MeshBasicMaterial, Object3D, Raycaster, Vector3, type Intersection } from 'three';
import { describe, expect, it } from 'vitest';
import type { BuildingInfo, DeviceInfo } from '../../protocol/api.ts';
import { parseEstateGeoJson } from '../../server/estate/geojson.ts';
import { DEMO_ESTATE_FILE } from '../../server/estate/demo.ts';
import { parseKioskOptions } from '../../web/src/kiosk/kiosk-options.ts';
import { silenceParts, staleSources } from '../../web/src/kiosk/staleness.ts';
import { buildBuildingsGeometry } from '../../web/src/map/building-geometry.ts';
import { checkpointState, CHECKPOINT_FRESH_MS, CHECKPOINT_OVERDUE_MS } from '../../web/src/map/Checkpoints.tsx';
import { fontCoverage, mergeRanges } from '../../web/src/map/font-coverage.ts';
import { capacityFor, createInstances, writeTransform } from '../../web/src/map/instances.ts';
import { labelHeight, labelSpecs, MAX_BUILDING_LABELS } from '../../web/src/map/Labels.tsx';
import { floorBase, SLAB_M, storeysOf } from '../../web/src/map/floor-placement.ts';
import { resolvePick } from '../../web/src/map/picking.ts';
import { buildingAlerts, buildingOfDevice, devicesOfBuilding, nearBuilding } from '../../web/src/panels/pick-details.ts';
import { syntheticEstate } from '../../web/src/map/bench/synthetic-estate.ts';

const require = createRequire(import.meta.url);
const inflate = async (b: Uint8Array) => new Uint8Array(inflateSync(b));

async function shippedFontCoverage() {
  const file = require.resolve('@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-500-normal.woff');
  const buf = readFileSync(file);
  return fontCoverage(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, inflate);
}

describe('label font coverage', () => {
  it('reads the cmap of the shipped WOFF: every name of the demo estate is covered', async () => {
    const coverage = await shippedFontCoverage();
    expect(coverage.size).toBeGreaterThan(7000);
    const demo = parseEstateGeoJson(JSON.parse(readFileSync(DEMO_ESTATE_FILE, 'utf8')));
    const names = [...demo.buildings.map((b) => b.name), ...demo.checkpoints.map((c) => c.name), ...demo.devices.map((d) => d.name)].join('');
    const missing = [...names].filter((ch) => ch !== ' ' && !coverage.has(ch.codePointAt(0)!));
    expect(missing).toEqual([]);
  });

  it('drops what the font lacks (emoji, rare ideographs), so troika never goes to the CDN for it', async () => {
    const coverage = await shippedFontCoverage();
    expect(coverage.filter('1号楼 😀 A座')).toBe('1号楼  A座');
    expect(coverage.filter('𠀀楼', '?')).toBe('?楼');
  });

  it('merges ranges that touch or overlap', () => {
    expect(mergeRanges([[5, 7], [1, 2], [3, 4], [10, 12], [11, 20]]).ranges).toEqual([[1, 7], [10, 20]]);
  });
});

describe('labels', () => {
  it('labels the tallest buildings first, at most MAX_BUILDING_LABELS, and every checkpoint', () => {
    const detail = syntheticEstate({ buildings: MAX_BUILDING_LABELS + 30, checkpoints: 5 });
    const specs = labelSpecs(detail.buildings, detail.checkpoints, null);
    const buildingSpecs = specs.filter((s) => s.key.startsWith('b:'));
    expect(buildingSpecs).toHaveLength(MAX_BUILDING_LABELS);
    const lowest = Math.min(...buildingSpecs.map((s) => s.z));
    const left = detail.buildings.filter((b) => !buildingSpecs.some((s) => s.key === `b:${b.id}`));
    expect(Math.max(...left.map((b) => b.height + 3))).toBeLessThanOrEqual(lowest);
    expect(specs.filter((s) => s.key.startsWith('c:'))).toHaveLength(5);
  });

  it('raises an opened building\'s name above its floors, standing apart, and puts it back on the roof', () => {
    const b = { ...syntheticEstate({ buildings: 1, checkpoints: 0 }).buildings[0], height: 18, floors: 6, minHeight: 0 };
    expect(labelHeight(b, false)).toBe(21);
    // six storeys of 3 m with 2.4 m between them: the top slab's upper face at 5 × 5.4 + 1.2 m
    const top = floorBase(storeysOf(b), 6) + SLAB_M;
    expect(top).toBeCloseTo(28.2, 5);
    expect(labelHeight(b, true)).toBeCloseTo(top + 3, 5);
  });
});

describe('instance matrices', () => {
  it('writes the same matrix as Object3D (translate · rotate Y · scale)', () => {
    const array = new Float32Array(32);
    writeTransform(array, 1, 10, 4, -20, 0.7, 2, 1.5, 16);
    const o = new Object3D();
    o.position.set(10, 4, -20);
    o.rotation.set(0, 0.7, 0);
    o.scale.set(2, 1.5, 16);
    o.updateMatrix();
    expect(Array.from(array.slice(16))).toEqual(o.matrix.elements.map((v) => expect.closeTo(v, 5)));
  });

  it('grows capacity by doubling', () => {
    expect(capacityFor(0)).toBe(256);
    expect(capacityFor(257)).toBe(512);
    expect(capacityFor(10_000)).toBe(16_384);
  });
});

describe('picking', () => {
  const buildings: BuildingInfo[] = [
    { id: 'A', name: 'A', use: 'residential', floors: 6, height: 18, minHeight: 0, polygons: [[[[0, 0], [20, 0], [20, 20], [0, 20], [0, 0]]]], center: [10, 10] },
    { id: 'B', name: 'B', use: 'residential', floors: 6, height: 18, minHeight: 0, polygons: [[[[40, 0], [60, 0], [60, 20], [40, 20], [40, 0]]]], center: [50, 10] },
  ];

  it('names the building under a real raycast through the merged mesh', () => {
    const mesh = new Mesh(buildBuildingsGeometry(buildings)!, new MeshBasicMaterial());
    mesh.name = 'buildings';
    const down = new Vector3(0, -1, 0);
    expect(resolvePick(new Raycaster(new Vector3(50, 100, -10), down).intersectObject(mesh))).toEqual({ kind: 'building', id: 'B' });
    expect(resolvePick(new Raycaster(new Vector3(10, 100, -10), down).intersectObject(mesh))).toEqual({ kind: 'building', id: 'A' });
    expect(resolvePick(new Raycaster(new Vector3(30, 100, -10), down).intersectObject(mesh))).toBeNull();
  });

  it('names the instance under a raycast through an InstancedMesh, and prefers markers to buildings', () => {
    const guards = createInstances(new BoxGeometry(4, 4, 4), new MeshBasicMaterial(), 8, 'guards');
    const positions = [[5, 0, -5], [50, 0, -10]];
    positions.forEach(([x, y, z], i) => guards.setMatrixAt(i, new Matrix4().makeTranslation(x, y, z)));
    guards.count = 2;
    (guards.userData.ids as string[]).push('G01', 'G02');
    guards.computeBoundingSphere();
    const building = new Mesh(buildBuildingsGeometry(buildings)!, new MeshBasicMaterial());
    building.name = 'buildings';
    const ray = new Raycaster(new Vector3(50, 100, -10), new Vector3(0, -1, 0));
    const hits = ray.intersectObjects([building, guards]);
    expect(hits[0].object).toBe(building); // the roof is nearer…
    expect(resolvePick(hits)).toEqual({ kind: 'guard', id: 'G02' }); // …but the guard is what was aimed at
    expect(guards).toBeInstanceOf(InstancedMesh);
  });

  it('ignores hits on unnamed objects and instances without an id', () => {
    const stray = { object: Object.assign(new Object3D(), { name: 'ground' }), distance: 1 } as unknown as Intersection;
    const unnamed = { object: Object.assign(new Object3D(), { name: 'guards', userData: { ids: [] } }), distance: 1, instanceId: 3 } as unknown as Intersection;
    expect(resolvePick([stray, unnamed])).toBeNull();
  });
});

describe('checkpoint ages', () => {
  it('fresh within 30 min, due until 2 h, overdue after or never', () => {
    const now = 10 * 3600_000;
    expect(checkpointState(now - CHECKPOINT_FRESH_MS, now)).toBe('fresh');
    expect(checkpointState(now - CHECKPOINT_FRESH_MS - 1, now)).toBe('due');
    expect(checkpointState(now - CHECKPOINT_OVERDUE_MS - 1, now)).toBe('overdue');
    expect(checkpointState(undefined, now)).toBe('overdue');
  });
});

describe('staleness', () => {
  const base = { startedAt: 1_000, expectedSources: new Set(['camera', 'patrol'] as const) };

  it('reports a source silent for staleAfter, counted from page start when never heard', () => {
    const store = { ...base, lastHeard: { camera: 50_000, patrol: 0, gate: 0 } };
    const link = { connected: true, since: 0 };
    expect(staleSources(store, 60_000, 120_000, link)).toEqual([]);
    expect(staleSources(store, 170_000, 120_000, link)).toEqual([
      { source: 'camera', silentMs: 120_000 },
      { source: 'patrol', silentMs: 169_000 },
    ]);
  });

  it('ignores sources the estate has no devices for, unless they were heard once', () => {
    expect(staleSources({ ...base, lastHeard: { camera: 0, patrol: 0, gate: 0 } }, 500_000, 1000, { connected: true, since: 0 }).map((s) => s.source)).toEqual(['camera', 'patrol']);
    expect(staleSources({ ...base, lastHeard: { camera: 0, patrol: 0, gate: 10 } }, 500_000, 1000, { connected: true, since: 0 }).map((s) => s.source)).toEqual(['camera', 'patrol', 'gate']);
  });

  it('says so when the live link is down, after a short grace', () => {
    const store = { ...base, lastHeard: { camera: 100, patrol: 100, gate: 0 } };
    expect(staleSources(store, 105, 120_000, { connected: false, since: 100 })).toEqual([]);
    expect(staleSources(store, 20_100, 120_000, { connected: false, since: 100 })[0]).toEqual({ source: 'link', silentMs: 20_000 });
  });

  it('says so when the server node lost its cluster link, after the same grace, and not on top of a link that is down', () => {
    const store = { ...base, lastHeard: { camera: 100, patrol: 100, gate: 0 } };
    const up = { connected: true, since: 0 };
    expect(staleSources({ ...store, clusterLink: { state: 'down', since: 100 } }, 5_100, 120_000, up)).toEqual([]);
    expect(staleSources({ ...store, clusterLink: { state: 'down', since: 100 } }, 10_100, 120_000, up)).toEqual([{ source: 'cluster', silentMs: 10_000 }]);
    expect(staleSources({ ...store, clusterLink: { state: 'up', since: 100 } }, 50_100, 120_000, up)).toEqual([]);
    expect(staleSources({ ...store, clusterLink: null }, 50_100, 120_000, up)).toEqual([]);
    expect(staleSources({ ...store, clusterLink: { state: 'down', since: 100 } }, 20_100, 120_000, { connected: false, since: 100 }).map((s) => s.source)).toEqual(['link']);
  });

  it('splits a silence into hours, minutes, seconds', () => {
    expect(silenceParts(3_725_000)).toEqual({ hours: 1, minutes: 2, seconds: 5 });
  });
});

describe('kiosk options', () => {
  it('reads kiosk, staleAfter and tourAfter from the URL, with defaults', () => {
    expect(parseKioskOptions('')).toEqual({ kiosk: false, staleAfterMs: 120_000, tourAfterMs: 0 });
    expect(parseKioskOptions('?kiosk=1&staleAfter=3')).toEqual({ kiosk: true, staleAfterMs: 3000, tourAfterMs: 60_000 });
    expect(parseKioskOptions('?kiosk=true&tourAfter=0&staleAfter=abc')).toEqual({ kiosk: true, staleAfterMs: 120_000, tourAfterMs: 0 });
    expect(parseKioskOptions('?kiosk=0&tourAfter=5').kiosk).toBe(false);
  });
});

describe('details look-ups', () => {
  const tower: BuildingInfo = { id: 't', name: '1号楼', use: 'residential', floors: 18, height: 54, minHeight: 0, polygons: [[[[0, 0], [20, 0], [20, 20], [0, 20], [0, 0]]]], center: [10, 10] };
  const device = (id: string, x: number | null, y: number | null): DeviceInfo => ({ id, kind: 'camera', name: id, x, y, heading: 0, fov: 60 });

  it('counts devices inside a footprint or on its façade, not across the street', () => {
    expect(nearBuilding(tower, 10, 10)).toBe(true);
    expect(nearBuilding(tower, 24, 10)).toBe(true);
    expect(nearBuilding(tower, 40, 10)).toBe(false);
    const devices = [device('inside', 5, 5), device('facade', -3, 10), device('street', 40, 40), device('unplaced', null, null)];
    expect(devicesOfBuilding(tower, devices).map((d) => d.id)).toEqual(['inside', 'facade']);
    expect(buildingOfDevice(devices[1], [tower])?.id).toBe('t');
    expect(buildingOfDevice(devices[2], [tower])).toBeNull();
  });

  it('finds a building\'s open alerts by tag, device or place', () => {
    const alerts = [
      { id: 1, building: 't', status: 'open' },
      { id: 2, device: 'inside', status: 'open' },
      { id: 3, x: 5, y: 5, status: 'open' },
      { id: 4, x: 50, y: 50, source: 'other', status: 'open' },
    ];
    expect(buildingAlerts(alerts, tower, new Set(['inside'])).map((a) => a.id)).toEqual([1, 2, 3]);
  });
});
