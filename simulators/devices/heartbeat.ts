// Every device's heartbeat: a retained `status {online:true}` every 30 s (the Last Will, set at
// connect, says `online:false` when the connection dies). Handhelds report their battery, draining
// and then recharged at the guard booth, and their radio signal.
import type { Rng } from '../scenario/random.ts';
import type { ScheduledEvent, SimDevice } from '../types.ts';

export const HEARTBEAT_INTERVAL_MS = 30_000;

const FIRMWARE: Record<SimDevice['kind'], string> = { patrol: 'HH-2.3.1', camera: 'IPC-5.7.3', gate: 'LPR-3.1.0', sensor: 'SN-1.0.4' };

export function* heartbeat(rng: Rng, device: Pick<SimDevice, 'id' | 'kind'>, run: string): Generator<ScheduledEvent, never> {
  let battery = rng.between(60, 100);
  const drainPerBeat = (rng.between(4, 8) / 3600_000) * HEARTBEAT_INTERVAL_MS; // 4–8 % an hour
  for (let n = 1, t = 0; ; n++, t += HEARTBEAT_INTERVAL_MS) {
    const payload =
      device.kind === 'patrol'
        ? { id: `${run}-s${n}`, online: true, battery: Math.round(battery), rssi: Math.round(rng.between(-88, -55)), firmware: FIRMWARE.patrol }
        : { id: `${run}-s${n}`, online: true, firmware: FIRMWARE[device.kind] };
    yield { at: t, device: device.id, kind: 'status', payload, retain: true };
    battery -= drainPerBeat;
    if (battery < 15) battery = 100; // swapped at the booth
  }
}
