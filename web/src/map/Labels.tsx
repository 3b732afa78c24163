// Building and checkpoint names as SDF text (troika, the engine under drei's <Text>), all batched
// into ONE BatchedText: one draw call (two with the outline that keeps them readable over any
// background) however many labels. Labels turn to face the viewer; text uses only the local font.
// Labels never shrink below a readable size on screen (declutter.ts LABEL_MIN_PX: at the far zoom
// they stop shrinking with distance), and labels that would overlap on screen are hidden, the more
// important first (declutter.ts visibleLabels: the opened building, taller buildings, then
// checkpoints), whenever the view changes.
import { useFrame, useThree } from '@react-three/fiber';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Color, Quaternion, Vector3, type PerspectiveCamera } from 'three';
import { BatchedText, Text } from 'troika-three-text';
import type { BuildingInfo, CheckpointInfo } from '../../../protocol/api.ts';
import type { CodePointRanges } from './font-coverage.ts';
import { LABEL_FONT_URL, labelCoverage } from './label-font.ts';
import { floorBase, SLAB_M, storeysOf } from './floor-placement.ts';
import { LABEL_MIN_PX, LABEL_MIN_PX_SMALL, labelPriority, labelScale, visibleLabels, type LabelBox } from './declutter.ts';

declare global {
  interface Window {
    /** labels as drawn, for tests: how many are shown, and their screen boxes from the members' own matrices */
    __SE_LABELS__?: { total: number; shown: number; boxes(): Array<{ key: string; x0: number; y0: number; x1: number; y1: number }> };
  }
}

/**
 * A BatchedText that repacks its members' matrices and colours only when told something changed
 * (`version`): troika's own batch re-reads every member's uniforms, re-parses its colours and
 * re-uploads the data texture every frame (~1 ms for 150 labels), though labels only change when the
 * view turns or the theme does.
 */
class StillBatchedText extends BatchedText {
  version = 0;
  private readonly packed = { main: -1, outline: -1, bounds: -1 };

  override _prepareForRender(material: unknown): void {
    const m = material as { isTextOutlineMaterial?: boolean; uniforms: { uTroikaIsOutline: { value: boolean } }; setMatrixTexture(t: unknown): void };
    const key = m.isTextOutlineMaterial ? 'outline' : 'main';
    const texture = (this as unknown as { _dataTextures: Record<string, unknown> })._dataTextures[key];
    if (texture && this.packed[key] === this.version) {
      m.uniforms.uTroikaIsOutline.value = !!m.isTextOutlineMaterial;
      m.setMatrixTexture(texture);
      // the batch's own (non-member) uniforms, as BatchedText ends with
      Text.prototype._prepareForRender.call(this, material);
      return;
    }
    super._prepareForRender(material);
    this.packed[key] = this.version;
  }

  override updateBounds(): void {
    if (this.packed.bounds === this.version) return;
    super.updateBounds();
    this.packed.bounds = this.version;
  }
}

/** At most this many building labels (the tallest first): a 1,000-building estate stays legible. */
export const MAX_BUILDING_LABELS = 120;
const BUILDING_FONT_M = 8;
const CHECKPOINT_FONT_M = 4.5;

export interface LabelSpec {
  key: string;
  text: string;
  x: number;
  y: number;
  /** metres above ground of the label's foot */
  z: number;
  size: number;
}

/** Which labels to draw: the tallest buildings (by roof), then every checkpoint; text filtered to the font. */
export function labelSpecs(buildings: readonly BuildingInfo[], checkpoints: readonly CheckpointInfo[], coverage: CodePointRanges | null): LabelSpec[] {
  const clean = (text: string) => (coverage ? coverage.filter(text, '?') : text).trim();
  const out: LabelSpec[] = [];
  const tallest = [...buildings].sort((a, b) => b.height - a.height).slice(0, MAX_BUILDING_LABELS);
  for (const b of tallest) {
    const text = clean(b.name || b.id);
    if (text) out.push({ key: `b:${b.id}`, text, x: b.center[0], y: b.center[1], z: labelHeight(b, false), size: BUILDING_FONT_M });
  }
  for (const c of checkpoints) {
    const text = clean(c.name || c.id);
    if (text) out.push({ key: `c:${c.id}`, text, x: c.x, y: c.y, z: 6, size: CHECKPOINT_FONT_M });
  }
  return out;
}

/** Where a building's label stands: on its roof, or above its floors when it is opened floor by floor. */
export function labelHeight(building: BuildingInfo, opened: boolean): number {
  if (!opened) return building.height + 3;
  const storeys = storeysOf(building);
  return Math.max(building.height, floorBase(storeys, storeys.floors) + SLAB_M) + 3;
}

/** Screen boxes (CSS px) of the shown labels, from each member's own matrix: its block's four corners projected. */
function labelBoxes(byKey: Map<string, Text>, camera: import('three').Camera, width: number, height: number) {
  const out: Array<{ key: string; x0: number; y0: number; x1: number; y1: number }> = [];
  const v = new Vector3();
  for (const [key, member] of byKey) {
    const bounds = (member as unknown as { textRenderInfo?: { blockBounds: number[] } }).textRenderInfo?.blockBounds;
    if (!bounds || member.scale.x === 0) continue;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    let behind = false;
    for (const [bx, by] of [[bounds[0], bounds[1]], [bounds[2], bounds[1]], [bounds[0], bounds[3]], [bounds[2], bounds[3]]]) {
      v.set(bx, by, 0).applyMatrix4(member.matrix);
      const depth = v.clone().applyMatrix4(camera.matrixWorldInverse).z;
      if (depth >= 0) behind = true;
      v.project(camera);
      const px = (v.x * 0.5 + 0.5) * width;
      const py = (0.5 - v.y * 0.5) * height;
      x0 = Math.min(x0, px); x1 = Math.max(x1, px); y0 = Math.min(y0, py); y1 = Math.max(y1, py);
    }
    if (!behind) out.push({ key, x0, y0, x1, y1 });
  }
  return out;
}

export function Labels({ buildings, checkpoints, color, outline, visible = true, opened = null, declutter = true }: {
  buildings: readonly BuildingInfo[];
  checkpoints: readonly CheckpointInfo[];
  color: string;
  outline: string;
  visible?: boolean;
  /** the building opened floor by floor: its name rises above the floors instead of crossing them */
  opened?: string | null;
  /** hide labels that overlap more important ones (off: the benchmark's baseline) */
  declutter?: boolean;
}) {
  const invalidate = useThree((s) => s.invalidate);
  const [coverage, setCoverage] = useState<CodePointRanges | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    labelCoverage().then(
      (c) => live && setCoverage(c),
      (err: Error) => {
        console.warn(`labels off: ${err.message}`);
        if (live) setFailed(true);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const specs = useMemo(() => (coverage ? labelSpecs(buildings, checkpoints, coverage) : []), [buildings, checkpoints, coverage]);
  const batch = useMemo(() => {
    if (!specs.length) return null;
    const batched = new StillBatchedText();
    batched.userData.byKey = new Map<string, Text>();
    batched.font = LABEL_FONT_URL;
    batched.name = 'labels';
    batched.renderOrder = 20;
    // always on top: a name hidden behind a tower helps nobody
    const material = batched.material as { depthTest: boolean; depthWrite: boolean; transparent: boolean };
    material.depthTest = false;
    material.depthWrite = false;
    material.transparent = true;
    for (const spec of specs) {
      const text = new Text();
      text.text = spec.text;
      text.font = LABEL_FONT_URL;
      text.fontSize = spec.size;
      text.anchorX = 'center';
      text.anchorY = 'bottom';
      // numbers, not '14%' or '#fff': troika parses strings again for every member in every frame
      text.outlineWidth = spec.size * 0.14;
      text.position.set(spec.x, spec.z, -spec.y);
      // matrices are updated here and when the view turns, not by three.js every frame
      text.matrixAutoUpdate = false;
      text.updateMatrix();
      batched.addText(text);
      (batched.userData.byKey as Map<string, Text>).set(spec.key, text);
    }
    return batched;
  }, [specs]);

  useEffect(() => {
    if (!batch) return;
    // members render with the batch's colours (as numbers: strings are parsed per member per frame)
    const fill = new Color(color).getHex();
    const rim = new Color(outline).getHex();
    batch.color = fill;
    batch.outlineColor = rim;
    for (const member of (batch as unknown as { _members: Map<Text, unknown> })._members.keys()) {
      member.color = fill;
      member.outlineColor = rim;
    }
    batch.version++;
    invalidate();
  }, [batch, color, outline, invalidate]);

  useEffect(() => {
    if (!batch) return;
    const done = () => {
      batch.version++;
      invalidate();
    };
    batch.addEventListener('synccomplete' as never, done);
    batch.sync(done);
    return () => {
      batch.removeEventListener('synccomplete' as never, done);
      for (const member of (batch as unknown as { _members: Map<Text, unknown> })._members.keys()) member.dispose();
      batch.dispose();
    };
  }, [batch, invalidate]);

  // face the viewer: copy the camera's orientation into every member when the view turned
  const facing = useRef({ batch: null as StillBatchedText | null, quaternion: new Quaternion(NaN, NaN, NaN, NaN) });
  const heights = useMemo(() => new Map(buildings.map((b) => [`b:${b.id}`, b.height])), [buildings]);
  const seen = useRef({ key: '', point: new Vector3() });
  useFrame(({ camera, size }) => {
    const f = facing.current;
    if (!batch || !visible) return;
    const byKey = batch.userData.byKey as Map<string, Text>;
    if (f.batch !== batch || !f.quaternion.equals(camera.quaternion)) {
      f.batch = batch;
      f.quaternion.copy(camera.quaternion);
      for (const member of (batch as unknown as { _members: Map<Text, unknown> })._members.keys()) {
        member.quaternion.copy(camera.quaternion);
        member.updateMatrix();
      }
      batch.version++;
    }
    // overlapping labels: again when the view, the screen, the layout (typeset, raised) or the opened building changed
    const view = seen.current;
    const key = `${camera.matrixWorld.elements.join(',')}|${size.width}x${size.height}|${batch.version}|${opened}|${declutter}`;
    if (view.key === key) return;
    const cam = camera as PerspectiveCamera;
    const tan = Math.tan(((cam.fov ?? 40) / 2) * (Math.PI / 180));
    const boxes: LabelBox[] = [];
    const scales = new Map<string, number>();
    for (const [k, member] of byKey) {
      const bounds = (member as unknown as { textRenderInfo?: { blockBounds: number[] } }).textRenderInfo?.blockBounds;
      const p = view.point.copy(member.position).applyMatrix4(camera.matrixWorldInverse);
      const depth = -p.z;
      if (!bounds || depth <= cam.near) {
        boxes.push({ key: k, priority: labelPriority(k, heights.get(k) ?? 0, opened), box: null });
        continue;
      }
      // a label faces the camera: its box is its block scaled by pixels per metre at its depth, and
      // by what keeps its font at least LABEL_MIN_PX (the scale is about its anchor, the foot's centre)
      const ppm = size.height / 2 / (tan * depth);
      const s = labelScale(member.fontSize as number, ppm, k.startsWith('b:') ? LABEL_MIN_PX : LABEL_MIN_PX_SMALL);
      scales.set(k, s);
      view.point.copy(member.position).project(camera);
      const px = (view.point.x * 0.5 + 0.5) * size.width;
      const py = (0.5 - view.point.y * 0.5) * size.height;
      const rim = (member.outlineWidth as number) || 0;
      const m = ppm * s;
      boxes.push({ key: k, priority: labelPriority(k, heights.get(k) ?? 0, opened), box: { x0: px + (bounds[0] - rim) * m, x1: px + (bounds[2] + rim) * m, y0: py - (bounds[3] + rim) * m, y1: py - (bounds[1] - rim) * m } });
    }
    const shown = declutter ? visibleLabels(boxes, size.width, size.height) : null;
    let changed = false;
    let count = 0;
    for (const [k, member] of byKey) {
      // shown: picked, or not yet typeset / behind the camera (nothing to place, nothing in the way)
      const placed = scales.get(k);
      const on = !shown || shown.has(k) || placed === undefined;
      const scale = on ? (placed ?? 1) : 0;
      if (on) count++;
      if (member.scale.x !== scale) {
        member.scale.setScalar(scale);
        member.updateMatrix();
        changed = true;
      }
    }
    if (changed) batch.version++;
    view.key = changed ? '' : key;
    window.__SE_LABELS__ = {
      total: byKey.size,
      shown: count,
      boxes: () => labelBoxes(byKey, camera, size.width, size.height),
    };
  });

  // the opened building's name stands above its floors; the one closed before goes back on its roof
  const raised = useRef<{ batch: StillBatchedText | null; id: string | null }>({ batch: null, id: null });
  useEffect(() => {
    if (!batch) return;
    const byKey = batch.userData.byKey as Map<string, Text>;
    const move = (id: string | null, open: boolean) => {
      const b = id ? buildings.find((x) => x.id === id) : undefined;
      const member = id ? byKey.get(`b:${id}`) : undefined;
      if (!b || !member) return;
      member.position.y = labelHeight(b, open);
      member.updateMatrix();
    };
    const r = raised.current;
    if (r.batch === batch && r.id === opened) return;
    if (r.batch === batch) move(r.id, false);
    move(opened, true);
    raised.current = { batch, id: opened };
    batch.version++;
    invalidate();
  }, [batch, opened, buildings, invalidate]);

  if (!batch || failed) return null;
  return <primitive object={batch} visible={visible} />;
}
