// The server compiled (dist/server, esbuild: what `smart-estate serve` runs) against the same
// TypeScript sources through tsx (what it ran before #16), started the same way in the same run:
// start-up time (spawn → the line `serve` writes once HTTP and MQTT listen), RSS just after start and
// after a fixed load, and the server's CPU time per acknowledged event under that load (utime + stime
// of every thread from /proc over the measured window ÷ PUBACKs in it). Embedded storage (no
// InfluxDB), so the server is the only busy process besides the load client.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCase, BenchOptions, BenchResult } from '../types.ts';
import { ProcMonitor, loadAverage, readProc } from '../load/proc.ts';
import { startSmartEstate, type SmartEstateOptions } from '../load/smart-estate.ts';
import { drive } from '../load/drive.ts';
import { EVENT_MIX } from '../load/payloads.ts';
import { Histogram, mb, ms, ratio, sleep } from '../load/stats.ts';

const BUILD = fileURLToPath(new URL('../../scripts/build-server.mjs', import.meta.url));
const DEVICES = 200;
/** QoS 1 events/s offered in total (open loop), well inside what one core takes */
const RATE = 2_000;
const WARMUP_MS = 3_000;
/** settle time after the listening line before "RSS after start" is read */
const SETTLE_MS = 1_000;

type Runner = NonNullable<SmartEstateOptions['runner']>;
const RUNNERS: Array<{ runner: Runner; label: string }> = [
  { runner: 'bin', label: 'compiled (dist/server)' },
  { runner: 'tsx', label: 'tsx (server/*.ts)' },
];

interface Figures {
  startMs: number[];
  rssStartKb: number[];
  rssAfterLoadKb: number;
  rssMaxKb: number;
  cpuUsPerEvent: number;
  acked: number;
  windowMs: number;
  p99Us: number;
}

export const compiledCase: BenchCase = {
  name: 'compiled',
  description: `the server compiled (dist/server) vs. through tsx: start-up, RSS, CPU per event at ${RATE.toLocaleString('en-US')} QoS 1 events/s`,
  run: runCompiled,
};

async function runCompiled({ seconds, quick, log }: BenchOptions): Promise<BenchResult> {
  // A fresh build, so bin/smart-estate.js runs dist/server and not its tsx fallback.
  execFileSync(process.execPath, [BUILD], { stdio: ['ignore', 'ignore', 'inherit'] });
  const starts = quick ? 3 : 5;
  const figures = new Map<Runner, Figures>();
  for (const { runner } of RUNNERS) figures.set(runner, { startMs: [], rssStartKb: [], rssAfterLoadKb: NaN, rssMaxKb: NaN, cpuUsPerEvent: NaN, acked: 0, windowMs: 0, p99Us: NaN });
  const loadBefore = loadAverage();

  // Start-up: alternate the two, so a machine that gets busier halfway hits both alike.
  for (let i = 0; i < starts; i++) {
    for (const { runner, label } of RUNNERS) {
      const server = await startSmartEstate({ influxUrl: null, devices: DEVICES, kinds: EVENT_MIX, runner });
      try {
        check(runner, server.output());
        await sleep(SETTLE_MS);
        const f = figures.get(runner)!;
        f.startMs.push(server.startMs);
        f.rssStartKb.push(readProc(server.pid)?.rssKb ?? NaN);
        log(`${label}: start ${i + 1}/${starts} listening after ${server.startMs.toFixed(0)} ms`);
      } finally {
        await server.dispose();
      }
    }
  }

  // The same fixed load against each.
  const monitor = new ProcMonitor();
  try {
    for (const { runner, label } of RUNNERS) {
      const server = await startSmartEstate({ influxUrl: null, devices: DEVICES, kinds: EVENT_MIX, runner });
      try {
        check(runner, server.output());
        monitor.watch('server', server.pid);
        const run = await drive({
          name: label, host: '127.0.0.1', port: server.mqttPort, devices: server.devices, mode: 'open', rate: RATE,
          tag: `compiled-${runner}-${Date.now()}`, warmupMs: WARMUP_MS, windowMs: seconds * 1000, monitor, log,
        });
        const s = run.procs.server;
        const f = figures.get(runner)!;
        f.acked = run.publisher.windowAcked;
        f.windowMs = run.publisher.windowMs;
        f.cpuUsPerEvent = ((s.cpuPct / 100) * (run.publisher.windowMs / 1000) * 1e6) / Math.max(1, run.publisher.windowAcked);
        f.rssAfterLoadKb = s.rssEndKb;
        f.rssMaxKb = s.rssMaxKb;
        f.p99Us = Histogram.from(run.publisher.latency).quantile(0.99);
        if (server.exited()) throw new Error(`${label} exited during the load: ${server.exited()}`);
      } finally {
        monitor.unwatch('server');
        await server.dispose();
      }
    }
  } finally {
    monitor.stop();
  }

  const c = figures.get('bin')!;
  const t = figures.get('tsx')!;
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const range = (v: number[]) => `${median(v).toFixed(0)} (${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)})`;
  const mbs = (v: number[]) => `${mb(median(v))} (${mb(Math.min(...v))}–${mb(Math.max(...v))})`;
  const row = (f: Figures): Array<string | number> => [
    range(f.startMs),
    mbs(f.rssStartKb),
    `${mb(f.rssAfterLoadKb)} / ${mb(f.rssMaxKb)}`,
    f.cpuUsPerEvent.toFixed(1),
    `${f.acked.toLocaleString('en-US')} in ${(f.windowMs / 1000).toFixed(0)} s`,
    ms(f.p99Us),
  ];
  return {
    title: `Compiled server vs. tsx — ${starts} starts each, then ${RATE.toLocaleString('en-US')} QoS 1 events/s from ${DEVICES} devices for ${seconds} s (embedded storage)`,
    columns: ['server', `start-up ms, median (min–max) of ${starts}`, 'RSS after start MB, median (min–max)', 'RSS after load / peak MB', 'server CPU µs per acked event', 'PUBACKs in window', 'PUBACK p99 ms'],
    rows: [
      [RUNNERS[0].label, ...row(c)],
      [RUNNERS[1].label, ...row(t)],
      ['compiled ÷ tsx', ratio(median(c.startMs), median(t.startMs)), ratio(median(c.rssStartKb), median(t.rssStartKb)), ratio(c.rssAfterLoadKb, t.rssAfterLoadKb), ratio(c.cpuUsPerEvent, t.cpuUsPerEvent), '', ratio(c.p99Us, t.p99Us)],
    ],
    notes: [
      'start-up = spawn of `node bin/smart-estate.js serve` (compiled) or `node bin/run-ts.js server/cli.ts serve` (tsx) → its "smart-estate: HTTP …, MQTT …" line (written once both listen); each start provisions a fresh data dir beforehand (not timed); tsx keeps its transform cache between runs (in the OS temp dir), so its figure is the warm-cache one',
      `RSS after start is read ${SETTLE_MS / 1000} s after that line; server CPU = utime + stime of all its threads (/proc/<pid>/stat) over the window ÷ PUBACKs in it; the load client runs in its own process`,
      `load average before / after: ${loadBefore} / ${loadAverage()}${quick ? ' (--quick)' : ''}`,
    ],
  };
}

/** a "compiled" server that fell back to tsx would make the comparison meaningless */
function check(runner: Runner, output: string): void {
  if (runner === 'bin' && /through tsx/.test(output)) throw new Error(`bin/smart-estate.js did not run dist/server: ${output.slice(-500)}`);
}
