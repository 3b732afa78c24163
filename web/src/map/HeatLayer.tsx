// The density layer (热力图): the server's grid of counts (GET /estates/{e}/heat) as ONE textured
// quad on the ground — one draw call for any number of cells. Fetched when the layer is on and
// the window changes, refreshed every minute.
import { useThree } from '@react-three/fiber';
import { useEffect, useMemo, useState } from 'react';
import { DataTexture, DoubleSide, LinearFilter, MeshBasicMaterial, NearestFilter, PlaneGeometry, RGBAFormat, UnsignedByteType } from 'three';
import { getJson } from '../app/api.ts';
import { heatTexels, smoothGrid, type HeatGridData } from './heat-texture.ts';

export const HEAT_REFRESH_MS = 60_000;

declare global {
  interface Window {
    __SE_HEAT__?: { source: string; window: string; cells: number; total: number; max: number };
  }
}

/** The quad of a grid (draws nothing for an empty grid). Exported for the benchmark. */
export function HeatQuad({ grid: raw }: { grid: HeatGridData | null }) {
  const invalidate = useThree((s) => s.invalidate);
  const built = useMemo(() => {
    if (!raw || !raw.cols || !raw.rows) return null;
    const grid = smoothGrid(raw);
    const texture = new DataTexture(heatTexels(grid), grid.cols, grid.rows, RGBAFormat, UnsignedByteType);
    // smooth between cells reads as density; nearest would show the grid
    texture.magFilter = grid.cols * grid.rows > 1 ? LinearFilter : NearestFilter;
    texture.needsUpdate = true;
    const w = grid.cols * grid.cell;
    const h = grid.rows * grid.cell;
    // the plane's v runs south → north like the grid's rows once laid flat (X east, -Z north)
    const geometry = new PlaneGeometry(w, h).rotateX(-Math.PI / 2).translate(grid.x0 + w / 2, 0.6, -(grid.y0 + h / 2));
    // drawn over the buildings: a hot spot behind a tower must still show from across the room
    const material = new MeshBasicMaterial({ map: texture, transparent: true, depthWrite: false, depthTest: false, side: DoubleSide });
    return { geometry, material, texture };
  }, [raw]);
  useEffect(() => {
    invalidate();
    return () => {
      built?.geometry.dispose();
      built?.material.dispose();
      built?.texture.dispose();
    };
  }, [built, invalidate]);
  if (!built) return null;
  return <mesh name="heat" geometry={built.geometry} material={built.material} renderOrder={8} />;
}

export function HeatLayer({ estate, window: win, source = 'alerts' }: { estate: string; window: string; source?: string }) {
  const [grid, setGrid] = useState<HeatGridData | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      getJson<HeatGridData>(`/estates/${encodeURIComponent(estate)}/heat?source=${encodeURIComponent(source)}&window=${encodeURIComponent(win)}`, abort.signal).then(
        (g) => {
          setGrid(g);
          window.__SE_HEAT__ = { source, window: win, cells: g.counts.filter((n) => n > 0).length, total: g.total, max: g.max };
        },
        (err: Error) => !abort.signal.aborted && console.warn(`heat layer: ${err.message}`),
      );
    void load();
    const timer = setInterval(load, HEAT_REFRESH_MS);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [estate, win, source]);
  return <HeatQuad grid={grid} />;
}
