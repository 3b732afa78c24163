// Load client (a child process): N device connections publishing QoS 1 events, each PUBACK timed.
//   closed loop: every connection keeps `inFlight` publishes outstanding (maximum throughput);
//   open loop:   `rate` events/s in total, sent on schedule whatever the acks do, and each latency
//                measured from the time the event was *due*, so a stall counts in full (no
//                coordinated omission).
// The parent drives it: connect → go → mark (window starts) → stop (window ends; the report comes
// once every outstanding publish is acknowledged or given up on) → exit.
import { serveParent, type Incoming } from './children.ts';
import { Histogram, type HistogramData } from './stats.ts';
import { payload, type LoadKind } from './payloads.ts';
import { WireClient } from './wire.ts';

export interface LoadDevice {
  id: string;
  estate: string;
  kind: LoadKind;
  /** MQTT password (a device token); none for the bare broker */
  token?: string;
  /** this device's broker port when not the config's (one load client over several cluster nodes) */
  port?: number;
}

export interface PublisherConfig {
  host: string;
  port: number;
  devices: LoadDevice[];
  mode: 'closed' | 'open';
  /** closed loop: publishes outstanding per connection */
  inFlight: number;
  /** open loop: events/s over all connections */
  rate: number;
  /** makes event ids unique across runs against one journal */
  tag: string;
  /**
   * closed loop: at most this many publishes sent but not yet received by the subscriber (whose
   * count arrives as {type: 'credit'} messages); 0 = no bound. Bounded, the loop runs at the rate
   * the whole path — broker and subscriber — keeps up with, which does not depend on the window.
   */
  backlog?: number;
}

export interface PublisherReport {
  type: 'report';
  /** wall time between mark and stop, as the child saw it */
  windowMs: number;
  windowAcked: number;
  windowSent: number;
  /** PUBACK latency of the publishes acknowledged inside the window, µs */
  latency: HistogramData;
  /** acknowledgements in each second of the window */
  ackedPerSecond: number[];
  totalSent: number;
  totalAcked: number;
  /** publishes still unacknowledged when the child gave up waiting */
  unacked: number;
  /** open loop: the worst lateness of a send against its schedule (ms): the client falling behind */
  maxSendLagMs: number;
  /** open loop: sends skipped because a connection had MAX_OUTSTANDING unacknowledged */
  skipped: number;
  /** closed loop with a backlog bound: the most sent-but-not-received seen, and how often a PUBACK had to wait for the subscriber */
  maxBacklog: number;
  parkedSends: number;
  errors: string[];
}

/** Message ids cycle through this many slots; in flight per connection must stay below it. */
const ID_SLOTS = 4096;
/** Open loop: beyond this many unacknowledged publishes on a connection, sends are skipped (counted). */
const MAX_OUTSTANDING = 2000;
const CONNECT_CONCURRENCY = 50;
const DRAIN_TIMEOUT_MS = 60_000;

class Connection {
  client!: WireClient;
  readonly topic: string;
  readonly dueAt = new Float64Array(ID_SLOTS);
  nextSlot = 0;
  outstanding = 0;
  counter = 0;
  alive = true;
  constructor(readonly device: LoadDevice, readonly index: number) {
    this.topic = `estates/${device.estate}/devices/${device.id}/${device.kind}`;
  }
}

let config: PublisherConfig;
let connections: Connection[] = [];
let running = false;
let inWindow = false;
let windowStart = 0;
let window = new Histogram();
let windowAcked = 0;
let windowSent = 0;
let perSecond: number[] = [];
let totalSent = 0;
let totalAcked = 0;
let maxSendLagMs = 0;
let skipped = 0;
/** what the subscriber has received so far (closed loop with a backlog bound) */
let received = 0;
let maxBacklog = 0;
let parkedSends = 0;
/** connections whose next send waits for the subscriber to catch up */
const parked: Connection[] = [];
let stallTimer: NodeJS.Timeout | null = null;
/** A subscriber silent this long while sends wait: the bound is dropped (reported) rather than the run hanging. */
const STALL_MS = 10_000;
const errors: string[] = [];
let drained: (() => void) | null = null;

function send(c: Connection, dueAt: number): void {
  const slot = c.nextSlot;
  c.nextSlot = (slot + 1) % ID_SLOTS;
  c.dueAt[slot] = dueAt;
  c.outstanding++;
  totalSent++;
  if (inWindow) windowSent++;
  const n = c.counter++;
  const id = `${config.tag}-${c.index}-${n}`;
  c.client.publish(c.topic, Buffer.from(payload(c.device.kind, id, Date.now(), n + c.index)), 1, slot + 1);
}

function onPuback(c: Connection, messageId: number): void {
  const now = performance.now();
  const slot = messageId - 1;
  c.outstanding--;
  totalAcked++;
  if (inWindow) {
    windowAcked++;
    window.record((now - c.dueAt[slot]) * 1000);
    const second = Math.floor((now - windowStart) / 1000);
    perSecond[second] = (perSecond[second] ?? 0) + 1;
  }
  if (running && config.mode === 'closed') sendOrPark(c);
  else if (!running && drained && connections.every((x) => x.outstanding === 0 || !x.alive)) drained();
}

async function connectAll(): Promise<number> {
  const started = performance.now();
  connections = config.devices.map((d, i) => new Connection(d, i));
  let next = 0;
  const worker = async () => {
    while (next < connections.length) {
      const c = connections[next++];
      c.client = await WireClient.connect({
        host: config.host,
        port: c.device.port ?? config.port,
        clientId: c.device.id,
        username: c.device.id,
        password: c.device.token ?? 'bench',
        keepalive: 0,
      });
      c.client.onPuback = (id) => onPuback(c, id);
      c.client.onClose = (err) => {
        if (!c.alive) return;
        c.alive = false;
        if (running && errors.length < 20) errors.push(`${c.device.id}: connection lost${err ? `: ${err.message}` : ''}`);
        if (!running && drained && connections.every((x) => x.outstanding === 0 || !x.alive)) drained();
      };
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  return performance.now() - started;
}

const bounded = () => (config.backlog ?? 0) > 0;

function sendOrPark(c: Connection): void {
  if (bounded() && totalSent - received >= config.backlog!) {
    parked.push(c);
    parkedSends++;
    stallTimer ??= setTimeout(onStall, STALL_MS);
    return;
  }
  send(c, performance.now());
  if (bounded()) maxBacklog = Math.max(maxBacklog, totalSent - received);
}

function onCredit(total: number): void {
  received = total;
  if (stallTimer) {
    clearTimeout(stallTimer);
    stallTimer = null;
  }
  while (parked.length && running && totalSent - received < config.backlog!) {
    const c = parked.shift()!;
    if (c.alive) send(c, performance.now());
  }
  if (parked.length) stallTimer = setTimeout(onStall, STALL_MS);
}

function onStall(): void {
  stallTimer = null;
  if (!parked.length || !running) return;
  errors.push(`the subscriber received nothing for ${STALL_MS / 1000} s with ${parked.length} sends waiting (backlog ${totalSent - received}): bound dropped for the rest of the run`);
  config.backlog = 0;
  for (const c of parked.splice(0)) if (c.alive) send(c, performance.now());
}

function startClosedLoop(): void {
  for (const c of connections) for (let i = 0; i < config.inFlight; i++) sendOrPark(c);
}

/** Sends what is due every millisecond timer tick, round robin over the connections. */
function startOpenLoop(): void {
  const t0 = performance.now();
  const interval = 1000 / config.rate;
  let due = 0;
  let rr = 0;
  const tick = () => {
    if (!running) return;
    const now = performance.now();
    const target = Math.floor((now - t0) / interval);
    while (due < target) {
      const dueAt = t0 + due * interval;
      due++;
      const c = connections[rr];
      rr = (rr + 1) % connections.length;
      if (!c.alive) continue;
      if (c.outstanding >= MAX_OUTSTANDING) {
        skipped++;
        continue;
      }
      maxSendLagMs = Math.max(maxSendLagMs, now - dueAt);
      send(c, dueAt);
    }
    setTimeout(tick, 1);
  };
  tick();
}

serveParent(async (m: Incoming) => {
  switch (m.type) {
    case 'connect': {
      config = m.config as PublisherConfig;
      if (config.mode === 'closed' && config.inFlight >= ID_SLOTS) throw new Error(`inFlight must stay below ${ID_SLOTS}`);
      const ms = await connectAll();
      return { type: 'connected', ms };
    }
    case 'go':
      running = true;
      if (config.mode === 'closed') startClosedLoop();
      else startOpenLoop();
      return { type: 'going' };
    case 'mark':
      inWindow = true;
      windowStart = performance.now();
      window = new Histogram();
      windowAcked = 0;
      windowSent = 0;
      perSecond = [];
      return { type: 'marked' };
    case 'stop': {
      const windowMs = performance.now() - windowStart;
      inWindow = false;
      running = false;
      const snapshot = { windowMs, windowAcked, windowSent, latency: window.toJSON(), ackedPerSecond: Array.from({ length: Math.floor(windowMs / 1000) }, (_, i) => perSecond[i] ?? 0) };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
        if (connections.every((x) => x.outstanding === 0 || !x.alive)) drained();
      });
      const unacked = connections.reduce((n, c) => n + c.outstanding, 0);
      if (stallTimer) clearTimeout(stallTimer);
      parked.length = 0;
      const report: PublisherReport = { type: 'report', ...snapshot, totalSent, totalAcked, unacked, maxSendLagMs, skipped, maxBacklog, parkedSends, errors };
      return report;
    }
    case 'credit':
      onCredit(m.received as number);
      return;
    case 'close':
      for (const c of connections) c.client?.close();
      return { type: 'closed' };
    default:
      throw new Error(`unknown message ${m.type}`);
  }
});
