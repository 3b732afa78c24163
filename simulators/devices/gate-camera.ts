// A plate camera (车牌识别) at a barrier gate (道闸): turns a car passing the barrier into a plate
// read — the plate, the direction, a confidence (a few reads are poor: rain, dirt, night glare), and
// what the camera makes of the vehicle. Some reads are wrong the way real readers are wrong: a 0 or 1
// of the serial read as the letter O or I (the server maps them back), or a confusable pair (8/B, 0/D,
// 5/S, 2/Z) swapped, usually with a lower confidence.
import type { Rng } from '../scenario/random.ts';
import type { ScheduledEvent } from '../types.ts';

export interface Car {
  plate: string;
  vehicleType: string;
  color: string;
}

export interface GatePass {
  at: number;
  /** the plate camera's device id */
  gate: string;
  car: Car;
  direction: 'in' | 'out';
}

export const VEHICLE_TYPES = { car: 62, suv: 25, mpv: 7, van: 4, truck: 2 } as const;
export const VEHICLE_COLORS = { white: 38, black: 24, silver: 14, grey: 10, blue: 6, red: 5, green: 3 } as const;

export function randomCar(rng: Rng, plate: string): Car {
  return { plate, vehicleType: rng.weighted(VEHICLE_TYPES), color: rng.weighted(VEHICLE_COLORS) };
}

/** Share of reads with an O/I for a 0/1, and with a confusable pair swapped. */
export const MISREAD_IO = 0.03;
export const MISREAD_SWAP = 0.02;
const SWAPS: Record<string, string> = { '8': 'B', B: '8', '0': 'D', D: '0', '5': 'S', S: '5', '2': 'Z', Z: '2' };

/** Replaces one serial character (after the province and city letter) that `map` knows; unchanged when none. */
function misread(rng: Rng, plate: string, map: Record<string, string>): string {
  const chars = [...plate];
  const spots = chars.map((c, i) => (i >= 2 && map[c] ? i : -1)).filter((i) => i >= 0);
  if (!spots.length) return plate;
  const at = rng.pick(spots);
  chars[at] = map[chars[at]];
  return chars.join('');
}

export function plateRead(rng: Rng, pass: GatePass, id: string): ScheduledEvent {
  const poor = rng.chance(0.05);
  let confidence = Number((poor ? rng.between(0.55, 0.8) : rng.between(0.88, 0.995)).toFixed(3));
  let plate = pass.car.plate;
  const roll = rng.next();
  if (roll < MISREAD_IO) plate = misread(rng, plate, { '0': 'O', '1': 'I' });
  else if (roll < MISREAD_IO + MISREAD_SWAP && plate.includes('·')) {
    // only ordinary plates: a swapped new-energy serial would not even look like a plate
    plate = misread(rng, plate, SWAPS);
    confidence = Math.min(confidence, Number(rng.between(0.7, 0.88).toFixed(3)));
  }
  return {
    at: pass.at,
    device: pass.gate,
    kind: 'vehicle',
    payload: { id, plate, direction: pass.direction, confidence, vehicleType: pass.car.vehicleType, color: pass.car.color },
  };
}
