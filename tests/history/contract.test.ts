// One contract, two backends: the SQLite journal and InfluxDB (fed by the real forwarder into a
// real influxd) answer every HistoryQuery with the same events in the same order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EstateEvent, EventKind } from '../../protocol/index.ts';
import { openDb, type Db } from '../../server/store/db.ts';
import { createHistory, type HistoryBackend, type HistoryQuery } from '../../server/history/index.ts';
import { createInfluxClient, ensureDatabase, parseInfluxUrl } from '../../server/influx/connection.ts';
import { startForwarder } from '../../server/forwarder/index.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { appendEvents, contractFixtures, newestFirst, T0, type JournalRow } from './fixtures.ts';

const OAK = 'oak-garden';
const PINE = 'pine-court';

interface Backend {
  history: HistoryBackend;
  rows: JournalRow[];
  close(): Promise<void>;
}

let influxd: InfluxdHandle;
const dirs: string[] = [];

beforeAll(async () => {
  influxd = await startInfluxd();
});
afterAll(async () => {
  await influxd?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function journal(): { db: Db; rows: JournalRow[] } {
  const dir = mkdtempSync(join(tmpdir(), 'se-history-'));
  dirs.push(dir);
  const db = openDb(join(dir, 'journal.db'));
  return { db, rows: appendEvents(db, contractFixtures()) };
}

async function sqliteBackend(): Promise<Backend> {
  const { db, rows } = journal();
  return { history: createHistory(db, null), rows, close: async () => void db.close() };
}

async function influxBackend(): Promise<Backend> {
  const { db, rows } = journal();
  const target = { ...parseInfluxUrl(influxd.url), database: 'contract' };
  const client = createInfluxClient(target);
  await ensureDatabase(client, target.database);
  const forwarder = startForwarder(db, client, { batchSize: 7 });
  await forwarder.drain();
  await forwarder.stop();
  expect(forwarder.stats()).toMatchObject({ forwarded: rows.length, deadLetters: 0, lagEvents: 0 });
  return { history: createHistory(db, client), rows, close: async () => void db.close() };
}

function historyContract(name: string, open: () => Promise<Backend>) {
  describe(`history contract: ${name}`, () => {
    let backend: Backend;
    /** What the journal says the answer is. */
    const expected = (filter: (e: EstateEvent) => boolean, limit = 10_000) =>
      newestFirst(backend.rows.filter((r) => filter(r.event))).slice(0, limit);
    const query = (q: Partial<HistoryQuery> & { estate: string }) => backend.history.query({ limit: 100, ...q });

    beforeAll(async () => {
      backend = await open();
      expect(backend.history.backend).toBe(name);
    });
    afterAll(() => backend?.close());

    it('returns every event of an estate, newest first (ts desc, then seq desc), exactly as journaled', async () => {
      const got = await query({ estate: OAK });
      expect(got).toEqual(expected((e) => e.estate === OAK));
      expect(got).toHaveLength(16);
      // same-millisecond check-ins of hh-03 across seq 1,000,000: journal order, not seq mod 1e6
      expect(got.slice(0, 4).map((e) => e.id)).toEqual(['burst-4', 'burst-3', 'burst-2', 'burst-1']);
      // three check-ins of hh-01 in one ms, two of them with the same tag set: none overwritten
      expect(got.filter((e) => e.device === 'hh-01' && e.kind === 'checkin').map((e) => e.id)).toEqual(['c-3', 'c-2', 'c-1']);
    });

    it('keeps other estates apart', async () => {
      const got = await query({ estate: PINE });
      expect(got).toEqual(expected((e) => e.estate === PINE));
      expect(got.map((e) => e.id)).toEqual(['v-1', 'c-1']);
      expect(await query({ estate: 'no-such-estate' })).toEqual([]);
    });

    it.each(['checkin', 'camera', 'vehicle', 'position', 'status'] as EventKind[])('filters by kind %s', async (kind) => {
      const got = await query({ estate: OAK, kind });
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(expected((e) => e.estate === OAK && e.kind === kind));
    });

    it('filters by device, alone and with a kind', async () => {
      expect(await query({ estate: OAK, device: 'hh-01' })).toEqual(expected((e) => e.estate === OAK && e.device === 'hh-01'));
      expect(await query({ estate: OAK, device: 'hh-01', kind: 'position' })).toEqual(
        expected((e) => e.estate === OAK && e.device === 'hh-01' && e.kind === 'position'),
      );
      expect(await query({ estate: OAK, device: 'gate-01' })).toEqual([]); // pine's gate
    });

    it('filters by from/to, both inclusive to the millisecond', async () => {
      const from = T0 + 700;
      const to = T0 + 1500;
      const got = await query({ estate: OAK, from, to });
      expect(got).toEqual(expected((e) => e.estate === OAK && e.ts >= from && e.ts <= to));
      expect(got.map((e) => e.id)).toEqual(['cam-e2', null, null, 'v-2', 'v-1']);
      expect(await query({ estate: OAK, from: T0 + 701, to: T0 + 1499 })).toEqual(
        expected((e) => e.estate === OAK && e.ts >= T0 + 701 && e.ts <= T0 + 1499),
      );
      expect(await query({ estate: OAK, from: T0 + 3001 })).toEqual(expected((e) => e.estate === OAK && e.ts >= T0 + 3001));
      expect(await query({ estate: OAK, to: T0 - 1 })).toEqual(expected((e) => e.estate === OAK && e.ts <= T0 - 1));
      expect(await query({ estate: OAK, from: T0 + 5001 })).toEqual([]);
    });

    it('applies limit after ordering, also inside one millisecond', async () => {
      const all = expected((e) => e.estate === OAK);
      for (const limit of [1, 2, 3, 5, 15, 16]) {
        expect(await query({ estate: OAK, limit })).toEqual(all.slice(0, limit));
      }
      expect(await query({ estate: OAK, kind: 'checkin', limit: 2 })).toEqual(
        expected((e) => e.estate === OAK && e.kind === 'checkin', 2),
      );
      expect(await query({ estate: OAK, device: 'hh-01', limit: 4 })).toEqual(
        expected((e) => e.estate === OAK && e.device === 'hh-01', 4),
      );
    });

    it('round-trips every value: optional fields, booleans, numbers, CJK and escapes', async () => {
      const got = await query({ estate: OAK, limit: 10_000 });
      const byKey = new Map(got.map((e) => [`${e.kind}/${e.device}/${e.id}/${e.ts}/${e.rx}/${e.x ?? ''}`, e]));
      for (const { event } of backend.rows.filter((r) => r.event.estate === OAK)) {
        expect(byKey.get(`${event.kind}/${event.device}/${event.id}/${event.ts}/${event.rx}/${event.x ?? ''}`)).toStrictEqual(event);
      }
      const vehicle = got.find((e) => e.id === 'v-1')!;
      expect(vehicle.data.plate).toBe('浙A12345');
      expect(vehicle).not.toHaveProperty('x');
      const status = got.filter((e) => e.kind === 'status');
      expect(status.map((e) => e.data)).toEqual([{ online: false, battery: 80.5 }, { online: true, battery: 80, rssi: -67, firmware: '1.2.3' }]);
      const note = got.find((e) => e.id === 'c-9')!.data.note;
      expect(note).toBe('It\\\'s "quoted", a=b c\\d\nsecond line\ttab \\');
      expect(got.find((e) => e.id === 'c-3')!.data.note).toBe('');
    });
  });
}

historyContract('sqlite', sqliteBackend);
historyContract('influxdb', influxBackend);

describe('influxdb history before the first event is forwarded', () => {
  it('answers no events (not an error) while the database does not exist yet', async () => {
    const { db } = journal();
    const client = createInfluxClient({ ...parseInfluxUrl(influxd.url), database: 'not_created_yet' });
    expect(await createHistory(db, client).query({ estate: OAK, limit: 10 })).toEqual([]);
    db.close();
  });
});
