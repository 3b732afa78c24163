// Cross-node live fan-out, two ways, on the same load in one run: (a) mqemitter-redis as Aedes'
// emitter (Aedes' own clustering: every publish of every client goes through Redis), (b) Smart
// Estate's bridge (server/cluster/live-bridge.ts: only the live republish crosses, one PUBLISH per
// event-loop turn). Two Aedes "nodes" in this process, a real private redis-server; devices publish
// QoS 1 on node A, the live event is republished the way publishLive does, a subscriber on node A
// (local) and one on node B (remote) receive it. Counted: Redis commands, bytes and CPU per event,
// delivery latency, and what happens to acknowledgements and local delivery while Redis is down.
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqemitter from 'mqemitter';
import mqemitterRedis from 'mqemitter-redis';
import type { MqttClient } from 'mqtt';
import type { BenchCase, BenchOptions, BenchResult } from '../types.ts';
import { startRedis, type RedisHandle } from '../../tests/support/redis.ts';
import { connect } from '../../tests/support/mqtt.ts';
import { readProc } from '../load/proc.ts';
import { Histogram, ms } from '../load/stats.ts';
import { createMetrics } from '../../server/metrics.ts';
import { startCluster, type Cluster } from '../../server/cluster/index.ts';
import { createLog } from '../../server/log.ts';

const PUBLISHERS = 20;
const IN_FLIGHT = 10;
const OUTAGE_PUBLISHES = 200;
const OUTAGE_WAIT_MS = 3000;

export const fanoutCase: BenchCase = {
  name: 'fanout',
  description: 'cross-node live fan-out: mqemitter-redis as Aedes\' emitter vs. the live-only bridge — Redis commands, bytes and CPU per event, latency, behaviour during a Redis outage',
  run: runFanout,
};

const emitterErrors: string[] = [];

interface Node { aedes: Aedes; server: Server; port: number; cluster: Cluster | null }

async function startNode(kind: 'emitter' | 'bridge', redis: RedisHandle, nodeId: string, republish: boolean): Promise<Node> {
  // enableReadyCheck off: with it (ioredis' default, and what `connectionString` gives) ioredis 5.11 sends
  // its ready check INFO after Aedes' first PSUBSCRIBE, Redis refuses it in subscriber mode, the
  // connection is torn down and the subscriptions made before it are lost (seen here, not chased)
  const mq = kind === 'emitter' ? mqemitterRedis({ host: '127.0.0.1', port: redis.port, enableReadyCheck: false } as never) : mqemitter({ concurrency: 0, matchEmptyLevels: true });
  // unhandled, mqemitter-redis' connection errors (e.g. a failed ready check in subscriber mode after a
  // Redis restart) are an 'error' event nobody listens to: the process dies
  if (kind === 'emitter') (mq as unknown as { state: NodeJS.EventEmitter }).state.on('error', (err: Error) => emitterErrors.push(err.message));
  const aedes = await Aedes.createBroker({ mq: mq as never });
  let cluster: Cluster | null = null;
  if (kind === 'bridge') {
    cluster = await startCluster({ redisUrl: redis.url, nodeId, nodeIdFrom: 'configured' }, {
      log: createLog({ quiet: true }), metrics: createMetrics(), estates: () => [],
      deliver: (messages) => { for (const m of messages) aedes.publish({ cmd: 'publish', topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos, retain: m.retain, dup: false }, () => {}); },
    });
  }
  if (republish) {
    // what broker.publishLive does after the journal commit: the event again on estates/{e}/live/{kind}
    aedes.on('publish', (packet, client) => {
      if (!client || !packet.topic.includes('/devices/')) return;
      const topic = packet.topic.replace(/\/devices\/[^/]+\//, '/live/');
      aedes.publish({ cmd: 'publish', topic, payload: packet.payload, qos: 0, retain: false, dup: false }, () => {});
      cluster?.live.send([{ topic, payload: packet.payload.toString(), qos: 0, retain: false }]);
    });
  }
  const server = createServer({ noDelay: true }, (s) => aedes.handle(s));
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
  return { aedes, server, port, cluster };
}

async function stopNode(n: Node) {
  await n.cluster?.close();
  await new Promise<void>((r) => n.aedes.close(() => r()));
  await new Promise<void>((r) => n.server.close(() => r()));
}

function stat(info: string, key: string): number {
  return Number(new RegExp(`^${key}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
}
function publishCalls(commandstats: string): number {
  return Number(/cmdstat_publish:calls=(\d+)/.exec(commandstats)?.[1] ?? 0);
}

interface VariantResult { events: number; seconds: number; redisCommands: number; publishes: number; bytesIn: number; bytesOut: number; redisCpu: number; ownCpu: number; remote: Histogram; local: Histogram; outageAcked: number; outageLocal: number; outageRemoteAfter: number }

async function variant(kind: 'emitter' | 'bridge', events: number, log: (l: string) => void): Promise<VariantResult> {
  const redis = await startRedis();
  const clients: MqttClient[] = [];
  try {
    const a = await startNode(kind, redis, 'bench-a', true);
    const b = await startNode(kind, redis, 'bench-b', false);
    try {
      const local = new Histogram();
      const remote = new Histogram();
      let localN = 0;
      let remoteN = 0;
      const subscriber = async (port: number, h: Histogram, count: () => void) => {
        const c = await connect(`mqtt://127.0.0.1:${port}`, undefined, undefined, { clientId: `sub-${port}` });
        clients.push(c);
        c.on('message', (_t, payload) => {
          const t = Number(/"t":([\d.]+)/.exec(payload.toString())?.[1]);
          h.record((performance.now() - t) * 1000);
          count();
        });
        await c.subscribeAsync('estates/e/live/#', { qos: 0 });
      };
      await subscriber(a.port, local, () => localN++);
      await subscriber(b.port, remote, () => remoteN++);
      const publishers: MqttClient[] = [];
      for (let i = 0; i < PUBLISHERS; i++) publishers.push(await connect(`mqtt://127.0.0.1:${a.port}`, undefined, undefined, { clientId: `dev-${i}` }));
      clients.push(...publishers);
      const payload = (i: number, n: number) => JSON.stringify({ id: `ev-${i}-${n}`, ts: '2026-12-03T09:00:00.000Z', online: true, battery: 87, rssi: -61, firmware: 'v2.3.1', pad: 'x'.repeat(90), t: performance.now() });
      // Give subscriptions time to reach Redis (mqemitter-redis subscribes there asynchronously).
      await publishers[0].publishAsync('estates/e/devices/dev-0/status', payload(0, -1), { qos: 1 });
      const deadline = Date.now() + 5000;
      while (remoteN < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await redis.command(['CONFIG', 'RESETSTAT']);
      const redisCpu0 = readProc(redis.pid()!)!.cpuSeconds;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      localN = remoteN = 0;
      const perPublisher = Math.ceil(events / PUBLISHERS);
      await Promise.all(publishers.map(async (p, i) => {
        let next = 0;
        const lane = async () => { while (next < perPublisher) await p.publishAsync(`estates/e/devices/dev-${i}/status`, payload(i, next++), { qos: 1 }); };
        await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
      }));
      const total = perPublisher * PUBLISHERS;
      const until = Date.now() + 10_000;
      while ((remoteN < total || localN < total) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const redisCpu = readProc(redis.pid()!)!.cpuSeconds - redisCpu0;
      const stats = await redis.command(['INFO', 'stats']);
      const commandstats = await redis.command(['INFO', 'commandstats']);
      const redisCommands = stat(stats, 'total_commands_processed');
      log(`  ${kind}: ${total} events in ${seconds.toFixed(1)} s, local ${localN}, remote ${remoteN}`);

      // Redis away: do acknowledgements and same-node delivery go on?
      await redis.kill9();
      localN = remoteN = 0;
      let acked = 0;
      const tries = Array.from({ length: OUTAGE_PUBLISHES }, (_, n) => publishers[n % PUBLISHERS].publishAsync(`estates/e/devices/dev-${n % PUBLISHERS}/status`, payload(n % PUBLISHERS, 100_000 + n), { qos: 1 }).then(() => acked++, () => {}));
      await Promise.race([Promise.all(tries), new Promise((r) => setTimeout(r, OUTAGE_WAIT_MS))]);
      // deliveries to the local subscriber may still be on the wire: give them the same bound
      const settle = Date.now() + OUTAGE_WAIT_MS;
      while (localN < acked && Date.now() < settle) await new Promise((r) => setTimeout(r, 20));
      const outageLocal = localN;
      const outageAcked = acked;
      await redis.restart();
      // after Redis returns: does a fresh event cross by itself?
      remoteN = 0;
      const after = Date.now() + 10_000;
      while (Date.now() < after && remoteN === 0) {
        await publishers[0].publishAsync('estates/e/devices/dev-0/status', payload(0, 200_000 + Math.floor(Math.random() * 1e6)), { qos: 1 }).catch(() => {});
        await new Promise((r) => setTimeout(r, 100));
      }
      return {
        events: total, seconds, redisCommands, publishes: publishCalls(commandstats), bytesIn: stat(stats, 'total_net_input_bytes'), bytesOut: stat(stats, 'total_net_output_bytes'),
        redisCpu, ownCpu: (cpu.user + cpu.system) / 1e6, remote, local, outageAcked, outageLocal, outageRemoteAfter: remoteN,
      };
    } finally {
      for (const c of clients) c.end(true);
      await stopNode(a).catch(() => {});
      await stopNode(b).catch(() => {});
    }
  } finally {
    await redis.stop();
  }
}

async function runFanout({ quick, log }: BenchOptions): Promise<BenchResult> {
  const events = quick ? 10_000 : 40_000;
  log(`(a) mqemitter-redis as Aedes' emitter, ${events} events`);
  const a = await variant('emitter', events, log);
  log(`(b) the live-only bridge, ${events} events`);
  const b = await variant('bridge', events, log);
  const per = (v: number, r: VariantResult) => (v / r.events).toFixed(2);
  const row = (name: string, r: VariantResult) => [
    name, Math.round(r.events / r.seconds), per(r.redisCommands, r), per(r.publishes, r), per(r.bytesIn, r), per(r.bytesOut, r),
    Math.round(r.redisCpu * 1000), ((r.ownCpu / r.events) * 1e6).toFixed(1),
    `${ms(r.local.quantile(0.5))} / ${ms(r.local.quantile(0.99))}`, `${ms(r.remote.quantile(0.5))} / ${ms(r.remote.quantile(0.99))}`,
    `${r.outageAcked}/${OUTAGE_PUBLISHES}`, `${r.outageLocal}/${OUTAGE_PUBLISHES}`, r.outageRemoteAfter > 0 ? 'yes' : 'no',
  ];
  return {
    title: 'Cross-node live fan-out: mqemitter-redis vs. the live-only bridge (2 Aedes nodes in one process, 1 redis-server)',
    columns: ['variant', 'events/s', 'Redis cmds/event', 'PUBLISH/event', 'Redis bytes in/event', 'Redis bytes out/event', 'Redis CPU ms (run)', 'node CPU µs/event', 'local p50/p99', 'remote p50/p99', 'acked in outage', 'local delivered in outage', 'resumes after'],
    rows: [row('(a) mqemitter-redis', a), row('(b) bridge', b)],
    notes: [
      `${PUBLISHERS} publishers × ${IN_FLIGHT} QoS 1 in flight on node A; the live republish on A as publishLive does; one subscriber on A (local), one on B (remote).`,
      `Outage: Redis killed, ${OUTAGE_PUBLISHES} more publishes, ${OUTAGE_WAIT_MS / 1000} s to see what is acknowledged and delivered on the same node.`,
      `mqemitter-redis reported ${emitterErrors.length} connection errors${emitterErrors.length ? ` (${[...new Set(emitterErrors)].slice(0, 3).join('; ')})` : ''}; without a listener on its state emitter the first one kills the process.`,
      `Ratios (a)/(b): Redis commands ${(a.redisCommands / Math.max(1, b.redisCommands)).toFixed(1)}×, bytes in ${(a.bytesIn / Math.max(1, b.bytesIn)).toFixed(1)}×, node CPU ${(a.ownCpu / Math.max(1e-9, b.ownCpu)).toFixed(1)}× (both nodes and the load clients share this process; Redis CPU is read from /proc in 10 ms ticks).`,
    ],
  };
}
