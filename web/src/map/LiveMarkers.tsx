// Guards (with short trails), vehicles, cameras and alarm rings: one InstancedMesh per kind,
// refreshed inside the frame loop from the mutable LiveStore when its version moves (never through
// React state), so a message burst costs nothing until the next frame and one frame rewrites each
// kind's arrays once. Capacity grows by doubling, so draw calls stay flat at any marker count.
// At the far zoom, crowded screen cells draw one count badge instead of their markers (declutter.ts,
// cluster-badges.ts: one more draw call for all badges, fewer marker instances).
import { useFrame, useThree } from '@react-three/fiber';
import { useEffect, useMemo, useRef, useState } from 'react';
import { CircleGeometry, Color, DoubleSide, MeshBasicMaterial, MeshStandardMaterial, Vector3, type InstancedMesh, type PerspectiveCamera } from 'three';
import type { LiveStore } from '../live/live-store.ts';
import { createBadgeMesh, disposeBadgeMesh, writeBadges } from './cluster-badges.ts';
import { clusterPoints, FAR_M_PER_PX, groundDistance, metresPerPixel, type Clusters, type ScreenPoints } from './declutter.ts';
import { capacityFor, commit, createInstances, instanceIds, writeColor, writeTransform } from './instances.ts';
import { alarmRingGeometry, CAMERA_REACH, cameraConeGeometry, coneSpread, CROWD_GUARDS, guardPinGeometry, guardPinLowGeometry, vehicleGeometry } from './marker-geometry.ts';

const CAMERA_HEIGHT = 4;
const DEG = Math.PI / 180;

export const MARKER_COLORS = {
  guard: new Color('#3dff8b'),
  trail: new Color('#3dff8b'),
  vehicleIn: new Color('#ffb020'),
  vehicleOut: new Color('#c98a2a'),
  vehicleParked: new Color('#b98a3a'),
  camera: new Color('#38d6ff'),
  cameraOffline: new Color('#6b7687'),
  cameraAlarm: new Color('#ff2d55'),
  cameraAlarmFlash: new Color('#ffb3c1'),
};

/** Badge tints by kind (declutter.ts KINDS order). */
const BADGE_COLORS = [MARKER_COLORS.guard, MARKER_COLORS.vehicleIn, MARKER_COLORS.camera];

declare global {
  interface Window {
    /** the far zoom's decluttering as last computed, for tests and the benchmark */
    __SE_DECLUTTER__?: { far: boolean; metresPerPixel: number; points: number; clustered: number; badges: number; badgeTotal: number };
  }
}

export interface MarkerCounts {
  guards: number;
  vehicles: number;
  cameras: number;
}

export interface MarkerLayers {
  guards: boolean;
  trails: boolean;
  vehicles: boolean;
  cameras: boolean;
  alerts: boolean;
}

interface Capacities {
  guards: number;
  trails: number;
  vehicles: number;
  cameras: number;
  alarms: number;
}

function needed(store: LiveStore): Capacities {
  let trails = 0;
  for (const g of store.guards.values()) trails += g.trail.length;
  return {
    guards: store.guards.size,
    trails,
    vehicles: store.vehicles.size,
    cameras: store.cameras.size,
    alarms: store.cameras.size + store.alertSpots.size,
  };
}

export function LiveMarkers({ store, counts, layers, clock = Date.now, declutter = true }: {
  store: LiveStore;
  counts: MarkerCounts;
  layers: MarkerLayers;
  clock?: () => number;
  /** cluster crowded cells into badges at the far zoom (off: the benchmark's baseline) */
  declutter?: boolean;
}) {
  const [capacity, setCapacity] = useState<Capacities>(() => {
    const n = needed(store);
    return { guards: capacityFor(n.guards), trails: capacityFor(n.trails, 1024), vehicles: capacityFor(n.vehicles), cameras: capacityFor(n.cameras), alarms: capacityFor(n.alarms) };
  });
  const crowd = capacity.guards > CROWD_GUARDS;
  const geometries = useMemo(
    () => ({ guard: crowd ? guardPinLowGeometry() : guardPinGeometry(), vehicle: vehicleGeometry(), camera: cameraConeGeometry(), alarm: alarmRingGeometry(), trail: new CircleGeometry(1, 12).rotateX(-Math.PI / 2).translate(0, 0.35, 0) }),
    [crowd],
  );
  const materials = useMemo(
    () => ({
      // guards are what operators look for first: drawn last and through buildings, never hidden behind a tower
      guard: new MeshStandardMaterial({ emissive: '#1f8f4f', emissiveIntensity: 0.8, roughness: 0.4, depthTest: false, transparent: true, opacity: 0.95 }),
      trail: new MeshBasicMaterial({ transparent: true, opacity: 0.55, depthWrite: false }),
      vehicle: new MeshStandardMaterial({ emissive: '#6a4300', emissiveIntensity: 0.6, roughness: 0.5 }),
      // double-sided so the open cone shows its inside; one pass, not the back-then-front two
      camera: new MeshBasicMaterial({ transparent: true, opacity: 0.45, depthWrite: false, side: DoubleSide, forceSinglePass: true }),
      // incidents ripple on top of everything: an alarm must never hide behind a building
      alarm: new MeshBasicMaterial({ color: '#ff2d55', transparent: true, depthWrite: false, depthTest: false }),
    }),
    [],
  );
  useEffect(
    () => () => {
      for (const g of Object.values(geometries)) g.dispose();
      for (const m of Object.values(materials)) m.dispose();
    },
    [geometries, materials],
  );
  const guards = useMemo(() => createInstances(geometries.guard, materials.guard, capacity.guards, 'guards'), [geometries, materials, capacity.guards]);
  const trails = useMemo(() => createInstances(geometries.trail, materials.trail, capacity.trails, 'guard-trails'), [geometries, materials, capacity.trails]);
  const vehicles = useMemo(() => createInstances(geometries.vehicle, materials.vehicle, capacity.vehicles, 'vehicles'), [geometries, materials, capacity.vehicles]);
  const cameras = useMemo(() => createInstances(geometries.camera, materials.camera, capacity.cameras, 'cameras'), [geometries, materials, capacity.cameras]);
  const alarms = useMemo(() => createInstances(geometries.alarm, materials.alarm, capacity.alarms, 'alarm-rings'), [geometries, materials, capacity.alarms]);
  const badges = useMemo(() => createBadgeMesh(), []);
  useEffect(() => () => disposeBadgeMesh(badges), [badges]);
  guards.renderOrder = 10;
  trails.renderOrder = 9;
  cameras.renderOrder = 2;
  alarms.renderOrder = 3;

  const state = useRef({
    version: -1,
    guards: -1,
    vehicles: -1,
    cameras: -1,
    meshes: null as InstancedMesh | null,
    trails: null as InstancedMesh | null,
    colored: null as InstancedMesh | null,
    vehicleMesh: null as InstancedMesh | null,
    cameraMesh: null as InstancedMesh | null,
    cameraAlarm: false,
    alarmed: false,
    queue: new Map<number, number>(),
  });
  const pulse = useMemo(() => new Color(), []);
  const dc = useRef({
    result: null as Clusters | null,
    points: { n: 0, sx: new Float32Array(0), sy: new Float32Array(0), kind: new Uint8Array(0) } as ScreenPoints,
    clustered: new Uint8Array(0),
    view: new Float32Array(16).fill(NaN),
    seen: '',
    direction: new Vector3(),
    far: false,
    mpp: 0,
  });
  const shown = useRef(layers);
  shown.current = layers;
  const invalidateFrame = useThree((st) => st.invalidate);
  // a layer switched: draw the change now, not at the next heartbeat
  useEffect(() => invalidateFrame(), [layers, invalidateFrame]);
  const trailColor = useMemo(() => new Color(), []);

  useFrame(({ clock: frameClock, invalidate, camera, size }) => {
    const now = clock();
    const s = state.current;
    const d = dc.current;
    // a new store version, or new (grown) meshes to fill
    if (s.version !== store.markersVersion) {
      const n = needed(store);
      if (n.guards > capacity.guards || n.trails > capacity.trails || n.vehicles > capacity.vehicles || n.cameras > capacity.cameras || n.alarms > capacity.alarms) {
        // grow (rare): React swaps the meshes, the next frame fills them
        setCapacity({
          guards: capacityFor(n.guards),
          trails: capacityFor(n.trails, 1024),
          vehicles: capacityFor(n.vehicles),
          cameras: capacityFor(n.cameras),
          alarms: capacityFor(n.alarms),
        });
        return;
      }
      s.version = store.markersVersion;
      s.alarmed = store.alertSpots.size > 0 || s.cameraAlarm;
    }
    // each kind is rewritten (and uploaded) only when it changed: cameras rarely move, guards always do
    const v = store.kindVersions;
    // far zoom: which markers go into badges, again when the markers, the view or the layers changed
    const on0 = shown.current;
    camera.getWorldDirection(d.direction);
    d.mpp = metresPerPixel(groundDistance(camera.position, d.direction), (camera as PerspectiveCamera).fov ?? 40, size.height);
    const far = declutter && d.mpp > FAR_M_PER_PX;
    if (far) {
      const m = camera.projectionMatrix.clone().multiply(camera.matrixWorldInverse).elements;
      let viewChanged = false;
      for (let k = 0; k < 16; k++) if (d.view[k] !== m[k]) ((viewChanged = true), (d.view[k] = m[k]));
      const seen = `${v.guards}|${v.vehicles}|${v.cameras}|${store.markersVersion}|${size.width}x${size.height}|${on0.guards}${on0.vehicles}${on0.cameras}|${guards.uuid}${vehicles.uuid}${cameras.uuid}`;
      if (viewChanged || seen !== d.seen || !d.result) {
        d.seen = seen;
        d.result = clusterMarkers(store, d, m, size.width, size.height, on0, now);
        s.guards = s.vehicles = s.cameras = -1; // rewrite every kind without its clustered markers
        writeBadges(badges, d.result.badges, size.width, size.height, BADGE_COLORS);
        publishDeclutter(d, true);
      }
    } else if (d.result || d.far) {
      d.result = null;
      d.seen = '';
      d.view.fill(NaN);
      s.guards = s.vehicles = s.cameras = -1;
      commit(badges, 0);
      badges.visible = false;
      publishDeclutter(d, false);
    }
    d.far = far;
    const clustered = d.result?.clustered ?? null;
    const nGuards = store.guards.size;
    const nVehicles = store.vehicles.size;
    const guardSkip = clustered ? clustered.subarray(0, nGuards) : null;
    const vehicleSkip = clustered ? clustered.subarray(nGuards, nGuards + nVehicles) : null;
    const cameraSkip = clustered ? clustered.subarray(nGuards + nVehicles, nGuards + nVehicles + store.cameras.size) : null;
    if (s.guards !== v.guards || s.meshes !== guards || s.trails !== trails) {
      s.guards = v.guards;
      s.meshes = guards;
      s.trails = trails;
      writeGuards(store, guards, trails, trailColor, s.colored !== guards, guardSkip);
      s.colored = guards;
      counts.guards = guards.count;
    }
    if (s.vehicles !== v.vehicles || s.vehicleMesh !== vehicles) {
      s.vehicles = v.vehicles;
      s.vehicleMesh = vehicles;
      writeVehicles(store, vehicles, s.queue, vehicleSkip);
      counts.vehicles = vehicles.count;
    }
    if (s.cameras !== v.cameras || s.cameraMesh !== cameras) {
      s.cameras = v.cameras;
      s.cameraMesh = cameras;
      s.cameraAlarm = writeCameras(store, cameras, now, cameraSkip);
      s.alarmed = s.cameraAlarm || store.alertSpots.size > 0;
      counts.cameras = cameras.count;
    }
    // alarmed cameras pulse red and ripple a ring on the ground; only then does anything change per frame
    if (s.alarmed || alarms.count > 0) {
      const phase = (frameClock.elapsedTime * 0.8) % 1;
      const strength = 0.55 + 0.45 * Math.sin(frameClock.elapsedTime * 6);
      const colors = cameras.instanceColor!.array as Float32Array;
      const rings = alarms.instanceMatrix.array as Float32Array;
      let i = 0;
      let n = 0;
      let k = 0;
      const scale = 12 + 34 * phase;
      for (const camera of store.cameras.values()) {
        // i counts the cones drawn: a camera in a badge has none
        if (cameraSkip && cameraSkip[k++]) continue;
        if (camera.alarmUntil > now) {
          writeColor(colors, i, pulse.copy(MARKER_COLORS.cameraAlarm).lerp(MARKER_COLORS.cameraAlarmFlash, 1 - strength));
          writeTransform(rings, n++, camera.x, 0, -camera.y, 0, scale, 1, scale);
        }
        i++;
      }
      for (const spot of store.alertSpots.values()) writeTransform(rings, n++, spot.x, 0, -spot.y, 0, scale, 1, scale);
      commit(alarms, n, false);
      commit(cameras, cameras.count);
      materials.alarm.opacity = 0.35 + 0.65 * (1 - phase);
      s.alarmed = n > 0;
      // the frame loop renders on demand: keep asking for frames while an alarm ripples
      if (n > 0) invalidate();
    }
    // an empty InstancedMesh still costs a draw call and its state changes: hide it
    const on = shown.current;
    guards.visible = on.guards && guards.count > 0;
    trails.visible = on.guards && on.trails && trails.count > 0;
    vehicles.visible = on.vehicles && vehicles.count > 0;
    cameras.visible = on.cameras && cameras.count > 0;
    alarms.visible = on.alerts && alarms.count > 0;
    badges.visible = badges.count > 0;
  });

  return (
    <group name="live-markers">
      {/* visibility (layer on and something to draw) is set in the frame loop */}
      <primitive object={trails} />
      <primitive object={guards} />
      <primitive object={vehicles} />
      <primitive object={cameras} />
      <primitive object={alarms} />
      <primitive object={badges} />
    </group>
  );
}

/** Every marker on screen (guards, vehicles, cameras, in the store's order) into the grid; alarmed cameras and hidden layers stay out. */
function clusterMarkers(store: LiveStore, d: { points: ScreenPoints; clustered: Uint8Array }, m: ArrayLike<number>, width: number, height: number, on: MarkerLayers, now: number): Clusters {
  const n = store.guards.size + store.vehicles.size + store.cameras.size;
  if (d.points.sx.length < n) {
    const cap = capacityFor(n, 1024);
    d.points = { n, sx: new Float32Array(cap), sy: new Float32Array(cap), kind: new Uint8Array(cap) };
    d.clustered = new Uint8Array(cap);
  }
  const p = d.points;
  p.n = n;
  let i = 0;
  const put = (x: number, y: number, kind: number, eligible: boolean) => {
    // clip = M · (x, 0, -y, 1); screen px from the top left
    const cx = m[0] * x - m[8] * y + m[12];
    const cy = m[1] * x - m[9] * y + m[13];
    const cw = m[3] * x - m[11] * y + m[15];
    if (!eligible || cw <= 0) p.sx[i] = p.sy[i] = NaN;
    else {
      p.sx[i] = ((cx / cw) * 0.5 + 0.5) * width;
      p.sy[i] = (0.5 - (cy / cw) * 0.5) * height;
    }
    p.kind[i++] = kind;
  };
  for (const g of store.guards.values()) put(g.x, g.y, 0, on.guards);
  for (const v of store.vehicles.values()) put(v.x, v.y, 1, on.vehicles);
  for (const c of store.cameras.values()) put(c.x, c.y, 2, on.cameras && !(c.alarmUntil > now));
  return clusterPoints(p, width, height, {}, d.clustered);
}

function publishDeclutter(d: { result: Clusters | null; points: ScreenPoints; mpp: number }, far: boolean): void {
  const r = d.result;
  window.__SE_DECLUTTER__ = { far, metresPerPixel: d.mpp, points: far ? d.points.n : 0, clustered: r?.clusteredCount ?? 0, badges: r?.badges.length ?? 0, badgeTotal: r ? r.badges.reduce((a, b) => a + b.count, 0) : 0 };
}

function writeGuards(store: LiveStore, guards: InstancedMesh, trails: InstancedMesh, trailColor: Color, recolor: boolean, skip: Uint8Array | null = null): void {
  const matrices = guards.instanceMatrix.array as Float32Array;
  const colors = guards.instanceColor!.array as Float32Array;
  const trailMatrices = trails.instanceMatrix.array as Float32Array;
  const trailColors = trails.instanceColor!.array as Float32Array;
  const ids = instanceIds(guards);
  ids.length = 0;
  let i = 0;
  let t = 0;
  // guards are all one colour: written when the mesh is new or the crowd grew, not every frame
  const colored = recolor ? 0 : guards.count;
  let k = 0;
  for (const guard of store.guards.values()) {
    if (skip && skip[k++]) continue; // in a badge: no pin, no trail
    writeTransform(matrices, i, guard.x, 0, -guard.y);
    if (i >= colored) writeColor(colors, i, MARKER_COLORS.guard);
    ids.push(guard.guard);
    i++;
    // breadcrumbs: older ones smaller and darker
    const length = guard.trail.length;
    for (let k = 0; k < length; k++) {
      const p = guard.trail[k];
      const age = (k + 1) / (length + 1);
      writeTransform(trailMatrices, t, p.x, 0, -p.y, 0, 1.2 + 1.8 * age, 1, 1.2 + 1.8 * age);
      writeColor(trailColors, t, trailColor.copy(MARKER_COLORS.trail).multiplyScalar(0.35 + 0.65 * age));
      t++;
    }
  }
  commit(guards, i, recolor || i > colored);
  commit(trails, t);
}

function writeVehicles(store: LiveStore, vehicles: InstancedMesh, queue: Map<number, number>, skip: Uint8Array | null = null): void {
  const matrices = vehicles.instanceMatrix.array as Float32Array;
  const colors = vehicles.instanceColor!.array as Float32Array;
  const ids = instanceIds(vehicles);
  ids.length = 0;
  // vehicles read at the same gate queue up beside it instead of drawing on top of each other
  queue.clear();
  let i = 0;
  let k = 0;
  for (const vehicle of store.vehicles.values()) {
    if (skip && skip[k++]) continue;
    if (vehicle.parked) {
      writeTransform(matrices, i, vehicle.x, 0, -vehicle.y, 0, 0.7, 0.7, 0.7);
      writeColor(colors, i, MARKER_COLORS.vehicleParked);
      ids.push(vehicle.plate);
      i++;
      continue;
    }
    const spot = Math.round(vehicle.x) * 100_003 + Math.round(vehicle.y);
    const n = queue.get(spot) ?? 0;
    queue.set(spot, n + 1);
    writeTransform(matrices, i, vehicle.x + (n % 4) * 11, 0, -vehicle.y + Math.floor(n / 4) * 7);
    writeColor(colors, i, vehicle.direction === 'out' ? MARKER_COLORS.vehicleOut : MARKER_COLORS.vehicleIn);
    ids.push(vehicle.plate);
    i++;
  }
  commit(vehicles, i);
}

/** Writes the cones; true when a camera is alarmed now. */
function writeCameras(store: LiveStore, cameras: InstancedMesh, now: number, skip: Uint8Array | null = null): boolean {
  const matrices = cameras.instanceMatrix.array as Float32Array;
  const colors = cameras.instanceColor!.array as Float32Array;
  const ids = instanceIds(cameras);
  ids.length = 0;
  let alarmed = false;
  let i = 0;
  let k = 0;
  for (const camera of store.cameras.values()) {
    if (skip && skip[k++]) continue;
    writeTransform(matrices, i, camera.x, CAMERA_HEIGHT, -camera.y, -camera.heading * DEG, coneSpread(camera.fov), 1.5, CAMERA_REACH);
    const alarm = camera.alarmUntil > now;
    writeColor(colors, i, alarm ? MARKER_COLORS.cameraAlarm : camera.online ? MARKER_COLORS.camera : MARKER_COLORS.cameraOffline);
    if (alarm) alarmed = true;
    ids.push(camera.id);
    i++;
  }
  commit(cameras, i);
  return alarmed;
}
