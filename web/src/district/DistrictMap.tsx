// The district overview: every estate one instance of one box (footprint, coloured by condition)
// plus one instance of one flat disc (the badge ring, larger for open serious alerts): two instanced
// draw calls and the ground, whatever the number of estates (1,000 estates ≤ 20 draw calls).
// A light 2.5D view from above; a click on an estate drills down.
import { Canvas, type ThreeEvent } from '@react-three/fiber';
import { useLayoutEffect, useMemo, useRef } from 'react';
import { Color, Object3D, type InstancedMesh } from 'three';
import type { EstateBadge } from '../../../protocol/org.ts';
import { CONDITION_COLOURS, placeEstates } from './district-geometry.ts';

declare global {
  interface Window {
    /** draw calls and frame time of the last frames (bench, e2e) */
    __districtStats?: { calls: number; triangles: number; frameMs: number; frames: number };
  }
}

/** The naive variant for the benchmark (?naive=1): one mesh per estate. */
function NaiveEstates({ badges }: { badges: readonly EstateBadge[] }) {
  const { placed } = useMemo(() => placeEstates(badges), [badges]);
  return (
    <>
      {placed.map((p, i) => (
        <mesh key={p.estate} position={[p.x, p.height / 2, -p.y]} scale={[p.size, p.height, p.size]}>
          <boxGeometry args={[1, 1, 1]} />
          <meshLambertMaterial color={CONDITION_COLOURS[badges[i].condition]} />
        </mesh>
      ))}
    </>
  );
}
const NAIVE = typeof location !== 'undefined' && new URLSearchParams(location.search).get('naive') === '1';

function Estates({ badges, onPick }: { badges: readonly EstateBadge[]; onPick(estate: string): void }) {
  const boxes = useRef<InstancedMesh>(null);
  const rings = useRef<InstancedMesh>(null);
  const { placed } = useMemo(() => placeEstates(badges), [badges]);
  useLayoutEffect(() => {
    const o = new Object3D();
    const c = new Color();
    placed.forEach((p, i) => {
      const b = badges[i];
      o.position.set(p.x, p.height / 2, -p.y);
      o.scale.set(p.size, p.height, p.size);
      o.updateMatrix();
      boxes.current!.setMatrixAt(i, o.matrix);
      boxes.current!.setColorAt(i, c.set(CONDITION_COLOURS[b.condition]));
      const serious = b.alerts.critical + b.alerts.major;
      const r = p.size * (serious ? 1.6 + Math.min(1.5, serious * 0.3) : 1.15);
      o.position.set(p.x, 1, -p.y);
      o.scale.set(r, 1, r);
      o.updateMatrix();
      rings.current!.setMatrixAt(i, o.matrix);
      rings.current!.setColorAt(i, c.set(CONDITION_COLOURS[b.condition]));
    });
    for (const m of [boxes.current!, rings.current!]) {
      m.count = placed.length;
      m.instanceMatrix.needsUpdate = true;
      if (m.instanceColor) m.instanceColor.needsUpdate = true;
      m.computeBoundingSphere();
    }
  }, [placed, badges]);
  const capacity = Math.max(16, badges.length);
  const click = (e: ThreeEvent<MouseEvent>) => {
    e.stopPropagation();
    if (e.instanceId !== undefined && badges[e.instanceId]) onPick(badges[e.instanceId].estate);
  };
  return (
    <>
      <instancedMesh key={`b${capacity}`} ref={boxes} args={[undefined, undefined, capacity]} onClick={click}>
        <boxGeometry args={[1, 1, 1]} />
        <meshLambertMaterial />
      </instancedMesh>
      <instancedMesh key={`r${capacity}`} ref={rings} args={[undefined, undefined, capacity]} rotation={[0, 0, 0]}>
        <cylinderGeometry args={[0.5, 0.5, 1, 24, 1, true]} />
        <meshBasicMaterial transparent opacity={0.35} />
      </instancedMesh>
    </>
  );
}

export function DistrictMap({ badges, onPick }: { badges: readonly EstateBadge[]; onPick(estate: string): void }) {
  const { extent } = useMemo(() => placeEstates(badges), [badges]);
  return (
    <Canvas
      className="district-map"
      orthographic
      camera={{ position: [0, extent * 1.2, extent * 0.9], zoom: 1, near: 1, far: extent * 10 }}
      onCreated={({ camera, size, gl }) => {
        // time each render submission on the main thread and count its draw calls (bench, e2e)
        const render = gl.render.bind(gl);
        gl.render = (scene, cam) => {
          const t = performance.now();
          render(scene, cam);
          window.__districtStats = { calls: gl.info.render.calls, triangles: gl.info.render.triangles, frameMs: performance.now() - t, frames: (window.__districtStats?.frames ?? 0) + 1 };
        };
        camera.lookAt(0, 0, 0);
        // fit the district: the ortho zoom that shows ±extent in the smaller screen side
        (camera as unknown as { zoom: number; updateProjectionMatrix(): void }).zoom = Math.min(size.width, size.height) / (2.2 * extent);
        (camera as unknown as { updateProjectionMatrix(): void }).updateProjectionMatrix();
      }}
      gl={{ antialias: true, preserveDrawingBuffer: true }}
    >
      <color attach="background" args={['#eef2f5']} />
      <ambientLight intensity={1.6} />
      <directionalLight position={[extent, extent * 2, extent]} intensity={1.4} />
      <mesh rotation={[-Math.PI / 2, 0, 0]} position={[0, -0.5, 0]}>
        <planeGeometry args={[extent * 2.6, extent * 2.6]} />
        <meshLambertMaterial color="#dfe6ec" />
      </mesh>
      {NAIVE ? <NaiveEstates badges={badges} /> : <Estates badges={badges} onPick={onPick} />}
    </Canvas>
  );
}
