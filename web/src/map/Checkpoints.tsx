// Patrol checkpoints: one InstancedMesh of beacons (one draw call for all of them), coloured by the
// time since the last check-in there, so a round that skipped part of the estate shows at a glance.
import { useFrame } from '@react-three/fiber';
import { useEffect, useMemo, useRef } from 'react';
import { Color, CylinderGeometry, MeshBasicMaterial } from 'three';
import type { CheckpointInfo } from '../../../protocol/api.ts';
import type { LiveStore } from '../live/live-store.ts';
import { commit, createInstances, instanceIds, writeColor, writeTransform } from './instances.ts';

/** Visited within this long: fresh. */
export const CHECKPOINT_FRESH_MS = 30 * 60_000;
/** Beyond this since the last visit (or never seen): overdue. Between the two: due. */
export const CHECKPOINT_OVERDUE_MS = 2 * 3600_000;

export type CheckpointState = 'fresh' | 'due' | 'overdue';

export function checkpointState(lastVisit: number | undefined, now: number): CheckpointState {
  if (lastVisit === undefined) return 'overdue';
  const age = now - lastVisit;
  return age <= CHECKPOINT_FRESH_MS ? 'fresh' : age <= CHECKPOINT_OVERDUE_MS ? 'due' : 'overdue';
}

export const CHECKPOINT_COLORS: Record<CheckpointState, Color> = {
  fresh: new Color('#2ee6c5'),
  due: new Color('#ffb020'),
  overdue: new Color('#ff4d6d'),
};

/** How often colours are re-checked as visits age (the store's version covers new check-ins). */
const RECOLOR_MS = 5_000;

export function Checkpoints({ checkpoints, store, clock = Date.now, visible = true }: {
  checkpoints: readonly CheckpointInfo[];
  store: LiveStore;
  /** the time checkpoints are judged at (replay passes its own) */
  clock?: () => number;
  visible?: boolean;
}) {
  const geometry = useMemo(() => new CylinderGeometry(3.2, 3.2, 1.6, 6), []);
  const material = useMemo(() => new MeshBasicMaterial(), []);
  const mesh = useMemo(() => createInstances(geometry, material, Math.max(1, checkpoints.length), 'checkpoints'), [geometry, material, checkpoints.length]);
  useEffect(
    () => () => {
      geometry.dispose();
      material.dispose();
    },
    [geometry, material],
  );
  const last = useRef({ version: -1, at: 0, mesh: null as unknown });
  useFrame(() => {
    const now = clock();
    const l = last.current;
    if (l.version === store.markersVersion && l.mesh === mesh && Math.abs(now - l.at) < RECOLOR_MS) return;
    l.version = store.markersVersion;
    l.at = now;
    l.mesh = mesh;
    const matrices = mesh.instanceMatrix.array as Float32Array;
    const colors = mesh.instanceColor!.array as Float32Array;
    const ids = instanceIds(mesh);
    ids.length = 0;
    checkpoints.forEach((c, i) => {
      writeTransform(matrices, i, c.x, 0.6, -c.y);
      writeColor(colors, i, CHECKPOINT_COLORS[checkpointState(store.checkpointVisits.get(c.id), now)]);
      ids.push(c.id);
    });
    commit(mesh, checkpoints.length);
  });
  if (!checkpoints.length) return null;
  return <primitive object={mesh} visible={visible} />;
}
