// Far-zoom decluttering (#18): when a whole large estate is in view, 10,000 markers are a few pixels
// each and pile up, and building names run into each other. Two cheap passes, both in screen space
// and pure (no renderer: unit-tested in Node), run by LiveMarkers and Labels when the view changes:
//   markers — a screen grid of CLUSTER_CELL_PX cells; a cell holding CLUSTER_MIN or more markers draws
//             ONE count badge (inside its cell, so badges never overlap) instead of its markers.
//             O(n) with typed arrays; alarmed cameras and alarm rings never go into a badge.
//   labels  — never smaller on screen than LABEL_MIN_PX (a name in world metres shrinks to a 3 px
//             smudge at the far zoom), then greedy by priority (the opened building, then buildings by
//             height, then checkpoints): a label whose screen box overlaps one already shown is hidden.
// Only at the far zoom (ground metres per pixel above FAR_M_PER_PX at the view's centre) do markers
// cluster; overlapping labels are hidden at any zoom.

/** Metres of ground per CSS pixel from which markers cluster: a 3 m guard pin is under 3 px there. */
export const FAR_M_PER_PX = 1.2;
/** The clustering grid's cell, CSS px. */
export const CLUSTER_CELL_PX = 64;
/** Markers in one cell from which they become a badge. */
export const CLUSTER_MIN = 4;
/** A badge's diameter, CSS px (less than a cell: a badge stays inside its cell). */
export const BADGE_PX = 34;
/** Marker kinds, in the order the badge colours are indexed. */
export const KINDS = ['guard', 'vehicle', 'camera'] as const;

/** Ground metres per CSS pixel at `distance` from the camera (vertical field of view `fovDeg`). */
export function metresPerPixel(distance: number, fovDeg: number, viewportHeightPx: number): number {
  return (2 * distance * Math.tan(((fovDeg / 2) * Math.PI) / 180)) / Math.max(1, viewportHeightPx);
}

/** Distance from the camera to the ground (y = 0) along its view direction; Infinity when it looks up. */
export function groundDistance(position: { x: number; y: number; z: number }, direction: { x: number; y: number; z: number }): number {
  if (direction.y >= -1e-6 || position.y <= 0) return Infinity;
  const t = -position.y / direction.y;
  return t * Math.hypot(direction.x, direction.y, direction.z);
}

/**
 * Markers in screen space: sx/sy in CSS px (NaN = behind the camera, or never to be clustered), kind
 * = index into KINDS. Arrays may be longer than n (reused between frames).
 */
export interface ScreenPoints {
  n: number;
  sx: Float32Array;
  sy: Float32Array;
  kind: Uint8Array;
}

export interface Badge {
  /** CSS px, inside its cell */
  sx: number;
  sy: number;
  count: number;
  /** the kind most of its markers are (index into KINDS) */
  kind: number;
}

export interface Clusters {
  /** per point: 1 = drawn in a badge, not on its own */
  clustered: Uint8Array;
  clusteredCount: number;
  badges: Badge[];
}

export interface ClusterOptions {
  cellPx?: number;
  min?: number;
  badgePx?: number;
}

/** Grid clustering of the points on a width × height screen; `out` is reused when big enough. */
export function clusterPoints(points: ScreenPoints, width: number, height: number, options: ClusterOptions = {}, out?: Uint8Array): Clusters {
  const cell = options.cellPx ?? CLUSTER_CELL_PX;
  const min = Math.max(2, options.min ?? CLUSTER_MIN);
  const r = Math.min(cell / 2, (options.badgePx ?? BADGE_PX) / 2);
  const cols = Math.max(1, Math.ceil(width / cell));
  const rows = Math.max(1, Math.ceil(height / cell));
  const cells = cols * rows;
  const k = KINDS.length;
  const count = new Int32Array(cells);
  const byKind = new Int32Array(cells * k);
  const sumX = new Float64Array(cells);
  const sumY = new Float64Array(cells);
  const { n, sx, sy, kind } = points;
  const cellOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = sx[i];
    const y = sy[i];
    // off screen (or NaN): drawn as it is (culled or clipped by the GPU), never in a badge
    if (!(x >= 0 && x < width && y >= 0 && y < height)) {
      cellOf[i] = -1;
      continue;
    }
    const c = Math.floor(y / cell) * cols + Math.floor(x / cell);
    cellOf[i] = c;
    count[c]++;
    byKind[c * k + kind[i]]++;
    sumX[c] += x;
    sumY[c] += y;
  }
  const badges: Badge[] = [];
  for (let c = 0; c < cells; c++) {
    const m = count[c];
    if (m < min) continue;
    const x0 = (c % cols) * cell;
    const y0 = Math.floor(c / cols) * cell;
    let best = 0;
    for (let j = 1; j < k; j++) if (byKind[c * k + j] > byKind[c * k + best]) best = j;
    // where its markers are, kept inside the cell so neighbouring badges cannot overlap
    badges.push({ sx: clamp(sumX[c] / m, x0 + r, x0 + cell - r), sy: clamp(sumY[c] / m, y0 + r, y0 + cell - r), count: m, kind: best });
  }
  const clustered = out && out.length >= n ? out : new Uint8Array(n);
  let clusteredCount = 0;
  for (let i = 0; i < n; i++) {
    const c = cellOf[i];
    const inBadge = c >= 0 && count[c] >= min ? 1 : 0;
    clustered[i] = inBadge;
    clusteredCount += inBadge;
  }
  return { clustered, clusteredCount, badges };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

// ---- badge texts: one atlas tile per text, so a badge is one instance of one quad ----

/** Exact counts up to 99, then buckets: what a badge can say. */
export const BADGE_TEXTS: readonly string[] = [
  ...Array.from({ length: 98 }, (_, i) => String(i + 2)),
  '100+', '200+', '500+', '1k+', '2k+', '5k+', '10k+',
];

/** The atlas tile (index into BADGE_TEXTS) of a count: exact below 100, else the largest bucket it reaches. */
export function badgeTile(count: number): number {
  if (count < 100) return Math.max(0, Math.min(97, Math.floor(count) - 2));
  const buckets = [100, 200, 500, 1000, 2000, 5000, 10_000];
  let b = 0;
  while (b + 1 < buckets.length && count >= buckets[b + 1]) b++;
  return 98 + b;
}

// ---- labels ----

export interface LabelBox {
  key: string;
  /** higher first */
  priority: number;
  /** CSS px; null when the label is behind the camera */
  box: { x0: number; y0: number; x1: number; y1: number } | null;
}

/** The smallest a label's font may be on screen, CSS px (buildings; checkpoints LABEL_MIN_PX_SMALL). */
export const LABEL_MIN_PX = 12;
export const LABEL_MIN_PX_SMALL = 10;

/**
 * Scale for a label of `fontM` metres seen at `pixelsPerMetre`: 1 while it is at least `minPx` on
 * screen, else what brings it up to `minPx` (far away, labels stop shrinking and start to overlap).
 */
export function labelScale(fontM: number, pixelsPerMetre: number, minPx: number): number {
  const px = fontM * pixelsPerMetre;
  return px > 0 && px < minPx ? minPx / px : 1;
}

/** Priority of a label: the opened building's name first, then buildings (taller first), then checkpoints. */
export function labelPriority(key: string, height: number, opened: string | null): number {
  if (opened && key === `b:${opened}`) return 1e9;
  return key.startsWith('b:') ? 1e6 + height : 0;
}

/**
 * Which labels to show: by priority (ties keep the given order), each one only if its box, grown by
 * `margin` px, overlaps none shown before it. Labels behind the camera are neither shown nor in the way;
 * labels entirely off screen stay shown (the GPU clips them) and block nothing on screen.
 */
export function visibleLabels(labels: readonly LabelBox[], width: number, height: number, margin = 2): Set<string> {
  const order = labels.map((l, i) => ({ l, i })).sort((a, b) => b.l.priority - a.l.priority || a.i - b.i);
  const shown = new Set<string>();
  const kept: Array<{ x0: number; y0: number; x1: number; y1: number }> = [];
  for (const { l } of order) {
    const b = l.box;
    if (!b) continue;
    if (b.x1 < 0 || b.y1 < 0 || b.x0 > width || b.y0 > height) {
      shown.add(l.key);
      continue;
    }
    let free = true;
    for (const k of kept) {
      if (b.x0 - margin < k.x1 && b.x1 + margin > k.x0 && b.y0 - margin < k.y1 && b.y1 + margin > k.y0) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    kept.push(b);
    shown.add(l.key);
  }
  return shown;
}

/** Do any two boxes overlap (by more than `tolerance` px each way)? For tests and probes. */
export function overlapping(boxes: ReadonlyArray<{ x0: number; y0: number; x1: number; y1: number }>, tolerance = 0): [number, number] | null {
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.x0 + tolerance < b.x1 && a.x1 - tolerance > b.x0 && a.y0 + tolerance < b.y1 && a.y1 - tolerance > b.y0) return [i, j];
    }
  }
  return null;
}
