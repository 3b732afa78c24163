// Where and in what colour the wall screen draws open work orders: a beacon over the roof of the
// order's building, several orders of one building stacked upwards (most urgent lowest, nearest the
// roof), coloured by the time left on the clock they race — the same calm / soon / overdue the
// panel's countdown uses (panels/alerts/countdown.ts `urgency`), grey-blue while paused. Pure: no
// three.js scene, so it is tested in Node.
import { Color } from 'three';
import type { BuildingInfo } from '../../../protocol/api.ts';
import type { FloorItem } from './floor-placement.ts';
import { urgency } from '../panels/alerts/countdown.ts';

/** One open order as the layer needs it. */
export interface WorkOrderSpot {
  id: string;
  building?: string;
  /** the storey of `building` it is on, when known: drawn on that floor once the building is opened */
  floor?: number;
  /** local metres, for orders placed without a building (or whose building is unknown here) */
  x?: number;
  y?: number;
  /** the deadline it races now (epoch ms, server clock), and when that clock started */
  due: number;
  opened: number;
  paused: boolean;
}

export type SpotLevel = 'calm' | 'soon' | 'overdue' | 'paused';

export const WORK_ORDER_COLORS: Record<SpotLevel, Color> = {
  calm: new Color('#2ee6c5'),
  soon: new Color('#ffb020'),
  overdue: new Color('#ff2d55'),
  paused: new Color('#7f93b5'),
};

/** Beacon spacing in a stack and its height over the roof (metres). */
export const STACK_STEP = 7;
export const ROOF_CLEARANCE = 8;

export interface PlacedSpot {
  id: string;
  x: number;
  y: number;
  /** metres above ground */
  h: number;
  level: SpotLevel;
}

export function spotLevel(s: Pick<WorkOrderSpot, 'due' | 'opened' | 'paused'>, now: number): SpotLevel {
  return s.paused ? 'paused' : urgency(s.due, s.opened, now);
}

export type BuildingIndex = ReadonlyMap<string, { x: number; y: number; roof: number }>;

export function buildingIndex(buildings: readonly BuildingInfo[]): BuildingIndex {
  return new Map(buildings.map((b) => [b.id, { x: b.center[0], y: b.center[1], roof: b.height }]));
}

/** Is this order drawn on a floor of the opened building (and so not in the beacon stack over its roof)? */
export function onOpenedFloor(s: Pick<WorkOrderSpot, 'building' | 'floor'>, opened: string | null): boolean {
  return opened !== null && s.building === opened && typeof s.floor === 'number';
}

/**
 * Every spot with a place, in draw order; spots with neither a known building nor x/y are left out,
 * and so are those standing on a floor of the `opened` building (Floors draws them there).
 */
export function layoutSpots(spots: Iterable<WorkOrderSpot>, buildings: BuildingIndex, now: number, opened: string | null = null): PlacedSpot[] {
  const stacks = new Map<string, WorkOrderSpot[]>();
  const loose: PlacedSpot[] = [];
  for (const s of spots) {
    if (onOpenedFloor(s, opened)) continue;
    if (s.building && buildings.has(s.building)) {
      let stack = stacks.get(s.building);
      if (!stack) stacks.set(s.building, (stack = []));
      stack.push(s);
    } else if (typeof s.x === 'number' && typeof s.y === 'number') {
      loose.push({ id: s.id, x: s.x, y: s.y, h: ROOF_CLEARANCE, level: spotLevel(s, now) });
    }
  }
  const out: PlacedSpot[] = [];
  for (const [id, stack] of stacks) {
    const b = buildings.get(id)!;
    // paused orders last (their clock stands still), then the nearest deadline first
    stack.sort((p, q) => Number(p.paused) - Number(q.paused) || p.due - q.due || (p.id < q.id ? -1 : 1));
    stack.forEach((s, i) => out.push({ id: s.id, x: b.x, y: b.y, h: b.roof + ROOF_CLEARANCE + i * STACK_STEP, level: spotLevel(s, now) }));
  }
  return out.concat(loose);
}

/** Metres between orders standing on one floor (they ring the spot instead of hiding each other). */
export const FLOOR_SPREAD_M = 4;

/**
 * Open orders with a building and a floor, as items on that floor (floor-view.ts setFloorItems):
 * coloured by their clock like the beacons; several on one floor of one building stand in a ring
 * around their spot. Sorted by key, so the same orders give the same list (and the same signature).
 */
export function workOrderFloorItems(spots: Iterable<WorkOrderSpot>, buildings: BuildingIndex, now: number): FloorItem[] {
  const groups = new Map<string, WorkOrderSpot[]>();
  for (const s of spots) {
    if (!s.building || typeof s.floor !== 'number' || !buildings.has(s.building)) continue;
    const k = `${s.building}|${s.floor}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(s);
  }
  const out: FloorItem[] = [];
  for (const g of groups.values()) {
    g.sort((p, q) => (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));
    g.forEach((s, i) => {
      const b = buildings.get(s.building!)!;
      const x0 = s.x ?? b.x;
      const y0 = s.y ?? b.y;
      const a = (2 * Math.PI * i) / g.length;
      const r = g.length > 1 ? FLOOR_SPREAD_M : 0;
      out.push({ key: `wo:${s.id}`, kind: 'workorder', building: s.building, floor: s.floor!, x: x0 + r * Math.cos(a), y: y0 + r * Math.sin(a), color: `#${WORK_ORDER_COLORS[spotLevel(s, now)].getHexString()}` });
    });
  }
  return out.sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
}

/** What changes the drawn floor items: keys, floors, places and colours. */
export function floorItemsSignature(items: readonly FloorItem[]): string {
  return items.map((i) => `${i.key}@${i.building ?? ''}/${i.floor}/${i.x ?? ''}/${i.y ?? ''}/${i.color}`).join(';');
}
