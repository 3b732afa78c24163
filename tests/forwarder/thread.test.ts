// The forwarder as the server runs it, in its own worker thread, against a real influxd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EstateEvent } from '../../protocol/index.ts';
import { getMeta, openDb, setMeta, type Db } from '../../server/store/db.ts';
import { createInfluxClient, ensureDatabase, parseInfluxUrl, type InfluxTarget } from '../../server/influx/connection.ts';
import { CHECKPOINT_KEY, startForwarderThread } from '../../server/forwarder/index.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { BACKGROUND_NICE } from '../../server/thread-priority.ts';
import { appendEvents, appendRaw, T0 } from '../history/fixtures.ts';

let influxd: InfluxdHandle;
const dirs: string[] = [];
let dbCounter = 0;

beforeAll(async () => {
  influxd = await startInfluxd();
});
afterAll(async () => {
  await influxd?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function setup(): Promise<{ db: Db; target: InfluxTarget }> {
  const dir = mkdtempSync(join(tmpdir(), 'se-fwd-thread-'));
  dirs.push(dir);
  const target = { ...parseInfluxUrl(influxd.url), database: `thread_${++dbCounter}` };
  await ensureDatabase(createInfluxClient(target), target.database);
  return { db: openDb(join(dir, 'journal.db')), target };
}

const checkins = (n: number, offset = 0): EstateEvent[] =>
  Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return { estate: 'oak-garden', device: `hh-${i % 7}`, kind: 'checkin', id: `c-${i}`, ts: T0 + Math.floor(i / 3), rx: T0 + i, data: { guard: 'g-1', checkpoint: `cp-${i % 5}`, method: 'nfc' } };
  });

async function countInInflux(target: InfluxTarget): Promise<{ points: number; distinctSeqs: number }> {
  const client = createInfluxClient(target);
  const rows = (await client.query('SELECT "seq" FROM "checkin"')) as unknown as Array<{ seq: number }>;
  return { points: rows.length, distinctSeqs: new Set(rows.map((r) => r.seq)).size };
}

/** Nice values of this process's threads (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('forwarder thread', () => {
  it('forwards the journal from its own thread, reports progress and relays its log lines', async () => {
    const { db, target } = await setup();
    appendEvents(db, checkins(3000));
    // A status whose battery InfluxDB refuses once the field is a float: a dead letter, logged by the worker.
    appendEvents(db, [{ estate: 'oak-garden', device: 'hh-1', kind: 'status', id: null, ts: T0, rx: T0, data: { online: true, battery: 50.5 } }]);
    appendRaw(db, { estate: 'oak-garden', device: 'hh-1', kind: 'status', ts: T0 + 1, body: JSON.stringify({ estate: 'oak-garden', device: 'hh-1', kind: 'status', id: null, ts: T0 + 1, rx: T0 + 1, data: { online: true, battery: 'high' } }) });
    const lines: string[] = [];
    const forwarder = startForwarderThread(db, { target, batchSize: 500, log: { info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) } });
    expect(forwarder.stats()).toMatchObject({ forwarded: 0, checkpoint: 0, lagEvents: 3002 });
    await forwarder.drain();
    expect(forwarder.stats()).toMatchObject({ forwarded: 3001, deadLetters: 1, lagEvents: 0, checkpoint: 3002 });
    // It runs below the main thread's priority (acknowledgements first when the CPU is short).
    expect(threadNices()).toContain(BACKGROUND_NICE);
    expect(threadNices()[0]).toBe(0); // the main thread (the first task) is untouched
    expect(lines.some((l) => /dead_letters.*field type conflict/.test(l))).toBe(true);
    expect(await countInInflux(target)).toEqual({ points: 3000, distinctSeqs: 3000 });

    // New rows after a notify(), as the journal's commit hook does.
    appendEvents(db, checkins(100, 3000));
    forwarder.notify();
    await until('the new rows to be forwarded', () => forwarder.stats().checkpoint === 3102);
    await forwarder.stop();
    await expect(forwarder.drain()).resolves.toBeUndefined(); // nothing left: resolves even when stopped
    appendEvents(db, checkins(1, 3100));
    await expect(forwarder.drain()).rejects.toThrow(/stopped/);
    db.close();
  });

  it('sends at most one notify per NOTIFY_MS, and one that came sooner is sent late, not lost', async () => {
    const { db, target } = await setup();
    // No polling to fall back on: only a notify wakes the worker.
    const forwarder = startForwarderThread(db, { target, idleMs: 600_000, lingerMs: 0 });
    appendEvents(db, checkins(10));
    forwarder.notify();
    await until('the first rows to be forwarded', () => forwarder.stats().checkpoint === 10);
    for (let round = 1; round <= 5; round++) {
      appendEvents(db, checkins(10, round * 10));
      forwarder.notify(); // inside the previous one's window: held, then sent
      await until(`round ${round} to be forwarded`, () => forwarder.stats().checkpoint === 10 + round * 10);
    }
    await forwarder.stop();
    expect(await countInInflux(target)).toEqual({ points: 60, distinctSeqs: 60 });
    db.close();
  });

  it('starts a worker that died again, from the persisted checkpoint, without duplicates', async () => {
    const { db, target } = await setup();
    appendEvents(db, checkins(20_000));
    const errors: string[] = [];
    const forwarder = startForwarderThread(db, { target, batchSize: 1000, restartDelayMs: 50, log: { info: () => {}, warn: () => {}, error: (l) => errors.push(l) } });
    await until('the first batches', () => forwarder.stats().forwarded > 0);
    await forwarder.terminate(); // a write may be in flight: written or not, the checkpoint has not moved past it
    await until('the worker to be started again', () => forwarder.starts === 2);
    expect(errors.some((l) => /forwarder thread exited.*starting it again/.test(l))).toBe(true);
    await forwarder.drain();
    expect(forwarder.stats()).toMatchObject({ lagEvents: 0, checkpoint: 20_000, deadLetters: 0 });
    expect(forwarder.stats().forwarded).toBeGreaterThanOrEqual(20_000); // a batch cut short is written twice, onto the same points
    expect(await countInInflux(target)).toEqual({ points: 20_000, distinctSeqs: 20_000 });
    await forwarder.stop();
    db.close();
  });

  it('never takes the journal file\'s write lock: its checkpoint and dead letters are written by the main thread', async () => {
    const { db, target } = await setup();
    appendEvents(db, checkins(2000));
    // The main connection holds the write lock throughout, as a long journal commit would. A worker
    // that wrote its checkpoint itself would wait for it (busy_timeout) and never report progress.
    db.exec('BEGIN IMMEDIATE');
    const errors: string[] = [];
    const forwarder = startForwarderThread(db, { target, batchSize: 500, log: { info: () => {}, warn: () => {}, error: (l) => errors.push(l) } });
    try {
      await forwarder.drain();
      expect(forwarder.stats()).toMatchObject({ forwarded: 2000, checkpoint: 2000, lagEvents: 0 });
      expect(errors).toEqual([]);
      expect(getMeta(db, CHECKPOINT_KEY)).toBe('2000'); // written on this connection, inside its transaction
    } finally {
      db.exec('COMMIT');
    }
    expect(await countInInflux(target)).toEqual({ points: 2000, distinctSeqs: 2000 });
    await forwarder.stop();
    db.close();
  });

  it('refuses to start on a checkpoint that is not a seq, saying which key to fix', async () => {
    const { db, target } = await setup();
    setMeta(db, CHECKPOINT_KEY, 'soon');
    expect(() => startForwarderThread(db, { target })).toThrow(/forwarder\.influx\.seq = "soon" is not a journal seq/);
    db.close();
  });
});
