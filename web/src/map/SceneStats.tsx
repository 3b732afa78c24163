// Publishes what the renderer did in the last frame on window.__SE_STATS__, for end-to-end tests,
// benchmarks and a curious operator's console, and a small probe of the scene on window.__SE_SCENE__
// (where a map point is on screen, where the drawn guard markers are). Draw calls are counted per
// render: the renderer's automatic reset is off (r3f may render more than once per frame otherwise
// unnoticed) and the scene's onAfterRender reads and resets them.
import { useThree } from '@react-three/fiber';
import { useLayoutEffect, useRef } from 'react';
import { InstancedMesh, Vector3, type BufferGeometry, type Object3D } from 'three';
import type { LiveStore } from '../live/live-store.ts';
import type { MarkerCounts } from './LiveMarkers.tsx';
import type { FloorStats } from './Floors.tsx';

export interface SceneStats {
  buildings: number;
  drawCalls: number;
  triangles: number;
  frames: number;
  markers: MarkerCounts;
  events: number;
  alerts: number;
  /** the store the map draws: live or replay */
  source: 'live' | 'replay';
  /** glyphs of the label batch on the GPU (0 until the label font is loaded and typeset) */
  labelGlyphs: number;
  /** floors drawn of the opened building, and the things standing on them */
  floors: number;
  floorItems: number;
  /** the heat layer's quad is in the scene */
  heat: boolean;
}

export interface SceneProbe {
  /** page (CSS pixel) position of a map point x east / y north / h metres up */
  project(x: number, y: number, h?: number): { px: number; py: number; visible: boolean };
  /** guard markers as drawn (read back from the instance matrices) */
  guards(): Array<{ id: string; x: number; y: number }>;
  /** what the renderer would draw now: each visible mesh, line or sprite by its own or nearest named ancestor's name, with its material groups */
  drawn(): Array<{ name: string; calls: number }>;
}

declare global {
  interface Window {
    __SE_STATS__?: SceneStats;
    __SE_SCENE__?: SceneProbe;
  }
}

function labelGlyphs(scene: Object3D): number {
  const labels = scene.getObjectByName('labels') as (Object3D & { geometry?: BufferGeometry }) | undefined;
  return labels?.geometry?.getAttribute('aTroikaTextBatchMemberIndex')?.count ?? 0;
}

export function SceneStatsProbe({ buildings, store, markers, source = 'live', floors }: { buildings: number; store: LiveStore; markers: MarkerCounts; source?: 'live' | 'replay'; floors?: FloorStats }) {
  const gl = useThree((s) => s.gl);
  const camera = useThree((s) => s.camera);
  const scene = useThree((s) => s.scene);
  const frames = useRef(0);
  useLayoutEffect(() => {
    gl.info.autoReset = false;
    gl.info.reset();
    const point = new Vector3();
    window.__SE_SCENE__ = {
      project(x, y, h = 0) {
        point.set(x, h, -y).project(camera);
        const rect = gl.domElement.getBoundingClientRect();
        return {
          px: rect.left + ((point.x + 1) / 2) * rect.width,
          py: rect.top + ((1 - point.y) / 2) * rect.height,
          visible: Math.abs(point.x) <= 1 && Math.abs(point.y) <= 1 && point.z < 1,
        };
      },
      guards() {
        const mesh = scene.getObjectByName('guards');
        if (!(mesh instanceof InstancedMesh)) return [];
        const m = mesh.instanceMatrix.array;
        const ids = (mesh.userData.ids as string[]) ?? [];
        return Array.from({ length: mesh.count }, (_, i) => ({ id: ids[i], x: m[i * 16 + 12], y: -m[i * 16 + 14] }));
      },
      drawn() {
        const out: Array<{ name: string; calls: number }> = [];
        scene.traverseVisible((o) => {
          const r = o as Object3D & { isMesh?: boolean; isLine?: boolean; isPoints?: boolean; isSprite?: boolean; count?: number; geometry?: BufferGeometry };
          if (!(r.isMesh || r.isLine || r.isPoints || r.isSprite)) return;
          if (o instanceof InstancedMesh && o.count === 0) return;
          let named: Object3D | null = o;
          while (named && !named.name) named = named.parent;
          out.push({ name: named?.name || o.type, calls: Math.max(1, r.geometry?.groups.length ?? 0) });
        });
        return out;
      },
    };
    return () => {
      gl.info.autoReset = true;
      delete window.__SE_STATS__;
      delete window.__SE_SCENE__;
    };
  }, [gl, camera, scene]);
  // published right after each render of the scene, so the draw calls and the floors / heat state
  // are of the same frame (read before the render they lagged one frame behind what they named)
  const latest = useRef({ buildings, store, markers, source, floors });
  latest.current = { buildings, store, markers, source, floors };
  useLayoutEffect(() => {
    const previous = scene.onAfterRender;
    scene.onAfterRender = () => {
      const { calls, triangles } = gl.info.render;
      const l = latest.current;
      if (frames.current > 0) {
        window.__SE_STATS__ = {
          buildings: l.buildings,
          drawCalls: calls,
          triangles,
          frames: frames.current,
          markers: { ...l.markers },
          events: l.store.received,
          alerts: l.store.alertsReceived,
          source: l.source,
          labelGlyphs: labelGlyphs(scene),
          floors: l.floors?.floors ?? 0,
          floorItems: l.floors?.items ?? 0,
          heat: !!scene.getObjectByName('heat'),
        };
      }
      frames.current++;
      gl.info.reset();
    };
    return () => {
      scene.onAfterRender = previous;
    };
  }, [gl, scene]);
  return null;
}
