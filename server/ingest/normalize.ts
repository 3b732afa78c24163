// Payload → EstateEvent: device time, receive time, flat scalar data, local x/y and building.
import { eventTime, type EstateEvent, type EventData, type EventKind, type PayloadByKind } from '../../protocol/index.ts';
import { buildingAt, type EstateContext } from './estate-context.ts';

export interface DevicePlace {
  id: string;
  estate: string;
  x: number | null;
  y: number | null;
}

const round = (v: number) => Math.round(v * 100) / 100;

export function normalizeEvent<K extends EventKind>(
  kind: K,
  payload: PayloadByKind[K],
  device: DevicePlace,
  ctx: EstateContext | null,
  rx: number,
): EstateEvent<K> {
  const fields = payload as { id?: string; ts?: string | number } & Record<string, unknown>;
  const { id, ts } = fields;
  // one pass into `data` (no rest copy, no entries array: this runs for every event)
  const data: EventData = {};
  for (const key in fields) {
    if (key === 'id' || key === 'ts') continue;
    const value = fields[key];
    if (value !== undefined) data[key] = value as string | number | boolean;
  }
  const event: EstateEvent<K> = { estate: device.estate, device: device.id, kind, id: id ?? null, ts: eventTime(ts, rx), rx, data };

  let place: [number, number] | null = null;
  if (ctx && typeof data.lat === 'number' && typeof data.lon === 'number') place = ctx.frame.toLocal(data.lon, data.lat);
  else if (ctx && kind === 'checkin') {
    const cp = ctx.checkpoints.get(String(data.checkpoint));
    if (cp) place = [cp.x, cp.y];
  }
  if (!place && device.x !== null && device.y !== null) place = [device.x, device.y];
  if (place) {
    event.x = round(place[0]);
    event.y = round(place[1]);
    const building = ctx ? buildingAt(ctx, place[0], place[1]) : undefined;
    if (building) event.building = building;
  }
  return event;
}
