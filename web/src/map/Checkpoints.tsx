// Patrol checkpoints: one InstancedMesh of small beacons (one draw call for all of them).
import { useLayoutEffect, useRef } from 'react';
import { InstancedMesh, Object3D } from 'three';
import type { CheckpointInfo } from '../../../protocol/api.ts';

export function Checkpoints({ checkpoints }: { checkpoints: readonly CheckpointInfo[] }) {
  const mesh = useRef<InstancedMesh>(null);
  useLayoutEffect(() => {
    const target = mesh.current;
    if (!target) return;
    const place = new Object3D();
    checkpoints.forEach((c, i) => {
      place.position.set(c.x, 0.6, -c.y);
      place.updateMatrix();
      target.setMatrixAt(i, place.matrix);
    });
    target.count = checkpoints.length;
    target.instanceMatrix.needsUpdate = true;
    target.computeBoundingSphere();
  }, [checkpoints]);
  if (!checkpoints.length) return null;
  return (
    <instancedMesh ref={mesh} args={[undefined, undefined, checkpoints.length]} name="checkpoints" frustumCulled={false}>
      <cylinderGeometry args={[2.4, 2.4, 1.2, 6]} />
      <meshBasicMaterial color="#2ee6c5" />
    </instancedMesh>
  );
}
