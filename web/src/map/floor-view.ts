// Which building is opened floor by floor, which floor is isolated, and what other layers want shown
// on floors (work orders register their items here): a plain store read in the frame loop and by
// hooks, like layers.ts.
import { useSyncExternalStore } from 'react';
import type { FloorItem } from './floor-placement.ts';

export interface FloorViewState {
  building: string | null;
  /** one storey shown alone, or null for all */
  isolated: number | null;
}

let state: FloorViewState = { building: null, isolated: null };
const extra = new Map<string, readonly FloorItem[]>();
let version = 0;
const listeners = new Set<() => void>();
const emit = () => {
  version++;
  for (const l of listeners) l();
};

export function getFloorView(): FloorViewState {
  return state;
}

export function openBuilding(building: string | null): void {
  if (state.building === building) return;
  state = { building, isolated: null };
  emit();
}

export function isolateFloor(floor: number | null): void {
  if (state.isolated === floor) return;
  state = { ...state, isolated: floor };
  emit();
}

/**
 * Items another layer puts on floors (`source` = its name, e.g. 'workorders'); replaces that
 * source's previous items. They sit on the opened building's floors with the devices and alerts.
 */
export function setFloorItems(source: string, items: readonly FloorItem[]): void {
  extra.set(source, items);
  emit();
}

export function floorItemsFrom(): Iterable<FloorItem> {
  return [...extra.values()].flat();
}

export function floorViewVersion(): number {
  return version;
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useFloorView(): FloorViewState {
  return useSyncExternalStore(subscribe, getFloorView);
}
