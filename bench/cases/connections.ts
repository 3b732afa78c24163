// 10,000 concurrent device connections, each with its own registered credentials, publishing a
// retained `status` when it comes online and a heartbeat every 30 s: (a) bare Aedes 1.2 as the
// baseline, (b) Smart Estate as shipped (`smart-estate serve`, real influxd). Server RSS (idle, all
// connected, peak), CPU while connecting and while holding, connect time, heartbeat PUBACK latency,
// and for (b) every acknowledged heartbeat counted in InfluxDB.
import { cpus } from 'node:os';
import type { BenchCase, BenchOptions, BenchResult } from '../types.ts';
import { startInfluxd } from '../../tests/support/influxd.ts';
import { LoadChild, childPids, crashSummary } from '../load/children.ts';
import { ProcMonitor, loadAverage, readProc, type SpanStats } from '../load/proc.ts';
import { startSmartEstate } from '../load/smart-estate.ts';
import type { ConnectedReport, HeartbeatConfig, HeartbeatDevice, HeartbeatReport } from '../load/heartbeats.ts';
import { countPoints } from '../load/influx.ts';
import { Histogram, mb, ms, ratio, sleep } from '../load/stats.ts';

const CONNECTIONS = 10_000;
const HEARTBEAT_MS = 30_000;
const CONNECT_CONCURRENCY = 200;
const GOAL_RSS_MB = 600;
const INFLUX_DB = 'se_bench';

export const connectionsCase: BenchCase = {
  name: 'connections',
  description: `${CONNECTIONS.toLocaleString('en-US')} device connections, heartbeat every ${HEARTBEAT_MS / 1000} s: (a) bare Aedes, (b) Smart Estate — RSS, CPU, connect time`,
  run: runConnections,
};

interface ConnResult {
  idleRssKb: number;
  connected: ConnectedReport;
  connectProcs: Record<string, SpanStats>;
  hold: HeartbeatReport;
  holdProcs: Record<string, SpanStats>;
  /** (b): heartbeats counted in InfluxDB / acknowledged */
  stored?: number;
  /** (b): journal group commits per second while holding (se_journal_commits_total) */
  commitsPerSecond?: number;
  crash: string | null;
}

async function runConnections({ seconds, quick, log }: BenchOptions): Promise<BenchResult> {
  const holdMs = seconds * 1000;
  const monitor = new ProcMonitor();
  monitor.watch('bench runner', process.pid);
  const loadBefore = loadAverage();
  try {
    log(`(a) bare Aedes, ${CONNECTIONS.toLocaleString('en-US')} connections`);
    const devices: HeartbeatDevice[] = Array.from({ length: CONNECTIONS }, (_, i) => ({ id: `load-status-${i}`, estate: 'garden' }));
    const broker = new LoadChild('bare Aedes', './bare-aedes.ts');
    let bare: ConnResult;
    try {
      const { port } = await broker.ready<{ type: string; port: number }>();
      bare = await measure({ name: '(a)', port, pid: broker.pid!, devices, holdMs, monitor, log, exited: () => (broker.proc.exitCode !== null ? crashSummary(broker.stderrTail()) : null) });
    } finally {
      await broker.close();
    }

    log(`(b) Smart Estate, ${CONNECTIONS.toLocaleString('en-US')} connections (provisioning the devices)`);
    const before = new Set(childPids(process.pid, 'influxd'));
    const influxd = await startInfluxd();
    const influxPid = childPids(process.pid, 'influxd').find((p) => !before.has(p));
    let ours: ConnResult;
    try {
      const server = await startSmartEstate({ influxUrl: `http://127.0.0.1:${influxd.port}/${INFLUX_DB}`, devices: CONNECTIONS, kinds: ['status'] });
      try {
        monitor.watch('influxd', influxPid);
        ours = await measure({
          name: '(b)', port: server.mqttPort, pid: server.pid, devices: server.devices, holdMs, monitor, log,
          exited: () => (server.exited() ? `${server.exited()}: ${crashSummary(server.output())}` : null),
          counter: () => server.metric('se_journal_commits_total'),
        });
        // Every acknowledged heartbeat must reach InfluxDB (bounded wait): until the count has
        // reached the acknowledged ones and stopped growing.
        const influx = { base: `http://127.0.0.1:${influxd.port}` };
        const deadline = Date.now() + 60_000;
        let last = -1;
        do {
          ours.stored = (await countPoints(influx, INFLUX_DB, ['status'])).total;
          if ((ours.stored >= ours.hold.totalAcked && ours.stored === last) || server.exited()) break;
          last = ours.stored;
          await sleep(1000);
        } while (Date.now() < deadline);
      } finally {
        monitor.unwatch('influxd');
        await server.dispose();
      }
    } finally {
      await influxd.stop();
    }
    return table(bare, ours, { holdMs, quick, loadBefore, loadAfter: loadAverage() });
  } finally {
    monitor.stop();
  }
}

async function measure(o: {
  name: string;
  port: number;
  pid: number;
  devices: HeartbeatDevice[];
  holdMs: number;
  monitor: ProcMonitor;
  log(line: string): void;
  exited(): string | null;
  /** a counter to read at the start and end of the hold, per second (our server's group commits) */
  counter?: () => Promise<number>;
}): Promise<ConnResult> {
  o.monitor.watch('server', o.pid);
  const idleRssKb = readProc(o.pid)?.rssKb ?? NaN;
  const client = new LoadChild(`${o.name} heartbeat client`, './heartbeats.ts');
  try {
    await client.ready();
    o.monitor.watch('load client', client.pid);
    const config: HeartbeatConfig = { host: '127.0.0.1', port: o.port, devices: o.devices, heartbeatMs: HEARTBEAT_MS, concurrency: CONNECT_CONCURRENCY };
    const connectSpan = o.monitor.span();
    const connected = await client.request<ConnectedReport>({ type: 'connect', config }, 'connected', 600_000);
    const connectProcs = connectSpan.end();
    o.log(`${o.name}: ${connected.connected.toLocaleString('en-US')} connected (${connected.failed} failed) in ${(connected.ms / 1000).toFixed(1)} s; holding ${o.holdMs / 1000} s`);
    await client.request({ type: 'mark' }, 'marked');
    const holdSpan = o.monitor.span();
    const counted = { at: performance.now(), n: (await o.counter?.()) ?? NaN };
    await sleep(o.holdMs);
    const commitsPerSecond = (((await o.counter?.()) ?? NaN) - counted.n) / ((performance.now() - counted.at) / 1000);
    const hold = await client.request<HeartbeatReport>({ type: 'stop' }, 'report');
    const holdProcs = holdSpan.end();
    const crash = o.exited();
    await client.request({ type: 'close' }, 'closed').catch(() => {});
    return { idleRssKb, connected, connectProcs, hold, holdProcs, crash, commitsPerSecond };
  } finally {
    o.monitor.unwatch('server');
    o.monitor.unwatch('load client');
    await client.close();
  }
}

function table(a: ConnResult, b: ConnResult, c: { holdMs: number; quick: boolean; loadBefore: string; loadAfter: string }): BenchResult {
  const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(0)}%`);
  const rssMax = (r: ConnResult) => Math.max(r.connectProcs.server?.rssMaxKb ?? NaN, r.holdProcs.server?.rssMaxKb ?? NaN);
  const perConnKb = (r: ConnResult) => (rssMax(r) - r.idleRssKb) / Math.max(1, r.connected.connected);
  const lat = (h: Histogram) => (h.count ? `${ms(h.quantile(0.5))} / ${ms(h.quantile(0.99))} / ${ms(h.max)}` : '—');
  const connectLat = (r: ConnResult) => Histogram.from(r.connected.latency);
  const beatLat = (r: ConnResult) => Histogram.from(r.hold.latency);
  const perSec = (r: ConnResult) => (r.hold.acked / (r.hold.windowMs / 1000)).toFixed(0);
  const machine = (p: Record<string, SpanStats>) => `${pct(p.machine?.cpuPct)} / ${pct(p.others?.cpuPct)} / ${pct(p.machine?.cpuStallPct)}`;
  const bRssMb = rssMax(b) / 1024;
  const rows: Array<Array<string | number>> = [
    ['connections established (failed)', `${a.connected.connected.toLocaleString('en-US')} (${a.connected.failed})`, `${b.connected.connected.toLocaleString('en-US')} (${b.connected.failed})`, '', `${CONNECTIONS.toLocaleString('en-US')}`, met(b.connected.connected === CONNECTIONS)],
    [`time to connect all, s (${CONNECT_CONCURRENCY} CONNECTs at a time)`, (a.connected.ms / 1000).toFixed(1), (b.connected.ms / 1000).toFixed(1), ratio(b.connected.ms, a.connected.ms), '', ''],
    ['connect latency ms p50 / p99 / max (TCP connect → CONNACK)', lat(connectLat(a)), lat(connectLat(b)), ratio(connectLat(b).quantile(0.99), connectLat(a).quantile(0.99)), '', ''],
    ['server RSS idle, before connecting, MB', mb(a.idleRssKb), mb(b.idleRssKb), ratio(b.idleRssKb, a.idleRssKb), '', ''],
    ['server RSS peak with all connected, MB', mb(rssMax(a)), mb(rssMax(b)), ratio(rssMax(b), rssMax(a)), `< ${GOAL_RSS_MB} MB`, met(bRssMb < GOAL_RSS_MB && b.connected.connected === CONNECTIONS)],
    ['server RSS at the end of the hold, MB', mb(a.holdProcs.server?.rssEndKb ?? NaN), mb(b.holdProcs.server?.rssEndKb ?? NaN), '', '', ''],
    ['RSS per connection, KB ((peak − idle) ÷ connections)', perConnKb(a).toFixed(1), perConnKb(b).toFixed(1), ratio(perConnKb(b), perConnKb(a)), '', ''],
    ['server CPU while connecting, % of one core', pct(a.connectProcs.server?.cpuPct), pct(b.connectProcs.server?.cpuPct), ratio(b.connectProcs.server?.cpuPct ?? NaN, a.connectProcs.server?.cpuPct ?? NaN), '', ''],
    [`server CPU while holding (${c.holdMs / 1000} s), % of one core`, pct(a.holdProcs.server?.cpuPct), pct(b.holdProcs.server?.cpuPct), ratio(b.holdProcs.server?.cpuPct ?? NaN, a.holdProcs.server?.cpuPct ?? NaN), '', ''],
    ['heartbeats acknowledged/s while holding', perSec(a), perSec(b), '', '', ''],
    ['journal group commits/s while holding (each one fsync with synchronous FULL)', '', Number.isFinite(b.commitsPerSecond ?? NaN) ? (b.commitsPerSecond ?? 0).toFixed(0) : '—', '', '', ''],
    ['heartbeat PUBACK ms p50 / p99 / max', lat(beatLat(a)), lat(beatLat(b)), ratio(beatLat(b).quantile(0.99), beatLat(a).quantile(0.99)), '', ''],
    ['connections lost while holding', a.hold.lost, b.hold.lost, '', '0', met(b.hold.lost === 0)],
    [
      'heartbeats in InfluxDB / acknowledged / sent', '', `${(b.stored ?? 0).toLocaleString('en-US')} / ${b.hold.totalAcked.toLocaleString('en-US')} / ${b.hold.totalSent.toLocaleString('en-US')}`, '',
      'acknowledged ≤ stored ≤ sent', met(b.stored !== undefined && b.stored >= b.hold.totalAcked && b.stored <= b.hold.totalSent),
    ],
    ['influxd CPU % / RSS MB while holding', '', `${pct(b.holdProcs.influxd?.cpuPct)} / ${mb(b.holdProcs.influxd?.rssMaxKb ?? NaN)}`, '', '', ''],
    ['load client CPU % while connecting / RSS MB', `${pct(a.connectProcs['load client']?.cpuPct)} / ${mb(a.connectProcs['load client']?.rssMaxKb ?? NaN)}`, `${pct(b.connectProcs['load client']?.cpuPct)} / ${mb(b.connectProcs['load client']?.rssMaxKb ?? NaN)}`, '', '', ''],
    ['machine busy % (of 200) / outside this benchmark % / waited for a CPU %, while connecting', machine(a.connectProcs), machine(b.connectProcs), '', '', ''],
    ['the same while holding', machine(a.holdProcs), machine(b.holdProcs), '', '', ''],
    ['server survived', a.crash ? 'NO' : 'yes', b.crash ? 'NO' : 'yes', '', 'yes', met(!b.crash)],
  ];
  const notes = [
    `Machine: ${cpus().length} cores shared by the server, influxd, the load client and whatever else runs; load average before ${c.loadBefore}, after ${c.loadAfter}.`,
    `Load: ${CONNECTIONS.toLocaleString('en-US')} raw MQTT 3.1.1 connections (bench/load/wire.ts, not mqtt.js) from one client process over loopback, each a registered device with its own token in (b); keepalive 60 s; each publishes a retained QoS 1 \`status\` when its CONNACK arrives and a heartbeat every ${HEARTBEAT_MS / 1000} s from a random phase. Hold ${c.holdMs / 1000} s after the last CONNACK${c.holdMs < HEARTBEAT_MS ? ` (shorter than the heartbeat period: only part of the fleet beats in the window${c.quick ? '; --quick' : ''})` : ''}.`,
    'RSS is VmRSS from /proc/<pid>/status sampled twice a second; CPU is utime+stime from /proc/<pid>/stat (all threads) over the phase.',
    '(b) provisions the devices straight into the SQLite file before the server starts (server/store addDevice), and authenticates every CONNECT against it (SHA-256 of the token).',
    ...[a, b].flatMap((r, i) => [...r.connected.errors, ...r.hold.errors].slice(0, 3).map((e) => `${i ? '(b)' : '(a)'} load client: ${e}`)),
    ...[a, b].flatMap((r, i) => (r.crash ? [`**${i ? '(b)' : '(a)'}: the server process died** — ${r.crash}`] : [])),
  ];
  return {
    title: `Connections: ${CONNECTIONS.toLocaleString('en-US')} devices, heartbeat every ${HEARTBEAT_MS / 1000} s — (a) bare Aedes, (b) Smart Estate`,
    columns: ['measure', '(a) bare Aedes', '(b) Smart Estate', 'b / a', 'goal', 'met'],
    rows,
    notes,
  };
}

const met = (ok: boolean) => (ok ? 'yes' : 'NO');
