// Which overlays the map shows. An operator hides what is in the way (labels over a busy corner,
// trails during a drill); the choice is remembered per browser. A plain store read through a hook.
import { useSyncExternalStore } from 'react';

export const LAYERS = ['buildings', 'labels', 'zones', 'checkpoints', 'guards', 'trails', 'vehicles', 'cameras', 'alerts', 'workorders'] as const;
export type Layer = (typeof LAYERS)[number];
export type LayerState = Readonly<Record<Layer, boolean>>;

const STORAGE_KEY = 'smart-estate.layers';
const ALL_ON: LayerState = Object.fromEntries(LAYERS.map((l) => [l, true])) as Record<Layer, boolean>;

function initial(): LayerState {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Record<Layer, unknown>> | null;
    if (saved && typeof saved === 'object') return Object.fromEntries(LAYERS.map((l) => [l, saved[l] !== false])) as Record<Layer, boolean>;
  } catch {
    // unreadable: all on
  }
  return ALL_ON;
}

let state: LayerState = typeof window === 'undefined' ? ALL_ON : initial();
const listeners = new Set<() => void>();

export function getLayers(): LayerState {
  return state;
}

export function setLayer(layer: Layer, on: boolean): void {
  if (state[layer] === on) return;
  state = { ...state, [layer]: on };
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
  } catch {
    // not remembered
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useLayers(): LayerState {
  return useSyncExternalStore(subscribe, getLayers);
}
