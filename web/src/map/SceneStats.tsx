// Publishes what the renderer did in the last frame on window.__SE_STATS__, for end-to-end tests,
// benchmarks and a curious operator's console, and a small probe of the scene on window.__SE_SCENE__
// (where a map point is on screen, where the drawn guard markers are). Draw calls are counted per
// frame: the renderer's automatic reset is off (r3f may render more than once per frame otherwise
// unnoticed) and we reset after reading.
import { useFrame, useThree } from '@react-three/fiber';
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
    };
    return () => {
      gl.info.autoReset = true;
      delete window.__SE_STATS__;
      delete window.__SE_SCENE__;
    };
  }, [gl, camera, scene]);
  // runs before this frame's render, so gl.info holds exactly the previous frame's totals
  useFrame(() => {
    const { calls, triangles } = gl.info.render;
    if (frames.current > 0) {
      window.__SE_STATS__ = {
        buildings,
        drawCalls: calls,
        triangles,
        frames: frames.current,
        markers: { ...markers },
        events: store.received,
        alerts: store.alertsReceived,
        source,
        labelGlyphs: labelGlyphs(scene),
        floors: floors?.floors ?? 0,
        floorItems: floors?.items ?? 0,
        heat: !!scene.getObjectByName('heat'),
      };
    }
    frames.current++;
    gl.info.reset();
  });
  return null;
}
