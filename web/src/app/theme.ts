// Day and night themes. A control room dims its lights at night and the wall screen must not glare;
// by day a light map reads better in a bright room. One switch drives both the page (CSS variables
// under html[data-theme]) and the 3D scene (the palette below). Remembered per browser; a wall
// screen can be pinned with `?theme=day|night`.
import { useSyncExternalStore } from 'react';
import type { BuildingPalette } from '../map/building-geometry.ts';

export type Theme = 'night' | 'day';
export const THEMES: readonly Theme[] = ['night', 'day'];

export interface ScenePalette {
  background: string;
  ground: string;
  gridMajor: string;
  gridMinor: string;
  skyLight: string;
  groundLight: string;
  ambient: number;
  sun: number;
  /** walls/roofs by building use; `default` for homes */
  buildings: { default: BuildingPalette; [use: string]: BuildingPalette };
  edges: string;
  edgeOpacity: number;
  /** share of lit windows (0 by day) */
  litWindows: number;
  label: string;
  labelOutline: string;
}

const NIGHT: ScenePalette = {
  background: '#070d18',
  ground: '#0c1524',
  gridMajor: '#1d3352',
  gridMinor: '#14243b',
  skyLight: '#cfe3ff',
  groundLight: '#0b1424',
  ambient: 1.1,
  sun: 1.8,
  buildings: {
    default: { base: '#1c2b44', top: '#5d7fae', roof: '#8fb3e0' },
    commercial: { base: '#2a2440', top: '#7a68b0', roof: '#b3a2e8' },
    retail: { base: '#2a2440', top: '#7a68b0', roof: '#b3a2e8' },
    office: { base: '#1d3340', top: '#4d8fa8', roof: '#8fd0e6' },
    school: { base: '#203a2e', top: '#4f9a76', roof: '#8fd6b0' },
    kindergarten: { base: '#203a2e', top: '#4f9a76', roof: '#8fd6b0' },
    service: { base: '#2b2b2b', top: '#6a6a6a', roof: '#9a9a9a' },
    guardhouse: { base: '#3a2f1c', top: '#a8884d', roof: '#e0c088' },
  },
  edges: '#9fe3ff',
  edgeOpacity: 0.45,
  litWindows: 0.3,
  label: '#f4f8ff',
  labelOutline: '#03070f',
};

const DAY: ScenePalette = {
  background: '#dfe7f1',
  ground: '#c9d3df',
  gridMajor: '#aab8c9',
  gridMinor: '#bcc8d6',
  skyLight: '#ffffff',
  groundLight: '#8f9aa8',
  ambient: 1.6,
  sun: 2.2,
  buildings: {
    default: { base: '#8d9cb3', top: '#e9eef6', roof: '#f7f9fc' },
    commercial: { base: '#9a8fb8', top: '#e4defa', roof: '#f3f0ff' },
    retail: { base: '#9a8fb8', top: '#e4defa', roof: '#f3f0ff' },
    office: { base: '#7fa6b8', top: '#dcf0f7', roof: '#f1fafd' },
    school: { base: '#86b39b', top: '#e0f3e8', roof: '#f2fbf6' },
    kindergarten: { base: '#86b39b', top: '#e0f3e8', roof: '#f2fbf6' },
    service: { base: '#9a9a9a', top: '#dcdcdc', roof: '#ededed' },
    guardhouse: { base: '#b89a66', top: '#f0dfbd', roof: '#faf1df' },
  },
  edges: '#3b5270',
  edgeOpacity: 0.55,
  litWindows: 0,
  label: '#0b1626',
  labelOutline: '#ffffff',
};

export const SCENE_PALETTES: Record<Theme, ScenePalette> = { night: NIGHT, day: DAY };

const STORAGE_KEY = 'smart-estate.theme';

function initialTheme(): Theme {
  try {
    const pinned = new URLSearchParams(location.search).get('theme');
    if (pinned === 'day' || pinned === 'night') return pinned;
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'day' || saved === 'night') return saved;
  } catch {
    // no storage: the default
  }
  return 'night';
}

let current: Theme = typeof window === 'undefined' ? 'night' : initialTheme();
const listeners = new Set<() => void>();
if (typeof document !== 'undefined') document.documentElement.dataset.theme = current;

export function getTheme(): Theme {
  return current;
}

export function setTheme(theme: Theme): void {
  if (theme === current) return;
  current = theme;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.dataset.theme = theme;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, getTheme);
}
