// The view: framed on the estate from the south for the canvas's own aspect ratio, orbit/zoom/pan by
// mouse or touch, kept above the ground so an accidental drag on the wall screen cannot flip the map.
import { OrbitControls } from '@react-three/drei';
import { useThree } from '@react-three/fiber';
import { useLayoutEffect, useMemo } from 'react';
import type { PerspectiveCamera } from 'three';
import { framingPose, type Bounds } from './estate-bounds.ts';

export function CameraRig({ bounds, fov, height }: { bounds: Bounds; fov: number; height: number }) {
  const camera = useThree((s) => s.camera) as PerspectiveCamera;
  const size = useThree((s) => s.size);
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
  return (
    <OrbitControls
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
