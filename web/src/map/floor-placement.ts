// Where a floor of a building sits when the building is opened floor by floor (楼栋分层): the one
// function every floor layer places things with — devices and alerts today, work orders next
// (floorPosition). Pure, no renderer.
//
// Opened, storey f (1 = ground) of a building with n storeys of height h each rests at
//   base(f) = (f - 1) · (h + gap · spread)        spread 0 = closed, 1 = fully apart
// basements (f < 0) go down from 0 the same way. Things on a floor stand on its slab.
import type { BuildingInfo } from '../../../protocol/api.ts';

/** Metres between two floors once fully apart. */
export const FLOOR_GAP_M = 2.4;
/** Storey height when a building's floors are not known. */
export const DEFAULT_STOREY_M = 3;
/** Slab thickness drawn per floor (the rest of the storey is air, so the floor above stays visible). */
export const SLAB_M = 1.2;

export interface FloorGeometry {
  floors: number;
  storey: number;
}

/** How many storeys a building has and how tall each one is. */
export function storeysOf(building: Pick<BuildingInfo, 'floors' | 'height' | 'minHeight'>, registered?: number): FloorGeometry {
  const height = Math.max(1, (building.height ?? 0) - Math.max(0, building.minHeight ?? 0));
  const floors = Math.max(1, Math.round(registered && registered > 0 ? registered : building.floors && building.floors > 0 ? building.floors : height / DEFAULT_STOREY_M));
  return { floors, storey: height / floors };
}

/** Metres above ground of the slab of storey `floor` (1 = ground, -1 = first basement). */
export function floorBase(g: FloorGeometry, floor: number, spread = 1): number {
  const step = g.storey + FLOOR_GAP_M * Math.max(0, Math.min(1, spread));
  return floor > 0 ? (floor - 1) * step : floor * step;
}

/** Scene position (X east, Y up, Z south) of a point x/y on storey `floor`, standing on its slab. */
export function floorPosition(building: Pick<BuildingInfo, 'floors' | 'height' | 'minHeight' | 'center'>, floor: number, x = building.center[0], y = building.center[1], spread = 1, registered?: number): [number, number, number] {
  const g = storeysOf(building, registered);
  return [x, floorBase(g, floor, spread) + SLAB_M, -y];
}

/** Something to show on a floor of the opened building: a device, an open alert, a work order. */
export interface FloorItem {
  /** unique per layer, e.g. `device:cam-3`, `alert:17`, `wo:88` */
  key: string;
  kind: 'device' | 'alert' | 'workorder' | string;
  /** the building it belongs to; absent = whichever building is opened (the caller filtered) */
  building?: string;
  floor: number;
  /** local metres; the building's centre when unknown */
  x?: number | null;
  y?: number | null;
  /** CSS colour */
  color: string;
}
