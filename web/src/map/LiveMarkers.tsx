// Guards (with short trails), vehicles, cameras and alarm rings: one InstancedMesh per kind,
// refreshed inside the frame loop from the mutable LiveStore when its version moves (never through
// React state), so a message burst costs nothing until the next frame and one frame rewrites each
// kind's arrays once. Capacity grows by doubling, so draw calls stay flat at any marker count.
import { useFrame, useThree } from '@react-three/fiber';
import { useEffect, useMemo, useRef, useState } from 'react';
import { CircleGeometry, Color, DoubleSide, MeshBasicMaterial, MeshStandardMaterial, type InstancedMesh } from 'three';
import type { LiveStore } from '../live/live-store.ts';
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

export function LiveMarkers({ store, counts, layers, clock = Date.now }: { store: LiveStore; counts: MarkerCounts; layers: MarkerLayers; clock?: () => number }) {
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
  const shown = useRef(layers);
  shown.current = layers;
  const invalidateFrame = useThree((st) => st.invalidate);
  // a layer switched: draw the change now, not at the next heartbeat
  useEffect(() => invalidateFrame(), [layers, invalidateFrame]);
  const trailColor = useMemo(() => new Color(), []);

  useFrame(({ clock: frameClock, invalidate }) => {
    const now = clock();
    const s = state.current;
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
    if (s.guards !== v.guards || s.meshes !== guards || s.trails !== trails) {
      s.guards = v.guards;
      s.meshes = guards;
      s.trails = trails;
      writeGuards(store, guards, trails, trailColor, s.colored !== guards);
      s.colored = guards;
      counts.guards = guards.count;
    }
    if (s.vehicles !== v.vehicles || s.vehicleMesh !== vehicles) {
      s.vehicles = v.vehicles;
      s.vehicleMesh = vehicles;
      writeVehicles(store, vehicles, s.queue);
      counts.vehicles = vehicles.count;
    }
    if (s.cameras !== v.cameras || s.cameraMesh !== cameras) {
      s.cameras = v.cameras;
      s.cameraMesh = cameras;
      s.cameraAlarm = writeCameras(store, cameras, now);
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
      const scale = 12 + 34 * phase;
      for (const camera of store.cameras.values()) {
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
  });

  return (
    <group name="live-markers">
      {/* visibility (layer on and something to draw) is set in the frame loop */}
      <primitive object={trails} />
      <primitive object={guards} />
      <primitive object={vehicles} />
      <primitive object={cameras} />
      <primitive object={alarms} />
    </group>
  );
}

function writeGuards(store: LiveStore, guards: InstancedMesh, trails: InstancedMesh, trailColor: Color, recolor: boolean): void {
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
  for (const guard of store.guards.values()) {
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

function writeVehicles(store: LiveStore, vehicles: InstancedMesh, queue: Map<number, number>): void {
  const matrices = vehicles.instanceMatrix.array as Float32Array;
  const colors = vehicles.instanceColor!.array as Float32Array;
  const ids = instanceIds(vehicles);
  ids.length = 0;
  // vehicles read at the same gate queue up beside it instead of drawing on top of each other
  queue.clear();
  let i = 0;
  for (const vehicle of store.vehicles.values()) {
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
function writeCameras(store: LiveStore, cameras: InstancedMesh, now: number): boolean {
  const matrices = cameras.instanceMatrix.array as Float32Array;
  const colors = cameras.instanceColor!.array as Float32Array;
  const ids = instanceIds(cameras);
  ids.length = 0;
  let alarmed = false;
  let i = 0;
  for (const camera of store.cameras.values()) {
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
