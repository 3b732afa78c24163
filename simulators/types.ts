// Shapes shared by the scenario (pure) and the runtime (MQTT). Positions are WGS84: the simulators
// stand where real devices stand, outside the server.
import type { EventKind, PayloadByKind } from '../protocol/index.ts';

export type SimDeviceKind = 'patrol' | 'camera' | 'gate' | 'sensor';

export interface SimDevice {
  id: string;
  token: string;
  kind: SimDeviceKind;
  estate: string;
  lat: number;
  lon: number;
  heading?: number | null;
  fov?: number | null;
  /** patrol handhelds: the guard carrying it (`guard` in checkin/position); default: the device id */
  guard?: string;
}

export interface SimCheckpoint {
  id: string;
  /** what the tag says (NFC UID / QR payload): the handheld reports this */
  code: string;
  lat: number;
  lon: number;
}

export interface SimEstate {
  id: string;
  lat: number;
  lon: number;
  timezone: string;
}

export interface SimProgress {
  /** simulated devices, and how many are connected now */
  devices: number;
  connected: number;
  /** messages handed to the broker, per event kind */
  published: Record<EventKind, number>;
  /** QoS 1 PUBACKs received: the server journaled the event */
  acked: number;
  /** messages received on the devices' `errors` topics (rejections) */
  errors: number;
  /** publishes that failed on the client side (connection closed for good, stop) */
  failed: number;
  /** wall-clock time since start, and scenario time (× speed) */
  elapsedMs: number;
  scenarioMs: number;
  /** the last rejection, `device: error` */
  lastError?: string;
}

export interface SimulationOptions {
  brokerUrl: string;
  estate: SimEstate;
  devices: SimDevice[];
  /** in patrol order */
  checkpoints: SimCheckpoint[];
  seed?: number;
  /** time multiplier: 10 = ten scenario seconds per second */
  speed?: number;
  /** called about once a second, and once at stop */
  onProgress?: (p: SimProgress) => void;
  log?: (line: string) => void;
  /** run id, the prefix of every event id (ids must be new on every run, or the server drops them as duplicates); default: base-36 start time */
  run?: string;
  /** give up connecting after this long (default 15 s) */
  connectTimeoutMs?: number;
}

export interface Simulation {
  stats(): SimProgress;
  /** publishes each device's `status {online:false}`, then disconnects cleanly */
  stop(): Promise<void>;
}

/** One message of the scenario, at scenario time `at` (ms from the start). `ts` is stamped on publish. */
export type ScheduledEvent = {
  [K in EventKind]: { at: number; device: string; kind: K; payload: PayloadByKind[K]; retain?: boolean };
}[EventKind];
