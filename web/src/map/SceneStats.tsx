// Publishes what the renderer did in the last frame on window.__SE_STATS__, for end-to-end tests and
// for a curious operator's console. Draw calls are counted per frame: the renderer's automatic reset
// is off (r3f may render more than once per frame otherwise unnoticed) and we reset after reading.
import { useFrame, useThree } from '@react-three/fiber';
import { useLayoutEffect, useRef } from 'react';
import type { LiveStore } from '../live/live-store.ts';
import type { MarkerCounts } from './LiveMarkers.tsx';

export interface SceneStats {
  buildings: number;
  drawCalls: number;
  triangles: number;
  frames: number;
  markers: MarkerCounts;
  events: number;
  alerts: number;
}

declare global {
  interface Window {
    __SE_STATS__?: SceneStats;
  }
}

export function SceneStatsProbe({ buildings, store, markers }: { buildings: number; store: LiveStore; markers: MarkerCounts }) {
  const gl = useThree((s) => s.gl);
  const frames = useRef(0);
  useLayoutEffect(() => {
    gl.info.autoReset = false;
    gl.info.reset();
    return () => {
      gl.info.autoReset = true;
      delete window.__SE_STATS__;
    };
  }, [gl]);
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
      };
    }
    frames.current++;
    gl.info.reset();
  });
  return null;
}
