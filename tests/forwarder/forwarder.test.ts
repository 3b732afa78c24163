// The forwarder against a real influxd: checkpoints, dead letters, outages.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfluxDB } from 'influx';
import type { EstateEvent, EventKind } from '../../protocol/index.ts';
import { getMeta, openDb, type Db } from '../../server/store/db.ts';
import { createInfluxClient, ensureDatabase, parseInfluxUrl } from '../../server/influx/connection.ts';
import { CHECKPOINT_KEY, LIGHT_WRITE_ROWS, startForwarder, type Forwarder } from '../../server/forwarder/index.ts';
import { DEVICE_KINDS } from '../../protocol/index.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { appendEvents, appendRaw, T0 } from '../history/fixtures.ts';

let influxd: InfluxdHandle;
const dirs: string[] = [];
const running: Forwarder[] = [];
let dbCounter = 0;

beforeAll(async () => {
  influxd = await startInfluxd();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});
afterAll(async () => {
  await influxd?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh journal file and a fresh InfluxDB database. */
async function setup(options: { createDatabase?: boolean } = {}): Promise<{ db: Db; file: string; client: InfluxDB; database: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'se-forwarder-'));
  dirs.push(dir);
  const file = join(dir, 'journal.db');
  const database = `fwd_${++dbCounter}`;
  const client = createInfluxClient({ ...parseInfluxUrl(influxd.url), database });
  if (options.createDatabase !== false) await ensureDatabase(client, database);
  return { db: openDb(file), file, client, database };
}

function start(db: Db, client: InfluxDB, options: Parameters<typeof startForwarder>[2] = {}): Forwarder {
  const forwarder = startForwarder(db, client, options);
  running.push(forwarder);
  return forwarder;
}

async function stopped(forwarder: Forwarder): Promise<void> {
  await forwarder.stop();
  running.splice(running.indexOf(forwarder), 1);
}

/** Polls a condition; the only way these tests wait. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const KINDS: EventKind[] = [...DEVICE_KINDS];
/** n events over all kinds, 20 devices, with many same-ms collisions (ts advances every 7 events). */
function manyEvents(n: number, offset = 0): EstateEvent[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const kind = KINDS[i % KINDS.length];
    const data: EstateEvent['data'] =
      kind === 'checkin' ? { guard: `g-${i % 3}`, checkpoint: `cp-${i % 11}`, method: 'nfc' }
      : kind === 'camera' ? { type: 'motion', phase: 'update', score: (i % 100) / 100 }
      : kind === 'vehicle' ? { plate: `浙A${String(i).padStart(5, '0')}`, direction: i % 2 ? 'in' : 'out', confidence: 0.9 }
      : kind === 'position' ? { lat: 30 + i / 1e6, lon: 120, accuracy: i % 7 }
      : { online: i % 2 === 0, battery: i % 101 };
    return { estate: 'oak-garden', device: `dev-${i % 20}`, kind, id: kind === 'position' || kind === 'status' ? null : `e-${i}`, ts: T0 + Math.floor(i / 7), rx: T0 + i, data };
  });
}

/** Every seq field InfluxDB holds, over all measurements. */
async function seqsInInflux(client: InfluxDB, database: string): Promise<number[]> {
  const raw = (await client.queryRaw('SELECT "seq" FROM /.*/', { database })) as {
    results: Array<{ series?: Array<{ values: unknown[][] }>; error?: string }>;
  };
  if (raw.results[0].error) throw new Error(raw.results[0].error);
  return (raw.results[0].series ?? []).flatMap((s) => s.values.map((v) => v[1] as number)).sort((a, b) => a - b);
}

const journalSeqs = (db: Db) => (db.prepare('SELECT seq FROM events ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq);

describe('forwarder', () => {
  it('persists its checkpoint: a restarted forwarder goes on where the last one stopped, no duplicates', async () => {
    const { db, file, client, database } = await setup();
    appendEvents(db, manyEvents(3000));
    const first = start(db, client, { batchSize: 1000 });
    await first.drain();
    expect(first.stats()).toMatchObject({ forwarded: 3000, deadLetters: 0, lagEvents: 0, checkpoint: 3000 });
    await stopped(first);
    db.close();

    // A new process: reopen the file, append more, start over.
    const reopened = openDb(file);
    expect(getMeta(reopened, CHECKPOINT_KEY)).toBe('3000');
    appendEvents(reopened, manyEvents(2000, 3000));
    const second = start(reopened, client, { batchSize: 1000 });
    expect(second.stats().lagEvents).toBe(2000);
    await second.drain();
    expect(second.stats()).toMatchObject({ forwarded: 2000, retries: 0, lagEvents: 0, checkpoint: 5000 });

    const seqs = await seqsInInflux(client, database);
    expect(seqs).toHaveLength(5000);
    expect(seqs).toEqual(journalSeqs(reopened));
    await stopped(second);
    reopened.close();
  });

  it('wakes on notify() and drains only what was committed before drain()', async () => {
    const { db, client, database } = await setup();
    const forwarder = start(db, client, { idleMs: 60_000 });
    await forwarder.drain(); // empty journal: resolves at once
    appendEvents(db, manyEvents(10));
    forwarder.notify();
    await until('ten points forwarded', () => forwarder.stats().forwarded === 10);
    appendEvents(db, manyEvents(5, 10));
    await forwarder.drain(); // no notify: drain itself looks
    expect(forwarder.stats()).toMatchObject({ forwarded: 15, lagEvents: 0 });
    expect(await seqsInInflux(client, database)).toHaveLength(15);
  });

  it('lingers at light load: commits that come while it waits go out in one write; drain() ends the wait', async () => {
    const { db, client, database } = await setup();
    const writes: number[] = [];
    let last = 0;
    const forwarder = start(db, client, {
      idleMs: 60_000,
      lingerMs: 60_000, // longer than the test may run: only drain() can end it
      onProgress: (p) => {
        if (p.checkpoint !== last) writes.push(p.checkpoint - last);
        last = p.checkpoint;
      },
    });
    appendEvents(db, manyEvents(1));
    forwarder.notify(); // after a quiet spell the first commit goes out at once
    await until('the first point forwarded', () => forwarder.stats().forwarded === 1);
    for (let i = 1; i <= 5; i++) {
      appendEvents(db, manyEvents(1, i)); // five group commits, each notified
      forwarder.notify();
      await new Promise((r) => setImmediate(r));
    }
    expect(forwarder.stats().forwarded).toBe(1); // lingering, not one write per commit
    await forwarder.drain();
    expect(writes).toEqual([1, 5]);
    expect(await seqsInInflux(client, database)).toHaveLength(6);
  });

  it('lingers longer after a small write (very light load) than after a large one', async () => {
    const { db, client } = await setup();
    const forwarder = start(db, client, { idleMs: 60_000, batchSize: 5000, lingerMs: 0, lightLingerMs: 60_000 });
    appendEvents(db, manyEvents(1));
    forwarder.notify();
    await until('the first point forwarded', () => forwarder.stats().forwarded === 1);
    appendEvents(db, manyEvents(1, 1));
    forwarder.notify();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(forwarder.stats().forwarded).toBe(1); // after a write of 1 row: the light linger holds it
    await forwarder.drain();
    appendEvents(db, manyEvents(LIGHT_WRITE_ROWS, 2));
    await forwarder.drain(); // a write of LIGHT_WRITE_ROWS rows: not light
    expect(forwarder.stats().forwarded).toBe(2 + LIGHT_WRITE_ROWS);
    appendEvents(db, manyEvents(1, 2 + LIGHT_WRITE_ROWS));
    forwarder.notify();
    await until('the next point forwarded without a linger (lingerMs 0)', () => forwarder.stats().forwarded === 3 + LIGHT_WRITE_ROWS);
  });

  it('dead-letters only the points InfluxDB refuses (field type conflict) and forwards the rest', async () => {
    const { db, client, database } = await setup();
    const statuses = (from: number, n: number): EstateEvent[] =>
      Array.from({ length: n }, (_, i) => ({
        estate: 'oak-garden', device: `hh-${i % 3}`, kind: 'status' as const, id: null, ts: T0 + from + i, rx: T0 + from + i,
        data: { online: true, battery: 50 + i + (i % 2 ? 0.5 : 0) },
      }));
    appendEvents(db, statuses(0, 40));
    // Crafted through the journal: battery as a string where the field is already a float.
    const conflict = appendRaw(db, {
      estate: 'oak-garden', device: 'hh-1', kind: 'status', ts: T0 + 100,
      body: JSON.stringify({ estate: 'oak-garden', device: 'hh-1', kind: 'status', id: null, ts: T0 + 100, rx: T0 + 100, data: { online: true, battery: 'high' } }),
    });
    // And one that can never be a point: a device id InfluxDB cannot take as a tag value.
    const untaggable = appendRaw(db, {
      estate: 'oak-garden', device: 'bad\\', kind: 'status', ts: T0 + 101,
      body: JSON.stringify({ estate: 'oak-garden', device: 'bad\\', kind: 'status', id: null, ts: T0 + 101, rx: T0 + 101, data: { online: true } }),
    });
    appendEvents(db, statuses(200, 40));

    // One batch for all 82 rows: the conflict sits in the middle of it.
    const forwarder = start(db, client, { batchSize: 5000 });
    await forwarder.drain();
    expect(forwarder.stats()).toMatchObject({ forwarded: 80, deadLetters: 2, lagEvents: 0, checkpoint: 82 });

    const dead = db.prepare('SELECT seq, reason, line, at FROM dead_letters ORDER BY seq').all() as Array<{ seq: number; reason: string; line: string; at: number }>;
    expect(dead.map((d) => d.seq)).toEqual([conflict, untaggable]);
    expect(dead[0].reason).toMatch(/field type conflict/);
    expect(dead[0].reason).toMatch(/battery/);
    expect(dead[0].line).toMatch(/^status,estate=oak-garden,device=hh-1 .*battery="high"/);
    expect(dead[1].reason).toMatch(/tag value/);
    expect(dead[0].at).toBeGreaterThan(0);

    const seqs = await seqsInInflux(client, database);
    expect(seqs).toEqual(journalSeqs(db).filter((s) => s !== conflict && s !== untaggable));
  });

  it('retries through an influxd kill -9 and delivers everything exactly once', async () => {
    const { db, client, database } = await setup();
    appendEvents(db, manyEvents(20_000));
    const forwarder = start(db, client, { batchSize: 2000, retryMinMs: 20, retryMaxMs: 200 });
    await until('the first batches to arrive', () => forwarder.stats().forwarded > 0);
    influxd.kill9(); // mid-stream: a batch may be in flight, written or not
    appendEvents(db, manyEvents(1000, 20_000));
    forwarder.notify();
    await until('failed writes being retried', () => forwarder.stats().retries >= 3);
    expect(forwarder.stats().lagEvents).toBeGreaterThan(0);
    await influxd.restart();
    await forwarder.drain();

    const stats = forwarder.stats();
    expect(stats).toMatchObject({ deadLetters: 0, lagEvents: 0, checkpoint: 21_000 });
    expect(stats.forwarded).toBe(21_000);
    const seqs = await seqsInInflux(client, database);
    expect(seqs).toHaveLength(21_000); // a re-written batch lands on the same points: no duplicates
    expect(seqs).toEqual(journalSeqs(db));
    expect(db.prepare('SELECT count(*) AS n FROM dead_letters').get()).toEqual({ n: 0 });
  });

  it('creates its database when it is missing (InfluxDB was down at start, or it was dropped)', async () => {
    const { db, client, database } = await setup({ createDatabase: false });
    appendEvents(db, manyEvents(50));
    const forwarder = start(db, client, { retryMinMs: 10 });
    await forwarder.drain();
    expect(forwarder.stats()).toMatchObject({ forwarded: 50, deadLetters: 0 });
    expect(forwarder.stats().retries).toBeGreaterThanOrEqual(1);
    expect(await seqsInInflux(client, database)).toHaveLength(50);
  });

  it('keeps its backoff under a stream of notify(), and stops promptly while InfluxDB is unreachable', async () => {
    const { db } = await setup();
    const unreachable = createInfluxClient({ host: '127.0.0.1', port: 9, protocol: 'http', database: 'nowhere' });
    appendEvents(db, manyEvents(10));
    const forwarder = start(db, unreachable, { retryMinMs: 10_000 });
    await until('a failed write', () => forwarder.stats().retries >= 1);
    // Ingest notifies on every group commit; that must not turn the backoff into a retry storm.
    for (let i = 0; i < 200; i++) {
      appendEvents(db, manyEvents(1, 10 + i));
      forwarder.notify();
      await new Promise((r) => setImmediate(r));
    }
    expect(forwarder.stats().retries).toBe(1);
    const t = Date.now();
    await stopped(forwarder);
    expect(Date.now() - t).toBeLessThan(2000);
    expect(getMeta(db, CHECKPOINT_KEY)).toBeUndefined();
    expect(forwarder.stats()).toMatchObject({ forwarded: 0, lagEvents: 210 });
  });
});
