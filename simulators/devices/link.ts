// One simulated device's MQTT connection, as a real device would hold it: its own client id,
// username = device id, password = token, a retained Last Will `status {online:false}`, QoS 1 for
// events, and a subscription to its own `errors` topic where the server explains rejections.
import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic, errorsTopic, type DeviceError, type EventKind } from '../../protocol/index.ts';
import type { SimDevice } from '../types.ts';

export interface LinkHooks {
  onError(device: string, error: DeviceError): void;
  onConnected(device: string, connected: boolean): void;
  /** client-side trouble after connecting (refused on reconnect, socket errors) */
  onClientError(device: string, error: Error): void;
}

export interface DeviceLink {
  readonly device: SimDevice;
  readonly connected: boolean;
  /** resolves on PUBACK (QoS 1): the server has journaled the event */
  publish(kind: EventKind, payload: object, retain?: boolean): Promise<void>;
  /** `graceful`: publish `status {online:false}` (retained) first, as a device shutting down does */
  close(graceful: boolean, timeoutMs?: number): Promise<void>;
}

export function connectDevice(brokerUrl: string, device: SimDevice, hooks: LinkHooks, timeoutMs = 15_000): Promise<DeviceLink> {
  const status = deviceTopic(device.estate, device.id, 'status');
  /** the connect promise is decided; later errors go to hooks.onClientError */
  let settled = false;
  const client: MqttClient = mqtt.connect(brokerUrl, {
    clientId: device.id,
    username: device.id,
    password: device.token,
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 2_000,
    connectTimeout: 10_000,
    will: { topic: status, payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: true },
  });

  client.on('connect', () => hooks.onConnected(device.id, true));
  // Always listen: an 'error' without a listener would throw out of the event loop.
  client.on('error', (err) => {
    if (settled) hooks.onClientError(device.id, err);
  });
  client.on('close', () => hooks.onConnected(device.id, false));
  client.on('message', (topic, payload) => {
    let body: DeviceError;
    try {
      body = JSON.parse(payload.toString('utf8')) as DeviceError;
    } catch {
      body = { topic, error: payload.toString('utf8') };
    }
    hooks.onError(device.id, body);
  });

  const link: DeviceLink = {
    device,
    get connected() {
      return client.connected;
    },
    async publish(kind, payload, retain = false) {
      await client.publishAsync(deviceTopic(device.estate, device.id, kind), JSON.stringify(payload), { qos: 1, retain });
    },
    async close(graceful, closeTimeoutMs = 3_000) {
      if (graceful && client.connected) {
        await withTimeout(client.publishAsync(status, JSON.stringify({ ts: Date.now(), online: false }), { qos: 1, retain: true }), closeTimeoutMs).catch(() => {});
      }
      await withTimeout(client.endAsync(false), closeTimeoutMs).catch(() => client.endAsync(true));
    },
  };

  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      cleanup();
      client.end(true);
      reject(new Error(`device ${device.id}: cannot connect to ${brokerUrl}: ${err.message}`));
    };
    const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    const onConnect = () => {
      cleanup();
      client.subscribeAsync(errorsTopic(device.estate, device.id), { qos: 1 }).then(
        (granted) => {
          if (granted.some((g) => g.qos === 128)) hooks.onError(device.id, { topic: errorsTopic(device.estate, device.id), error: 'subscription to errors refused' });
          resolve(link);
        },
        (err: Error) => fail(err),
      );
    };
    // Refused credentials come as an 'error' (CONNACK code); a broker that is down just retries.
    const onError = (err: Error) => fail(err);
    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
    };
    client.once('connect', onConnect);
    client.on('error', onError);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => (clearTimeout(timer), resolve(v)), (e) => (clearTimeout(timer), reject(e)));
  });
}
