// An AI camera (智能摄像机): detection episodes at random, each a `start`, a few `update`s while the
// subject stays in view, and an `end`. Mostly people, vehicles and motion; intrusion and loitering
// are rare, as they should be.
import type { Rng } from '../scenario/random.ts';
import type { ScheduledEvent } from '../types.ts';

/** mean time between detection episodes of one camera */
export const MEAN_EPISODE_GAP_MS = 150_000;

export const DETECTION_WEIGHTS = { person: 45, vehicle: 22, motion: 27, loitering: 3, intrusion: 3 } as const;
type Detection = keyof typeof DETECTION_WEIGHTS;

const VEHICLES = ['white sedan', 'black sedan', 'silver SUV', 'white SUV', 'blue hatchback', 'grey MPV', 'delivery tricycle', 'e-bike'];

function label(rng: Rng, type: Detection): string {
  switch (type) {
    case 'person':
    case 'loitering':
    case 'intrusion': {
      const n = rng.chance(0.75) ? 1 : rng.int(2, 4);
      return n === 1 ? '1 person' : `${n} persons`;
    }
    case 'vehicle':
      return rng.pick(VEHICLES);
    case 'motion':
      return 'motion';
  }
}

export function* camera(rng: Rng, device: string, run: string): Generator<ScheduledEvent, never> {
  let t = 0;
  let episode = 0;
  for (;;) {
    t += Math.round(rng.exponential(MEAN_EPISODE_GAP_MS));
    episode++;
    const type = rng.weighted(DETECTION_WEIGHTS);
    const text = label(rng, type);
    let score = rng.between(0.55, 0.97);
    const event = (phase: 'start' | 'update' | 'end', n: number): ScheduledEvent => ({
      at: t,
      device,
      kind: 'camera',
      payload: { id: `${run}-e${episode}-${phase}${n || ''}`, type, phase, score: Number(score.toFixed(3)), label: text },
    });
    yield event('start', 0);
    const updates = type === 'motion' ? 0 : rng.int(0, 3);
    for (let u = 1; u <= updates; u++) {
      t += Math.round(rng.between(2_000, 6_000));
      score = Math.min(0.99, Math.max(0.4, score + rng.normal(0.02, 0.05)));
      yield event('update', u);
    }
    t += Math.round(rng.between(1_000, 5_000));
    yield event('end', 0);
  }
}
