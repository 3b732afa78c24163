// A heat grid (server/heat/grid.ts, GET /estates/{e}/heat) as RGBA texels: one texel per cell, the
// colour ramp and alpha from the count relative to the busiest cell (square root, so one busy corner
// does not wash the rest out). Pure: tested without a renderer.

export interface HeatGridData {
  cell: number;
  x0: number;
  y0: number;
  cols: number;
  rows: number;
  counts: number[];
  max: number;
  total: number;
}

/** Cold → hot: transparent blue, cyan, yellow, red. */
const RAMP: Array<[number, number, number, number]> = [
  [0.0, 40, 90, 255],
  [0.35, 0, 210, 255],
  [0.65, 255, 214, 10],
  [1.0, 255, 45, 85],
];

export function rampColor(v: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, v));
  for (let i = 1; i < RAMP.length; i++) {
    if (t <= RAMP[i][0]) {
      const [a0, ...a] = RAMP[i - 1];
      const [b0, ...b] = RAMP[i];
      const k = (t - a0) / (b0 - a0);
      return [Math.round(a[0] + (b[0] - a[0]) * k), Math.round(a[1] + (b[1] - a[1]) * k), Math.round(a[2] + (b[2] - a[2]) * k)];
    }
  }
  return [RAMP[RAMP.length - 1][1], RAMP[RAMP.length - 1][2], RAMP[RAMP.length - 1][3]];
}

/** RGBA bytes, row 0 = south (texture v = 0 at the south edge). Empty cells are fully transparent. */
export function heatTexels(grid: HeatGridData): Uint8Array {
  const out = new Uint8Array(grid.cols * grid.rows * 4);
  if (!grid.max) return out;
  for (let i = 0; i < grid.counts.length; i++) {
    const n = grid.counts[i];
    if (!n) continue;
    const v = Math.sqrt(n / grid.max);
    const [r, g, b] = rampColor(v);
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = Math.round(255 * (0.35 + 0.55 * v));
  }
  return out;
}

/**
 * The grid one cell wider on every side with each count spread over its neighbours (1-2-1 kernel):
 * a lone alert reads as a soft spot, not a hard square, and neighbouring cells run together as a
 * density should. The busiest smoothed cell keeps the hottest colour.
 */
export function smoothGrid(grid: HeatGridData): HeatGridData {
  if (!grid.cols || !grid.rows) return grid;
  const cols = grid.cols + 2;
  const rows = grid.rows + 2;
  const counts = new Array<number>(cols * rows).fill(0);
  const k = [1, 2, 1];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const n = grid.counts[r * grid.cols + c];
      if (!n) continue;
      for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) counts[(r + 1 + dr) * cols + (c + 1 + dc)] += (n * k[dr + 1] * k[dc + 1]) / 16;
    }
  }
  return { ...grid, cols, rows, x0: grid.x0 - grid.cell, y0: grid.y0 - grid.cell, counts, max: Math.max(...counts) };
}
