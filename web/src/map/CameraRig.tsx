// The view: framed on the estate from the south for the canvas's own aspect ratio, orbit/zoom/pan by
// mouse or touch, kept above the ground so an accidental drag on the wall screen cannot flip the map.
// With `tourAfterMs` (kiosk), the view slowly circles the estate once nobody has touched it for that
// long, and stops at the first touch.
import { OrbitControls } from '@react-three/drei';
import { useFrame, useThree } from '@react-three/fiber';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import type { PerspectiveCamera } from 'three';
import type { OrbitControls as OrbitControlsImpl } from 'three-stdlib';
import { framingPose, type Bounds } from './estate-bounds.ts';

/** Degrees per second while touring: a full circle in about four minutes, calm enough to read labels. */
export const TOUR_DEG_PER_S = 1.5;

export function CameraRig({ bounds, fov, height, tourAfterMs = 0 }: { bounds: Bounds; fov: number; height: number; tourAfterMs?: number }) {
  const camera = useThree((s) => s.camera) as PerspectiveCamera;
  const size = useThree((s) => s.size);
  const gl = useThree((s) => s.gl);
  const controls = useRef<OrbitControlsImpl>(null);
  const lastInput = useRef(Date.now());
  // re-frame when the screen's shape changes noticeably, not on every pixel of a resize
  const aspect = Math.round((size.width / Math.max(1, size.height)) * 10) / 10 || 16 / 9;
  const pose = useMemo(() => framingPose(bounds, fov, aspect, height), [bounds, fov, aspect, height]);
  useLayoutEffect(() => {
    camera.position.set(...pose.position);
    camera.near = 1;
    camera.far = pose.far;
    camera.lookAt(...pose.target);
    camera.updateProjectionMatrix();
  }, [camera, pose]);
  useEffect(() => {
    const element = gl.domElement;
    const touched = () => {
      lastInput.current = Date.now();
    };
    const events = ['pointerdown', 'pointermove', 'wheel', 'keydown', 'touchstart'] as const;
    for (const e of events) element.addEventListener(e, touched, { passive: true });
    return () => {
      for (const e of events) element.removeEventListener(e, touched);
    };
  }, [gl]);
  useFrame(({ invalidate }) => {
    const c = controls.current;
    if (!c || tourAfterMs <= 0) return;
    const touring = Date.now() - lastInput.current >= tourAfterMs;
    c.autoRotate = touring;
    // OrbitControls' speed 2.0 = one turn per 30 s at 60 fps
    c.autoRotateSpeed = (TOUR_DEG_PER_S / 12) * 2;
    // the frame loop is on demand: a tour needs every frame
    if (touring) invalidate();
  });
  return (
    <OrbitControls
      ref={controls}
      makeDefault
      target={pose.target}
      enableDamping
      dampingFactor={0.08}
      maxPolarAngle={Math.PI * 0.45}
      minDistance={40}
      maxDistance={pose.far * 0.6}
    />
  );
}
