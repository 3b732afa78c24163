// The guard app's link to the broker (MQTT over WebSocket, username = device id, password = device
// token) and the sync loop that empties the outbox: oldest first, one at a time, each item removed
// only after its PUBACK (= committed to the journal). Offline (the browser says so, or the socket
// drops) the loop stops and the queue waits; back online it reconnects and drains. Exactly once
// end to end: a check-in resent after a lost PUBACK carries the same id, and the server drops the copy.
import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic, errorsTopic } from '../../../protocol/topics.ts';
import type { DeviceError } from '../../../protocol/schemas.ts';
import { defaultFeedUrl } from '../live/mqtt-feed.ts';
import type { GuardCredentials } from './credentials.ts';
import { GuardApiError, postAction, uploadPhoto } from './guard-api.ts';
import { outbox, type CheckinItem, type OutboxItem, type WorkItem } from './outbox.ts';

export type LinkState = 'offline' | 'connecting' | 'online';

export interface LinkSnapshot {
  state: LinkState;
  pending: OutboxItem[];
  syncing: boolean;
  /** last sync problem, cleared by the next success */
  error: string | null;
}

export interface LinkHooks {
  /** a check-in reached the journal */
  onSynced(item: OutboxItem): void;
  /** the server refused a publish (its `errors` topic) */
  onRejected(error: DeviceError): void;
  /** a work-order action was answered with a refusal (409, or a 4xx for a bad action): it leaves the queue */
  onWorkRefused?(item: WorkItem, error: string): void;
}

const RETRY_MS = 3_000;
const PUBACK_TIMEOUT_MS = 15_000;

export class GuardLink {
  private client: MqttClient | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private drainRetry: ReturnType<typeof setTimeout> | undefined;
  private draining = false;
  private stopped = false;
  private snapshot: LinkSnapshot = { state: 'offline', pending: [], syncing: false, error: null };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly creds: GuardCredentials,
    private readonly estate: string,
    private readonly hooks: LinkHooks,
  ) {}

  get = (): LinkSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    void this.reload();
    if (navigator.onLine) this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retry);
    clearTimeout(this.drainRetry);
    this.client?.end(true);
    this.client = null;
  }

  /** Queues a check-in (durably) and starts a sync if the link is up. */
  async enqueue(item: OutboxItem): Promise<void> {
    await outbox.add(item);
    await this.reload();
    void this.drain();
  }

  /** Try now (the guard pressed "sync", or the page came back to the foreground). */
  kick(): void {
    if (this.snapshot.state === 'online') void this.drain();
    else if (navigator.onLine && !this.client) this.connect();
  }

  private set(patch: Partial<LinkSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  /** This device's items only: after a sign-in with another device, the old one's wait for it (its topic is not ours). */
  private async mine(): Promise<OutboxItem[]> {
    return (await outbox.list()).filter((i) => i.device === this.creds.device && i.estate === this.estate);
  }

  private async reload(): Promise<void> {
    this.set({ pending: await this.mine() });
  }

  private readonly onOnline = () => {
    if (!this.stopped && !this.client) this.connect();
  };

  private readonly onOffline = () => {
    // a phone that lost its network may keep a dead socket for minutes: drop it and wait for 'online'
    clearTimeout(this.retry);
    this.client?.end(true);
    this.client = null;
    this.set({ state: 'offline' });
  };

  private connect(): void {
    clearTimeout(this.retry);
    this.set({ state: 'connecting' });
    const { device, token } = this.creds;
    const status = deviceTopic(this.estate, device, 'status');
    const client = mqtt.connect(defaultFeedUrl(), {
      username: device,
      password: token,
      clientId: `${device}-app-${Math.random().toString(16).slice(2, 10)}`,
      protocolVersion: 4, // Aedes 1.x speaks MQTT 3.1.1
      clean: true,
      keepalive: 30,
      reconnectPeriod: 0, // reconnects are ours: one fresh client per connection, nothing resent behind the queue's back
      connectTimeout: 10_000,
      // the page's own timers, not mqtt.js's Web Worker ones: the app is used in the foreground, a
      // link that died in the background is re-made (close → retry), and test clocks drive them all
      timerVariant: 'native',
      will: { topic: status, payload: JSON.stringify({ online: false }), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      client.subscribe(errorsTopic(this.estate, device), { qos: 1 });
      client.publish(status, JSON.stringify({ online: true }), { qos: 1, retain: true });
      this.set({ state: 'online' });
      void this.drain();
    });
    client.on('message', (_topic, payload) => {
      try {
        this.hooks.onRejected(JSON.parse(new TextDecoder().decode(payload)) as DeviceError);
      } catch {
        // not ours to show
      }
    });
    client.on('error', (err) => this.set({ error: err.message }));
    client.on('close', () => {
      if (this.client !== client) return;
      client.end(true);
      this.client = null;
      if (this.stopped) return;
      this.set({ state: navigator.onLine ? 'connecting' : 'offline' });
      if (navigator.onLine) this.retry = setTimeout(() => this.connect(), RETRY_MS);
    });
  }

  private publish(client: MqttClient, item: CheckinItem): Promise<void> {
    return new Promise((resolve, reject) => {
      const onClose = () => finish(new Error('connection closed before the PUBACK'));
      const timer = setTimeout(() => finish(new Error('no PUBACK within 15 s')), PUBACK_TIMEOUT_MS);
      const finish = (err?: Error | null) => {
        clearTimeout(timer);
        client.removeListener('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      client.once('close', onClose);
      client.publish(deviceTopic(this.estate, item.device, 'checkin'), JSON.stringify(item.payload), { qos: 1 }, (err) => finish(err));
    });
  }

  /** One work-order action over REST; removed once answered (applied or refused), kept on no answer. */
  private async sendWork(item: WorkItem): Promise<void> {
    let refused: string | null = null;
    try {
      const answer = await postAction(this.creds, item.action);
      if (answer.status !== 200) refused = answer.error ?? `HTTP ${answer.status}`;
    } catch (err) {
      const e = err as GuardApiError;
      // a bad action (400), an order gone (404), a photo too large (413): resending cannot help
      if (e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 408 && e.status !== 429) refused = e.message;
      else throw err;
    }
    await outbox.remove(item.id);
    await this.reload();
    this.set({ error: null });
    if (refused !== null) this.hooks.onWorkRefused?.(item, refused);
    this.hooks.onSynced(item);
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.set({ syncing: true });
    try {
      for (;;) {
        const client = this.client;
        if (!client || this.snapshot.state !== 'online' || this.stopped) break;
        const [item] = await this.mine();
        if (!item) break;
        if (item.kind === 'work') {
          await this.sendWork(item);
          continue;
        }
        if (item.photo) {
          try {
            await uploadPhoto(this.creds, item.photo.id, item.photo.dataUrl);
          } catch (err) {
            const e = err as GuardApiError;
            // refused for good (too large, bad image): the check-in goes without it
            if (e.status >= 400 && e.status < 500 && e.status !== 401) {
              await outbox.update({ ...item, photo: undefined, error: e.message });
            } else throw err;
          }
        }
        await this.publish(client, item);
        await outbox.remove(item.id);
        await this.reload();
        this.set({ error: null });
        this.hooks.onSynced(item);
      }
    } catch (err) {
      this.set({ error: (err as Error).message });
      clearTimeout(this.drainRetry);
      if (this.client && navigator.onLine) this.drainRetry = setTimeout(() => void this.drain(), RETRY_MS);
    } finally {
      this.draining = false;
      this.set({ syncing: false });
      await this.reload();
    }
  }
}
