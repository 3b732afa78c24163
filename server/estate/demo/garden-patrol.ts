// The demo estate's patrol route (巡更路线): all twelve checkpoints in the order garden.ts lays them
// out (each leg along a street or the ring road), minutes per leg at a guard's walking pace (~1.2 m/s)
// plus a minute at each tag. Night rounds every 2 h from 22:00 to 06:00 and day rounds every 4 h:
// round-the-clock patrol (全天候巡逻). The patrol module seeds it once when the demo estate appears.
import type { RouteInput } from '../../../protocol/patrol.ts';

export const GARDEN_PATROL_ESTATE = 'garden';
export const GARDEN_PATROL_ROUTE = 'garden-round';

export const GARDEN_PATROL: RouteInput = {
  name: 'Estate round',
  nameZh: '全区巡更',
  stops: [
    { checkpoint: 'CP-01', afterMin: 0 },
    { checkpoint: 'CP-02', afterMin: 2 },
    { checkpoint: 'CP-03', afterMin: 2 },
    { checkpoint: 'CP-04', afterMin: 1 },
    { checkpoint: 'CP-05', afterMin: 3 },
    { checkpoint: 'CP-06', afterMin: 1 },
    { checkpoint: 'CP-07', afterMin: 2 },
    { checkpoint: 'CP-08', afterMin: 3 },
    { checkpoint: 'CP-09', afterMin: 3 },
    { checkpoint: 'CP-10', afterMin: 3 },
    { checkpoint: 'CP-11', afterMin: 3 },
    { checkpoint: 'CP-12', afterMin: 3 },
  ],
  toleranceMin: 5,
  graceMin: 15,
  schedules: [
    { id: 'night', start: '22:00', end: '06:00', everyMin: 120 },
    { id: 'day', start: '06:00', end: '22:00', everyMin: 240 },
  ],
};
