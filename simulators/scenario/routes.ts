// Who walks where: every guard walks the whole tour (the checkpoints in patrol order), starting at a
// different checkpoint so the guards spread over the estate, some clockwise and some the other way.
import type { LocalFrame } from '../../protocol/index.ts';
import type { PatrolRoute, PatrolStop } from '../devices/guard-handheld.ts';
import type { SimCheckpoint, SimDevice } from '../types.ts';
import type { Rng } from './random.ts';

export function planPatrols(rng: Rng, handhelds: Array<Pick<SimDevice, 'id' | 'guard'>>, checkpoints: SimCheckpoint[], frame: LocalFrame): PatrolRoute[] {
  const tour: PatrolStop[] = checkpoints.map((c) => {
    const [x, y] = frame.toLocal(c.lon, c.lat);
    return { code: c.code, x, y };
  });
  const base = tour.length ? rng.int(0, tour.length - 1) : 0;
  const firstClockwise = rng.chance(0.5);
  return handhelds.map((d, i) => {
    const start = tour.length ? (base + Math.floor((i * tour.length) / handhelds.length)) % tour.length : 0;
    const rotated = [...tour.slice(start), ...tour.slice(0, start)];
    const reverse = (i % 2 === 1) === firstClockwise;
    const stops = reverse && rotated.length ? [rotated[0], ...rotated.slice(1).reverse()] : rotated;
    return { device: d.id, guard: d.guard ?? d.id, stops, speed: Number(rng.between(1.1, 1.5).toFixed(2)) };
  });
}
