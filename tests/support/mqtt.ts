// Real MQTT clients for tests, and waiting for messages without sleeps.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export async function connect(url: string, username?: string, password?: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { username, password, reconnectPeriod: 0, connectTimeout: 5000, ...extra });
}

/** Connects and expects a refusal; resolves with the error. */
export function connectRefused(url: string, username?: string, password?: string): Promise<Error> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { username, password, reconnectPeriod: 0, connectTimeout: 5000 });
    client.on('connect', () => {
      client.end(true);
      reject(new Error('connection was accepted'));
    });
    client.on('error', (err) => {
      client.end(true);
      resolve(err);
    });
  });
}

export interface Received {
  topic: string;
  json: any;
}

/** Collects messages on a client (subscribe first), with a way to wait for a matching one. */
export function collect(client: MqttClient) {
  const messages: Received[] = [];
  const waiters: Array<{ match: (m: Received) => boolean; resolve: (m: Received) => void }> = [];
  client.on('message', (topic, payload) => {
    let json: unknown = null;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      json = payload.toString();
    }
    const m = { topic, json };
    messages.push(m);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].match(m)) {
        waiters[i].resolve(m);
        waiters.splice(i, 1);
      }
    }
  });
  return {
    messages,
    next(match: (m: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
      const already = messages.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(-5))}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
}

/** Resolves when the client closes (e.g. the broker dropped it). */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve();
    client.once('close', () => resolve());
  });
}

/** Subscribes and returns the SUBACK return codes (128 = refused), even when mqtt.js reports a refusal as an error. */
export function subscribeCodes(client: MqttClient, topics: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    client.subscribe(topics, (err, granted) => {
      const packet = (err as { packet?: { granted?: Array<number | { qos: number }> } } | null)?.packet;
      if (packet?.granted) return resolve(packet.granted.map((g) => (typeof g === 'number' ? g : g.qos)));
      if (err) return reject(err);
      resolve(granted!.map((g) => g.qos));
    });
  });
}
