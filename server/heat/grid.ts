// Density (热力图) on the estate's grid: any source of (x, y, time) points in local metres counted per
// square cell, over a time window. Pure and source-agnostic: alerts today, residents' requests and
// work orders once they exist (sources.ts) — each is just an iterable of points.

export interface HeatPoint {
  /** local metres, x east / y north */
  x: number;
  y: number;
  /** epoch ms */
  t: number;
}

export interface HeatGridOptions {
  /** cell edge, metres */
  cell: number;
  /** window, epoch ms: from inclusive, to exclusive */
  from: number;
  to: number;
  /** cells further than this from the origin are not counted (a bad point must not grow the grid) */
  maxExtent?: number;
}

export interface HeatGrid {
  cell: number;
  /** west/south edge of column 0 / row 0, metres (a multiple of `cell`) */
  x0: number;
  y0: number;
  cols: number;
  rows: number;
  /** row-major counts, row 0 = south: counts[row * cols + col] */
  counts: number[];
  max: number;
  total: number;
  from: number;
  to: number;
}

export const HEAT_WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type HeatWindow = keyof typeof HEAT_WINDOWS;

export function aggregateGrid(points: Iterable<HeatPoint>, options: HeatGridOptions): HeatGrid {
  const { cell, from, to } = options;
  const extent = options.maxExtent ?? 20_000;
  const cells = new Map<number, number>();
  let minC = Infinity;
  let minR = Infinity;
  let maxC = -Infinity;
  let maxR = -Infinity;
  let total = 0;
  // cell keys as one number: columns and rows stay within ±extent/cell, far below 2^20
  const OFF = 1 << 20;
  for (const p of points) {
    if (!(p.t >= from && p.t < to) || !Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    if (Math.abs(p.x) > extent || Math.abs(p.y) > extent) continue;
    const c = Math.floor(p.x / cell);
    const r = Math.floor(p.y / cell);
    const key = (r + OFF) * 2 * OFF + (c + OFF);
    cells.set(key, (cells.get(key) ?? 0) + 1);
    total++;
    if (c < minC) minC = c;
    if (c > maxC) maxC = c;
    if (r < minR) minR = r;
    if (r > maxR) maxR = r;
  }
  if (!total) return { cell, x0: 0, y0: 0, cols: 0, rows: 0, counts: [], max: 0, total: 0, from, to };
  const cols = maxC - minC + 1;
  const rows = maxR - minR + 1;
  const counts = new Array<number>(cols * rows).fill(0);
  let max = 0;
  for (const [key, n] of cells) {
    const r = Math.floor(key / (2 * OFF)) - OFF;
    const c = (key % (2 * OFF)) - OFF;
    const i = (r - minR) * cols + (c - minC);
    counts[i] = n;
    if (n > max) max = n;
  }
  return { cell, x0: minC * cell, y0: minR * cell, cols, rows, counts, max, total, from, to };
}
