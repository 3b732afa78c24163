// A guard's patrol handheld (巡更机): walks its route from checkpoint to checkpoint at walking pace,
// reports its GPS position every few seconds and checks in at each checkpoint by tapping the tag
// (NFC) or scanning its QR code. Now and then a tag is missed — what patrol rules are for.
import type { LocalFrame } from '../../protocol/index.ts';
import type { Rng } from '../scenario/random.ts';
import type { ScheduledEvent } from '../types.ts';

export const POSITION_INTERVAL_MS = 5_000;
/** chance that the guard walks past a checkpoint without checking in */
export const MISSED_CHECKIN = 0.04;

export interface PatrolStop {
  code: string;
  x: number;
  y: number;
}

export interface PatrolRoute {
  device: string;
  guard: string;
  /** in walking order, starting where the guard starts; the tour is a loop */
  stops: PatrolStop[];
  /** metres per second */
  speed: number;
}

const NOTES = ['一切正常 all clear', '消防通道有车辆停放 car on the fire lane', '路灯不亮 street light out', '单元门未关 unit door left open'];

export function* guardHandheld(rng: Rng, route: PatrolRoute, frame: LocalFrame, run: string): Generator<ScheduledEvent, never> {
  const { device, guard, stops, speed } = route;
  let t = Math.round(rng.between(0, POSITION_INTERVAL_MS));
  let [x, y] = stops.length ? [stops[0].x, stops[0].y] : [0, 0];
  let positions = 0;
  let checkins = 0;

  // A GPS fix: metres of noise around where the guard is.
  const fix = () => {
    const accuracy = round(rng.between(3, 8), 1);
    const [lon, lat] = frame.toLonLat(x + rng.normal(0, accuracy / 2), y + rng.normal(0, accuracy / 2));
    return { lat: round(lat, 7), lon: round(lon, 7), accuracy };
  };
  const position = (): ScheduledEvent => ({ at: t, device, kind: 'position', payload: { id: `${run}-p${++positions}`, guard, ...fix() } });
  function* stand(ms: number) {
    const until = t + ms;
    while (t + POSITION_INTERVAL_MS <= until) {
      t += POSITION_INTERVAL_MS;
      yield position();
    }
    t = until;
  }

  for (;;) {
    if (!stops.length) {
      yield* stand(60_000);
      continue;
    }
    for (const stop of stops) {
      const [x0, y0] = [x, y];
      const duration = (Math.hypot(stop.x - x0, stop.y - y0) / speed) * 1000;
      let walked = 0;
      for (; walked + POSITION_INTERVAL_MS < duration; walked += POSITION_INTERVAL_MS) {
        t += POSITION_INTERVAL_MS;
        x = x0 + ((stop.x - x0) * (walked + POSITION_INTERVAL_MS)) / duration;
        y = y0 + ((stop.y - y0) * (walked + POSITION_INTERVAL_MS)) / duration;
        yield position();
      }
      t += Math.round(duration - walked);
      [x, y] = [stop.x, stop.y];
      if (!rng.chance(MISSED_CHECKIN)) {
        t += Math.round(rng.between(2_000, 8_000)); // finding the tag
        const { lat, lon } = fix();
        const payload = {
          id: `${run}-k${++checkins}`,
          guard,
          checkpoint: stop.code,
          method: rng.weighted({ nfc: 85, qr: 15 }),
          lat,
          lon,
          ...(rng.chance(0.05) ? { note: rng.pick(NOTES) } : {}),
        };
        yield { at: t, device, kind: 'checkin', payload };
      }
      yield* stand(Math.round(rng.between(10_000, 40_000)));
    }
    // a break at the end of each tour (back at the first stop on the next lap)
    yield* stand(Math.round(rng.between(60_000, 180_000)));
  }
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));
