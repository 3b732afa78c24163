// Who drives in and out: a pool of residents' cars (most of them at home at the start) and visitors
// who come, stay a while and leave. Cars arrive as a Poisson process at the estate's plate-camera
// gates; the ledger stays consistent — a car leaves only if it came in (or was in at the start).
import type { Rng } from './random.ts';
import { randomPlate } from './plates.ts';
import { randomCar, type Car, type GatePass } from '../devices/gate-camera.ts';

export const RESIDENT_CARS = 150;
/** mean time between two cars passing any gate */
export const MEAN_PASS_GAP_MS = 40_000;

export interface TrafficOptions {
  /** the plate cameras' device ids; the first is the main gate and takes most of the traffic */
  gates: string[];
  /** local plate prefix, e.g. 浙A */
  prefix: string;
}

export function* traffic(rng: Rng, { gates, prefix }: TrafficOptions): Generator<GatePass, void> {
  if (!gates.length) return;
  const plates = new Set<string>();
  const uniquePlate = (local: number) => {
    for (;;) {
      const p = randomPlate(rng, prefix, { localShare: local });
      if (!plates.has(p)) return plates.add(p), p;
    }
  };
  const inside: Car[] = [];
  const outside: Car[] = [];
  for (let i = 0; i < RESIDENT_CARS; i++) (rng.chance(0.6) ? inside : outside).push(randomCar(rng, uniquePlate(0.95)));
  const visitors: Array<{ car: Car; leaveAt: number }> = [];
  const gateWeights = Object.fromEntries(gates.map((g, i) => [g, i === 0 ? 65 : 35 / (gates.length - 1)]));
  const take = <T>(list: T[]): T => list.splice(Math.floor(rng.next() * list.length), 1)[0];

  for (let t = 0; ; ) {
    t += Math.round(rng.exponential(MEAN_PASS_GAP_MS));
    const gate = rng.weighted(gateWeights);
    visitors.sort((a, b) => a.leaveAt - b.leaveAt);
    if (visitors.length && visitors[0].leaveAt <= t) {
      yield { at: t, gate, car: visitors.shift()!.car, direction: 'out' };
      continue;
    }
    const goingIn = outside.length + inside.length === 0 ? true : rng.chance(outside.length / (outside.length + inside.length));
    if (goingIn && (rng.chance(0.25) || !outside.length)) {
      const car = randomCar(rng, uniquePlate(0.6));
      visitors.push({ car, leaveAt: t + Math.round(rng.between(10, 90) * 60_000) });
      yield { at: t, gate, car, direction: 'in' };
    } else if (goingIn) {
      const car = take(outside);
      inside.push(car);
      yield { at: t, gate, car, direction: 'in' };
    } else {
      const car = take(inside);
      outside.push(car);
      yield { at: t, gate, car, direction: 'out' };
    }
  }
}
