// Ingest throughput and latency, product against baselines, in one run with one load client:
//   (a)  bare Aedes 1.2, no hooks: QoS 1 publish → PUBACK → one subscriber counts what arrives;
//   (b)  Smart Estate as shipped (`smart-estate serve`, every estate module, a real influxd):
//        QoS 1 → validate → journal → PUBACK → InfluxDB, counting only events the forwarder has
//        written to InfluxDB; a logged-in dashboard subscribes to live2/+ (feed v2, an array per commit group and kind; it counts events) like the subscriber in (a);
//   (b−) the same without the dashboard;  (b0) the core path alone (no estate modules, no dashboard);
//   (c)  bare InfluxDB: (b)'s own journal rows, converted and written the forwarder's way;
// then PUBACK latency at a fixed 10,000 and 5,000 events/s (open loop) for (a), (b) and (b0), CPU profiles of the
// server under the (b−) and (b0) loads, and the per-event cost of each stage of the server measured
// in-process. Load clients run in their own processes (bench/load/).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase, BenchOptions, BenchResult } from '../types.ts';
import { startInfluxd, type InfluxdHandle } from '../../tests/support/influxd.ts';
import { dbPath } from '../../server/store/db.ts';
import { DEFAULT_BATCH_SIZE } from '../../server/forwarder/forwarder.ts';
import { GARDEN_PATROL } from '../../server/estate/demo/garden-patrol.ts';
import { LoadChild, childPids, crashSummary, removeOnExit } from '../load/children.ts';
import { drive, type DriveResult } from '../load/drive.ts';
import { ProcMonitor, loadAverage, type SpanStats } from '../load/proc.ts';
import { startSmartEstate, type JournalState, type SmartEstateProcess } from '../load/smart-estate.ts';
import { EVENT_MIX } from '../load/payloads.ts';
import type { LoadDevice } from '../load/publisher.ts';
import type { WriterConfig, WriterReport } from '../load/influx-writer.ts';
import { countPoints, createDatabase } from '../load/influx.ts';
import { formatSummary, readProfile, summariseProfile } from '../load/cpuprofile.ts';
import { measureStageCosts, type StageCost } from '../load/stage-costs.ts';
import { startMosquitto } from '../load/mosquitto.ts';
import { Histogram, mb, ms, perSecond, ratio, sleep } from '../load/stats.ts';

const DEVICES = 200;
const IN_FLIGHT = 50;
/**
 * Closed loop, with a subscriber: at most this many publishes sent and not yet received by it. Without
 * the bound, bare Aedes PUBACKs far faster than its one subscriber drains (the broker queues for it),
 * so its rate fell with the window (~44k/s over 10 s, 12–16k/s over 60 s); bounded, every run measures
 * the rate at which the whole path — broker and subscriber — keeps up, whatever the window.
 */
const BACKLOG = DEVICES * IN_FLIGHT;
const OPEN_RATE = 10_000;
/** A second open-loop rate, one the full path sustains on this machine: latency short of saturation. */
const LOW_RATE = 5_000;
const GOAL_OF_BARE = 0.8;
/** server CPU per acknowledged event, (b) against (a) */
const GOAL_CPU_OF_BARE = 2;
const GOAL_P99_MS = 50;
const INFLUX_DB = 'se_bench';
const MEASUREMENTS = EVENT_MIX as string[];
const PARALLEL_WRITERS = 4;
const PROFILE_MS = 20_000;

export const ingestCase: BenchCase = {
  name: 'ingest',
  description: `${DEVICES} devices × ${IN_FLIGHT} in flight, QoS 1, subscriber backlog ≤ ${BACKLOG.toLocaleString('en-US')}: (a) bare Aedes, (m) Mosquitto, (b) Smart Estate confirmed in InfluxDB, (c) bare InfluxDB writes; PUBACK at ${OPEN_RATE.toLocaleString('en-US')}/s; profiles`,
  run: runIngest,
};

/** One configuration of our server. */
interface Variant {
  label: string;
  modules: 'all' | 'none';
  dashboard: boolean;
}
const FULL: Variant = { label: '(b)', modules: 'all', dashboard: true };
const NO_DASHBOARD: Variant = { label: '(b−)', modules: 'all', dashboard: false };
const CORE: Variant = { label: '(b0)', modules: 'none', dashboard: false };

interface Ours {
  run: DriveResult<JournalState>;
  /** events the forwarder wrote to InfluxDB during the window, per second */
  confirmedPerSecond: number;
  lagMaxEvents: number;
  lagEndEvents: number;
  lagMaxSeconds: number;
  /** window end → everything acknowledged is in InfluxDB (ms); NaN if it did not happen */
  drainMs: number;
  /** points counted in InfluxDB after the drain */
  stored: number;
  /** rows in the journal after the drain: at least every PUBACK, at most every publish sent */
  journalRows: number;
  /** journal rows ÷ group commits over the run (se_journal_commits_total) */
  eventsPerCommit: number;
  deadLetters: number;
  /** /metrics lines about lag, backlog and pauses at the window's end */
  metricLines: string[];
  /** the server died during the run: its last error */
  crash: string | null;
  /** the window in the estate's local time ("00:38–00:39"): patrol rounds are scheduled on it */
  localWindow: string;
}

interface BareRun {
  run: DriveResult<unknown>;
  crash: string | null;
}

/** How steady (a) is: the same bounded closed loop over two window lengths in one run. */
interface Steadiness {
  long: BareRun;
  short: BareRun;
  shortMs: number;
}

interface BareWrites {
  concurrency: number;
  points: number;
  counted: number;
  perSecond: number;
  batchP50: number;
  batchP99: number;
  procs: Record<string, SpanStats>;
  errors: string[];
}

interface ProfileResult {
  label: string;
  lines: string[];
  file: string | null;
  confirmedPerSecond: number;
}

async function runIngest({ seconds, quick, log }: BenchOptions): Promise<BenchResult> {
  const warmupMs = quick ? 2000 : 5000;
  const windowMs = seconds * 1000;
  const monitor = new ProcMonitor();
  monitor.watch('bench runner', process.pid);
  const loadBefore = loadAverage();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const common = { warmupMs, windowMs, monitor, log };

  try {
    log('(a) bare Aedes');
    const devices: LoadDevice[] = Array.from({ length: DEVICES }, (_, i) => ({ id: `load-${i}`, estate: 'garden', kind: EVENT_MIX[i % EVENT_MIX.length] }));
    const subscriber = { clientId: 'bench-subscriber', filters: ['estates/garden/devices/+/+'] };
    // A fresh broker for each run, as (b) gets a fresh server.
    const bareClosed = await withBareAedes(monitor, (port) =>
      drive({ ...common, name: '(a) closed loop', host: '127.0.0.1', port, devices, mode: 'closed', inFlight: IN_FLIGHT, backlog: BACKLOG, tag: 'a', subscriber }),
    );
    // the same over half the window: a steady baseline gives the same rate
    const shortMs = Math.max(5_000, Math.round(windowMs / 2));
    const bareShort = await withBareAedes(monitor, (port) =>
      drive({ ...common, windowMs: shortMs, name: `(a) closed loop, ${shortMs / 1000} s window`, host: '127.0.0.1', port, devices, mode: 'closed', inFlight: IN_FLIGHT, backlog: BACKLOG, tag: 'a1', subscriber }),
    );
    log('(aj) the durable floor: bare Aedes committing each publish to our journal before its PUBACK');
    const floor = await withBareAedes(monitor, (port) =>
      drive({ ...common, name: '(aj) closed loop', host: '127.0.0.1', port, devices, mode: 'closed', inFlight: IN_FLIGHT, backlog: BACKLOG, tag: 'aj', subscriber }),
    { journal: true });
    // the floor's ladder: what is left of (a) with less than our journal under each PUBACK
    log('(aj) ladder: parse + group acknowledgement without disk, then an append-only log with one fdatasync per group');
    const ladderNone = await withBareAedes(monitor, (port) =>
      drive({ ...common, name: '(aj) ladder: group ack, no disk', host: '127.0.0.1', port, devices, mode: 'closed', inFlight: IN_FLIGHT, backlog: BACKLOG, tag: 'ajn', subscriber }),
    { journal: true, journalKind: 'none' });
    const ladderLog = await withBareAedes(monitor, (port) =>
      drive({ ...common, name: '(aj) ladder: append-only log', host: '127.0.0.1', port, devices, mode: 'closed', inFlight: IN_FLIGHT, backlog: BACKLOG, tag: 'ajl', subscriber }),
    { journal: true, journalKind: 'log' });
    log('(m) Mosquitto 2.0, the peer broker');
    const mosquitto = await withMosquitto(monitor, (port) =>
      drive({ ...common, name: '(m) closed loop', host: '127.0.0.1', port, devices, mode: 'closed', inFlight: IN_FLIGHT, backlog: BACKLOG, tag: 'm', subscriber }),
    );
    const bareOpen = await withBareAedes(monitor, (port) =>
      drive({ ...common, name: '(a) open loop', host: '127.0.0.1', port, devices, mode: 'open', rate: OPEN_RATE, tag: 'a2', subscriber }),
    );
    const bareLow = await withBareAedes(monitor, (port) =>
      drive({ ...common, name: `(a) open loop at ${LOW_RATE}/s`, host: '127.0.0.1', port, devices, mode: 'open', rate: LOW_RATE, tag: 'a3', subscriber }),
    );

    log('(b) Smart Estate, then (c) on its influxd with its points');
    let writes: BareWrites[] = [];
    const full = await withOurs(FULL, common, async (server, influxd) => {
      const result = await measureOurs(server, influxd, FULL, { ...common, mode: 'closed', tag: 'b' });
      await server.stop();
      writes = [];
      for (const concurrency of [1, PARALLEL_WRITERS]) writes.push(await bareWrites({ influxd, journal: dbPath(server.dataDir), concurrency, seconds, monitor, log }));
      return result;
    });
    const noDashboard = await withOurs(NO_DASHBOARD, common, (server, influxd) => measureOurs(server, influxd, NO_DASHBOARD, { ...common, mode: 'closed', tag: 'b' }));
    const core = await withOurs(CORE, common, (server, influxd) => measureOurs(server, influxd, CORE, { ...common, mode: 'closed', tag: 'b' }));
    const fullOpen = await withOurs(FULL, common, (server, influxd) => measureOurs(server, influxd, FULL, { ...common, mode: 'open', rate: OPEN_RATE, tag: 'b2' }));
    const coreOpen = await withOurs(CORE, common, (server, influxd) => measureOurs(server, influxd, CORE, { ...common, mode: 'open', rate: OPEN_RATE, tag: 'b2' }));
    const fullLow = await withOurs(FULL, common, (server, influxd) => measureOurs(server, influxd, FULL, { ...common, mode: 'open', rate: LOW_RATE, tag: 'b3' }));
    const coreLow = await withOurs(CORE, common, (server, influxd) => measureOurs(server, influxd, CORE, { ...common, mode: 'open', rate: LOW_RATE, tag: 'b3' }));

    const profiles: ProfileResult[] = [];
    for (const variant of [NO_DASHBOARD, CORE]) {
      log(`${variant.label} under --cpu-prof`);
      profiles.push(await profileOurs(variant, { ...common, windowMs: Math.min(windowMs, PROFILE_MS), stamp }));
    }

    log('per-event cost of each stage, in-process');
    const stages = await measureStageCosts();

    return table({
      steady: { long: bareClosed, short: bareShort, shortMs }, mosquitto, floor, ladder: { none: ladderNone, log: ladderLog },
      bareClosed, bareOpen, bareLow, full, noDashboard, core, fullOpen, coreOpen, fullLow, coreLow, writes, profiles, stages,
      loadBefore, loadAfter: loadAverage(), warmupMs, windowMs,
    });
  } finally {
    monitor.stop();
  }
}

/** Runs `body` against a bare Aedes child; a broker that dies during the run is reported, not hidden. */
async function withBareAedes(
  monitor: ProcMonitor,
  body: (port: number) => Promise<DriveResult<unknown>>,
  options: { journal?: boolean; journalKind?: 'sqlite' | 'log' | 'none' } = {},
): Promise<BareRun> {
  // (aj): the same broker committing each publish to our Journal first, in a fresh temp dir
  // (journalKind: the ladder's cheaper rungs, bench/load/append-log.ts)
  const journalDir = options.journal ? removeOnExit(mkdtempSync(join(tmpdir(), 'se-bench-aj-'))) : null;
  const kind = options.journalKind ?? 'sqlite';
  const broker = new LoadChild(
    journalDir ? (kind === 'sqlite' ? 'Aedes + journal' : `Aedes + ${kind === 'log' ? 'append-only log' : 'group ack'}`) : 'bare Aedes',
    './bare-aedes.ts',
    journalDir ? ['--journal', journalDir, '--journal-kind', kind] : [],
  );
  let crash: string | null = null;
  let crashedAt = 0;
  let measuring = true;
  broker.proc.once('exit', (code, signal) => {
    if (!measuring) return;
    crashedAt = Date.now();
    crash = `${signal ?? `exit code ${code}`}: ${crashSummary(broker.stderrTail())}`;
  });
  try {
    const { port } = await broker.ready<{ type: string; port: number }>();
    monitor.watch('server', broker.pid);
    const run = await body(port);
    measuring = false;
    // Dying when the clients disconnect after the window (mqemitter, see bench/README.md) spoils nothing measured.
    if (crash && crashedAt > run.endedAt) crash = `after the window, when the clients disconnected — ${crash}`;
    return { run, crash };
  } finally {
    measuring = false;
    monitor.unwatch('server');
    await broker.close();
    if (journalDir) rmSync(journalDir, { recursive: true, force: true });
  }
}

/** Runs `body` against Debian's Mosquitto on a free port, reported like bare Aedes. */
async function withMosquitto(monitor: ProcMonitor, body: (port: number) => Promise<DriveResult<unknown>>): Promise<BareRun> {
  const broker = await startMosquitto();
  try {
    monitor.watch('server', broker.pid);
    const run = await body(broker.port);
    const ended = broker.exited();
    return { run, crash: ended ? `${ended}: ${broker.output().trim().split('\n').slice(-1)[0] ?? ''}` : null };
  } finally {
    monitor.unwatch('server');
    await broker.stop();
  }
}

interface Common {
  warmupMs: number;
  windowMs: number;
  monitor: ProcMonitor;
  log(line: string): void;
}

/** A fresh influxd and a fresh server (temp dirs, free ports) for `body`; both gone afterwards. */
async function withOurs<T>(
  variant: Variant,
  o: Common & { nodeArgs?: string[] },
  body: (server: SmartEstateProcess, influxd: InfluxdHandle) => Promise<T>,
): Promise<T> {
  const before = new Set(childPids(process.pid, 'influxd'));
  const influxd = await startInfluxd();
  const influxPid = childPids(process.pid, 'influxd').find((p) => !before.has(p));
  let server: SmartEstateProcess | null = null;
  try {
    server = await startSmartEstate({
      influxUrl: `http://127.0.0.1:${influxd.port}/${INFLUX_DB}`,
      devices: DEVICES,
      kinds: EVENT_MIX,
      modules: variant.modules,
      nodeArgs: o.nodeArgs,
    });
    o.monitor.watch('server', server.pid);
    o.monitor.watch('influxd', influxPid);
    return await body(server, influxd);
  } catch (err) {
    if (server) o.log(`${variant.label} server output (tail):\n${server.output().slice(-3000)}`);
    throw err;
  } finally {
    o.monitor.unwatch('server');
    o.monitor.unwatch('influxd');
    await server?.dispose();
    await influxd.stop();
  }
}

function driveOurs(server: SmartEstateProcess, variant: Variant, o: Common & { name: string; mode: 'closed' | 'open'; rate?: number; tag: string }) {
  return drive({
    ...o,
    host: '127.0.0.1',
    port: server.mqttPort,
    devices: server.devices,
    inFlight: IN_FLIGHT,
    // held to the same bounded subscriber backlog as (a) when a dashboard is there to bound it
    ...(variant.dashboard ? { subscriber: { clientId: 'bench-dashboard', ...server.dashboard, filters: [`estates/${server.estate}/live2/+`], countEvents: true }, backlog: BACKLOG } : {}),
    probe: () => server.journal(),
  });
}

async function measureOurs(
  server: SmartEstateProcess,
  influxd: InfluxdHandle,
  variant: Variant,
  o: Common & { mode: 'closed' | 'open'; rate?: number; tag: string },
): Promise<Ours> {
  const name = `${variant.label} ${o.mode} loop`;
  const run = await driveOurs(server, variant, { ...o, name });
  const metricLines = (await server.metrics()).split('\n').filter((l) => /^se_\w*(lag|pending|paused)/.test(l));
  const first = run.probes[0];
  const last = run.probes[run.probes.length - 1];
  const windowSeconds = run.publisher.windowMs / 1000;

  // Drain: until the journal has stopped growing (publishes read before the clients left may still
  // be committing) and the forwarder has caught up — cheap SQLite reads — then until InfluxDB's own
  // count equals the journal's rows.
  const deadline = run.endedAt + Math.max(120_000, 3 * o.windowMs);
  let drainMs = NaN;
  let state = server.journal();
  let before = -1;
  while (Date.now() < deadline && !server.exited()) {
    state = server.journal();
    if (state.lagEvents === 0 && state.maxSeq === before) break;
    before = state.lagEvents === 0 ? state.maxSeq : -1;
    await sleep(state.lagEvents === 0 ? 1000 : 100);
  }
  const journalRows = server.journalRows();
  const commits = await server.metric('se_journal_commits_total');
  let stored = 0;
  const influx = { base: `http://127.0.0.1:${influxd.port}` };
  for (;;) {
    stored = (await countPoints(influx, INFLUX_DB, MEASUREMENTS)).total;
    if (stored >= journalRows) drainMs = Date.now() - run.endedAt;
    if (stored >= journalRows || server.exited() || Date.now() > deadline) break;
    await sleep(1000);
  }
  const ended = server.exited();
  const crash = ended ? `${ended}: ${crashSummary(server.output())}` : null;
  const { totalAcked: acked, totalSent: sent } = run.publisher;
  o.log(
    `${name}: ${num(stored)} events in InfluxDB, ${num(journalRows)} in the journal; ${num(acked)} acknowledged of ${num(sent)} sent` +
      (Number.isFinite(drainMs) ? `; drained ${(drainMs / 1000).toFixed(1)} s after the load` : '; not drained') +
      (crash ? `; the server died: ${crash}` : ''),
  );
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: server.timeZone, hour: '2-digit', minute: '2-digit', hour12: false });
  const localWindow = `${clock.format(run.endedAt - run.publisher.windowMs)}–${clock.format(run.endedAt)} ${server.timeZone}`;
  return {
    run,
    localWindow,
    confirmedPerSecond: perSecond(last.checkpoint - first.checkpoint, windowSeconds),
    lagMaxEvents: Math.max(...run.probes.map((p) => p.lagEvents)),
    lagEndEvents: last.lagEvents,
    lagMaxSeconds: Math.max(...run.probes.map((p) => p.lagSeconds)),
    drainMs,
    stored,
    journalRows,
    eventsPerCommit: journalRows / commits,
    deadLetters: state.deadLetters,
    metricLines,
    crash,
  };
}

async function bareWrites(o: { influxd: InfluxdHandle; journal: string; concurrency: number; seconds: number; monitor: ProcMonitor; log(line: string): void }): Promise<BareWrites> {
  const influx = { base: `http://127.0.0.1:${o.influxd.port}` };
  const database = `se_bare_writes_${o.concurrency}`;
  await createDatabase(influx, database);
  const writer = new LoadChild(`(c) InfluxDB writer ×${o.concurrency}`, './influx-writer.ts');
  try {
    await writer.ready();
    o.monitor.watch('load client', writer.pid);
    const span = o.monitor.span();
    const config: WriterConfig = { journal: o.journal, influxUrl: `${influx.base}/${database}`, batchSize: DEFAULT_BATCH_SIZE, concurrency: o.concurrency, seconds: o.seconds };
    const report = await writer.request<WriterReport>({ type: 'write', config }, 'report', (o.seconds + 120) * 1000);
    const procs = span.end();
    const counted = (await countPoints(influx, database, MEASUREMENTS)).total;
    const latency = Histogram.from(report.batchLatency);
    const rate = perSecond(report.points, report.ms / 1000);
    o.log(`(c) ${o.concurrency} writer(s): ${report.points.toLocaleString('en-US')} points in ${(report.ms / 1000).toFixed(1)} s = ${rate.toLocaleString('en-US')}/s`);
    return { concurrency: o.concurrency, points: report.points, counted, perSecond: rate, batchP50: latency.quantile(0.5), batchP99: latency.quantile(0.99), procs, errors: report.errors };
  } finally {
    o.monitor.unwatch('load client');
    await writer.close();
  }
}

/** The variant again under `node --cpu-prof`; the profile is written when the server exits on SIGTERM. */
async function profileOurs(variant: Variant, o: Common & { stamp: string }): Promise<ProfileResult> {
  const dir = removeOnExit(mkdtempSync(join(tmpdir(), 'se-bench-prof-')));
  const label = variant.label;
  try {
    let confirmedPerSecond = NaN;
    let how = '';
    await withOurs(variant, { ...o, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] }, async (server) => {
      const run = await driveOurs(server, variant, { ...o, name: `${label} profiled`, mode: 'closed', tag: 'p' });
      const [first, last] = [run.probes[0], run.probes[run.probes.length - 1]];
      confirmedPerSecond = perSecond(last.checkpoint - first.checkpoint, run.publisher.windowMs / 1000);
      how = await server.stop();
      if (how !== 'code 0') how = `${how}: ${crashSummary(server.output())}`;
    });
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return { label, lines: [`no .cpuprofile was written: the server ended with ${how}`], file: null, confirmedPerSecond };
    mkdirSync('bench/results', { recursive: true });
    const kept = `bench/results/ingest-${variant.modules === 'none' ? 'core' : 'server'}-${o.stamp}.cpuprofile`;
    copyFileSync(join(dir, file), kept);
    const lines = formatSummary(summariseProfile(readProfile(kept), 12));
    writeFileSync(kept.replace(/\.cpuprofile$/, '.profile.txt'), lines.join('\n') + '\n');
    return { label, lines, file: kept, confirmedPerSecond };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ─── the table ──────────────────────────────────────────────────────────────────────────────────

interface Collected {
  steady: Steadiness;
  mosquitto: BareRun;
  /** (aj): bare Aedes + our Journal before each PUBACK — the durable floor */
  floor: BareRun;
  /** under (aj): the same with parse + group acknowledgement only, and with an append-only log */
  ladder: { none: BareRun; log: BareRun };
  bareClosed: BareRun;
  bareOpen: BareRun;
  bareLow: BareRun;
  full: Ours;
  noDashboard: Ours;
  core: Ours;
  fullOpen: Ours;
  coreOpen: Ours;
  fullLow: Ours;
  coreLow: Ours;
  writes: BareWrites[];
  profiles: ProfileResult[];
  stages: StageCost[];
  loadBefore: string;
  loadAfter: string;
  warmupMs: number;
  windowMs: number;
}

const latencyOf = (r: DriveResult<unknown>) => Histogram.from(r.publisher.latency);
const acksPerSecond = (r: DriveResult<unknown>) => perSecond(r.publisher.windowAcked, r.publisher.windowMs / 1000);
const receivedPerSecond = (r: DriveResult<unknown>) => (r.subscriber ? perSecond(r.subscriber.windowReceived, r.subscriber.windowMs / 1000) : NaN);
const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(0)}%`);
const met = (ok: boolean) => (ok ? 'yes' : 'NO');
const num = (v: number) => (Number.isFinite(v) ? v.toLocaleString('en-US') : '—');
const triple = (h: Histogram) => (h.count ? `${ms(h.quantile(0.5))} / ${ms(h.quantile(0.99))} / ${ms(h.max)}` : '—');
const seconds = (msec: number) => (Number.isFinite(msec) ? (msec / 1000).toFixed(1) : 'not drained');
const cpu = (r: { procs: Record<string, SpanStats> }, name: string) => pct(r.procs[name]?.cpuPct);
const rss = (r: { procs: Record<string, SpanStats> }, name: string) => mb(r.procs[name]?.rssMaxKb ?? NaN);
const survived = (...crashes: Array<string | null>) => crashes.map((x) => (!x ? 'yes' : x.startsWith('after the window') ? 'died after' : 'NO')).join('; ');
const perCommit = (o: Ours) => (Number.isFinite(o.eventsPerCommit) ? o.eventsPerCommit.toFixed(0) : '—');
const clientCell = (r: DriveResult<unknown>) => `${cpu(r, 'load client')} · ${r.publisher.maxSendLagMs.toFixed(0)} · ${cpu(r, 'server')}`;
/** where the machine's CPU went in an open-loop run: load client + influxd + server = machine (of 200 %) */
const budgetCell = (r: DriveResult<unknown>) => `${cpu(r, 'load client')} + ${r.procs.influxd ? cpu(r, 'influxd') : '—'} + ${cpu(r, 'server')} = ${cpu(r, 'machine')}`;
const openCell = (o: Ours) => `${num(acksPerSecond(o.run))} (${o.run.publisher.skipped}) · ${num(o.confirmedPerSecond)}`;
const backlogCell = (r: DriveResult<unknown>) => `${num(r.publisher.maxBacklog)} · ${num(r.publisher.parkedSends)}`;
const usPer = (r: DriveResult<unknown>) => {
  const rate = acksPerSecond(r);
  const share = r.procs.server?.cpuPct;
  return share !== undefined && rate > 0 ? ((share / 100) * 1e6 / rate).toFixed(1) : '—';
};
const machine = (r: { procs: Record<string, SpanStats> }) => `${cpu(r, 'machine')} / ${cpu(r, 'others')} / ${pct(r.procs.machine?.cpuStallPct)}`;

function table(c: Collected): BenchResult {
  const a = c.bareClosed.run;
  const aOpen = c.bareOpen.run;
  const ours = [c.full, c.noDashboard, c.core];
  const [w1, wN] = c.writes;
  const aRate = receivedPerSecond(a);
  const bRate = c.full.confirmedPerSecond;
  const bOpenP99Ms = latencyOf(c.fullOpen.run).quantile(0.99) / 1000;
  // Nothing acknowledged lost, nothing stored twice, everything stored in InfluxDB.
  const healthy = (o: Ours) => !o.crash && o.stored === o.journalRows && o.journalRows >= o.run.publisher.totalAcked && o.journalRows <= o.run.publisher.totalSent;
  const each = (f: (o: Ours) => string | number) => ours.map(f);
  const stock = (o: Ours) => `${num(o.stored)} / ${num(o.journalRows)} / ${num(o.run.publisher.totalAcked)} / ${num(o.run.publisher.totalSent)} (${o.deadLetters})`;

  const rows: Array<Array<string | number>> = [
    [
      'events/s sustained — (a) received by the subscriber, (b) confirmed in InfluxDB, (c) points written',
      num(aRate), ...each((o) => num(o.confirmedPerSecond)), num(w1?.perSecond ?? NaN),
      `${ratio(bRate, aRate)} (b0: ${ratio(c.core.confirmedPerSecond, aRate)})`,
      `≥ ${GOAL_OF_BARE} × (a)`,
      met(healthy(c.full) && bRate >= GOAL_OF_BARE * aRate),
    ],
    [
      `(a) steady: events/s received over the ${c.windowMs / 1000} s window · over a ${c.steady.shortMs / 1000} s window (same bounded closed loop)`,
      `${num(aRate)} · ${num(receivedPerSecond(c.steady.short.run))}`, '', '', '', '', '',
      ratio(receivedPerSecond(c.steady.short.run), aRate), 'the two agree (±10 %)', met(Math.abs(receivedPerSecond(c.steady.short.run) / aRate - 1) <= 0.1),
    ],
    ['PUBACKs/s in the window', num(acksPerSecond(a)), ...each((o) => num(acksPerSecond(o.run))), '', ratio(acksPerSecond(c.full.run), acksPerSecond(a)), '', ''],
    [`(c) with ${PARALLEL_WRITERS} writers in parallel, points/s`, '', '', '', '', num(wN?.perSecond ?? NaN), '', '', ''],
    [`PUBACK ms p50 / p99 / max, closed loop (${(DEVICES * IN_FLIGHT).toLocaleString('en-US')} in flight)`, triple(latencyOf(a)), ...each((o) => triple(latencyOf(o.run))), '', ratio(latencyOf(c.full.run).quantile(0.99), latencyOf(a).quantile(0.99)), "Little's law: in flight ÷ rate", ''],
    [`PUBACK ms p50 / p99 / max at ${OPEN_RATE.toLocaleString('en-US')}/s, open loop`, triple(latencyOf(aOpen)), triple(latencyOf(c.fullOpen.run)), '', triple(latencyOf(c.coreOpen.run)), '', ratio(latencyOf(c.fullOpen.run).quantile(0.99), latencyOf(aOpen).quantile(0.99)), `p99 ≤ ${GOAL_P99_MS} ms`, met(!c.fullOpen.crash && bOpenP99Ms <= GOAL_P99_MS)],
    [`PUBACKs/s at ${OPEN_RATE.toLocaleString('en-US')}/s offered (sends skipped) · confirmed in InfluxDB/s`, `${num(acksPerSecond(aOpen))} (${aOpen.publisher.skipped})`, openCell(c.fullOpen), '', openCell(c.coreOpen), '', '', '', ''],
    [`PUBACK ms p50 / p99 / max at ${LOW_RATE.toLocaleString('en-US')}/s, open loop`, triple(latencyOf(c.bareLow.run)), triple(latencyOf(c.fullLow.run)), '', triple(latencyOf(c.coreLow.run)), '', ratio(latencyOf(c.fullLow.run).quantile(0.99), latencyOf(c.bareLow.run).quantile(0.99)), '', ''],
    [`PUBACKs/s at ${LOW_RATE.toLocaleString('en-US')}/s offered (sends skipped) · confirmed in InfluxDB/s; server CPU %`, `${num(acksPerSecond(c.bareLow.run))} (${c.bareLow.run.publisher.skipped}); ${cpu(c.bareLow.run, 'server')}`, `${openCell(c.fullLow)}; ${cpu(c.fullLow.run, 'server')}`, '', `${openCell(c.coreLow)}; ${cpu(c.coreLow.run, 'server')}`, '', '', '', ''],
    ['open loop: load client CPU % · its worst lateness against the schedule, ms · server CPU %', clientCell(aOpen), clientCell(c.fullOpen.run), '', clientCell(c.coreOpen.run), '', '', 'client on time', ''],
    [`CPU at ${OPEN_RATE.toLocaleString('en-US')}/s open loop, % of one core: load client + influxd + server = machine busy (of 200)`, budgetCell(aOpen), budgetCell(c.fullOpen.run), '', budgetCell(c.coreOpen.run), '', '', '', ''],
    ['journal lag at the open-loop rate, events: max / at window end', '', `${num(c.fullOpen.lagMaxEvents)} / ${num(c.fullOpen.lagEndEvents)}`, '', `${num(c.coreOpen.lagMaxEvents)} / ${num(c.coreOpen.lagEndEvents)}`, '', '', '', ''],
    ['journal lag, events: max / at window end', '', ...each((o) => `${num(o.lagMaxEvents)} / ${num(o.lagEndEvents)}`), '', '', 'bounded', met(ours.every((o) => Number.isFinite(o.drainMs)))],
    ['journal lag, s: max', '', ...each((o) => o.lagMaxSeconds.toFixed(1)), '', '', '', ''],
    ['events per journal group commit (closed / open loop / open at the lower rate)', '', `${perCommit(c.full)} / ${perCommit(c.fullOpen)} / ${perCommit(c.fullLow)}`, perCommit(c.noDashboard), `${perCommit(c.core)} / ${perCommit(c.coreOpen)} / ${perCommit(c.coreLow)}`, '', '', '', ''],
    ['drain: window end → every journal row counted in InfluxDB, s (closed / open loop)', '', `${seconds(c.full.drainMs)} / ${seconds(c.fullOpen.drainMs)}`, seconds(c.noDashboard.drainMs), `${seconds(c.core.drainMs)} / ${seconds(c.coreOpen.drainMs)}`, '', '', '', ''],
    [
      'in InfluxDB / in the journal / acknowledged / sent (dead letters)',
      '', ...each(stock),
      w1 ? `${num(w1.counted)} / ${num(w1.points)}` : '', '', 'all, once', met(ours.every(healthy)),
    ],
    [
      'the same at the open-loop rates (10,000/s; 5,000/s)',
      '', `${stock(c.fullOpen)}; ${stock(c.fullLow)}`, '', `${stock(c.coreOpen)}; ${stock(c.coreLow)}`, '', '', 'all, once', met([c.fullOpen, c.coreOpen, c.fullLow, c.coreLow].every(healthy)),
    ],
    ['server RSS max, MB (closed / open loop)', `${rss(a, 'server')} / ${rss(aOpen, 'server')}`, `${rss(c.full.run, 'server')} / ${rss(c.fullOpen.run, 'server')}`, rss(c.noDashboard.run, 'server'), `${rss(c.core.run, 'server')} / ${rss(c.coreOpen.run, 'server')}`, '', '', '', ''],
    ['server CPU, % of one core', cpu(a, 'server'), ...each((o) => cpu(o.run, 'server')), '', '', '', ''],
    ['server CPU µs per PUBACK (all threads; CPU ÷ rate)', usPer(a), ...each((o) => usPer(o.run)), '', ratio(Number(usPer(c.full.run)), Number(usPer(a))), `≤ ${GOAL_CPU_OF_BARE} × (a)`, met(Number(usPer(c.full.run)) <= GOAL_CPU_OF_BARE * Number(usPer(a)))],
    [`server CPU µs per PUBACK at ${LOW_RATE.toLocaleString('en-US')}/s open loop (one publish per socket read, as devices send)`, usPer(c.bareLow.run), usPer(c.fullLow.run), '', usPer(c.coreLow.run), '', ratio(Number(usPer(c.fullLow.run)), Number(usPer(c.bareLow.run))), '', ''],
    ['subscriber backlog (sent − received): most seen · PUBACKs that waited for the subscriber', backlogCell(a), backlogCell(c.full.run), '', '', '', '', `≤ ${BACKLOG.toLocaleString('en-US')}`, ''],
    ['influxd CPU % / RSS max MB', '', ...each((o) => `${cpu(o.run, 'influxd')} / ${rss(o.run, 'influxd')}`), w1 ? `${cpu(w1, 'influxd')} / ${rss(w1, 'influxd')}` : '', '', '', ''],
    ['load client CPU %: publishers | subscriber (c: writer)', `${cpu(a, 'load client')} | ${cpu(a, 'subscriber')}`, ...each((o) => `${cpu(o.run, 'load client')} | ${cpu(o.run, 'subscriber')}`), w1 ? cpu(w1, 'load client') : '', '', '', ''],
    ['machine busy % (of 200) / used outside this benchmark % / time tasks waited for a CPU %', machine(a), ...each((o) => machine(o.run)), w1 ? machine(w1) : '', '', '', ''],
    ['server survived the run (closed loop; open loop)', survived(c.bareClosed.crash, c.bareOpen.crash, c.bareLow.crash), survived(c.full.crash, c.fullOpen.crash, c.fullLow.crash), survived(c.noDashboard.crash), survived(c.core.crash, c.coreOpen.crash, c.coreLow.crash), '', '', 'yes', met([...ours, c.fullOpen, c.coreOpen, c.fullLow, c.coreLow].every((o) => !o.crash))],
  ];

  // (m), the peer broker, and (aj), the durable floor, beside (a) in the rows where the same client measures them
  const m = c.mosquitto.run;
  const aj = c.floor.run;
  const label = (r: Array<string | number>) => String(r[0]);
  const brokerColumn = (run: DriveResult<unknown>, crash: string | null) => {
    const byIndex: Record<number, string> = { 0: num(receivedPerSecond(run)), 2: num(acksPerSecond(run)) };
    const byLabel: Array<[RegExp, string]> = [
      [/^PUBACK ms p50 \/ p99 \/ max, closed loop/, triple(latencyOf(run))],
      [/^server RSS max/, rss(run, 'server')],
      [/^server CPU, % of one core/, cpu(run, 'server')],
      [/^server CPU µs per PUBACK \(all threads/, usPer(run)],
      [/^subscriber backlog/, backlogCell(run)],
      [/^load client CPU %/, `${cpu(run, 'load client')} | ${cpu(run, 'subscriber')}`],
      [/^machine busy/, machine(run)],
      [/^server survived/, survived(crash)],
    ];
    return (r: Array<string | number>, i: number) => byIndex[i] ?? byLabel.find(([re]) => re.test(label(r)))?.[1] ?? '';
  };
  const mCell = brokerColumn(m, c.mosquitto.crash);
  const ajCell = brokerColumn(aj, c.floor.crash);
  const withPeer = rows.map((r, i) => [r[0], r[1], mCell(r, i), ajCell(r, i), ...r.slice(2)]);
  // (b) against the floor: how much of what a durable broker can do on this machine our code keeps
  const ajRate = receivedPerSecond(aj);
  withPeer.push([
    '(b) and (b0) against the durable floor (aj): events/s ÷ (aj)\'s · server CPU µs per PUBACK ÷ (aj)\'s',
    '', '', '1.00× · 1.00×',
    `${ratio(bRate, ajRate)} · ${ratio(Number(usPer(c.full.run)), Number(usPer(aj)))}`, '',
    `${ratio(c.core.confirmedPerSecond, ajRate)} · ${ratio(Number(usPer(c.core.run)), Number(usPer(aj)))}`,
    '', '', '', '',
  ]);

  const crashes = [
    ['(a) closed loop', c.bareClosed.crash],
    ['(a) closed loop, short window', c.steady.short.crash],
    ['(m) Mosquitto closed loop', c.mosquitto.crash],
    ['(aj) Aedes + journal closed loop', c.floor.crash],
    ['(aj) ladder, group ack', c.ladder.none.crash],
    ['(aj) ladder, append-only log', c.ladder.log.crash],
    ['(a) open loop', c.bareOpen.crash],
    ['(b) closed loop', c.full.crash],
    ['(b−) closed loop', c.noDashboard.crash],
    ['(b0) closed loop', c.core.crash],
    ['(b) open loop', c.fullOpen.crash],
    ['(b0) open loop', c.coreOpen.crash],
    ['(a) open loop, lower rate', c.bareLow.crash],
    ['(b) open loop, lower rate', c.fullLow.crash],
    ['(b0) open loop, lower rate', c.coreLow.crash],
  ].filter(([, crash]) => crash);
  const allErrors = [a, c.steady.short.run, m, aj, aOpen, c.bareLow.run, ...ours.map((o) => o.run), c.fullOpen.run, c.coreOpen.run, c.fullLow.run, c.coreLow.run].flatMap((r) => r.publisher.errors).slice(0, 3);
  const notes = [
    `Machine: ${cpus().length} cores shared by everything — the server, influxd, the load clients (own processes) and whatever else runs; load average before ${c.loadBefore}, after ${c.loadAfter}. "Used outside this benchmark" is the CPU the rest of the machine took during the window; "waited for a CPU" is Linux's CPU pressure (PSI "some"): the share of the window in which a runnable task had no core — above a few % the numbers measure the machine's contention as much as the product.`,
    `Load: ${DEVICES} device connections from one client process, each keeping ${IN_FLIGHT} QoS 1 publishes in flight (closed loop); payloads ~200 B (checkin / camera / vehicle in turn, unique ids); warm-up ${c.warmupMs / 1000} s excluded; window ${c.windowMs / 1000} s. (a) and (b) have one subscriber in its own process: in (a) on the device topics, in (b) a logged-in dashboard on live2/+ (the web's feed: one message per commit group and kind, events counted). (b−): no dashboard. (b0): the server with \`modules: []\` (no alerts, patrol, vehicles, wall screen), no dashboard. Each run gets a fresh broker / server / influxd.`,
    '"Confirmed in InfluxDB" = how far the forwarder\'s persisted checkpoint (meta forwarder.influx.seq) moved during the window; it moves only after InfluxDB answered a write. After the drain, InfluxDB\'s own count (count(id) over the measurements) must equal the journal\'s rows, which must lie between the PUBACKs the client saw and the publishes it sent (a client that stops waiting leaves events stored but unacknowledged; more rows than sends would be duplicates).',
    `Open loop: ${OPEN_RATE.toLocaleString('en-US')} (and ${LOW_RATE.toLocaleString('en-US')}) events/s offered over the ${DEVICES} connections whatever the acks do; latency counts from when each publish was due, so a stalled server counts in full; a connection with 2,000 unacknowledged publishes skips sends (counted).`,
    `(c) writes (b)'s journal rows converted the forwarder's way (eventToPoint → line protocol), batches of ${DEFAULT_BATCH_SIZE} sent through node-influx's request pool (precision ns) into fresh databases of (b)'s influxd after (b) stopped; it ends when the rows run out. Batch p50/p99 ${w1 ? `${ms(w1.batchP50)}/${ms(w1.batchP99)}` : '—'} ms (1 writer), ${wN ? `${ms(wN.batchP50)}/${ms(wN.batchP99)}` : '—'} ms (${PARALLEL_WRITERS} writers).${[...(w1?.errors ?? []), ...(wN?.errors ?? [])].length ? ` Errors: ${[...(w1?.errors ?? []), ...(wN?.errors ?? [])].slice(0, 3).join('; ')}` : ''}`,
    `Subscriber backlog: in the closed loop with a subscriber ((a), (m), (b)), a connection whose PUBACK arrives sends its next publish only while fewer than ${BACKLOG.toLocaleString('en-US')} publishes are sent and not yet received by the subscriber (its count reaches the load client every 10 ms through the runner); otherwise it waits. So the loop runs at the rate the broker *and* its subscriber sustain, a steady state whatever the window — unbounded, bare Aedes acknowledged far faster than it delivered and queued the difference for the subscriber, and its rate fell as the window grew (~44k/s over 10 s, 12–16k/s over 60 s on this machine). (b−) and (b0) have no subscriber and stay PUBACK-bound.`,
    `(m) Mosquitto ${'2.0'} (Debian's /usr/sbin/mosquitto, one thread): its defaults — in-memory persistence, so its PUBACK promises less than (b)'s journal commit — with anonymous clients on a private loopback listener and no queue limit for the online subscriber (max_queued_messages 0), the same load client and subscriber as (a).`,
    `PUBACKs per second of the window — (a): ${a.publisher.ackedPerSecond.join(' ')}`,
    `PUBACKs per second of the window — (m): ${m.publisher.ackedPerSecond.join(' ')}`,
    `PUBACKs per second of the window — (aj): ${aj.publisher.ackedPerSecond.join(' ')}`,
    (() => {
      // the ladder from (a) down to (aj): where the floor's cost goes
      const rung = (name: string, run: DriveResult<unknown>) => `${name} ${num(receivedPerSecond(run))}/s = ${ratio(receivedPerSecond(run), aRate)} of (a), ${usPer(run)} µs CPU per PUBACK = ${ratio(Number(usPer(run)), Number(usPer(a)))}`;
      return `The floor's ladder (same broker, client and subscriber as (a) and (aj), one window each): ${rung('(a) bare Aedes', a)}; ${rung('+ parse and serialise each publish, acknowledge with its group on the next turn, no disk', c.ladder.none.run)}; ${rung('+ one write and one fdatasync per group to an append-only file (bench/load/append-log.ts; dedupe in memory)', c.ladder.log.run)}; ${rung('(aj) our SQLite journal instead', aj)}. The first rung is the least any broker that reads its payloads and acknowledges after a commit does; the second the cheapest durable journal one could build on this disk.`;
    })(),
    `(aj) the durable floor: the same bare Aedes and client as (a), but each publish is parsed (id, ts) and committed by Smart Estate's own Journal (group commit, SQLite synchronous FULL, the (device, id) dedupe index) before its PUBACK — what any broker that acknowledges only durable events pays on this machine, with nothing else of ours (no validation, enrichment, modules, live fan-out or InfluxDB forwarding). (b) / (aj) is the share of the durable floor our code keeps.`,
    ...ours.map((o, i) => `PUBACKs per second of the window — ${[FULL, NO_DASHBOARD, CORE][i].label}: ${o.run.publisher.ackedPerSecond.join(' ')}`),
    `Windows of (b), (b−), (b0) in the estate's local time — closed loop: ${c.full.localWindow}, ${c.noDashboard.localWindow}, ${c.core.localWindow}; open loop: ${c.fullOpen.localWindow}, ${c.coreOpen.localWindow}. The demo estate's patrol route has rounds on that clock (${(GARDEN_PATROL.schedules ?? []).map((r) => `${r.start}–${r.end} every ${r.everyMin} min`).join(', ')}): while a round is open every check-in re-evaluates it, so (b) and (b−) cost more then; compare runs at like times.`,
    ...crashes.map(([what, crash]) => `**${what}: the server process died** — ${crash}`),
    ...allErrors.map((e) => `load client: ${e}`),
    ...(c.full.metricLines.length ? [`/metrics of (b) at the window's end: ${c.full.metricLines.join('; ')}`] : []),
    `Per-event cost on the server's main thread, stage by stage (bench/load/stage-costs.ts: the server's own functions in-process, best of 5 rounds of 20,000 events; at (a)'s ${num(aRate)}/s one core has ${(1e6 / aRate).toFixed(0)} µs per event for all of it, MQTT parsing and socket writes included):`,
    ...c.stages.map((st) => `\`${st.us.toFixed(1).padStart(5)} µs  ${st.stage}\``),
    `\`${c.stages.filter((st) => !st.stage.startsWith('journal body')).reduce((sum, st) => sum + st.us, 0).toFixed(1).padStart(5)} µs  total (the journal body is inside the commit line)\``,
    ...c.profiles.flatMap((p) => [
      `CPU profile of the server, ${p.label} closed loop (${Math.min(c.windowMs, PROFILE_MS) / 1000} s window, ${num(p.confirmedPerSecond)} events/s confirmed while profiled)${p.file ? `; ${p.file} opens in Chrome DevTools → Performance` : ''}:`,
      ...p.lines.map((l) => `\`${l}\``),
    ]),
  ];
  return {
    title: `Ingest: ${DEVICES} devices, QoS 1 — (a) bare Aedes, (b) Smart Estate → InfluxDB, (c) bare InfluxDB writes`,
    columns: ['measure', '(a) bare Aedes', '(m) Mosquitto 2.0', '(aj) Aedes + journal', '(b) Smart Estate', '(b−) no dashboard', '(b0) core, no modules', '(c) bare InfluxDB', 'b / a', 'goal', 'met'],
    rows: withPeer,
    notes,
  };
}

/** For experiments (.tmp scripts): the pieces runIngest is made of. */
export const ingestInternals = { withOurs, measureOurs, withBareAedes, withMosquitto, BACKLOG, variants: { FULL, NO_DASHBOARD, CORE } };
