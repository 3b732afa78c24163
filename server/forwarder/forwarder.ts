// Journal → InfluxDB. Reads the rows after a persisted checkpoint in seq order, writes them as one
// batch, and moves the checkpoint only after InfluxDB accepted the batch. Nothing is dropped:
// transient failures (network, timeouts, 5xx, auth) are retried with capped exponential backoff
// and no limit; points InfluxDB refuses (400, partial writes) are found by bisecting the batch and
// kept in `dead_letters` with the reason, while the rest flows on. Points are idempotent
// (see influx/points.ts), so re-writing a batch after a crash or retry never duplicates.
import type { InfluxDB } from 'influx';
import type { EstateEvent } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { getMeta, setMeta } from '../store/db.ts';
import type { Log } from '../log.ts';
import { ensureDatabase, writeLines } from '../influx/connection.ts';
import { eventToPoint, toLineProtocol, type PointSlot } from '../influx/points.ts';
import { classifyWriteError, type WriteFailure } from './write-errors.ts';

export const CHECKPOINT_KEY = 'forwarder.influx.seq';
/**
 * Rows per write. A batch is converted in slices (see CONVERT_SLICE) and sent as one body of line
 * protocol; 5,000 rows a write gave no clear gain over 1,000 with influxd on the same 2-core box.
 */
export const DEFAULT_BATCH_SIZE = 1000;
/**
 * At light load, wait this long after a write before the next one (unless a batch is full or a
 * drain waits), so that a write carries what the journal committed meanwhile instead of the few rows
 * of one group commit. InfluxDB pays per request: at 5,000 events/s one write per group commit
 * (~100 a second of ~45 points) cost influxd and this thread about as much CPU as 15,000 events/s
 * in full batches, CPU the main thread then waited for (measured here; see docs/architecture.md).
 */
export const DEFAULT_LINGER_MS = 100;
/**
 * At very light load — the last write carried fewer than LIGHT_WRITE_ROWS rows, e.g. 10,000 devices
 * heartbeating every 30 s (~330 events/s) — the wait grows to this: one write of ~170 points every
 * half second instead of ten of ~33, each an HTTP request to InfluxDB (~1.5 % of a core in this
 * thread measured while holding 10,000 devices, docs/architecture.md). InfluxDB sees such events at
 * most this much later; a drain or a full batch never waits.
 */
export const DEFAULT_LIGHT_LINGER_MS = 500;
export const LIGHT_WRITE_ROWS = 200;
/** Rows converted between two turns of the event loop. */
const CONVERT_SLICE = 250;

export interface ForwarderOptions {
  /** Rows per write (default DEFAULT_BATCH_SIZE). */
  batchSize?: number;
  /** With no notify(), look for new rows this often (ms, default 1000). */
  idleMs?: number;
  /** Least time between two writes that are not full batches (ms, default DEFAULT_LINGER_MS; 0 = none). */
  lingerMs?: number;
  /** The same after a write of fewer than LIGHT_WRITE_ROWS rows (default DEFAULT_LIGHT_LINGER_MS, or lingerMs when that is given). */
  lightLingerMs?: number;
  log?: Pick<Log, 'info' | 'warn' | 'error'>;
  /** Target database; default: the client's. Needed to re-create a database that went missing. */
  database?: string;
  /**
   * The points' sub-millisecond digits (server/influx/points.ts): 'seq' on one node (default), 'id'
   * in a cluster, so that an event two nodes journaled (a resend after its node died) is one point.
   */
  pointSlot?: PointSlot;
  /** First and largest retry delay (ms, default 100 and 10 000). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /**
   * Stores the new checkpoint and the batch's dead letters (default: a transaction on `db`). The
   * thread hands this to the main thread, the journal file's only writer (see thread.ts).
   */
  persist?: PersistProgress;
  /** After each batch that moved the checkpoint and after each failed attempt (the thread reports it to the main thread). */
  onProgress?: (progress: ForwarderProgress) => void;
}

/** What the forwarder knows without reading the journal's end. */
export type ForwarderProgress = Omit<ForwarderStats, 'lagEvents'>;

export interface ForwarderStats {
  /** Points InfluxDB accepted since start. */
  forwarded: number;
  /** Failed write attempts that were retried since start. */
  retries: number;
  /** Rows put into dead_letters since start. */
  deadLetters: number;
  /** Journal rows not yet forwarded (max seq − checkpoint). */
  lagEvents: number;
  /** Last seq forwarded (or dead-lettered). */
  checkpoint: number;
}

export interface Forwarder {
  /** New rows were committed: look now instead of at the next idle tick (or once the linger is over). */
  notify(): void;
  /** Resolves when the checkpoint has reached the journal's max seq as of this call. */
  drain(): Promise<void>;
  /** Stops after the write in flight (if any) settles; the checkpoint stays where it is. */
  stop(): Promise<void>;
  stats(): ForwarderStats;
}

interface JournalRow {
  seq: number;
  body: string;
}

export interface DeadLetter {
  seq: number;
  reason: string;
  line: string;
}

export type PersistProgress = (checkpoint: number, dead: DeadLetter[], at: number) => void;

/** The forwarder's only write: its checkpoint and the batch's dead letters, in one transaction on `db`. */
export function persistProgress(db: Db): PersistProgress {
  const insertDeadLetter = db.prepare('INSERT OR REPLACE INTO dead_letters (seq, reason, line, at) VALUES (?, ?, ?, ?)');
  return db.transaction((seq: number, dead: DeadLetter[], at: number) => {
    for (const d of dead) insertDeadLetter.run(d.seq, d.reason, d.line, at);
    setMeta(db, CHECKPOINT_KEY, String(seq));
  });
}

interface PendingPoint {
  seq: number;
  /** the point's line protocol: what is written, and what a dead letter keeps */
  line: string;
}

/** node-influx keeps the database of its config in a private field; read it only to re-create it. */
function defaultDatabase(client: InfluxDB): string | undefined {
  return (client as unknown as { _options?: { database?: string } })._options?.database;
}

class StoppedError extends Error {}

/** Carries a WriteFailure out of the bisection to the retry loop. */
class RetryableWriteError extends Error {
  constructor(readonly failure: WriteFailure) {
    super(failure.reason);
  }
}

/** The persisted checkpoint (0 when none); throws a clear error for a value that is not a seq. */
export function readCheckpoint(db: Db): number {
  const stored = getMeta(db, CHECKPOINT_KEY);
  const checkpoint = stored === undefined ? 0 : Number(stored);
  if (!Number.isSafeInteger(checkpoint) || checkpoint < 0) {
    throw new Error(`meta ${CHECKPOINT_KEY} = ${JSON.stringify(stored)} is not a journal seq; fix or delete it to re-forward from the start`);
  }
  return checkpoint;
}

export function startForwarder(db: Db, client: InfluxDB, options: ForwarderOptions = {}): Forwarder {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const idleMs = Math.max(1, options.idleMs ?? 1000);
  const lingerMs = Math.max(0, options.lingerMs ?? DEFAULT_LINGER_MS);
  const lightLingerMs = Math.max(0, options.lightLingerMs ?? (options.lingerMs === undefined ? DEFAULT_LIGHT_LINGER_MS : lingerMs));
  const pointSlot = options.pointSlot ?? 'seq';
  const retryMinMs = options.retryMinMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  const log = options.log;
  const database = options.database;

  const selectBatch = db.prepare('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const selectMaxSeq = db.prepare('SELECT max(seq) AS seq FROM events');
  const commit = options.persist ?? persistProgress(db);

  let checkpoint = readCheckpoint(db);

  const counters = { forwarded: 0, retries: 0, deadLetters: 0 };
  let stopping = false;
  /** Ends the current pause: notify() ends an idle pause, drain() an idle or linger one, stop() any (a backoff too). */
  type PauseKind = 'idle' | 'linger' | 'backoff';
  let wake: { done: () => void; kind: PauseKind } | null = null;
  let pendingNotify = false;
  const drains: Array<{ target: number; resolve: () => void; reject: (err: Error) => void }> = [];

  let lastMaxSeq = checkpoint;
  const maxSeq = (): number => {
    // stats() may be asked after the database closed (metrics on shutdown): report the last known.
    if (db.open) lastMaxSeq = (selectMaxSeq.get() as { seq: number | null }).seq ?? 0;
    return lastMaxSeq;
  };

  const settleDrains = () => {
    for (let i = drains.length - 1; i >= 0; i--) {
      if (checkpoint >= drains[i].target) drains.splice(i, 1)[0].resolve();
    }
  };

  /** Waits `ms`, or less (see `wake`). */
  const pause = (ms: number, kind: PauseKind) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve();
      const timer = setTimeout(done, ms);
      const handle = { done, kind };
      function done() {
        clearTimeout(timer);
        if (wake === handle) wake = null;
        resolve();
      }
      wake = handle;
    });
  const wakeIdle = () => {
    if (wake?.kind === 'idle') wake.done();
  };
  const wakeForDrain = () => {
    if (wake && wake.kind !== 'backoff') wake.done();
  };
  /** When the last write landed, and whether it was a full batch (a backlog: no lingering). */
  let lastWriteAt = 0;
  let lastBatchFull = false;
  let lastBatchRows = 0;

  const target = database ?? defaultDatabase(client);
  if (!target) throw new Error('forwarder: no InfluxDB database (pass options.database or give the client one)');
  const write = (points: PendingPoint[]) => {
    let body = points[0].line;
    for (let i = 1; i < points.length; i++) body += '\n' + points[i].line;
    return writeLines(client, target, body);
  };

  /**
   * Writes `points`; on a 400/413 splits them in halves until the refused points stand alone.
   * Resolves with the dead letters; throws a WriteFailure for anything worth retrying whole.
   */
  const writeIsolating = async (points: PendingPoint[]): Promise<DeadLetter[]> => {
    if (points.length === 0) return [];
    try {
      await write(points);
      return [];
    } catch (err) {
      const failure = classifyWriteError(err);
      if (failure.kind === 'retry' || failure.kind === 'no-database') throw new RetryableWriteError(failure);
      if (stopping) throw new StoppedError();
      if (points.length === 1) {
        const [p] = points;
        return [{ seq: p.seq, reason: `influxdb refused the point: ${failure.reason}`, line: p.line }];
      }
      const half = points.length >> 1;
      const left = await writeIsolating(points.slice(0, half));
      const right = await writeIsolating(points.slice(half));
      return left.concat(right);
    }
  };

  /** Converts rows in slices, yielding between them (~10 µs a row on the 2-core target). */
  const toPoints = async (rows: JournalRow[]) => {
    const points: PendingPoint[] = [];
    const dead: DeadLetter[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % CONVERT_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const row = rows[i];
      let event: EstateEvent;
      try {
        event = JSON.parse(row.body) as EstateEvent;
      } catch (err) {
        dead.push({ seq: row.seq, reason: `journal body is not JSON: ${(err as Error).message}`, line: row.body });
        continue;
      }
      const result = eventToPoint(event, row.seq, pointSlot);
      if (result.ok) points.push({ seq: row.seq, line: toLineProtocol(result.point) });
      else dead.push({ seq: row.seq, reason: result.reason, line: row.body });
    }
    return { points, dead };
  };

  let failingSince = 0;
  let lastFailureLog = 0;

  /** Writes one batch until it lands (or the forwarder stops); then moves the checkpoint. */
  const forward = async (rows: JournalRow[]) => {
    const { points, dead } = await toPoints(rows);
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const refused = await writeIsolating(points);
        const allDead = dead.concat(refused);
        const last = rows[rows.length - 1].seq;
        commit(last, allDead, Date.now());
        checkpoint = last;
        counters.forwarded += points.length - refused.length;
        counters.deadLetters += allDead.length;
        if (allDead.length) {
          const seqs = allDead.slice(0, 5).map((d) => d.seq).join(', ') + (allDead.length > 5 ? ', …' : '');
          log?.warn(`forwarder: ${allDead.length} event(s) put in dead_letters (seq ${seqs}); first reason: ${allDead[0].reason}`);
        }
        if (failingSince) {
          log?.info(`forwarder: InfluxDB accepts writes again after ${((Date.now() - failingSince) / 1000).toFixed(1)} s`);
          failingSince = 0;
        }
        settleDrains();
        options.onProgress?.({ ...counters, checkpoint });
        return;
      } catch (err) {
        if (err instanceof StoppedError || stopping) return;
        // Anything else is retried, a failed checkpoint commit (SQLITE_BUSY) included: the
        // re-write lands on the same points.
        const failure = err instanceof RetryableWriteError ? err.failure : classifyWriteError(err);
        counters.retries++;
        options.onProgress?.({ ...counters, checkpoint });
        const now = Date.now();
        if (!failingSince) failingSince = now;
        if (attempt === 0 || now - lastFailureLog >= 60_000) {
          lastFailureLog = now;
          log?.warn(`forwarder: write of ${points.length} points failed (${failure.reason}); retrying, the journal keeps them`);
        }
        if (failure.kind === 'no-database') {
          await ensureDatabase(client, target).catch(() => {});
        }
        const delay = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(attempt, 30));
        await pause(delay * (0.5 + Math.random() / 2), 'backoff');
      }
    }
  };

  const run = async () => {
    while (!stopping) {
      if ((lingerMs > 0 || lightLingerMs > 0) && !lastBatchFull && !drains.length) {
        const wait = lastWriteAt + (lastBatchRows < LIGHT_WRITE_ROWS ? lightLingerMs : lingerMs) - Date.now();
        if (wait > 0) await pause(wait, 'linger');
        if (stopping) break;
      }
      let rows: JournalRow[];
      try {
        rows = selectBatch.all(checkpoint, batchSize) as JournalRow[];
      } catch (err) {
        if (!db.open) throw err;
        log?.error(`forwarder: reading the journal failed (${(err as Error).message}); trying again`);
        await pause(retryMaxMs, 'backoff');
        continue;
      }
      if (rows.length === 0) {
        if (!pendingNotify) await pause(idleMs, 'idle');
        pendingNotify = false;
        continue;
      }
      pendingNotify = false;
      await forward(rows);
      lastWriteAt = Date.now();
      lastBatchFull = rows.length >= batchSize;
      lastBatchRows = rows.length;
      // Give the event loop a turn between batches even when the backlog is long.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };

  const done = run().catch((err: unknown) => {
    // Only a bug or the database closing under us gets here; the journal still has every row.
    log?.error(`forwarder stopped: ${(err as Error).stack ?? String(err)}`);
    stopping = true;
  }).finally(() => {
    for (const d of drains.splice(0)) d.reject(new Error('forwarder stopped before the journal was drained'));
  });

  return {
    notify() {
      pendingNotify = true;
      wakeIdle();
    },
    drain() {
      const target = maxSeq();
      if (checkpoint >= target) return Promise.resolve();
      if (stopping) return Promise.reject(new Error('forwarder is stopped'));
      return new Promise<void>((resolve, reject) => {
        drains.push({ target, resolve, reject });
        pendingNotify = true;
        wakeForDrain();
      });
    },
    async stop() {
      stopping = true;
      wake?.done();
      await done;
    },
    stats() {
      return { ...counters, lagEvents: Math.max(0, maxSeq() - checkpoint), checkpoint };
    },
  };
}
