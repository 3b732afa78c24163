// The 3D map of one estate: ground, zones, merged buildings, labels, checkpoints and live markers,
// in the day or night palette, with the overlays the operator left on. Estate geometry is built once
// per estate (and theme); live markers update inside the frame loop. `store` is the live store or
// the replay's: the map draws whichever it is given.
import { Canvas } from '@react-three/fiber';
import { useMemo, type ReactNode } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import { SCENE_PALETTES, useTheme } from '../app/theme.ts';
import { serverNow } from '../app/server-clock.ts';
import type { LiveStore } from '../live/live-store.ts';
import { tallestRoof } from './building-geometry.ts';
import { BuildingHighlight, Buildings } from './Buildings.tsx';
import { AlertPulses } from './AlertPulses.tsx';
import { CameraRig } from './CameraRig.tsx';
import { Checkpoints } from './Checkpoints.tsx';
import { estateBounds, framingPose } from './estate-bounds.ts';
import { FrameScheduler } from './FrameScheduler.tsx';
import { Ground } from './Ground.tsx';
import { Labels } from './Labels.tsx';
import { useLayers } from './layers.ts';
import { LiveMarkers, type MarkerCounts } from './LiveMarkers.tsx';
import { Picker } from './Picker.tsx';
import type { Pick } from './picking.ts';
import { SceneStatsProbe } from './SceneStats.tsx';
import { WorkOrders } from './WorkOrders.tsx';
import { Zones } from './Zones.tsx';
import { Floors, type FloorStats } from './Floors.tsx';
import { useFloorView } from './floor-view.ts';
import { HeatLayer } from './HeatLayer.tsx';
import { useHeatSource, useHeatWindow } from './layers.ts';

const FOV = 40;
const PICK_COLOR = '#ffd60a';

export interface EstateMapProps {
  detail: EstateDetail;
  store: LiveStore;
  pick?: Pick | null;
  onPick?(pick: Pick | null): void;
  /** kiosk: start the slow tour after this long without input (0 = never) */
  tourAfterMs?: number;
  /** the time markers are judged at; replay passes its own */
  clock?: () => number;
  source?: 'live' | 'replay';
  /** 'never' lets a benchmark drive frames itself (default: render on demand) */
  frameloop?: 'demand' | 'never';
  /** extra scene content (the benchmark's frame driver) */
  children?: ReactNode;
  /** fetch the heat layer from the server when it is on (the benchmark draws its own grid) */
  heat?: boolean;
  /** far-zoom marker badges and overlapping labels hidden (off only for the benchmark's baseline) */
  declutter?: boolean;
}

const noPick = () => {};

export function EstateMap({ detail, store, pick = null, onPick = noPick, tourAfterMs = 0, clock, source = 'live', frameloop = 'demand', children, heat = true, declutter = true }: EstateMapProps) {
  const theme = useTheme();
  const palette = SCENE_PALETTES[theme];
  const layers = useLayers();
  const bounds = useMemo(() => estateBounds(detail), [detail]);
  const tallest = useMemo(() => tallestRoof(detail.buildings), [detail]);
  // the initial pose and the fog's range; CameraRig re-frames for the canvas's real aspect ratio
  const pose = useMemo(() => framingPose(bounds, FOV, 16 / 10, tallest), [bounds, tallest]);
  // written by LiveMarkers in the frame loop, read by the stats probe: a plain object, not state
  const markers = useMemo<MarkerCounts>(() => ({ guards: 0, vehicles: 0, cameras: 0 }), [store]);
  const picked = pick?.kind === 'building' ? (detail.buildings.find((b) => b.id === pick.id) ?? null) : null;
  const floorView = useFloorView();
  const heatWindow = useHeatWindow();
  const heatSource = useHeatSource();
  const floorStats = useMemo<FloorStats>(() => ({ floors: 0, items: 0 }), []);
  // an opened building shows its floors instead of the highlight's tinted shell
  const opened = floorView.building && detail.buildings.some((b) => b.id === floorView.building) ? floorView.building : null;
  const markerLayers = useMemo(
    () => ({ guards: layers.guards, trails: layers.trails, vehicles: layers.vehicles, cameras: layers.cameras, alerts: layers.alerts }),
    [layers],
  );
  return (
    <Canvas
      frameloop={frameloop}
      dpr={[1, 2]}
      gl={{ antialias: true, powerPreference: 'high-performance' }}
      camera={{ fov: FOV, near: 1, far: pose.far, position: pose.position }}
      data-testid="estate-map"
      data-theme={theme}
    >
      <color attach="background" args={[palette.background]} />
      <fog attach="fog" args={[palette.background, pose.far * 0.35, pose.far * 0.9]} />
      <hemisphereLight args={[palette.skyLight, palette.groundLight, palette.ambient]} />
      <directionalLight position={[-300, 500, 200]} intensity={palette.sun} color="#ffffff" />
      <directionalLight position={[400, 200, -300]} intensity={0.5} color="#7fb2ff" />
      <Ground bounds={bounds} color={palette.ground} gridMajor={palette.gridMajor} gridMinor={palette.gridMinor} />
      {layers.zones && <Zones zones={detail.zones} />}
      <Buildings buildings={detail.buildings} palette={palette} visible={layers.buildings} opened={opened} />
      <BuildingHighlight building={opened ? null : picked} color={PICK_COLOR} />
      <Floors buildings={detail.buildings} devices={detail.devices} store={store} stats={floorStats} />
      {layers.heat && heat && <HeatLayer estate={detail.estate.id} window={heatWindow} source={heatSource} />}
      <Checkpoints checkpoints={detail.checkpoints} store={store} clock={clock} visible={layers.checkpoints} />
      <LiveMarkers store={store} counts={markers} layers={markerLayers} clock={clock} declutter={declutter} />
      <WorkOrders source={store.workOrders} buildings={detail.buildings} clock={clock === Date.now || !clock ? serverNow : clock} visible={layers.workorders} />
      <Labels buildings={detail.buildings} checkpoints={detail.checkpoints} color={palette.label} outline={palette.labelOutline} visible={layers.labels} opened={opened} declutter={declutter} />
      <CameraRig bounds={bounds} fov={FOV} height={tallest} tourAfterMs={tourAfterMs} />
      <AlertPulses />
      <Picker onPick={onPick} />
      <FrameScheduler store={store} clock={clock} />
      <SceneStatsProbe buildings={detail.buildings.length} store={store} markers={markers} source={source} floors={floorStats} />
      {children}
    </Canvas>
  );
}
