// Open work orders on their buildings: ONE InstancedMesh of beacons for all of them (one draw call
// whatever the count — not a mesh per order), rewritten in the frame loop when the orders change
// and re-coloured as their clocks run (every second: calm → soon → overdue happens on its own).
// Orders with a floor are also put on their building's floors (floor-view.ts setFloorItems), drawn by
// Floors in its one item mesh when that building is opened — and left out of the roof stack then.
import { useFrame } from '@react-three/fiber';
import { useEffect, useMemo, useRef, useState } from 'react';
import { MeshBasicMaterial, OctahedronGeometry } from 'three';
import type { BuildingInfo } from '../../../protocol/api.ts';
import { capacityFor, commit, createInstances, instanceIds, writeColor, writeTransform } from './instances.ts';
import { getFloorView, setFloorItems } from './floor-view.ts';
import { buildingIndex, floorItemsSignature, layoutSpots, workOrderFloorItems, WORK_ORDER_COLORS, type WorkOrderSpot } from './work-order-layout.ts';

/** What the layer reads: the live store's work orders, or the replay's. */
export interface WorkOrderSource {
  /** bumped on every change */
  readonly version: number;
  spots(): Iterable<WorkOrderSpot>;
}

const RECOLOR_MS = 1_000;
const SIZE = 3.2;

declare global {
  interface Window {
    /** the layer as drawn, for end-to-end tests: one entry per beacon */
    __SE_WORKORDER_LAYER__?: { instances: number; meshes: number; spots: Array<{ id: string; x: number; y: number; h: number; level: string }> };
  }
}

export function WorkOrders({ source, buildings, clock = Date.now, visible = true }: {
  source: WorkOrderSource;
  buildings: readonly BuildingInfo[];
  /** the time the clocks are judged at (server time live, the replay's time in a replay) */
  clock?: () => number;
  visible?: boolean;
}) {
  const index = useMemo(() => buildingIndex(buildings), [buildings]);
  const geometry = useMemo(() => new OctahedronGeometry(1, 0).scale(1, 1.6, 1), []);
  // drawn over roofs and through towers: an order behind a building must still be seen
  const material = useMemo(() => new MeshBasicMaterial({ depthTest: false, transparent: true, opacity: 0.95 }), []);
  const [capacity, setCapacity] = useState(() => capacityFor(0, 64));
  const mesh = useMemo(() => createInstances(geometry, material, capacity, 'workorders'), [geometry, material, capacity]);
  useEffect(() => {
    mesh.renderOrder = 13;
    return () => mesh.dispose();
  }, [mesh]);
  useEffect(
    () => () => {
      geometry.dispose();
      material.dispose();
    },
    [geometry, material],
  );
  const last = useRef({ version: -1, at: 0, mesh: null as unknown, opened: null as string | null, visible, floorItems: '' });
  // the layer's floor items go with it (a replay's store, an unmounted map)
  useEffect(() => () => setFloorItems('workorders', []), []);
  useFrame(() => {
    const now = clock();
    const l = last.current;
    const opened = getFloorView().building;
    if (l.version === source.version && l.mesh === mesh && l.opened === opened && l.visible === visible && Math.abs(now - l.at) < RECOLOR_MS) return;
    const spots = [...source.spots()];
    // on floors: only when what they show changed (a new list re-draws the floor items)
    const onFloors = visible ? workOrderFloorItems(spots, index, now) : [];
    const signature = floorItemsSignature(onFloors);
    if (signature !== l.floorItems) {
      l.floorItems = signature;
      setFloorItems('workorders', onFloors);
    }
    const placed = layoutSpots(spots, index, now, opened);
    if (placed.length > capacity) {
      setCapacity(capacityFor(placed.length, 64)); // a bigger mesh next render; this frame draws what fits
      return;
    }
    l.version = source.version;
    l.at = now;
    l.mesh = mesh;
    l.opened = opened;
    l.visible = visible;
    const matrices = mesh.instanceMatrix.array as Float32Array;
    const colors = mesh.instanceColor!.array as Float32Array;
    const ids = instanceIds(mesh);
    ids.length = 0;
    placed.forEach((p, i) => {
      writeTransform(matrices, i, p.x, p.h, -p.y, 0, SIZE, SIZE, SIZE);
      writeColor(colors, i, WORK_ORDER_COLORS[p.level]);
      ids.push(p.id);
    });
    commit(mesh, placed.length);
    window.__SE_WORKORDER_LAYER__ = { instances: placed.length, meshes: 1, spots: placed };
  });
  return <primitive object={mesh} visible={visible} />;
}
