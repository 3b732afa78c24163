// The fuzz case, the long run of tests/broker/fuzz.test.ts: `smart-estate serve` (embedded, every
// module on) with good devices publishing QoS 1 as fast as they are acknowledged (the ingest case's
// load client, closed loop), measured twice in one run: (1) alone, (2) while the fuzzer (its own
// process: bench/load/fuzzer.ts) throws generated and mutated MQTT packets from many raw connections
// and malformed HTTP requests at the same server. Reports packets tried, crashes, the good devices'
// throughput with and without the fuzzer, the journal against what was acknowledged, and RSS.
import Database from 'better-sqlite3';
import { cpus } from 'node:os';
import type { BenchCase, BenchOptions, BenchResult } from '../types.ts';
import { dbPath } from '../../server/store/db.ts';
import { LoadChild, crashSummary } from '../load/children.ts';
import { drive } from '../load/drive.ts';
import type { FuzzReport } from '../load/fuzzer.ts';
import { ProcMonitor, loadAverage, readProc } from '../load/proc.ts';
import { startSmartEstate } from '../load/smart-estate.ts';
import { Histogram, mb, ms, ratio } from '../load/stats.ts';

const GOOD_DEVICES = 20;
const IN_FLIGHT = 10;
const FUZZ_IDENTITIES = 8;
const FUZZ_CONNECTIONS = 100;
const SEED = 20261202;

export const fuzzCase: BenchCase = {
  name: 'fuzz',
  description: `${GOOD_DEVICES} good devices publishing QoS 1, alone and while ${FUZZ_CONNECTIONS} fuzzing MQTT connections and an HTTP fuzzer hit the same server`,
  run: runFuzz,
};

async function runFuzz({ seconds, log }: BenchOptions): Promise<BenchResult> {
  const windowMs = seconds * 1000;
  const warmupMs = Math.min(5000, windowMs / 2);
  const monitor = new ProcMonitor();
  const loadBefore = loadAverage();
  const server = await startSmartEstate({ influxUrl: null, devices: GOOD_DEVICES + FUZZ_IDENTITIES, kinds: ['vehicle', 'checkin', 'camera'] });
  const fuzzer = new LoadChild('fuzzer', './fuzzer.ts');
  try {
    monitor.watch('server', server.pid);
    const good = server.devices.slice(0, GOOD_DEVICES);
    const identities = [
      ...server.devices.slice(GOOD_DEVICES).map((d) => ({ username: d.id, password: d.token!, prefix: `estates/${d.estate}/devices/${d.id}/` })),
      { username: server.dashboard.username, password: server.dashboard.password },
    ];
    const common = { host: '127.0.0.1', port: server.mqttPort, devices: good, mode: 'closed' as const, inFlight: IN_FLIGHT, warmupMs, windowMs, monitor, log };

    log(`(1) ${GOOD_DEVICES} good devices alone`);
    const alone = await drive({ ...common, name: '(1) alone', tag: 'alone' });
    const rssBeforeKb = readProc(server.pid)?.rssKb ?? NaN;

    log(`(2) the same, with the fuzzer (${FUZZ_CONNECTIONS} raw MQTT connections, HTTP beside them)`);
    await fuzzer.ready();
    monitor.watch('fuzzer', fuzzer.pid);
    const fuzzing = fuzzer.request<FuzzReport>(
      {
        type: 'fuzz',
        mqtt: { host: '127.0.0.1', port: server.mqttPort, seed: SEED, connections: FUZZ_CONNECTIONS, packets: Number.MAX_SAFE_INTEGER, maxMs: warmupMs + windowMs + 10_000, identities, protectedClientIds: good.map((d) => d.id) },
        http: { host: '127.0.0.1', port: server.httpPort, seed: SEED, requests: 200, concurrency: 8, estate: server.estate, device: { id: identities[0].username, token: identities[0].password }, adminToken: server.dashboard.password },
      },
      'fuzzed',
      warmupMs + windowMs + 180_000,
    );
    fuzzing.catch(() => {}); // awaited below; if the drive fails first, its error is the one to report
    const loud = await drive({ ...common, name: '(2) with the fuzzer', tag: 'fuzzed' });
    const fuzz = await fuzzing;
    const rssPeakKb = loud.procs.server?.rssMaxKb ?? NaN;
    const rssAfterKb = readProc(server.pid)?.rssKb ?? NaN;
    const crash = server.exited() ? `${server.exited()}: ${crashSummary(server.output())}` : null;

    const db = new Database(dbPath(server.dataDir), { readonly: true });
    const stored = (db.prepare(`SELECT count(*) AS n FROM events WHERE device IN (${good.map(() => '?').join(',')})`).get(...good.map((d) => d.id)) as { n: number }).n;
    db.close();
    const acked = alone.publisher.totalAcked + loud.publisher.totalAcked;
    const sent = alone.publisher.totalSent + loud.publisher.totalSent;

    const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(0));
    const lat = (r: typeof alone) => {
      const h = Histogram.from(r.publisher.latency);
      return h.count ? `${ms(h.quantile(0.5))} / ${ms(h.quantile(0.99))}` : '—';
    };
    const rate = (r: typeof alone) => r.publisher.windowAcked / (r.publisher.windowMs / 1000);
    const status = Object.entries(fuzz.http.byStatus).sort().map(([s, n]) => `${s}: ${n}`).join(', ');
    const fiveXX = Object.entries(fuzz.http.byStatus).filter(([s]) => Number(s) >= 500 || s === '0').reduce((a, [, n]) => a + n, 0);
    const rows: Array<Array<string | number>> = [
      ['good devices: events acknowledged/s (closed loop)', rate(alone).toFixed(0), rate(loud).toFixed(0), ratio(rate(loud), rate(alone))],
      ['server CPU, % of one core', pct(alone.procs.server?.cpuPct), pct(loud.procs.server?.cpuPct), ''],
      ['good devices\' load client CPU / fuzzer CPU, % of one core', `${pct(alone.procs['load client']?.cpuPct)} / —`, `${pct(loud.procs['load client']?.cpuPct)} / ${pct(loud.procs.fuzzer?.cpuPct)}`, ''],
      ['machine busy % (of 200) / outside this benchmark %', `${pct(alone.procs.machine?.cpuPct)} / ${pct(alone.procs.others?.cpuPct)}`, `${pct(loud.procs.machine?.cpuPct)} / ${pct(loud.procs.others?.cpuPct)}`, ''],
      ['good devices: PUBACK ms p50 / p99', lat(alone), lat(loud), ''],
      ['MQTT fuzz packets tried (connections)', '', `${fuzz.mqtt.packets.toLocaleString('en-US')} (${fuzz.mqtt.connections.toLocaleString('en-US')})`, ''],
      ['MQTT fuzz bytes, MB / sessions accepted / closed by the server', '', `${(fuzz.mqtt.bytes / 2 ** 20).toFixed(1)} / ${fuzz.mqtt.accepted} / ${fuzz.mqtt.closedByServer}`, ''],
      ['HTTP fuzz requests (by status)', '', `${fuzz.http.requests.toLocaleString('en-US')} (${status})`, ''],
      ['HTTP answers breaking the contract (5xx, no answer, non-JSON refusal, HTML)', '', `${fiveXX} 5xx/none, ${fuzz.http.bad.length} bad`, ''],
      ['server crashes', '0', crash ? `1: ${crash}` : '0', ''],
      ['good events in the journal / acknowledged / sent (both phases)', '', `${stored.toLocaleString('en-US')} / ${acked.toLocaleString('en-US')} / ${sent.toLocaleString('en-US')}`, stored >= acked && stored <= sent ? 'ok' : 'LOST'],
      ['server RSS before the fuzzer / peak in window (2) / after, MB', '', `${mb(rssBeforeKb)} / ${mb(rssPeakKb)} / ${mb(rssAfterKb)}`, ''],
    ];
    return {
      title: `Fuzz: ${GOOD_DEVICES} good devices, (1) alone and (2) under the fuzzer`,
      columns: ['measure', '(1) alone', '(2) with the fuzzer', '2 / 1'],
      rows,
      notes: [
        `Machine: ${cpus().length} cores shared by the server, the load client, the fuzzer and whatever else runs; load average before ${loadBefore}, after ${loadAverage()}.`,
        `Windows of ${seconds} s after ${warmupMs / 1000} s warm-up each; the fuzzer runs from the warm-up of (2) to its end. Seed ${SEED}: the same bytes every run.`,
        'Fuzz: mqtt-packet-generated CONNECT/PUBLISH/SUBSCRIBE/… with random topics, flags and JSON, then mutated (remaining lengths, bad UTF-8, flags, truncation, flipped bytes, noise) and written in random fragments; HTTP: every API route with bad JSON, wrong types, huge bodies, odd content types and encodings, odd paths, bad authorisation, malformed HTTP over raw sockets.',
        ...fuzz.http.bad.slice(0, 5).map((b) => `bad HTTP answer: ${b}`),
        ...[...alone.publisher.errors, ...loud.publisher.errors].slice(0, 3).map((e) => `load client: ${e}`),
      ],
    };
  } finally {
    monitor.stop();
    await fuzzer.close();
    await server.dispose();
  }
}
