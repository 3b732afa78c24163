// Points the view at alerts: flies the camera to a place asked for in map-commands (keeping the
// viewing direction, closing in), and pulses places with an expanding ring and a beam of light that
// reads from across the control room. Everything happens in the frame loop from the mutable command
// store; frames are requested only while something moves.
import { useFrame, useThree } from '@react-three/fiber';
import { useMemo, useRef } from 'react';
import { AdditiveBlending, Color, CylinderGeometry, DoubleSide, DynamicDrawUsage, InstancedMesh, Object3D, RingGeometry, Vector3 } from 'three';
import { expirePulses, mapCommands } from './map-commands.ts';

const MAX_PULSES = 16;
const FLY_MS = 1_400;
/** The view closes in to at most this far from the place (metres). */
const FLY_DISTANCE = 260;
const BEAM_HEIGHT = 120;

declare global {
  interface Window {
    /** where the last fly-to ended (local metres), for end-to-end tests */
    __SE_MAP_FLIGHT__?: { seq: number; x: number; y: number };
  }
}

interface Controls {
  target: Vector3;
  update(): void;
}

interface Flight {
  seq: number;
  start: number;
  fromTarget: Vector3;
  fromCamera: Vector3;
  toTarget: Vector3;
  toCamera: Vector3;
}

const ease = (t: number) => (t < 0.5 ? 4 * t * t * t : 1 - Math.pow(-2 * t + 2, 3) / 2);

export function AlertPulses() {
  const camera = useThree((s) => s.camera);
  const controls = useThree((s) => s.controls) as unknown as Controls | null;
  const rings = useRef<InstancedMesh>(null);
  const beams = useRef<InstancedMesh>(null);
  const geometry = useMemo(
    () => ({
      ring: new RingGeometry(0.8, 1, 64).rotateX(-Math.PI / 2).translate(0, 0.6, 0),
      beam: new CylinderGeometry(1, 1, 1, 24, 1, true).translate(0, 0.5, 0),
    }),
    [],
  );
  const place = useMemo(() => new Object3D(), []);
  const color = useMemo(() => new Color(), []);
  const flight = useRef<Flight | null>(null);
  const seen = useRef(0);

  useFrame(({ invalidate }) => {
    const now = Date.now();
    // a new fly-to request: from where we are to the same view direction over the place
    const request = mapCommands.flyTo;
    if (request && request.seq !== seen.current) {
      seen.current = request.seq;
      const fromTarget = controls ? controls.target.clone() : new Vector3();
      const fromCamera = camera.position.clone();
      const toTarget = new Vector3(request.x, 0, -request.y);
      const offset = fromCamera.clone().sub(fromTarget);
      if (offset.length() > FLY_DISTANCE) offset.setLength(FLY_DISTANCE);
      flight.current = { seq: request.seq, start: now, fromTarget, fromCamera, toTarget, toCamera: toTarget.clone().add(offset) };
    }
    const f = flight.current;
    if (f) {
      const t = Math.min(1, (now - f.start) / FLY_MS);
      const k = ease(t);
      camera.position.lerpVectors(f.fromCamera, f.toCamera, k);
      if (controls) {
        controls.target.lerpVectors(f.fromTarget, f.toTarget, k);
        controls.update();
      } else camera.lookAt(f.toTarget);
      if (t >= 1) {
        flight.current = null;
        window.__SE_MAP_FLIGHT__ = { seq: f.seq, x: f.toTarget.x, y: -f.toTarget.z };
      }
      invalidate();
    }

    const r = rings.current;
    const b = beams.current;
    if (!r || !b) return;
    const running = expirePulses(now);
    let i = 0;
    for (const p of mapCommands.pulses.values()) {
      if (i >= MAX_PULSES) break;
      const age = (now - p.from) / 1000;
      const phase = (age * 0.9) % 1;
      color.set(p.color);
      place.position.set(p.x, 0, -p.y);
      place.rotation.set(0, 0, 0);
      place.scale.setScalar(8 + 52 * phase);
      place.updateMatrix();
      r.setMatrixAt(i, place.matrix);
      r.setColorAt(i, color.clone().multiplyScalar(1 - phase * 0.8));
      const glow = 0.6 + 0.4 * Math.sin(age * 7);
      place.scale.set(3, BEAM_HEIGHT, 3);
      place.updateMatrix();
      b.setMatrixAt(i, place.matrix);
      b.setColorAt(i, color.multiplyScalar(glow));
      i++;
    }
    r.count = i;
    b.count = i;
    r.visible = b.visible = i > 0;
    r.instanceMatrix.needsUpdate = true;
    b.instanceMatrix.needsUpdate = true;
    if (r.instanceColor) r.instanceColor.needsUpdate = true;
    if (b.instanceColor) b.instanceColor.needsUpdate = true;
    // the map renders on demand: keep frames coming while a place pulses
    if (running) invalidate();
  });

  return (
    <group name="alert-pulses">
      <instancedMesh ref={rings} args={[geometry.ring, undefined, MAX_PULSES]} count={0} visible={false} frustumCulled={false} renderOrder={12}
        onUpdate={(m) => m.instanceMatrix.setUsage(DynamicDrawUsage)}>
        <meshBasicMaterial transparent opacity={0.9} depthTest={false} depthWrite={false} side={DoubleSide} blending={AdditiveBlending} />
      </instancedMesh>
      <instancedMesh ref={beams} args={[geometry.beam, undefined, MAX_PULSES]} count={0} visible={false} frustumCulled={false} renderOrder={11}
        onUpdate={(m) => m.instanceMatrix.setUsage(DynamicDrawUsage)}>
        <meshBasicMaterial transparent opacity={0.35} depthWrite={false} side={DoubleSide} blending={AdditiveBlending} />
      </instancedMesh>
    </group>
  );
}
