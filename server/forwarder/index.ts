// Journal → InfluxDB forwarder.
export { startForwarder, CHECKPOINT_KEY } from './forwarder.ts';
export type { Forwarder, ForwarderOptions, ForwarderStats } from './forwarder.ts';
export { classifyWriteError, influxErrorText } from './write-errors.ts';
export type { WriteFailure } from './write-errors.ts';
export { startForwarderThread } from './thread.ts';
