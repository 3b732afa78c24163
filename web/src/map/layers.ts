// Which overlays the map shows. An operator hides what is in the way (labels over a busy corner,
// trails during a drill); the choice is remembered per browser. A plain store read through a hook.
import { useSyncExternalStore } from 'react';

export const LAYERS = ['buildings', 'labels', 'zones', 'checkpoints', 'guards', 'trails', 'vehicles', 'cameras', 'alerts', 'workorders', 'heat'] as const;
/** Off until asked for: a density layer is an analysis view, not the live picture. */
const OFF_BY_DEFAULT: ReadonlySet<Layer> = new Set<Layer>(['heat']);

/** The heat layer's time window. */
export const HEAT_WINDOWS = ['24h', '7d', '30d'] as const;
export type HeatWindow = (typeof HEAT_WINDOWS)[number];
export type Layer = (typeof LAYERS)[number];
export type LayerState = Readonly<Record<Layer, boolean>>;

const STORAGE_KEY = 'smart-estate.layers';
const ALL_ON: LayerState = Object.fromEntries(LAYERS.map((l) => [l, !OFF_BY_DEFAULT.has(l)])) as Record<Layer, boolean>;

function initial(): LayerState {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Record<Layer, unknown>> | null;
    if (saved && typeof saved === 'object') return Object.fromEntries(LAYERS.map((l) => [l, OFF_BY_DEFAULT.has(l) ? saved[l] === true : saved[l] !== false])) as Record<Layer, boolean>;
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

const HEAT_KEY = 'smart-estate.heat-window';
let heatWindow: HeatWindow = (() => {
  try {
    const saved = typeof window === 'undefined' ? null : localStorage.getItem(HEAT_KEY);
    return (HEAT_WINDOWS as readonly string[]).includes(saved ?? '') ? (saved as HeatWindow) : '24h';
  } catch {
    return '24h';
  }
})();

export function setHeatWindow(w: HeatWindow): void {
  if (heatWindow === w) return;
  heatWindow = w;
  try {
    localStorage.setItem(HEAT_KEY, w);
  } catch {
    // not remembered
  }
  for (const listener of listeners) listener();
}

export function useHeatWindow(): HeatWindow {
  return useSyncExternalStore(subscribe, () => heatWindow);
}

/** What the heat layer counts: alerts, or work orders (residents' requests and the others with a place). */
export const HEAT_SOURCES = ['alerts', 'workorders'] as const;
export type HeatSourceName = (typeof HEAT_SOURCES)[number];

const HEAT_SOURCE_KEY = 'smart-estate.heat-source';
let heatSource: HeatSourceName = (() => {
  try {
    const saved = typeof window === 'undefined' ? null : localStorage.getItem(HEAT_SOURCE_KEY);
    return (HEAT_SOURCES as readonly string[]).includes(saved ?? '') ? (saved as HeatSourceName) : 'alerts';
  } catch {
    return 'alerts';
  }
})();

export function setHeatSource(s: HeatSourceName): void {
  if (heatSource === s) return;
  heatSource = s;
  try {
    localStorage.setItem(HEAT_SOURCE_KEY, s);
  } catch {
    // not remembered
  }
  for (const listener of listeners) listener();
}

export function useHeatSource(): HeatSourceName {
  return useSyncExternalStore(subscribe, () => heatSource);
}
