// Journal → InfluxDB. Reads the rows after a persisted checkpoint in seq order, writes them as one
// batch, and moves the checkpoint only after InfluxDB accepted the batch. Nothing is dropped:
// transient failures (network, timeouts, 5xx, auth) are retried with capped exponential backoff
// and no limit; points InfluxDB refuses (400, partial writes) are found by bisecting the batch and
// kept in `dead_letters` with the reason, while the rest flows on. Points are idempotent
// (see influx/points.ts), so re-writing a batch after a crash or retry never duplicates.
import type { InfluxDB, IPoint } from 'influx';
import type { EstateEvent } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { getMeta } from '../store/db.ts';
import type { Log } from '../log.ts';
import { ensureDatabase } from '../influx/connection.ts';
import { eventToPoint, fieldValue, POINT_PRECISION, toLineProtocol } from '../influx/points.ts';
import { classifyWriteError, type WriteFailure } from './write-errors.ts';

export const CHECKPOINT_KEY = 'forwarder.influx.seq';

export interface ForwarderOptions {
  /** Rows per write (default 5000). */
  batchSize?: number;
  /** With no notify(), look for new rows this often (ms, default 1000). */
  idleMs?: number;
  log?: Pick<Log, 'info' | 'warn' | 'error'>;
  /** Target database; default: the client's. Needed to re-create a database that went missing. */
  database?: string;
  /** First and largest retry delay (ms, default 100 and 10 000). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

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
  /** New rows were committed: look now instead of at the next idle tick. */
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

interface DeadLetter {
  seq: number;
  reason: string;
  line: string;
}

interface PendingPoint {
  seq: number;
  /** node-influx's write form (strings pre-quoted, see QuotedString). */
  wire: IPoint;
  point: IPoint;
}

/**
 * node-influx's string escaping mangles `\'` (it turns the first one into `\\'` before escaping),
 * so string fields are handed over already quoted: its field coercion calls String() on anything
 * that is not a string, and String() of this is the exact line protocol text.
 */
class QuotedString {
  constructor(private readonly quoted: string) {}
  toString(): string {
    return this.quoted;
  }
}

/** node-influx keeps the database of its config in a private field; read it only to re-create it. */
function defaultDatabase(client: InfluxDB): string | undefined {
  return (client as unknown as { _options?: { database?: string } })._options?.database;
}

function toWire(point: IPoint): IPoint {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(point.fields ?? {})) {
    fields[key] = typeof value === 'string' ? new QuotedString(fieldValue(value)) : value;
  }
  return { ...point, fields };
}

class StoppedError extends Error {}

/** Carries a WriteFailure out of the bisection to the retry loop. */
class RetryableWriteError extends Error {
  constructor(readonly failure: WriteFailure) {
    super(failure.reason);
  }
}

export function startForwarder(db: Db, client: InfluxDB, options: ForwarderOptions = {}): Forwarder {
  const batchSize = Math.max(1, options.batchSize ?? 5000);
  const idleMs = Math.max(1, options.idleMs ?? 1000);
  const retryMinMs = options.retryMinMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  const log = options.log;
  const database = options.database;

  const selectBatch = db.prepare('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const selectMaxSeq = db.prepare('SELECT max(seq) AS seq FROM events');
  const insertDeadLetter = db.prepare('INSERT OR REPLACE INTO dead_letters (seq, reason, line, at) VALUES (?, ?, ?, ?)');
  const saveCheckpoint = db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const commit = db.transaction((seq: number, dead: DeadLetter[], at: number) => {
    for (const d of dead) insertDeadLetter.run(d.seq, d.reason, d.line, at);
    saveCheckpoint.run(CHECKPOINT_KEY, String(seq));
  });

  const stored = getMeta(db, CHECKPOINT_KEY);
  let checkpoint = stored === undefined ? 0 : Number(stored);
  if (!Number.isSafeInteger(checkpoint) || checkpoint < 0) {
    throw new Error(`meta ${CHECKPOINT_KEY} = ${JSON.stringify(stored)} is not a journal seq; fix or delete it to re-forward from the start`);
  }

  const counters = { forwarded: 0, retries: 0, deadLetters: 0 };
  let stopping = false;
  let wake: (() => void) | null = null;
  let pendingNotify = false;
  const drains: Array<{ target: number; resolve: () => void; reject: (err: Error) => void }> = [];

  const maxSeq = (): number => (selectMaxSeq.get() as { seq: number | null }).seq ?? 0;

  const settleDrains = () => {
    for (let i = drains.length - 1; i >= 0; i--) {
      if (checkpoint >= drains[i].target) drains.splice(i, 1)[0].resolve();
    }
  };

  /** Waits for notify(), stop() or `ms`, whichever comes first. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (wake === done) wake = null;
        resolve();
      }
      wake = done;
    });

  const write = (points: PendingPoint[]) =>
    client.writePoints(
      points.map((p) => p.wire),
      { precision: POINT_PRECISION, ...(database ? { database } : {}) },
    );

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
        return [{ seq: p.seq, reason: `influxdb refused the point: ${failure.reason}`, line: toLineProtocol(p.point) }];
      }
      const half = points.length >> 1;
      const left = await writeIsolating(points.slice(0, half));
      const right = await writeIsolating(points.slice(half));
      return left.concat(right);
    }
  };

  const toPoints = (rows: JournalRow[]) => {
    const points: PendingPoint[] = [];
    const dead: DeadLetter[] = [];
    for (const row of rows) {
      let event: EstateEvent;
      try {
        event = JSON.parse(row.body) as EstateEvent;
      } catch (err) {
        dead.push({ seq: row.seq, reason: `journal body is not JSON: ${(err as Error).message}`, line: row.body });
        continue;
      }
      const result = eventToPoint(event, row.seq);
      if (result.ok) points.push({ seq: row.seq, point: result.point, wire: toWire(result.point) });
      else dead.push({ seq: row.seq, reason: result.reason, line: row.body });
    }
    return { points, dead };
  };

  let failingSince = 0;
  let lastFailureLog = 0;

  const run = async () => {
    while (!stopping) {
      const rows = selectBatch.all(checkpoint, batchSize) as JournalRow[];
      if (rows.length === 0) {
        if (!pendingNotify) await pause(idleMs);
        pendingNotify = false;
        continue;
      }
      pendingNotify = false;
      const { points, dead } = toPoints(rows);
      for (let attempt = 0; !stopping; attempt++) {
        try {
          const refused = await writeIsolating(points);
          const allDead = dead.concat(refused);
          const last = rows[rows.length - 1].seq;
          commit(last, allDead, Date.now());
          checkpoint = last;
          counters.forwarded += points.length - refused.length;
          counters.deadLetters += allDead.length;
          for (const d of allDead) log?.warn(`forwarder: seq ${d.seq} dead-lettered: ${d.reason}`);
          if (failingSince) {
            log?.info(`forwarder: InfluxDB accepts writes again after ${((Date.now() - failingSince) / 1000).toFixed(1)} s`);
            failingSince = 0;
          }
          settleDrains();
          break;
        } catch (err) {
          if (err instanceof StoppedError || stopping) break;
          const failure = err instanceof RetryableWriteError ? err.failure : classifyWriteError(err);
          counters.retries++;
          const now = Date.now();
          if (!failingSince) failingSince = now;
          if (now - lastFailureLog >= 60_000 || attempt === 0) {
            lastFailureLog = now;
            log?.warn(`forwarder: write of ${points.length} points failed (${failure.reason}); retrying, journal keeps them`);
          }
          if (failure.kind === 'no-database') {
            const name = database ?? defaultDatabase(client);
            if (name) await ensureDatabase(client, name).catch(() => {});
          }
          const delay = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(attempt, 30));
          await pause(delay * (0.5 + Math.random() / 2));
        }
      }
      // Give the event loop a turn between batches even when the backlog is long.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };

  const done = run().catch((err: unknown) => {
    // Only a bug (or the database closing under us) gets here; the journal still has every row.
    log?.error(`forwarder stopped: ${(err as Error).stack ?? String(err)}`);
    stopping = true;
  }).finally(() => {
    for (const d of drains.splice(0)) d.reject(new Error('forwarder stopped before the journal was drained'));
  });

  return {
    notify() {
      pendingNotify = true;
      wake?.();
    },
    drain() {
      const target = maxSeq();
      if (checkpoint >= target) return Promise.resolve();
      if (stopping) return Promise.reject(new Error('forwarder is stopped'));
      return new Promise<void>((resolve, reject) => {
        drains.push({ target, resolve, reject });
        pendingNotify = true;
        wake?.();
      });
    },
    async stop() {
      stopping = true;
      wake?.();
      await done;
    },
    stats() {
      return { ...counters, lagEvents: Math.max(0, maxSeq() - checkpoint), checkpoint };
    },
  };
}
