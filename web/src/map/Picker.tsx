// Click (or tap) to pick: a press and release within a few pixels is a pick, anything longer is the
// orbit controls' drag. Raycasting happens only then — never on pointer move — so a busy estate
// costs nothing while the mouse wanders.
import { useThree } from '@react-three/fiber';
import { useEffect } from 'react';
import { InstancedMesh, Raycaster, Vector2, type Object3D } from 'three';
import { PICK_TARGETS, resolvePick, type Pick } from './picking.ts';

const CLICK_SLOP_PX = 6;

export function Picker({ onPick }: { onPick(pick: Pick | null): void }) {
  const gl = useThree((s) => s.gl);
  const camera = useThree((s) => s.camera);
  const scene = useThree((s) => s.scene);
  useEffect(() => {
    const element = gl.domElement;
    const raycaster = new Raycaster();
    const pointer = new Vector2();
    let down: { x: number; y: number } | null = null;
    const onDown = (e: PointerEvent) => {
      down = { x: e.clientX, y: e.clientY };
    };
    const onUp = (e: PointerEvent) => {
      if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > CLICK_SLOP_PX) return;
      down = null;
      const rect = element.getBoundingClientRect();
      pointer.set(((e.clientX - rect.left) / rect.width) * 2 - 1, -((e.clientY - rect.top) / rect.height) * 2 + 1);
      raycaster.setFromCamera(pointer, camera);
      const targets: Object3D[] = [];
      for (const [name] of PICK_TARGETS) {
        scene.traverseVisible((o) => {
          if (o.name !== name) return;
          // instances move: their cached bounds would make the raycast miss
          if (o instanceof InstancedMesh) o.computeBoundingSphere();
          targets.push(o);
        });
      }
      onPick(resolvePick(raycaster.intersectObjects(targets, false)));
    };
    element.addEventListener('pointerdown', onDown);
    element.addEventListener('pointerup', onUp);
    return () => {
      element.removeEventListener('pointerdown', onDown);
      element.removeEventListener('pointerup', onUp);
    };
  }, [gl, camera, scene, onPick]);
  return null;
}
