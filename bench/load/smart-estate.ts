// The product under test: the real `smart-estate serve` command in a child process, on free loopback
// ports, with a temp data dir provisioned beforehand straight into its SQLite file (the demo estate
// 花园小区 for realistic enrichment — checkpoints, 33 building footprints — plus the load devices and
// a dashboard operator with a session). Its journal and forwarder checkpoint can be read from the
// same file while it runs (WAL: readers never block the writer).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { dbPath, openDb } from '../../server/store/db.ts';
import { addDevice } from '../../server/store/devices.ts';
import { addUser, login } from '../../server/store/users.ts';
import { listBuildings } from '../../server/store/estates.ts';
import { importEstate, readEstateFile } from '../../server/estate/import.ts';
import { DEMO_ESTATE_FILE } from '../../server/estate/demo.ts';
import { CHECKPOINT_KEY } from '../../server/forwarder/forwarder.ts';
import { freePort } from '../../tests/support/influxd.ts';
import { removeOnExit, track } from './children.ts';
import { DEVICE_CLASS_OF, type LoadKind } from './payloads.ts';
import type { LoadDevice } from './publisher.ts';

const CLI = fileURLToPath(new URL('../../bin/smart-estate.js', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
const CORE = fileURLToPath(new URL('./core-server.ts', import.meta.url));
const CLI_TS = fileURLToPath(new URL('../../server/cli.ts', import.meta.url));
/** the line `serve` (or core-server.ts) writes once it listens */
const LISTENING = /smart-estate: HTTP \S+, MQTT \d+|MQTT tcp port \d+/;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;

export interface SmartEstateOptions {
  /** InfluxDB URL with the database in the path; null = embedded */
  influxUrl: string | null;
  /** device i publishes kinds[i % kinds.length] */
  devices: number;
  kinds: LoadKind[];
  /** extra node flags for the server (e.g. --cpu-prof) */
  nodeArgs?: string[];
  /** 'all' = `smart-estate serve` as shipped; 'none' = the same server without estate modules */
  modules?: 'all' | 'none';
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * How `serve` runs: 'bin' = bin/smart-estate.js as shipped (compiled dist/server when built and
   * current, else tsx); 'tsx' = the TypeScript sources through tsx (bin/run-ts.js server/cli.ts).
   */
  runner?: 'bin' | 'tsx';
  /** extra environment for `serve` (e.g. SE_REDIS_URL and SE_NODE_ID for a cluster node) */
  env?: Record<string, string>;
  /** load device ids start with this (default `load`): distinct devices on each cluster node */
  devicePrefix?: string;
}

export interface SmartEstateProcess {
  pid: number;
  mqttPort: number;
  httpPort: number;
  dataDir: string;
  estate: string;
  /** the estate's IANA time zone (its schedules, e.g. patrol rounds, run on local time) */
  timeZone: string;
  devices: LoadDevice[];
  /** an operator of the estate: MQTT username + session token */
  dashboard: { username: string; password: string };
  /** the journal as it stands: max seq, forwarder checkpoint, age of the oldest unforwarded event */
  journal(): JournalState;
  /** rows in the journal (a count: not for every second) */
  journalRows(): number;
  /** Prometheus text from /metrics ('' if it fails) */
  metrics(): Promise<string>;
  /** the sum of a metric's samples from /metrics (NaN when absent) */
  metric(name: string): Promise<number>;
  /** ms from spawn until the server said it listens (HTTP and MQTT bound) */
  startMs: number;
  /** the last lines the server wrote */
  output(): string;
  /** how the process ended ('code 1', 'SIGKILL' …), or null while it runs */
  exited(): string | null;
  /** SIGTERM (graceful: flushes), SIGKILL after a minute; resolves with how it ended */
  stop(): Promise<string>;
  /** stop() if running, then remove the data dir */
  dispose(): Promise<void>;
}

export interface JournalState {
  maxSeq: number;
  checkpoint: number;
  lagEvents: number;
  /** now − rx of the oldest event not yet in InfluxDB (s) */
  lagSeconds: number;
  deadLetters: number;
}

export async function startSmartEstate(options: SmartEstateOptions): Promise<SmartEstateProcess> {
  const dataDir = removeOnExit(mkdtempSync(join(tmpdir(), 'se-bench-')));
  let child: ChildProcess | null = null;
  let reader: Database.Database | null = null;
  try {
    const provisioned = provision(dataDir, options);
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const entry = options.modules === 'none' ? [RUN_TS, CORE] : options.runner === 'tsx' ? [RUN_TS, CLI_TS, 'serve'] : [CLI, 'serve'];
    const spawnedAt = performance.now();
    let listeningAt = NaN;
    const proc = track(
      spawn(process.execPath, [...(options.nodeArgs ?? process.env.SE_BENCH_NODEARGS?.split(' ').filter(Boolean) ?? []), ...entry], {
        env: {
          ...process.env,
          SE_DATA_DIR: dataDir,
          SE_HOST: '127.0.0.1',
          SE_HTTP_PORT: String(httpPort),
          SE_MQTT_PORT: String(mqttPort),
          SE_ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
          SE_SYNCHRONOUS: options.synchronous ?? 'FULL',
          ...(options.influxUrl ? { SE_INFLUX_URL: options.influxUrl } : { SE_INFLUX_URL: '' }),
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    child = proc;
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d.toString()).slice(-8000);
      if (Number.isNaN(listeningAt) && LISTENING.test(out)) listeningAt = performance.now();
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    let ended: string | null = null;
    const exited = new Promise<string>((resolve) =>
      proc.once('exit', (code, signal) => {
        ended = signal ?? `code ${code}`;
        resolve(ended);
      }),
    );

    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Number.isNaN(listeningAt)) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`smart-estate serve exited at start:\n${out}`);
      if (Date.now() > deadline) throw new Error(`smart-estate serve did not start within ${START_TIMEOUT_MS} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    reader = new Database(dbPath(dataDir), { readonly: true });
    const maxSeq = reader.prepare('SELECT max(seq) AS seq FROM events');
    const meta = reader.prepare('SELECT value FROM meta WHERE key = ?');
    const oldest = reader.prepare('SELECT rx FROM events WHERE seq > ? ORDER BY seq LIMIT 1');
    const dead = reader.prepare('SELECT count(*) AS n FROM dead_letters');
    const rows = reader.prepare('SELECT count(*) AS n FROM events');
    const db = reader;

    const metrics = async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(5000) });
        return await res.text();
      } catch {
        return '';
      }
    };
    let stopped: Promise<string> | null = null;
    const stop = () => {
      stopped ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const how = await exited;
        clearTimeout(timer);
        return how;
      })();
      return stopped;
    };
    return {
      pid: proc.pid!,
      mqttPort,
      httpPort,
      dataDir,
      ...provisioned,
      journal() {
        const seq = ((maxSeq.get() as { seq: number | null }).seq ?? 0) as number;
        const checkpoint = Number((meta.get(CHECKPOINT_KEY) as { value: string } | undefined)?.value ?? 0);
        const lagEvents = Math.max(0, seq - checkpoint);
        const rx = lagEvents ? (oldest.get(checkpoint) as { rx: number } | undefined)?.rx : undefined;
        return { maxSeq: seq, checkpoint, lagEvents, lagSeconds: rx ? (Date.now() - rx) / 1000 : 0, deadLetters: (dead.get() as { n: number }).n };
      },
      journalRows: () => (rows.get() as { n: number }).n,
      async metric(name) {
        const text = await metrics();
        const values = text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
        return values.length ? values.reduce((a, b) => a + b, 0) : NaN;
      },
      metrics,
      startMs: listeningAt - spawnedAt,
      output: () => out,
      exited: () => ended,
      stop,
      async dispose() {
        await stop();
        if (db.open) db.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    reader?.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Demo estate + `options.devices` load devices (placed at building centres) + one dashboard operator. */
function provision(dataDir: string, options: SmartEstateOptions): Pick<SmartEstateProcess, 'estate' | 'timeZone' | 'devices' | 'dashboard'> {
  const db = openDb(dbPath(dataDir), { synchronous: 'NORMAL' });
  try {
    const parsed = readEstateFile(DEMO_ESTATE_FILE);
    const estate = parsed.estate.id;
    return db.transaction(() => {
      importEstate(db, parsed);
      const centres = listBuildings(db, estate).map((b) => b.center);
      const width = String(options.devices - 1).length;
      const devices: LoadDevice[] = Array.from({ length: options.devices }, (_, i) => {
        const kind = options.kinds[i % options.kinds.length];
        const id = `${options.devicePrefix ?? 'load'}-${kind}-${String(i).padStart(width, '0')}`;
        const [x, y] = centres[i % centres.length] ?? [null, null];
        const token = addDevice(db, { estate, id, kind: DEVICE_CLASS_OF[kind], x, y });
        return { id, estate, kind, token };
      });
      const password = randomBytes(12).toString('base64url');
      addUser(db, { name: 'bench-dashboard', role: 'operator', password, estate });
      const session = login(db, 'bench-dashboard', password);
      if (!session) throw new Error('could not log the dashboard operator in');
      return { estate, timeZone: parsed.estate.timezone, devices, dashboard: { username: 'bench-dashboard', password: session.token } };
    })();
  } finally {
    db.close();
  }
}
