// MQTT topic layout of device contract v1. Every topic string in server, web and simulators is built
// or parsed here, so the layout is defined exactly once.

export const DEVICE_KINDS = ['checkin', 'camera', 'vehicle', 'position', 'status'] as const;
export type EventKind = (typeof DEVICE_KINDS)[number];

/** Ids of estates, devices, users: safe inside a topic level (no `/`, `+`, `#`) and in an Influx tag. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function isEventKind(value: string): value is EventKind {
  return (DEVICE_KINDS as readonly string[]).includes(value);
}

export const deviceRoot = (estate: string, device: string) => `estates/${estate}/devices/${device}/`;
export const deviceTopic = (estate: string, device: string, kind: EventKind) => `estates/${estate}/devices/${device}/${kind}`;
/** Server → device: one message per rejected publish, `{id?, topic, error}`. */
export const errorsTopic = (estate: string, device: string) => `estates/${estate}/devices/${device}/errors`;
/** Server → dashboards: normalised, enriched events. */
export const liveTopic = (estate: string, kind: EventKind) => `estates/${estate}/live/${kind}`;
/** Server → dashboards: alert upserts. */
export const alertsTopic = (estate: string) => `estates/${estate}/alerts`;

/**
 * Server-only estate channels for dashboards, `estates/{e}/{channel}`: alert upserts, patrol tour
 * progress, car-park occupancy, work-order upserts (WorkOrderUpsert). Only the server publishes them; operators of the estate may subscribe.
 */
export const ESTATE_CHANNELS = ['alerts', 'patrol', 'occupancy', 'workorders'] as const;
export type EstateChannel = (typeof ESTATE_CHANNELS)[number];
export const channelTopic = (estate: string, channel: EstateChannel) => `estates/${estate}/${channel}`;

export interface DeviceTopic {
  estate: string;
  device: string;
  /** Everything after `estates/{e}/devices/{d}/`, e.g. `checkin` or `errors`. */
  suffix: string;
}

/** Parses `estates/{e}/devices/{d}/{suffix}`; null for anything else. */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length < 5 || parts[0] !== 'estates' || parts[2] !== 'devices') return null;
  const [, estate, , device, ...rest] = parts;
  if (!isId(estate) || !isId(device)) return null;
  return { estate, device, suffix: rest.join('/') };
}

/** Parses `estates/{e}/live/{kind}`; null for anything else. */
export function parseLiveTopic(topic: string): { estate: string; kind: EventKind } | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'estates' || parts[2] !== 'live' || !isEventKind(parts[3])) return null;
  return { estate: parts[1], kind: parts[3] };
}

/**
 * Server → dashboards, retained, one per server node: the node's link to the cluster's Redis
 * (`ClusterLinkStatus`). While it is `down`, the dashboard misses live events received by other
 * nodes (its own node's still arrive); never published by a single node.
 */
export const CLUSTER_LINK_TOPIC = 'cluster/link';
export interface ClusterLinkStatus {
  node: string;
  state: 'up' | 'down';
  /** since when (ms since epoch, the server's clock) */
  since: number;
}
