// Journal → InfluxDB forwarder.
export { startForwarder, CHECKPOINT_KEY, LIGHT_WRITE_ROWS } from './forwarder.ts';
export type { Forwarder, ForwarderOptions, ForwarderStats } from './forwarder.ts';
export { classifyWriteError, influxErrorText } from './write-errors.ts';
export type { WriteFailure } from './write-errors.ts';
export { startForwarderThread } from './thread.ts';
