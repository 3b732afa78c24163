// Far-zoom decluttering (#18), the pure part: markers into count badges on a screen grid (none lost,
// badges never overlapping), label priority and overlap hiding, the far-zoom test and badge texts.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../simulators/scenario/random.ts';
import { BADGE_PX, BADGE_TEXTS, badgeTile, CLUSTER_CELL_PX, clusterPoints, FAR_M_PER_PX, groundDistance, LABEL_MIN_PX, labelPriority, labelScale, metresPerPixel, overlapping, visibleLabels, type LabelBox, type ScreenPoints } from '../../web/src/map/declutter.ts';

function points(n: number, w: number, h: number, seed = 1): ScreenPoints {
  const rnd = mulberry32(seed);
  const p = { n, sx: new Float32Array(n), sy: new Float32Array(n), kind: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    p.sx[i] = rnd() * w;
    p.sy[i] = rnd() * h;
    p.kind[i] = i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2;
  }
  return p;
}

describe('marker clustering', () => {
  it('puts 10,000 markers on a 1280×720 screen into non-overlapping badges, losing none', () => {
    const p = points(10_000, 1280, 720);
    const c = clusterPoints(p, 1280, 720);
    const cells = Math.ceil(1280 / CLUSTER_CELL_PX) * Math.ceil(720 / CLUSTER_CELL_PX);
    expect(c.badges.length).toBeLessThanOrEqual(cells);
    expect(c.badges.length).toBeGreaterThan(cells * 0.9);
    // every marker is either in a badge or drawn alone; the badges' counts add up to the clustered ones
    expect(c.badges.reduce((s, b) => s + b.count, 0)).toBe(c.clusteredCount);
    expect(c.clusteredCount).toBe(Array.from(c.clustered.subarray(0, p.n)).filter((v) => v === 1).length);
    expect(c.clusteredCount).toBeGreaterThan(9_900);
    const r = BADGE_PX / 2;
    expect(overlapping(c.badges.map((b) => ({ x0: b.sx - r, y0: b.sy - r, x1: b.sx + r, y1: b.sy + r })))).toBeNull();
    // mostly guards: most badges say so
    expect(c.badges.filter((b) => b.kind === 0).length).toBeGreaterThan(c.badges.length * 0.9);
  });

  it('leaves sparse markers, off-screen ones and those marked never-cluster (NaN) alone', () => {
    const p = { n: 7, sx: new Float32Array([10, 20, 30, 40, 500, -5, NaN]), sy: new Float32Array([10, 12, 14, 16, 500, 10, 12]), kind: new Uint8Array(7) };
    const c = clusterPoints(p, 1280, 720);
    expect(Array.from(c.clustered.subarray(0, 7))).toEqual([1, 1, 1, 1, 0, 0, 0]);
    expect(c.badges).toEqual([{ sx: 25, sy: BADGE_PX / 2, count: 4, kind: 0 }]); // the mean, pushed inside its cell
    // three in a cell is not a crowd
    expect(clusterPoints({ ...p, n: 3 }, 1280, 720).badges).toEqual([]);
  });

  it('says the count exactly below 100, in buckets above', () => {
    expect(BADGE_TEXTS[badgeTile(2)]).toBe('2');
    expect(BADGE_TEXTS[badgeTile(57)]).toBe('57');
    expect(BADGE_TEXTS[badgeTile(99)]).toBe('99');
    expect(BADGE_TEXTS[badgeTile(100)]).toBe('100+');
    expect(BADGE_TEXTS[badgeTile(1999)]).toBe('1k+');
    expect(BADGE_TEXTS[badgeTile(10_000)]).toBe('10k+');
    expect(BADGE_TEXTS[badgeTile(123_456)]).toBe('10k+');
  });

  it('knows the far zoom: the whole 1,000-building estate is far, a close look is not', () => {
    // the view framing a 1,900 m synthetic estate from 3 km, 720 px high
    expect(metresPerPixel(3008, 40, 720)).toBeGreaterThan(FAR_M_PER_PX);
    expect(metresPerPixel(400, 40, 720)).toBeLessThan(FAR_M_PER_PX);
    expect(groundDistance({ x: 0, y: 100, z: 0 }, { x: 0, y: -1, z: 0 })).toBeCloseTo(100);
    expect(groundDistance({ x: 0, y: 100, z: 0 }, { x: 0, y: -Math.SQRT1_2, z: -Math.SQRT1_2 })).toBeCloseTo(100 * Math.SQRT2);
    expect(groundDistance({ x: 0, y: 100, z: 0 }, { x: 0, y: 0.2, z: -1 })).toBe(Infinity);
  });
});

describe('label decluttering', () => {
  const box = (x: number, y: number, w = 60, h = 16) => ({ x0: x, y0: y, x1: x + w, y1: y + h });

  it('shows the opened building, then taller buildings, then checkpoints; hides what overlaps them', () => {
    const labels: LabelBox[] = [
      { key: 'c:gate', priority: labelPriority('c:gate', 0, null), box: box(100, 100) },
      { key: 'b:low', priority: labelPriority('b:low', 12, 'low'), box: box(130, 105) }, // opened: wins
      { key: 'b:tall', priority: labelPriority('b:tall', 99, 'low'), box: box(150, 110) },
      { key: 'b:far', priority: labelPriority('b:far', 30, 'low'), box: box(400, 100) },
      { key: 'b:behind', priority: labelPriority('b:behind', 90, 'low'), box: null },
      { key: 'b:off', priority: labelPriority('b:off', 80, 'low'), box: box(-500, 100) },
    ];
    const shown = visibleLabels(labels, 1280, 720);
    expect([...shown].sort()).toEqual(['b:far', 'b:low', 'b:off']);
    // nothing opened: the tallest wins the pile
    expect([...visibleLabels(labels.map((l) => ({ ...l, priority: labelPriority(l.key, l.key === 'b:low' ? 12 : l.key === 'b:tall' ? 99 : 30, null) })), 1280, 720)].sort()).toEqual(['b:far', 'b:off', 'b:tall']);
  });

  it('keeps 200 random labels on a wall screen free of overlaps, and shows many of them', () => {
    const rnd = mulberry32(3);
    const labels: LabelBox[] = Array.from({ length: 200 }, (_, i) => ({ key: `b:${i}`, priority: rnd() * 100, box: box(rnd() * 1220, rnd() * 700, 40 + rnd() * 40, 14) }));
    const shown = visibleLabels(labels, 1280, 720);
    const boxes = labels.filter((l) => shown.has(l.key)).map((l) => l.box!);
    expect(overlapping(boxes)).toBeNull();
    expect(shown.size).toBeGreaterThan(50);
    expect(overlapping(labels.map((l) => l.box!))).not.toBeNull(); // they did pile up
  });

  it('keeps a label at least its minimum size on screen, and at its own size when that is larger', () => {
    // an 8 m name at 3 m per pixel (a 1,000-building estate framed whole) would be 2.7 px tall
    const s = labelScale(8, 1 / 3, LABEL_MIN_PX);
    expect(8 * (1 / 3) * s).toBeCloseTo(LABEL_MIN_PX, 9);
    expect(labelScale(8, 2, LABEL_MIN_PX)).toBe(1); // 16 px: as it is
    expect(labelScale(8, LABEL_MIN_PX / 8, LABEL_MIN_PX)).toBe(1);
    expect(labelScale(8, 0, LABEL_MIN_PX)).toBe(1); // no depth yet: nothing to scale
  });
});
