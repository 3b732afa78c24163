// The pieces of module state that moves with the estate, alone: the capture triggers (in the module's
// own transaction, off while replicated rows are applied), the generic row applier (idempotent, a
// whitelist of tables, unknown columns dropped), stream id order, and ids unique across nodes from
// blocks of a real Redis counter.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbPath, openDb, type Db } from '../../server/store/db.ts';
import { RowApplier, RowApplyError } from '../../server/cluster/row-apply.ts';
import { compareIds, ID_BLOCK, IdBlocks, installCapture, type StateTable } from '../../server/cluster/estate-state.ts';
import { createRedis } from '../../server/cluster/redis.ts';
import { createLog } from '../../server/log.ts';
import { startRedis, type RedisHandle } from '../support/redis.ts';

const dirs: string[] = [];
function db(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'se-rowapply-'));
  dirs.push(dir);
  const d = openDb(dbPath(dir));
  d.exec(`CREATE TABLE alerts (id INTEGER PRIMARY KEY, estate TEXT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE alert_log (seq INTEGER PRIMARY KEY, alert INTEGER NOT NULL, action TEXT NOT NULL)`);
  return d;
}
const TABLES: StateTable[] = [
  { table: 'alerts', pk: ['id'], estate: 'X.estate' },
  { table: 'alert_log', pk: ['seq'], estate: '(SELECT estate FROM main.alerts WHERE id = X.alert)' },
];
const outbox = (d: Db) => d.prepare('SELECT estate, tbl, op, row FROM estate_state_outbox ORDER BY seq').all() as Array<{ estate: string; tbl: string; op: string; row: string }>;

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('capture', () => {
  it('writes every change of a replicated table to the outbox in the same transaction, with its estate', () => {
    const d = db();
    installCapture(d, TABLES);
    d.prepare("INSERT INTO alerts VALUES (7, 'e1', 'open', '{}')").run();
    d.prepare("INSERT INTO alert_log (seq, alert, action) VALUES (70, 7, 'raised')").run();
    d.prepare("UPDATE alerts SET status = 'resolved' WHERE id = 7").run();
    d.prepare('DELETE FROM alert_log WHERE seq = 70').run();
    expect(outbox(d)).toEqual([
      { estate: 'e1', tbl: 'alerts', op: 'u', row: '{"id":7,"estate":"e1","status":"open","body":"{}"}' },
      { estate: 'e1', tbl: 'alert_log', op: 'u', row: '{"seq":70,"alert":7,"action":"raised"}' },
      { estate: 'e1', tbl: 'alerts', op: 'u', row: '{"id":7,"estate":"e1","status":"resolved","body":"{}"}' },
      { estate: 'e1', tbl: 'alert_log', op: 'd', row: '{"seq":70}' },
    ]);
    // a transaction that fails leaves no outbox row behind
    expect(() => d.transaction(() => {
      d.prepare("INSERT INTO alerts VALUES (8, 'e1', 'open', '{}')").run();
      throw new Error('module write failed');
    })()).toThrow('module write failed');
    expect(outbox(d)).toHaveLength(4);
  });

  it('is off while replicated rows are applied (no ping-pong), and the triggers are not in the database file', () => {
    const d = db();
    const capture = installCapture(d, TABLES);
    const applier = new RowApplier(d, TABLES);
    capture.set(false);
    applier.apply({ tbl: 'alerts', op: 'u', row: { id: 1, estate: 'e1', status: 'open', body: '{}' } });
    capture.set(true);
    expect(outbox(d)).toHaveLength(0);
    expect(d.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'se_state_%'").pluck().get()).toBe(0);
    expect(d.prepare("SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger'").pluck().get()).toBe(6);
  });
});

describe('RowApplier', () => {
  it('upserts whole rows and deletes by primary key, the same change twice leaving the same row', () => {
    const d = db();
    const a = new RowApplier(d, TABLES);
    const row = { id: 3, estate: 'e1', status: 'open', body: '{"id":3}' };
    expect(a.apply({ tbl: 'alerts', op: 'u', row })).toBe('upserted');
    expect(a.apply({ tbl: 'alerts', op: 'u', row })).toBe('upserted');
    a.apply({ tbl: 'alerts', op: 'u', row: { ...row, status: 'acknowledged' } });
    expect(d.prepare('SELECT * FROM alerts').all()).toEqual([{ ...row, status: 'acknowledged' }]);
    expect(a.apply({ tbl: 'alerts', op: 'd', row: { id: 3 } })).toBe('deleted');
    expect(a.apply({ tbl: 'alerts', op: 'd', row: { id: 3 } })).toBe('skipped');
    expect(d.prepare('SELECT count(*) FROM alerts').pluck().get()).toBe(0);
  });

  it('refuses a table outside its whitelist and a row without its key; drops columns the table lacks', () => {
    const d = db();
    const a = new RowApplier(d, TABLES);
    expect(() => a.apply({ tbl: 'users', op: 'u', row: { name: 'x' } })).toThrow(RowApplyError);
    expect(() => a.apply({ tbl: 'alerts; DROP TABLE alerts', op: 'd', row: { id: 1 } })).toThrow(/not replicated/);
    expect(() => a.apply({ tbl: 'alerts', op: 'u', row: { estate: 'e1', status: 'open', body: '{}' } })).toThrow(/primary key column id/);
    a.apply({ tbl: 'alerts', op: 'u', row: { id: 4, estate: 'e1', status: 'open', body: '{}', newer_column: 1 } });
    expect(d.prepare('SELECT id FROM alerts').pluck().all()).toEqual([4]);
  });
});

describe('stream ids and id blocks', () => {
  it('orders stream ids by time, then sequence', () => {
    expect(compareIds('1-0', '0-0')).toBeGreaterThan(0);
    expect(compareIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareIds('10-2', '10-11')).toBeLessThan(0);
    expect(compareIds('10-2', '10-2')).toBe(0);
  });

  it('hands two nodes disjoint ids, above each one\'s largest, also after Redis lost its counter', async () => {
    const log = createLog({ quiet: true });
    const c1 = createRedis(redis.url, 'ids-1', () => {});
    const c2 = createRedis(redis.url, 'ids-2', () => {});
    await Promise.all([c1.connect(), c2.connect()]);
    try {
      const seen = new Set<number>();
      // each node's floor is the largest id it holds, as the modules' tables give it
      let floor1 = 41;
      const a = new IdBlocks(c1, log, () => Math.max(floor1, ...seen));
      const b = new IdBlocks(c2, log, () => 0);
      await a.prepare('alerts');
      await b.prepare('alerts');
      const take = async (blocks: IdBlocks, n: number) => {
        for (let i = 0; i < n; i++) {
          const id = blocks.next('alerts');
          expect(seen.has(id)).toBe(false);
          seen.add(id);
          // the spare's refill runs in the background, as it does between commit groups
          if (i % 200 === 0) await blocks.settled('alerts');
        }
      };
      await take(a, ID_BLOCK * 3);
      await take(b, ID_BLOCK * 3);
      await take(a, 10);
      expect(Math.min(...seen)).toBe(42);
      expect(seen.size).toBe(ID_BLOCK * 6 + 10);
      // Redis loses the counter: the next block starts above this node's largest id
      await redis.command(['DEL', 'se:ids:alerts']);
      floor1 = Math.max(...seen);
      const fresh = new IdBlocks(c1, log, () => floor1);
      await fresh.prepare('alerts');
      expect(fresh.next('alerts')).toBe(floor1 + 1);
    } finally {
      c1.disconnect();
      c2.disconnect();
    }
  });

  it('takes ids above its own largest while Redis does not answer, and the block that lands later starts above them', async () => {
    const log = createLog({ quiet: true });
    const c = createRedis(redis.url, 'ids-away', () => {});
    await c.connect();
    try {
      const seen: number[] = [];
      const blocks = new IdBlocks(c, log, () => 0);
      await blocks.prepare('log');
      const take = (n: number) => {
        for (let i = 0; i < n; i++) seen.push(blocks.next('log'));
      };
      // Redis stops answering writes: the refill started on the spare hangs until it times out
      await redis.command(['CLIENT', 'PAUSE', '60000', 'WRITE']);
      take(ID_BLOCK * 2); // the block in use and the spare: no round trip needed
      const lastOfBlocks = seen[seen.length - 1];
      take(50); // no block left: ids of this node's own
      const own = seen.slice(-50);
      expect(own[0]).toBe(lastOfBlocks + 1);
      expect(own).toEqual(Array.from({ length: 50 }, (_v, i) => lastOfBlocks + 1 + i));
      await redis.command(['CLIENT', 'UNPAUSE']);
      await blocks.settled('log'); // the hung fetch lands or times out
      take(1); // starts a fetch if the hung one timed out
      await blocks.settled('log');
      take(10);
      const after = seen.slice(-10);
      expect(Math.min(...after)).toBeGreaterThan(Math.max(...own));
      expect(new Set(seen).size).toBe(seen.length);
      // the counter stands above every id handed out, so other nodes' blocks do too
      expect(Number(await redis.command(['GET', 'se:ids:log']))).toBeGreaterThanOrEqual(Math.max(...seen));
    } finally {
      await redis.command(['CLIENT', 'UNPAUSE']);
      c.disconnect();
    }
  });
});
