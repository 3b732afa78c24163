// The 3D map of one estate: ground, zones, merged buildings, checkpoints and live markers.
// Estate geometry is built once per estate; live markers update inside the frame loop.
import { Canvas } from '@react-three/fiber';
import { useMemo } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import type { LiveStore } from '../live/live-store.ts';
import { tallestRoof } from './building-geometry.ts';
import { Buildings } from './Buildings.tsx';
import { CameraRig } from './CameraRig.tsx';
import { Checkpoints } from './Checkpoints.tsx';
import { estateBounds, framingPose } from './estate-bounds.ts';
import { FrameScheduler } from './FrameScheduler.tsx';
import { Ground } from './Ground.tsx';
import { LiveMarkers, type MarkerCounts } from './LiveMarkers.tsx';
import { SceneStatsProbe } from './SceneStats.tsx';
import { Zones } from './Zones.tsx';

const BACKGROUND = '#070d18';
const FOV = 40;

export function EstateMap({ detail, store }: { detail: EstateDetail; store: LiveStore }) {
  const bounds = useMemo(() => estateBounds(detail), [detail]);
  const tallest = useMemo(() => tallestRoof(detail.buildings), [detail]);
  // the initial pose and the fog's range; CameraRig re-frames for the canvas's real aspect ratio
  const pose = useMemo(() => framingPose(bounds, FOV, 16 / 10, tallest), [bounds, tallest]);
  // written by LiveMarkers in the frame loop, read by the stats probe: a plain object, not state
  const markers = useMemo<MarkerCounts>(() => ({ guards: 0, vehicles: 0, cameras: 0 }), [store]);
  return (
    <Canvas
      frameloop="demand"
      dpr={[1, 2]}
      gl={{ antialias: true, powerPreference: 'high-performance' }}
      camera={{ fov: FOV, near: 1, far: pose.far, position: pose.position }}
      data-testid="estate-map"
    >
      <color attach="background" args={[BACKGROUND]} />
      <fog attach="fog" args={[BACKGROUND, pose.far * 0.35, pose.far * 0.9]} />
      <hemisphereLight args={['#cfe3ff', '#0b1424', 1.1]} />
      <directionalLight position={[-300, 500, 200]} intensity={1.8} color="#ffffff" />
      <directionalLight position={[400, 200, -300]} intensity={0.5} color="#7fb2ff" />
      <Ground bounds={bounds} />
      <Zones zones={detail.zones} />
      <Buildings buildings={detail.buildings} />
      <Checkpoints checkpoints={detail.checkpoints} />
      <LiveMarkers store={store} counts={markers} />
      <CameraRig bounds={bounds} fov={FOV} height={tallest} />
      <FrameScheduler store={store} />
      <SceneStatsProbe buildings={detail.buildings.length} store={store} markers={markers} />
    </Canvas>
  );
}
