// A plate camera (车牌识别) at a barrier gate (道闸): turns a car passing the barrier into a plate
// read — the plate, the direction, a confidence (a few reads are poor: rain, dirt, night glare), and
// what the camera makes of the vehicle.
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

export function plateRead(rng: Rng, pass: GatePass, id: string): ScheduledEvent {
  const poor = rng.chance(0.05);
  const confidence = Number((poor ? rng.between(0.55, 0.8) : rng.between(0.88, 0.995)).toFixed(3));
  return {
    at: pass.at,
    device: pass.gate,
    kind: 'vehicle',
    payload: { id, plate: pass.car.plate, direction: pass.direction, confidence, vehicleType: pass.car.vehicleType, color: pass.car.color },
  };
}
