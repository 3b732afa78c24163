// The view: framed on the estate from the south, orbit/zoom/pan by mouse or touch, kept above the
// ground so an accidental drag on the wall screen cannot flip the map.
import { OrbitControls } from '@react-three/drei';
import { useThree } from '@react-three/fiber';
import { useLayoutEffect } from 'react';
import type { PerspectiveCamera } from 'three';
import type { CameraPose } from './estate-bounds.ts';

export function CameraRig({ pose }: { pose: CameraPose }) {
  const camera = useThree((s) => s.camera) as PerspectiveCamera;
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
