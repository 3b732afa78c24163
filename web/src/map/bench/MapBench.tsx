// The map benchmark page (`/?bench=map&buildings=1000&markers=10000&mode=merged|naive`): no login,
// a synthetic estate, markers wandering at 10 Hz, frames driven one by one so each frame's
// main-thread work is timed: the frame loop's callbacks (marker updates) plus the render submission
// (gl.render), not the GPU (software-rendered in CI, so never frames per second).
//   merged — the product's own EstateMap: merged buildings, one InstancedMesh per marker kind, batched labels
//   naive  — the baseline: one Mesh per building and one Mesh per marker
// Results land on window.__SE_BENCH__ for bench/cases/map.ts.
import { Canvas, useFrame, useThree } from '@react-three/fiber';
import { useEffect, useMemo, useRef } from 'react';
import { BoxGeometry, ConeGeometry, Mesh, MeshStandardMaterial, type Group } from 'three';
import type { EstateDetail } from '../../../../protocol/api.ts';
import { SCENE_PALETTES } from '../../app/theme.ts';
import { LiveStore } from '../../live/live-store.ts';
import { buildBuildingsGeometry, extrudeBuilding } from '../building-geometry.ts';
import { createBuildingMaterial } from '../building-material.ts';
import { EstateMap } from '../EstateMap.tsx';
import { CROWD_GUARDS, guardPinGeometry, guardPinLowGeometry } from '../marker-geometry.ts';
import { estateHalfSize, syntheticEstate, Wanderers } from './synthetic-estate.ts';
import { HeatQuad } from '../HeatLayer.tsx';
import type { HeatGridData } from '../heat-texture.ts';
import { openBuilding } from '../floor-view.ts';
import { floorBase, storeysOf } from '../floor-placement.ts';
import { slabGeometry } from '../Floors.tsx';
import { mulberry32 } from '../../../../simulators/scenario/random.ts';

const HEAT_CELL = 20;

/** A deterministic heat grid over the estate: most cells quiet, some hot spots. */
function syntheticHeat(half: number): HeatGridData {
  const cols = Math.ceil((2 * half) / HEAT_CELL);
  const rnd = mulberry32(7);
  const counts = Array.from({ length: cols * cols }, () => (rnd() < 0.3 ? Math.floor(rnd() ** 3 * 40) : 0));
  return { cell: HEAT_CELL, x0: -cols * HEAT_CELL / 2, y0: -cols * HEAT_CELL / 2, cols, rows: cols, counts, max: Math.max(1, ...counts), total: counts.reduce((a, b) => a + b, 0) };
}

export interface BenchResult {
  mode: string;
  buildings: number;
  markers: number;
  drawCalls: number;
  triangles: number;
  /** main-thread ms per frame: frame-loop callbacks + render submission */
  frameMs: number[];
  /** ms per tick to write 10 Hz positions into the store/scene data */
  dataMs: number[];
  /** the part of frameMs spent inside gl.render (scene traversal, uniforms, buffer uploads, draw calls) */
  renderMs: number[];
  /** ms to build the scene's estate geometry once */
  setupMs: number;
  labelGlyphs: number;
  /** the map's own decluttering state after the last frame (product only) */
  declutter?: Window['__SE_DECLUTTER__'];
  /** labels shown of those typeset (product only) */
  labels?: { total: number; shown: number };
}

declare global {
  interface Window {
    __SE_BENCH__?: BenchResult | { error: string };
  }
}

interface Params {
  mode: 'merged' | 'naive';
  buildings: number;
  markers: number;
  frames: number;
  warmup: number;
  /** every building registered with this many floors, the first one opened floor by floor (0 = none) */
  floors: number;
  /** the heat layer on (a synthetic grid of 20 m cells over the estate) */
  heat: boolean;
  /** far-zoom decluttering (badges, overlapping labels hidden); declutter=0 = the baseline without */
  declutter: boolean;
}

function params(): Params {
  const q = new URLSearchParams(location.search);
  const int = (name: string, fallback: number) => {
    const n = Number(q.get(name));
    return Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback;
  };
  return { mode: q.get('mode') === 'naive' ? 'naive' : 'merged', buildings: int('buildings', 1000), markers: int('markers', 10_000), frames: int('frames', 60), warmup: int('warmup', 20), floors: int('floors', 0), heat: q.get('heat') === '1', declutter: q.get('declutter') !== '0' };
}

/** Splits markers the way an estate has them: most are guards' handhelds, then vehicles, then cameras. */
function split(markers: number) {
  const cameras = Math.round(markers * 0.1);
  const vehicles = Math.round(markers * 0.2);
  return { guards: markers - cameras - vehicles, vehicles, cameras };
}

const p = typeof location === 'undefined' ? null : params();

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Drives frames one at a time once the scene is ready; writes the result. */
function Driver({ tick, ready, setupMs, markers }: { tick(): void; ready(): boolean; setupMs: number; markers: number }) {
  const advance = useThree((s) => s.advance);
  const gl = useThree((s) => s.gl);
  const scene = useThree((s) => s.scene);
  useEffect(() => {
    if (!p) return;
    const frameMs: number[] = [];
    const dataMs: number[] = [];
    const renderMs: number[] = [];
    // time gl.render apart from the frame-loop callbacks
    let inRender = 0;
    const render = gl.render.bind(gl);
    gl.render = (scene, camera) => {
      const t = performance.now();
      render(scene, camera);
      inRender += performance.now() - t;
    };
    let frame = 0;
    let waited = 0;
    let stopped = false;
    let drawCalls = 0;
    let triangles = 0;
    const finish = () => (gl.getContext() as WebGL2RenderingContext).finish();
    const done = () => {
      const labels = scene.getObjectByName('labels') as Mesh | undefined;
      window.__SE_BENCH__ = {
        mode: p.mode,
        buildings: p.buildings,
        markers,
        drawCalls,
        triangles,
        frameMs,
        dataMs,
        renderMs,
        setupMs,
        labelGlyphs: labels?.geometry.getAttribute('aTroikaTextBatchMemberIndex')?.count ?? 0,
        declutter: window.__SE_DECLUTTER__,
        labels: window.__SE_LABELS__ ? { total: window.__SE_LABELS__.total, shown: window.__SE_LABELS__.shown } : undefined,
      };
    };
    // one measured frame = one animation-frame task doing only the frame's work (so Chrome's trace
    // can time that task's CPU alone); the 10 Hz data tick runs in the task before it, after the GPU
    // has drained the previous frame (SwiftShader shares the two cores with the page)
    const measure = () => {
      if (stopped) return;
      const t1 = performance.now();
      inRender = 0;
      advance(t1);
      const t2 = performance.now();
      if (frame >= p.warmup) {
        frameMs.push(t2 - t1);
        renderMs.push(inRender);
        // the product's stats probe (SceneStats) reads and resets gl.info in the scene's onAfterRender,
        // so gl.info is 0 here for it: take what it published for this frame (the naive scene has no probe)
        const stats = window.__SE_STATS__;
        drawCalls = stats ? stats.drawCalls : gl.info.render.calls;
        triangles = stats ? stats.triangles : gl.info.render.triangles;
      }
      frame++;
      if (frame < p.warmup + p.frames) setTimeout(prepare, 0);
      else done();
    };
    const prepare = () => {
      if (stopped) return;
      finish();
      const t0 = performance.now();
      tick();
      if (frame >= p.warmup) dataMs.push(performance.now() - t0);
      requestAnimationFrame(measure);
    };
    const run = () => {
      if (stopped) return;
      // the first frames let the scene settle (instance buffers grow, labels typeset, shaders compile)
      if (!ready() && waited++ < 600) {
        advance(performance.now());
        requestAnimationFrame(run);
        return;
      }
      prepare();
    };
    requestAnimationFrame(run);
    return () => {
      stopped = true;
      gl.render = render;
    };
  }, [advance, gl, scene, tick, ready, setupMs, markers]);
  return null;
}

function MergedBench({ detail, setupMs }: { detail: EstateDetail; setupMs: number }) {
  const counts = split(p!.markers);
  const half = estateHalfSize(p!.buildings);
  const store = useMemo(() => new LiveStore(detail), [detail]);
  const walkers = useMemo(() => new Wanderers(counts.guards + counts.vehicles, half), [counts.guards, counts.vehicles, half]);
  const marks = useMemo(() => {
    const now = Date.now();
    const all: Array<{ x: number; y: number; seen: number }> = [];
    for (let i = 0; i < counts.guards; i++) {
      const g = { guard: `g${i}`, device: `hh${i}`, x: walkers.x[i], y: walkers.y[i], seen: now, trail: [] };
      store.guards.set(g.guard, g);
      all.push(g);
    }
    for (let i = 0; i < counts.vehicles; i++) {
      const j = counts.guards + i;
      const v = { plate: `浙A${i}`, device: 'gate', x: walkers.x[j], y: walkers.y[j], direction: 'in', seen: now };
      store.vehicles.set(v.plate, v);
      all.push(v);
    }
    store.markersVersion++;
    return all;
  }, [store, walkers, counts.guards, counts.vehicles]);
  const tick = useMemo(
    () => () => {
      walkers.step();
      const now = Date.now();
      for (let i = 0; i < marks.length; i++) {
        marks[i].x = walkers.x[i];
        marks[i].y = walkers.y[i];
        marks[i].seen = now;
      }
      store.touch('guards');
      store.touch('vehicles');
    },
    [walkers, marks, store],
  );
  const ready = useMemo(() => () => {
    const labels = document.querySelector('canvas') ? (window as { __SE_STATS__?: { labelGlyphs: number } }).__SE_STATS__?.labelGlyphs ?? 0 : 0;
    return labels > 0;
  }, []);
  const grid = useMemo(() => (p!.heat ? syntheticHeat(half) : null), [half]);
  useEffect(() => {
    if (p!.floors) openBuilding(detail.buildings[0]?.id ?? null);
  }, [detail]);
  return (
    <div style={{ position: 'fixed', inset: 0 }}>
      <EstateMap detail={detail} store={store} frameloop="never" heat={false} declutter={p!.declutter}>
        {grid && <HeatQuad grid={grid} />}
        <Driver tick={tick} ready={ready} setupMs={setupMs} markers={p!.markers} />
      </EstateMap>
    </div>
  );
}

function NaiveMarkers({ walkers, guards, cameras, detail }: { walkers: Wanderers; guards: number; cameras: number; detail: EstateDetail }) {
  const group = useRef<Group>(null);
  const meshes = useMemo(() => {
    // the same level of detail as the product draws at this count
    const pin = guards > CROWD_GUARDS ? guardPinLowGeometry() : guardPinGeometry();
    const car = new BoxGeometry(9, 3.6, 4.6).translate(0, 1.8, 0);
    const cone = new ConeGeometry(1, 1, 24, 1, true);
    const guardMaterial = new MeshStandardMaterial({ color: '#3dff8b' });
    const carMaterial = new MeshStandardMaterial({ color: '#ffb020' });
    const cameraMaterial = new MeshStandardMaterial({ color: '#38d6ff', transparent: true, opacity: 0.45 });
    const out: Mesh[] = [];
    for (let i = 0; i < walkers.count; i++) out.push(new Mesh(i < guards ? pin : car, i < guards ? guardMaterial : carMaterial));
    for (const d of detail.devices.slice(0, cameras)) {
      const m = new Mesh(cone, cameraMaterial);
      m.position.set(d.x ?? 0, 4, -(d.y ?? 0));
      m.rotation.set(Math.PI / 2, (-(d.heading ?? 0) * Math.PI) / 180, 0);
      m.scale.set(10, 16, 1.5);
      out.push(m);
    }
    return out;
  }, [walkers, guards, cameras, detail]);
  useEffect(() => {
    const g = group.current!;
    for (const m of meshes) g.add(m);
    return () => {
      for (const m of meshes) g.remove(m);
    };
  }, [meshes]);
  // the naive way to move markers: one Object3D per marker, positions set in the frame loop
  useFrame(() => {
    for (let i = 0; i < walkers.count; i++) meshes[i].position.set(walkers.x[i], 0, -walkers.y[i]);
  });
  return <group ref={group} />;
}

function NaiveBuildings({ detail }: { detail: EstateDetail }) {
  const group = useRef<Group>(null);
  const material = useMemo(() => createBuildingMaterial(), []);
  useEffect(() => {
    const g = group.current!;
    const meshes = detail.buildings.flatMap((b) => extrudeBuilding(b).map((geometry) => new Mesh(geometry, material)));
    for (const m of meshes) g.add(m);
    return () => {
      for (const m of meshes) {
        g.remove(m);
        m.geometry.dispose();
      }
    };
  }, [detail, material]);
  return <group ref={group} />;
}

/** The naive floors: a Mesh per registered floor of every building (hidden unless its building is open). */
function NaiveFloors({ detail }: { detail: EstateDetail }) {
  const group = useRef<Group>(null);
  useEffect(() => {
    const g = group.current!;
    const material = new MeshStandardMaterial({ color: '#7f9fcc', transparent: true, opacity: 0.92 });
    const meshes: Mesh[] = [];
    const geometries: Array<import("three").BufferGeometry> = [];
    for (const [i, b] of detail.buildings.entries()) {
      const slab = slabGeometry(b);
      if (!slab) continue;
      geometries.push(slab);
      const storeys = storeysOf(b);
      for (let f = 1; f <= storeys.floors; f++) {
        const m = new Mesh(slab, material);
        m.position.y = floorBase(storeys, f);
        m.visible = i === 0;
        meshes.push(m);
      }
    }
    for (const m of meshes) g.add(m);
    return () => {
      for (const m of meshes) g.remove(m);
      for (const geometry of geometries) geometry.dispose();
      material.dispose();
    };
  }, [detail]);
  return <group ref={group} />;
}

/** The naive heat layer: a Mesh per non-empty cell. */
function NaiveHeat({ grid }: { grid: HeatGridData }) {
  const group = useRef<Group>(null);
  useEffect(() => {
    const g = group.current!;
    const plane = new BoxGeometry(grid.cell, 0.2, grid.cell);
    const materials = new Map<number, MeshStandardMaterial>();
    const meshes: Mesh[] = [];
    grid.counts.forEach((n, i) => {
      if (!n) return;
      const level = Math.min(9, Math.floor((n / grid.max) * 10));
      let material = materials.get(level);
      if (!material) materials.set(level, (material = new MeshStandardMaterial({ color: `hsl(${240 - level * 24}, 90%, 55%)`, transparent: true, opacity: 0.4 + level * 0.05, depthWrite: false })));
      const m = new Mesh(plane, material);
      m.position.set(grid.x0 + ((i % grid.cols) + 0.5) * grid.cell, 0.6, -(grid.y0 + (Math.floor(i / grid.cols) + 0.5) * grid.cell));
      meshes.push(m);
    });
    for (const m of meshes) g.add(m);
    return () => {
      for (const m of meshes) g.remove(m);
      plane.dispose();
      for (const m of materials.values()) m.dispose();
    };
  }, [grid]);
  return <group ref={group} />;
}

function NaiveBench({ detail, setupMs }: { detail: EstateDetail; setupMs: number }) {
  const counts = split(p!.markers);
  const half = estateHalfSize(p!.buildings);
  const walkers = useMemo(() => new Wanderers(counts.guards + counts.vehicles, half), [counts.guards, counts.vehicles, half]);
  const tick = useMemo(() => () => walkers.step(), [walkers]);
  const ready = useMemo(() => () => true, []);
  const grid = useMemo(() => (p!.heat ? syntheticHeat(half) : null), [half]);
  const palette = SCENE_PALETTES.night;
  return (
    <div style={{ position: 'fixed', inset: 0 }}>
      <Canvas frameloop="never" camera={{ fov: 40, near: 1, far: half * 12, position: [half * 0.4, half * 1.6, half * 1.8] }} onCreated={({ camera }) => camera.lookAt(0, 0, 0)}>
        <color attach="background" args={[palette.background]} />
        <hemisphereLight args={[palette.skyLight, palette.groundLight, palette.ambient]} />
        <directionalLight position={[-300, 500, 200]} intensity={palette.sun} />
        <NaiveBuildings detail={detail} />
        <NaiveMarkers walkers={walkers} guards={counts.guards} cameras={counts.cameras} detail={detail} />
        {p!.floors > 0 && <NaiveFloors detail={detail} />}
        {grid && <NaiveHeat grid={grid} />}
        <Driver tick={tick} ready={ready} setupMs={setupMs} markers={p!.markers} />
      </Canvas>
    </div>
  );
}

export function MapBench() {
  const { detail, setupMs } = useMemo(() => {
    const synthetic = syntheticEstate({ buildings: p!.buildings, cameras: split(p!.markers).cameras });
    // the registry's floors: every building with this many storeys (3 m each)
    const d = p!.floors ? { ...synthetic, buildings: synthetic.buildings.map((b) => ({ ...b, floors: p!.floors, height: p!.floors * 3 })) } : synthetic;
    // what each mode builds once: the merged geometry, or one extrusion per building
    const t0 = performance.now();
    if (p!.mode === 'merged') buildBuildingsGeometry(d.buildings)?.dispose();
    else for (const b of d.buildings) for (const g of extrudeBuilding(b)) g.dispose();
    return { detail: d, setupMs: performance.now() - t0 };
  }, []);
  return p!.mode === 'naive' ? <NaiveBench detail={detail} setupMs={setupMs} /> : <MergedBench detail={detail} setupMs={setupMs} />;
}
