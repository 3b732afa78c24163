// Who is behind an MQTT connection: a device (publishes its own events) or an operator's dashboard
// (subscribes read-only). Decided once at CONNECT.
import type { UserInfo } from '../../protocol/index.ts';
import type { DeviceRecord } from '../store/devices.ts';

export type Identity = { type: 'device'; device: DeviceRecord } | { type: 'operator'; user: UserInfo };
