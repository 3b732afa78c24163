// Valid device-contract-v1 payloads of about 200 bytes, with unique ids, as the load clients send
// them: a patrol check-in, a camera detection, a plate read. Built from string templates: the load
// client must not spend its CPU on JSON.stringify while it measures the broker.
import type { DeviceClass } from '../../protocol/index.ts';

export type LoadKind = 'checkin' | 'camera' | 'vehicle' | 'status';

/** The device class that publishes each kind. */
export const DEVICE_CLASS_OF: Record<LoadKind, DeviceClass> = { checkin: 'patrol', camera: 'camera', vehicle: 'gate', status: 'sensor' };

/** The kinds of the throughput mix, one per device in turn. */
export const EVENT_MIX: LoadKind[] = ['checkin', 'camera', 'vehicle'];

const CAMERA_TYPES = ['person', 'intrusion', 'vehicle', 'loitering', 'motion'];
const PHASES = ['start', 'update', 'end'];
const METHODS = ['nfc', 'qr', 'nfc', 'gps'];
const COLORS = ['white', 'black', 'silver', 'blue', 'red'];

/** `n` varies the content; `id` must be unique per device; `ts` is epoch ms. */
export function payload(kind: LoadKind, id: string, ts: number, n: number): string {
  switch (kind) {
    case 'checkin':
      return `{"id":"${id}","ts":${ts},"guard":"G0${(n % 4) + 1}","checkpoint":"CP-${String((n % 12) + 1).padStart(2, '0')}","method":"${METHODS[n % 4]}","note":"round ${n % 97}: unit doors locked, corridor lights on, nothing to report"}`;
    case 'camera':
      return `{"id":"${id}","ts":${ts},"type":"${CAMERA_TYPES[n % 5]}","phase":"${PHASES[n % 3]}","score":0.${(n % 89) + 10},"zone":"perimeter-north","label":"person near the fence line","snapshot":"snap/${id}.jpg"}`;
    case 'vehicle':
      return `{"id":"${id}","ts":${ts},"plate":"浙A·${String(n % 100000).padStart(5, '0')}","direction":"${n % 2 ? 'in' : 'out'}","confidence":0.${(n % 89) + 10},"vehicleType":"passenger car (visitor pass)","color":"${COLORS[n % 5]} metallic"}`;
    case 'status':
      return `{"id":"${id}","ts":${ts},"online":true,"battery":${50 + (n % 50)},"rssi":-${40 + (n % 50)},"firmware":"2.4.1-build.${n % 1000}"}`;
  }
}
