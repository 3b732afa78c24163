// The opened building, floor by floor: every storey is ONE instance of the footprint's slab (one
// InstancedMesh, one draw call however many floors), stacked apart by floor-placement.ts; an
// isolated floor is drawn alone. What stands on the floors — devices with a floor, open alerts of
// those devices, and items other layers register (floor-view.ts setFloorItems: work orders, each on
// its own building) — is a
// second InstancedMesh. Two draw calls for a 33-storey tower or for a 3-storey block alike.
import { useFrame } from '@react-three/fiber';
import { useEffect, useMemo, useRef } from 'react';
import { Color, MeshBasicMaterial, MeshStandardMaterial, SphereGeometry, type BufferGeometry } from 'three';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';
import type { BuildingInfo, DeviceInfo } from '../../../protocol/api.ts';
import type { LiveStore } from '../live/live-store.ts';
import { nearBuilding } from '../panels/pick-details.ts';
import { extrudeBuilding } from './building-geometry.ts';
import { floorBase, floorPosition, SLAB_M, storeysOf, type FloorItem } from './floor-placement.ts';
import { floorItemsFrom, floorViewVersion, getFloorView } from './floor-view.ts';
import { capacityFor, commit, createInstances, instanceIds, writeColor, writeTransform } from './instances.ts';

const FLOOR_COLORS = { even: new Color('#5d7fae'), odd: new Color('#7f9fcc'), isolated: new Color('#ffd60a'), ground: new Color('#9fd6ff') };
export const FLOOR_ITEM_COLORS: Record<string, string> = { camera: '#38d6ff', patrol: '#3dff8b', gate: '#ffb020', sensor: '#c9a0ff', alert: '#ff2d55' };

/** One storey's slab in scene axes, from 0 to SLAB_M. */
export function slabGeometry(building: BuildingInfo): BufferGeometry | null {
  const parts = extrudeBuilding({ ...building, minHeight: 0, height: SLAB_M });
  if (!parts.length) return null;
  const merged = parts.length === 1 ? parts[0] : mergeGeometries(parts, false);
  if (parts.length > 1) for (const p of parts) p.dispose();
  return merged;
}

/** Devices (with a floor) of the building and open alerts of those devices: what sits on its floors. */
export function floorItems(building: BuildingInfo, devices: readonly DeviceInfo[], store: LiveStore | null, extra: Iterable<FloorItem> = []): FloorItem[] {
  const out: FloorItem[] = [];
  const onFloor = new Map<string, DeviceInfo>();
  for (const d of devices) {
    if (d.floor === null || d.floor === undefined || d.x === null || d.y === null || !nearBuilding(building, d.x, d.y)) continue;
    onFloor.set(d.id, d);
    out.push({ key: `device:${d.id}`, kind: 'device', floor: d.floor, x: d.x, y: d.y, color: FLOOR_ITEM_COLORS[d.kind] ?? '#ffffff' });
  }
  if (store) {
    for (const [identity, a] of store.openAlerts) {
      const device = a.device ? onFloor.get(a.device) : undefined;
      const floor = typeof (a as { floor?: unknown }).floor === 'number' ? ((a as { floor: number }).floor) : device?.floor;
      if (floor === undefined || floor === null || (!device && (a as { building?: string }).building !== building.id)) continue;
      out.push({ key: `alert:${identity}`, kind: 'alert', floor, x: a.x ?? device?.x, y: a.y ?? device?.y, color: FLOOR_ITEM_COLORS.alert });
    }
  }
  for (const item of extra) if (item.building === undefined || item.building === building.id) out.push(item);
  return out;
}

declare global {
  interface Window {
    /** what stands on the opened building's floors, for end-to-end tests: key, storey, scene height */
    __SE_FLOOR_ITEMS__?: { building: string | null; items: Array<{ key: string; floor: number; h: number }> };
  }
}

export interface FloorStats {
  floors: number;
  items: number;
}

export function Floors({ buildings, devices, store, stats }: { buildings: readonly BuildingInfo[]; devices: readonly DeviceInfo[]; store: LiveStore | null; stats?: FloorStats }) {
  const opened = useRef<{ building: BuildingInfo | null; version: number; markers: number }>({ building: null, version: -1, markers: -1 });
  const byId = useMemo(() => new Map(buildings.map((b) => [b.id, b])), [buildings]);
  const material = useMemo(() => new MeshStandardMaterial({ vertexColors: true, roughness: 0.6, metalness: 0.05, transparent: true, opacity: 0.92 }), []);
  const itemMaterial = useMemo(() => new MeshBasicMaterial({ depthTest: false, transparent: true }), []);
  const itemGeometry = useMemo(() => new SphereGeometry(2.6, 12, 8), []);
  const items = useMemo(() => createInstances(itemGeometry, itemMaterial, 1024, 'floor-items'), [itemGeometry, itemMaterial]);
  items.renderOrder = 12;
  const slabs = useRef<{ building: string | null; mesh: ReturnType<typeof createInstances> | null }>({ building: null, mesh: null });
  const group = useRef<import('three').Group>(null);
  const color = useMemo(() => new Color(), []);
  useEffect(
    () => () => {
      material.dispose();
      itemMaterial.dispose();
      itemGeometry.dispose();
      slabs.current.mesh?.geometry.dispose();
    },
    [material, itemMaterial, itemGeometry],
  );

  useFrame(({ invalidate }) => {
    const view = getFloorView();
    const building = view.building ? (byId.get(view.building) ?? null) : null;
    const o = opened.current;
    const version = floorViewVersion();
    if (o.building === building && o.version === version && o.markers === (store?.markersVersion ?? 0)) return;
    o.markers = store?.markersVersion ?? 0;
    const g = group.current;
    if (!g) return;
    // a new building: its own slab geometry (one footprint, instanced per storey)
    if (slabs.current.building !== (building?.id ?? null)) {
      if (slabs.current.mesh) {
        g.remove(slabs.current.mesh);
        slabs.current.mesh.geometry.dispose();
        slabs.current.mesh = null;
      }
      slabs.current.building = building?.id ?? null;
      const geometry = building ? slabGeometry(building) : null;
      if (building && geometry) {
        const { floors } = storeysOf(building);
        const mesh = createInstances(geometry, material, capacityFor(floors, 8), 'floors');
        slabs.current.mesh = mesh;
        g.add(mesh);
      }
    }
    o.building = building;
    o.version = version;
    const mesh = slabs.current.mesh;
    if (!building || !mesh) {
      items.count = 0;
      items.visible = false;
      if (stats) stats.floors = stats.items = 0;
      window.__SE_FLOOR_ITEMS__ = { building: null, items: [] };
      invalidate();
      return;
    }
    const storeys = storeysOf(building);
    const matrices = mesh.instanceMatrix.array as Float32Array;
    const colors = mesh.instanceColor!.array as Float32Array;
    const ids = instanceIds(mesh);
    ids.length = 0;
    let n = 0;
    for (let f = 1; f <= storeys.floors; f++) {
      if (view.isolated !== null && view.isolated !== f) continue;
      writeTransform(matrices, n, 0, floorBase(storeys, f), 0);
      writeColor(colors, n, view.isolated === f ? FLOOR_COLORS.isolated : f === 1 ? FLOOR_COLORS.ground : f % 2 ? FLOOR_COLORS.odd : FLOOR_COLORS.even);
      ids.push(`${building.id}:${f}`);
      n++;
    }
    commit(mesh, n);
    mesh.visible = n > 0;
    // what stands on the floors
    const list = floorItems(building, devices, store, floorItemsFrom()).filter((i) => view.isolated === null || i.floor === view.isolated);
    const im = items.instanceMatrix.array as Float32Array;
    const ic = items.instanceColor!.array as Float32Array;
    const itemIds = instanceIds(items);
    itemIds.length = 0;
    let k = 0;
    const drawnItems: Array<{ key: string; floor: number; h: number }> = [];
    for (const item of list) {
      if (k >= 1024) break;
      const [x, y, z] = floorPosition(building, item.floor, item.x ?? undefined, item.y ?? undefined);
      writeTransform(im, k, x, y + 2.6, z);
      writeColor(ic, k, color.set(item.color));
      itemIds.push(item.key);
      drawnItems.push({ key: item.key, floor: item.floor, h: y + 2.6 });
      k++;
    }
    window.__SE_FLOOR_ITEMS__ = { building: building.id, items: drawnItems };
    commit(items, k);
    items.visible = k > 0;
    if (stats) {
      stats.floors = n;
      stats.items = k;
    }
    invalidate();
  });

  return (
    <group ref={group} name="floor-view">
      <primitive object={items} />
    </group>
  );
}
