// The dashboard's live feed: MQTT over WebSocket to the server's broker, read-only. It subscribes to
// the estate's live events and server channels (alerts, patrol, occupancy), writes events and alerts
// into the LiveStore and hands every channel message to the store's ChannelHub; it never publishes.
// mqtt.js reconnects by itself; we only report the state and re-check the session on auth errors.
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { MQTT_WS_PATH } from '../../../protocol/api.ts';
import type { EstateEvent } from '../../../protocol/schemas.ts';
import { CLUSTER_LINK_TOPIC, ESTATE_CHANNELS, alertsTopic, channelTopic, parseLiveTopic, type ClusterLinkStatus, type EstateChannel } from '../../../protocol/topics.ts';
import type { AlertMessage, LiveStore } from './live-store.ts';

export type ConnectionState = 'connecting' | 'connected' | 'offline';

export interface LiveFeedOptions {
  store: LiveStore;
  /** MQTT username: the signed-in user's name */
  username: string;
  /** MQTT password: the session token */
  token: string;
  /** defaults to ws(s)://<this host>/mqtt */
  url?: string;
  onState(state: ConnectionState): void;
  /** the broker refused our credentials (the session may have ended) */
  onAuthError?(): void;
}

/** Every live kind of one estate. (protocol/topics.ts builds one kind's topic; the wildcard lives here.) */
export const liveWildcard = (estate: string) => `estates/${estate}/live/#`;

export function defaultFeedUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${MQTT_WS_PATH}`;
}

const RECONNECT_MS = 2_000;
// MQTT CONNACK return codes 4 and 5: bad user name or password / not authorised
const AUTH_CODES = new Set([4, 5, 134, 135]);

/** Connects and returns a function that disconnects for good. */
export function connectLiveFeed(options: LiveFeedOptions): () => void {
  const { store } = options;
  const decoder = new TextDecoder();
  options.onState('connecting');
  const client: MqttClient = mqtt.connect(options.url ?? defaultFeedUrl(), {
    username: options.username,
    password: options.token,
    clientId: `web-${options.username}-${Math.random().toString(16).slice(2, 10)}`,
    protocolVersion: 4, // Aedes 1.x speaks MQTT 3.1.1
    clean: true,
    keepalive: 30,
    reconnectPeriod: RECONNECT_MS,
    connectTimeout: 10_000,
    resubscribe: false, // we subscribe on every connect ourselves
  });

  client.on('connect', () => {
    client.subscribe([liveWildcard(store.estate), ...ESTATE_CHANNELS.map((c) => channelTopic(store.estate, c)), CLUSTER_LINK_TOPIC], { qos: 0 }, (err, granted) => {
      // 0x80 in a SUBACK = refused by the broker's ACL
      const refused = err || granted?.some((g) => g.qos === 128);
      options.onState(refused ? 'offline' : 'connected');
      if (refused) options.onAuthError?.();
      // channel messages published while the link was down are gone: panels refetch their lists
      else store.channels.connected();
    });
  });
  client.on('reconnect', () => options.onState('connecting'));
  client.on('offline', () => options.onState('connecting'));
  client.on('close', () => {
    if (!client.disconnecting && !client.disconnected) options.onState('connecting');
  });
  client.on('error', (err) => {
    const code = (err as Error & { code?: number }).code;
    if (typeof code === 'number' && AUTH_CODES.has(code)) {
      options.onState('offline');
      options.onAuthError?.();
    }
  });
  client.on('message', (topic, payload) => {
    let message: unknown;
    try {
      message = JSON.parse(decoder.decode(payload));
    } catch {
      return; // the server only sends JSON; anything else is not ours to show
    }
    if (!message || typeof message !== 'object') return;
    if (topic === CLUSTER_LINK_TOPIC) {
      const status = message as ClusterLinkStatus;
      if (status.state !== 'up' && status.state !== 'down') return;
      const was = store.clusterLink?.state;
      // the server's clock may run ahead of ours: never a time in our future
      store.clusterLink = { state: status.state, since: Math.min(Number(status.since) || Date.now(), Date.now()) };
      // channel messages from other nodes were missed meanwhile: panels refetch their lists
      if (was === 'down' && status.state === 'up') store.channels.connected();
      return;
    }
    if (topic === alertsTopic(store.estate)) {
      store.alertsReceived++;
      store.ingestAlert(message as AlertMessage);
    }
    const channel = topic.slice(`estates/${store.estate}/`.length) as EstateChannel;
    if (topic.startsWith(`estates/${store.estate}/`) && (ESTATE_CHANNELS as readonly string[]).includes(channel)) {
      store.channels.dispatch(channel, message);
      return;
    }
    const live = parseLiveTopic(topic);
    if (!live || live.estate !== store.estate) return;
    store.received++;
    const event = message as EstateEvent;
    store.ingest({ ...event, kind: event.kind ?? live.kind, device: event.device ?? '' });
  });

  return () => {
    client.removeAllListeners('close');
    client.end(true);
    options.onState('offline');
  };
}
