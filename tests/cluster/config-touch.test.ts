// Sessions' last use across nodes (docs/scale-out.md section 2): two nodes' SQLite copies, each with
// its ConfigFeed, against a real PostgreSQL. A use on one node reaches the other in the batched touch;
// a touch never brings back a session another node ended meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { until } from '../support/process.ts';
import { openDb, type Db } from '../../server/store/db.ts';
import { upsertEstate } from '../../server/store/estates.ts';
import { addUser, endSession, login, userForSession } from '../../server/store/users.ts';
import { hashToken } from '../../server/store/secrets.ts';
import { ConfigFeed, configChange } from '../../server/cluster/config-db.ts';
import { applyRow } from '../../server/cluster/config-apply.ts';
import { createLog } from '../../server/log.ts';

let pg: PostgresHandle;
const dirs: string[] = [];
const nodes: Array<{ db: Db; feed: ConfigFeed }> = [];

function node(): { db: Db; feed: ConfigFeed } {
  const dir = mkdtempSync(join(tmpdir(), 'se-touch-'));
  dirs.push(dir);
  const db = openDb(join(dir, 'smart-estate.db'));
  upsertEstate(db, { id: 'test', name: 'Test', nameZh: 'Test', lat: 30, lon: 120, timezone: 'Asia/Shanghai' });
  // the timers are not what is tested: flushTouches is called by the test; 1 h touch period, 200 ms poll
  const feed = new ConfigFeed(pg.url, db, createLog({ quiet: true }), 200, () => {}, 3_600_000);
  nodes.push({ db, feed });
  return { db, feed };
}
const lastUsed = (db: Db, token: string) => (db.prepare('SELECT last_used_at FROM sessions WHERE token_hash = ?').pluck().get(hashToken(token)) as number | undefined);

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const n of nodes) {
    await n.feed.close();
    n.db.close();
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await pg?.stop();
});

describe('session touches through the shared configuration', () => {
  it('a use on node A reaches node B in one flush; a touch of a session B ended is not recorded and does not bring it back', async () => {
    const a = node();
    const b = node();
    await Promise.all([a.feed.start(), b.feed.start()]);
    const shared = (n: { feed: ConfigFeed }) => ({ url: pg.url, feed: n.feed });
    await configChange(a.db, shared(a), () => addUser(a.db, { name: 'zhao', role: 'operator', password: 'Patrol-pass-2026!', estate: 'test' }));
    const t0 = Date.now();
    const grant = await configChange(a.db, shared(a), () => login(a.db, 'zhao', 'Patrol-pass-2026!', t0));
    const token = grant!.token;
    await until('node B has the session', () => lastUsed(b.db, token) === t0, 10_000);

    // used on A 50 minutes later: written locally (at most once a minute), sent in the flush
    const later = t0 + 50 * 60_000;
    expect(userForSession(a.db, token, later)).toMatchObject({ name: 'zhao' });
    expect(lastUsed(a.db, token)).toBe(later);
    expect(lastUsed(b.db, token)).toBe(t0);
    await a.feed.flushTouches();
    await until('node B has the last use', () => lastUsed(b.db, token) === later, 10_000);
    // so B does not end it for idleness 70 minutes after the login (20 after the use on A)
    expect(userForSession(b.db, token, t0 + 70 * 60_000)).toMatchObject({ name: 'zhao' });

    // used on A again, then ended on B before A's flush: the flush does not resurrect it
    expect(userForSession(a.db, token, t0 + 72 * 60_000)).toBeDefined();
    const ended = a.db.prepare('SELECT token_hash, user, expires_at, last_used_at FROM sessions WHERE token_hash = ?').get(hashToken(token));
    expect(await configChange(b.db, shared(b), () => endSession(b.db, token))).toBe(true);
    await until('node A lost the session', () => lastUsed(a.db, token) === undefined, 10_000);
    // a node that had not applied the end yet (its row put back here to stand for that lag) sends its use:
    // PostgreSQL refuses to record a touch of a session it no longer has
    a.db.prepare('INSERT INTO sessions (token_hash, user, expires_at, last_used_at) VALUES (@token_hash, @user, @expires_at, @last_used_at)').run({ ...(ended as object) });
    expect(userForSession(a.db, token, t0 + 74 * 60_000)).toBeDefined();
    const seqBefore = (await pg.query<{ seq: string }>('SELECT max(seq) AS seq FROM config_changes'))[0].seq;
    await a.feed.flushTouches();
    expect(await pg.query("SELECT op FROM config_changes WHERE seq > $1 AND op = 'touch'", [seqBefore])).toEqual([]);
    const [{ n }] = await pg.query<{ n: string }>("SELECT count(*) AS n FROM config_rows WHERE entity = 'sessions'");
    expect(Number(n)).toBe(0);
    expect(lastUsed(b.db, token)).toBeUndefined();
  }, 60_000);

  it('applyRow is idempotent and a touch updates only a row that exists', () => {
    const { db } = node();
    const row = { estate: 'test', id: 'b1', name: 'B1', use: 'residential', floors: 3, height: 9, min_height: 0, polygons: '[]', center_x: 1, center_y: 2 };
    applyRow(db, { table: 'buildings', key: { estate: 'test', id: 'b1' }, row });
    applyRow(db, { table: 'buildings', key: { estate: 'test', id: 'b1' }, row });
    expect(db.prepare('SELECT * FROM buildings').all()).toEqual([row]);
    applyRow(db, { table: 'sessions', key: { token_hash: 'x' }, row: { token_hash: 'x', user: 'nobody', expires_at: 1, last_used_at: 1 } }, { onlyIfPresent: true });
    expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(0);
    applyRow(db, { table: 'buildings', key: { estate: 'test', id: 'b1' }, row: null });
    applyRow(db, { table: 'buildings', key: { estate: 'test', id: 'b1' }, row: null });
    expect(db.prepare('SELECT count(*) FROM buildings').pluck().get()).toBe(0);
  });
});
