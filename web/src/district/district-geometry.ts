// Where each estate goes on the district map and how it is coloured: pure, so it is tested without
// a browser. Estates are placed by lat/lon in metres around the district's centre; every estate is
// one instance of one box mesh (1 draw call for any number), its colour the estate's condition.
import type { EstateBadge, EstateCondition } from '../../../protocol/org.ts';

export const CONDITION_COLOURS: Record<EstateCondition, string> = {
  unknown: '#9aa3ad', // grey: nothing heard — never the calm green
  critical: '#d7263d',
  major: '#f46036',
  warning: '#f2c14e',
  calm: '#2e9e6a',
};

export interface Placed {
  estate: string;
  x: number;
  y: number;
  /** footprint side (m): ownerless blocks are small */
  size: number;
  height: number;
}

const M_PER_DEG_LAT = 111_320;

export function placeEstates(badges: readonly EstateBadge[]): { placed: Placed[]; extent: number } {
  if (!badges.length) return { placed: [], extent: 100 };
  let lat = 0;
  let lon = 0;
  for (const b of badges) (lat += b.lat), (lon += b.lon);
  lat /= badges.length;
  lon /= badges.length;
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
  let extent = 100;
  const placed = badges.map((b) => {
    const x = (b.lon - lon) * mPerDegLon;
    const y = (b.lat - lat) * M_PER_DEG_LAT;
    extent = Math.max(extent, Math.abs(x), Math.abs(y));
    const ownerless = b.kind === 'ownerless';
    return { estate: b.estate, x, y, size: ownerless ? 60 : 140, height: ownerless ? 20 : 40 + Math.min(60, b.devices.registered) };
  });
  return { placed, extent: extent * 1.15 };
}

/** "3/4" patrol, "—" when no tour was due (no data, not 100 %). */
export function patrolText(b: EstateBadge): string {
  return b.patrol ? `${b.patrol.onTime}/${b.patrol.due}` : '—';
}
