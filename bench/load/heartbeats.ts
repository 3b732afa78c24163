// Load client (a child process) for the connection case: thousands of idle devices, each with its own
// credentials, that connect (keepalive 60 s), publish a retained `status` when they come online and
// then a `status` heartbeat every 30 s at a random phase — what a fleet of cameras and sensors does
// all day. The parent drives it: connect → mark → stop → close.
import { serveParent, type Incoming } from './children.ts';
import { Histogram, type HistogramData } from './stats.ts';
import { payload } from './payloads.ts';
import { WireClient } from './wire.ts';

export interface HeartbeatDevice {
  id: string;
  estate: string;
  token?: string;
}

export interface HeartbeatConfig {
  host: string;
  port: number;
  devices: HeartbeatDevice[];
  heartbeatMs: number;
  /** CONNECTs in progress at once */
  concurrency: number;
}

export interface ConnectedReport {
  type: 'connected';
  connected: number;
  failed: number;
  /** first CONNECT → last CONNACK */
  ms: number;
  /** TCP connect → CONNACK per device, µs */
  latency: HistogramData;
  errors: string[];
}

export interface HeartbeatReport {
  type: 'report';
  windowMs: number;
  sent: number;
  acked: number;
  /** PUBACK latency of the heartbeats in the window, µs */
  latency: HistogramData;
  /** connections lost during the window */
  lost: number;
  totalSent: number;
  totalAcked: number;
  errors: string[];
}

const KEEPALIVE_S = 60;

interface Device {
  d: HeartbeatDevice;
  client: WireClient | null;
  topic: string;
  sentAt: Float64Array;
  nextId: number;
  n: number;
  timer: NodeJS.Timeout | null;
}

let devices: Device[] = [];
let heartbeatMs = 30_000;
let windowStart = 0;
let window = new Histogram();
let sent = 0;
let acked = 0;
let lost = 0;
let totalSent = 0;
let totalAcked = 0;
const errors: string[] = [];

let stopped = false;
let settled: (() => void) | null = null;
let outstanding = 0;

function beat(dev: Device): void {
  if (!dev.client || stopped) return;
  const slot = dev.nextId;
  dev.nextId = (slot + 1) % 64;
  dev.sentAt[slot] = performance.now();
  const n = dev.n++;
  dev.client.publish(dev.topic, Buffer.from(payload('status', `hb-${n}`, Date.now(), n)), 1, slot + 1, true);
  sent++;
  totalSent++;
  outstanding++;
}

async function connectAll(config: HeartbeatConfig): Promise<ConnectedReport> {
  heartbeatMs = config.heartbeatMs;
  devices = config.devices.map((d) => ({ d, client: null, topic: `estates/${d.estate}/devices/${d.id}/status`, sentAt: new Float64Array(64), nextId: 0, n: 0, timer: null }));
  const latency = new Histogram();
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < devices.length) {
      const dev = devices[next++];
      const t = performance.now();
      try {
        dev.client = await WireClient.connect({ host: config.host, port: config.port, clientId: dev.d.id, username: dev.d.id, password: dev.d.token ?? 'bench', keepalive: KEEPALIVE_S, timeoutMs: 60_000 });
      } catch (err) {
        failed++;
        if (errors.length < 10) errors.push(`${dev.d.id}: ${(err as Error).message}`);
        continue;
      }
      latency.record((performance.now() - t) * 1000);
      const client = dev.client;
      client.onPuback = (id) => {
        totalAcked++;
        outstanding--;
        if (stopped) {
          if (outstanding === 0) settled?.();
          return;
        }
        acked++;
        window.record((performance.now() - dev.sentAt[id - 1]) * 1000);
      };
      client.onClose = (err) => {
        lost++;
        dev.client = null;
        if (dev.timer) clearInterval(dev.timer);
        if (errors.length < 10) errors.push(`${dev.d.id}: connection lost${err ? `: ${err.message}` : ''}`);
      };
      // Online at once (retained, as the contract says), then every heartbeatMs from a random phase.
      beat(dev);
      setTimeout(() => {
        if (!dev.client) return;
        beat(dev);
        dev.timer = setInterval(() => beat(dev), heartbeatMs);
      }, Math.random() * heartbeatMs);
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, worker));
  const connected = devices.filter((d) => d.client).length;
  return { type: 'connected', connected, failed, ms: performance.now() - started, latency: latency.toJSON(), errors: errors.slice() };
}

serveParent(async (m: Incoming) => {
  switch (m.type) {
    case 'connect':
      return connectAll(m.config as HeartbeatConfig);
    case 'mark':
      windowStart = performance.now();
      window = new Histogram();
      sent = 0;
      acked = 0;
      lost = 0;
      return { type: 'marked' };
    case 'stop': {
      // The window ends here; no more heartbeats, and the outstanding ones are waited for (10 s at
      // most) so the totals are final when the parent counts what reached InfluxDB.
      const windowMs = performance.now() - windowStart;
      stopped = true;
      for (const dev of devices) if (dev.timer) clearInterval(dev.timer);
      if (outstanding > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 10_000);
          settled = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      const report: HeartbeatReport = { type: 'report', windowMs, sent, acked, latency: window.toJSON(), lost, totalSent, totalAcked, errors: errors.slice() };
      return report;
    }
    case 'close':
      for (const dev of devices) {
        if (dev.timer) clearInterval(dev.timer);
        dev.client?.close();
      }
      return { type: 'closed' };
    default:
      throw new Error(`unknown message ${m.type}`);
  }
});
