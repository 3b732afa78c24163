// Guards, vehicles, cameras and alarm rings: one InstancedMesh per kind, refreshed inside the frame loop from the
// mutable LiveStore when its version moves (never through React state), so a message burst costs
// nothing until the next frame, and one frame rewrites each kind's matrices once.
import { useMemo, useRef } from 'react';
import { useFrame } from '@react-three/fiber';
import { Color, DoubleSide, DynamicDrawUsage, InstancedMesh, MeshBasicMaterial, Object3D } from 'three';
import type { LiveStore } from '../live/live-store.ts';
import { alarmRingGeometry, CAMERA_REACH, cameraConeGeometry, coneSpread, guardPinGeometry, vehicleGeometry } from './marker-geometry.ts';

/** Instances per kind; beyond this the oldest extra markers are not drawn. */
export const MARKER_CAPACITY = 512;
const CAMERA_HEIGHT = 4;

const COLORS = {
  guard: new Color('#3dff8b'),
  vehicleIn: new Color('#ffb020'),
  vehicleOut: new Color('#c98a2a'),
  camera: new Color('#38d6ff'),
  cameraOffline: new Color('#5a6678'),
  cameraAlarm: new Color('#ff2d55'),
  cameraAlarmFlash: new Color('#ffb3c1'),
};

export interface MarkerCounts {
  guards: number;
  vehicles: number;
  cameras: number;
}

export function LiveMarkers({ store, counts }: { store: LiveStore; counts: MarkerCounts }) {
  const guards = useRef<InstancedMesh>(null);
  const vehicles = useRef<InstancedMesh>(null);
  const cameras = useRef<InstancedMesh>(null);
  const alarms = useRef<InstancedMesh>(null);
  const geometries = useMemo(() => ({ guard: guardPinGeometry(), vehicle: vehicleGeometry(), camera: cameraConeGeometry(), alarm: alarmRingGeometry() }), []);
  const state = useRef({ version: -1, alarmed: false });
  const place = useMemo(() => new Object3D(), []);
  const pulse = useMemo(() => new Color(), []);

  useFrame(({ clock, invalidate }) => {
    const now = Date.now();
    const s = state.current;
    const g = guards.current;
    const v = vehicles.current;
    const c = cameras.current;
    const a = alarms.current;
    if (!g || !v || !c || !a) return;
    const changed = s.version !== store.markersVersion;
    if (changed) {
      s.version = store.markersVersion;

      let i = 0;
      for (const guard of store.guards.values()) {
        if (i >= MARKER_CAPACITY) break;
        place.position.set(guard.x, 0, -guard.y);
        place.rotation.set(0, 0, 0);
        place.scale.setScalar(1);
        place.updateMatrix();
        g.setMatrixAt(i, place.matrix);
        g.setColorAt(i, COLORS.guard);
        i++;
      }
      g.count = i;
      counts.guards = i;
      g.instanceMatrix.needsUpdate = true;
      if (g.instanceColor) g.instanceColor.needsUpdate = true;

      // vehicles read at the same gate queue up beside it instead of drawing on top of each other
      const queue = new Map<string, number>();
      i = 0;
      for (const vehicle of store.vehicles.values()) {
        if (i >= MARKER_CAPACITY) break;
        const spot = `${Math.round(vehicle.x)},${Math.round(vehicle.y)}`;
        const n = queue.get(spot) ?? 0;
        queue.set(spot, n + 1);
        place.position.set(vehicle.x + (n % 4) * 11, 0, -vehicle.y + Math.floor(n / 4) * 7);
        place.rotation.set(0, 0, 0);
        place.scale.setScalar(1);
        place.updateMatrix();
        v.setMatrixAt(i, place.matrix);
        v.setColorAt(i, vehicle.direction === 'out' ? COLORS.vehicleOut : COLORS.vehicleIn);
        i++;
      }
      v.count = i;
      counts.vehicles = i;
      v.instanceMatrix.needsUpdate = true;
      if (v.instanceColor) v.instanceColor.needsUpdate = true;

      i = 0;
      s.alarmed = false;
      for (const camera of store.cameras.values()) {
        if (i >= MARKER_CAPACITY) break;
        const spread = coneSpread(camera.fov);
        place.position.set(camera.x, CAMERA_HEIGHT, -camera.y);
        place.rotation.set(0, (-camera.heading * Math.PI) / 180, 0);
        place.scale.set(spread, 1.5, CAMERA_REACH);
        place.updateMatrix();
        c.setMatrixAt(i, place.matrix);
        c.setColorAt(i, camera.online ? COLORS.camera : COLORS.cameraOffline);
        if (camera.alarmUntil > now) s.alarmed = true;
        i++;
      }
      if (store.alertSpots.size) s.alarmed = true;
      c.count = i;
      counts.cameras = i;
      c.instanceMatrix.needsUpdate = true;
      if (c.instanceColor) c.instanceColor.needsUpdate = true;
    }
    // alarmed cameras pulse red and ripple a ring on the ground; only then does anything change per frame
    if (s.alarmed || a.count > 0) {
      const phase = (clock.elapsedTime * 0.8) % 1;
      const strength = 0.55 + 0.45 * Math.sin(clock.elapsedTime * 6);
      let i = 0;
      let rings = 0;
      for (const camera of store.cameras.values()) {
        if (i >= MARKER_CAPACITY) break;
        if (camera.alarmUntil > now) {
          c.setColorAt(i, pulse.copy(COLORS.cameraAlarm).lerp(COLORS.cameraAlarmFlash, 1 - strength));
          place.position.set(camera.x, 0, -camera.y);
          place.rotation.set(0, 0, 0);
          place.scale.setScalar(12 + 34 * phase);
          place.updateMatrix();
          a.setMatrixAt(rings++, place.matrix);
        }
        i++;
      }
      for (const spot of store.alertSpots.values()) {
        if (rings >= MARKER_CAPACITY) break;
        place.position.set(spot.x, 0, -spot.y);
        place.rotation.set(0, 0, 0);
        place.scale.setScalar(12 + 34 * phase);
        place.updateMatrix();
        a.setMatrixAt(rings++, place.matrix);
      }
      a.count = rings;
      a.instanceMatrix.needsUpdate = true;
      (a.material as MeshBasicMaterial).opacity = 0.35 + 0.65 * (1 - phase);
      if (c.instanceColor) c.instanceColor.needsUpdate = true;
      // the frame loop renders on demand: keep asking for frames while an alarm ripples
      invalidate();
    }
  });

  return (
    <group name="live-markers">
      {/* guards are what operators look for first: drawn last and through buildings, never hidden behind a tower */}
      <instancedMesh ref={guards} args={[geometries.guard, undefined, MARKER_CAPACITY]} count={0} frustumCulled={false} name="guards"
        onUpdate={(m) => m.instanceMatrix.setUsage(DynamicDrawUsage)} renderOrder={10}>
        <meshStandardMaterial emissive="#1f8f4f" emissiveIntensity={0.8} roughness={0.4} depthTest={false} transparent opacity={0.95} />
      </instancedMesh>
      <instancedMesh ref={vehicles} args={[geometries.vehicle, undefined, MARKER_CAPACITY]} count={0} frustumCulled={false} name="vehicles"
        onUpdate={(m) => m.instanceMatrix.setUsage(DynamicDrawUsage)}>
        <meshStandardMaterial emissive="#6a4300" emissiveIntensity={0.6} roughness={0.5} />
      </instancedMesh>
      <instancedMesh ref={cameras} args={[geometries.camera, undefined, MARKER_CAPACITY]} count={0} frustumCulled={false} name="cameras"
        onUpdate={(m) => m.instanceMatrix.setUsage(DynamicDrawUsage)} renderOrder={2}>
        {/* double-sided so the open cone shows its inside; one pass, not the back-then-front two */}
        <meshBasicMaterial transparent opacity={0.4} depthWrite={false} side={DoubleSide} forceSinglePass />
      </instancedMesh>
      {/* incidents ripple on top of everything: an alarm must never hide behind a building */}
      <instancedMesh ref={alarms} args={[geometries.alarm, undefined, MARKER_CAPACITY]} count={0} frustumCulled={false} name="alarm-rings"
        onUpdate={(m) => m.instanceMatrix.setUsage(DynamicDrawUsage)} renderOrder={3}>
        <meshBasicMaterial color="#ff2d55" transparent depthWrite={false} depthTest={false} />
      </instancedMesh>
    </group>
  );
}
