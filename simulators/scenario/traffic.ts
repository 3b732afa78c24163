// Who drives in and out: the residents' cars of the demo roster (some in the garage at the start),
// visitors — registered ones from the roster and strangers — who come, stay a while and leave, and now
// and then a blacklisted car that is refused and turns round at the barrier. Cars arrive as a Poisson
// process at the estate's plate-camera gates; the ledger stays consistent — a car leaves only if it
// came in (or was in at the start, or turned round).
import type { Rng } from './random.ts';
import { demoRoster, randomPlate, type DemoRoster } from './plates.ts';
import { randomCar, type Car, type GatePass } from '../devices/gate-camera.ts';

/** mean time between two cars passing any gate */
export const MEAN_PASS_GAP_MS = 40_000;
/** share of arriving visitors who registered in advance (the rest are strangers) */
export const REGISTERED_SHARE = 0.6;
/** share of arrivals that are a blacklisted car */
export const BLACKLIST_SHARE = 0.015;

export interface TrafficOptions {
  /** the plate cameras' device ids; the first is the main gate and takes most of the traffic */
  gates: string[];
  /** local plate prefix, e.g. 浙A */
  prefix: string;
  /** residents, registered visitors and blacklist (default: the demo roster of `prefix`) */
  roster?: DemoRoster;
}

export function* traffic(rng: Rng, { gates, prefix, roster = demoRoster(prefix) }: TrafficOptions): Generator<GatePass, void> {
  if (!gates.length) return;
  const plates = new Set<string>([...roster.residents, ...roster.visitors, ...roster.blacklist].map((r) => r.plate));
  const uniquePlate = (local: number) => {
    for (;;) {
      const p = randomPlate(rng, prefix, { localShare: local });
      if (!plates.has(p)) return plates.add(p), p;
    }
  };
  const inside: Car[] = [];
  const outside: Car[] = [];
  for (const r of roster.residents) (r.parked ? inside : outside).push(randomCar(rng, r.plate));
  // registered visitors and blacklisted cars keep their car between visits
  const known = new Map<string, Car>();
  const carOf = (plate: string) => known.get(plate) ?? (known.set(plate, randomCar(rng, plate)), known.get(plate)!);
  const visitors: Array<{ car: Car; leaveAt: number }> = [];
  const turning: Array<{ car: Car; gate: string; at: number }> = [];
  const gateWeights = Object.fromEntries(gates.map((g, i) => [g, i === 0 ? 65 : 35 / (gates.length - 1)]));
  const take = <T>(list: T[]): T => list.splice(Math.floor(rng.next() * list.length), 1)[0];
  const away = (plate: string) => !visitors.some((v) => v.car.plate === plate) && !turning.some((v) => v.car.plate === plate);

  for (let t = 0; ; ) {
    t += Math.round(rng.exponential(MEAN_PASS_GAP_MS));
    const gate = rng.weighted(gateWeights);
    turning.sort((a, b) => a.at - b.at);
    if (turning.length && turning[0].at <= t) {
      // refused at the barrier, the car backs out through the exit lane of the same gate
      const car = turning.shift()!;
      yield { at: t, gate: car.gate, car: car.car, direction: 'out' };
      continue;
    }
    visitors.sort((a, b) => a.leaveAt - b.leaveAt);
    if (visitors.length && visitors[0].leaveAt <= t) {
      yield { at: t, gate, car: visitors.shift()!.car, direction: 'out' };
      continue;
    }
    const goingIn = outside.length + inside.length === 0 ? true : rng.chance(outside.length / (outside.length + inside.length));
    const blacklisted = goingIn && rng.chance(BLACKLIST_SHARE) ? roster.blacklist.filter((b) => away(b.plate)) : [];
    if (blacklisted.length) {
      const car = carOf(rng.pick(blacklisted).plate);
      turning.push({ car, gate, at: t + Math.round(rng.between(1, 3) * 60_000) });
      yield { at: t, gate, car, direction: 'in' };
    } else if (goingIn && (rng.chance(0.25) || !outside.length)) {
      const registered = rng.chance(REGISTERED_SHARE) ? roster.visitors.filter((v) => away(v.plate)) : [];
      const car = registered.length ? carOf(rng.pick(registered).plate) : randomCar(rng, uniquePlate(0.6));
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
