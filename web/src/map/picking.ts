// What a click on the map hit. Buildings are one merged mesh: the hit triangle (faceIndex) names the
// building through the merge's face table. Markers are InstancedMeshes: the hit instanceId indexes
// the ids the frame loop wrote beside the matrices. Markers win over buildings (they are drawn on
// top and are what an operator aims at).
import type { Intersection, Object3D } from 'three';
import { buildingAtFace, facesOf } from './building-geometry.ts';

export type Pick =
  | { kind: 'building'; id: string }
  | { kind: 'camera'; id: string }
  | { kind: 'guard'; id: string }
  | { kind: 'vehicle'; id: string }
  | { kind: 'checkpoint'; id: string };

export type PickKind = Pick['kind'];

/** Scene objects by name → what their hits mean; in order of priority. */
export const PICK_TARGETS: ReadonlyArray<readonly [string, PickKind]> = [
  ['guards', 'guard'],
  ['vehicles', 'vehicle'],
  ['checkpoints', 'checkpoint'],
  ['cameras', 'camera'],
  ['buildings', 'building'],
];

/** The most important thing among raycast hits (any order), or null. */
export function resolvePick(hits: ReadonlyArray<Intersection<Object3D>>): Pick | null {
  let best: { rank: number; distance: number; pick: Pick } | null = null;
  for (const hit of hits) {
    const rank = PICK_TARGETS.findIndex(([name]) => name === hit.object.name);
    if (rank < 0) continue;
    const kind = PICK_TARGETS[rank][1];
    let id: string | null = null;
    if (kind === 'building') {
      const faces = 'geometry' in hit.object ? facesOf((hit.object as unknown as { geometry: Parameters<typeof facesOf>[0] }).geometry) : null;
      id = faces && hit.faceIndex !== undefined && hit.faceIndex !== null ? buildingAtFace(faces, hit.faceIndex) : null;
    } else if (hit.instanceId !== undefined) {
      const ids = hit.object.userData.ids as string[] | undefined;
      id = ids?.[hit.instanceId] ?? null;
    }
    if (id === null) continue;
    if (!best || rank < best.rank || (rank === best.rank && hit.distance < best.distance)) best = { rank, distance: hit.distance, pick: { kind, id } as Pick };
  }
  return best?.pick ?? null;
}
