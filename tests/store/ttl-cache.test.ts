import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TtlCache } from '../../server/store/ttl-cache.ts';
import { dataVersion, openDb, type Db } from '../../server/store/db.ts';
import { EstateContexts } from '../../server/ingest/estate-context.ts';
import { upsertCheckpoint, upsertEstate } from '../../server/store/estates.ts';

describe('TtlCache', () => {
  it('loads once per ttl, on demand, and again after invalidate', () => {
    let loads = 0;
    const cache = new TtlCache<string>({ ttlMs: 10_000, load: (k) => `${k}#${++loads}`, stale: (_v, age, hint) => hint === 'reload' && age >= 500 });
    expect(cache.get('a', 0)).toBe('a#1');
    expect(cache.get('a', 9_999)).toBe('a#1');
    expect(cache.get('a', 10_000)).toBe('a#2'); // expired
    expect(cache.get('b', 10_000)).toBe('b#3');
    expect(cache.get('a', 10_400, 'reload')).toBe('a#2'); // the caller asks, but the entry is younger than it allows
    expect(cache.get('a', 10_500, 'reload')).toBe('a#4');
    cache.invalidate('a');
    expect(cache.get('a', 10_600)).toBe('a#5');
    expect(cache.get('b', 10_600)).toBe('b#3');
    cache.invalidate();
    expect(cache.get('b', 10_600)).toBe('b#6');
  });

  it('with a version, keeps an expired entry until the version changes', () => {
    let loads = 0;
    let version = 7;
    const cache = new TtlCache<string>({ ttlMs: 1_000, load: (k) => `${k}#${++loads}`, version: () => version });
    expect(cache.get('a', 0)).toBe('a#1');
    expect(cache.get('a', 5_000)).toBe('a#1'); // expired, nothing changed: kept
    version = 8;
    expect(cache.get('a', 5_500)).toBe('a#1'); // changed, but looked at again only after ttlMs
    expect(cache.get('a', 6_000)).toBe('a#2');
    expect(cache.get('a', 9_000)).toBe('a#2');
  });
});

describe('data_version behind the estate caches', () => {
  let dir: string;
  const open: Db[] = [];
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const GARDEN = { id: 'garden', name: 'Garden', nameZh: '花园', lat: 30.25, lon: 120.15, timezone: 'Asia/Shanghai' };
  /** Two connections to one new file, as the server and a CLI command in another process have. */
  const twoConnections = (): [Db, Db] => {
    dir = mkdtempSync(join(tmpdir(), 'se-version-'));
    const pair: [Db, Db] = [openDb(join(dir, 'v.db')), openDb(join(dir, 'v.db'))];
    open.push(...pair);
    return pair;
  };

  it("moves for another connection's commit, not for this connection's own", () => {
    const [mine, other] = twoConnections();
    const v0 = dataVersion(mine);
    upsertEstate(mine, GARDEN);
    expect(dataVersion(mine)).toBe(v0);
    upsertEstate(other, { ...GARDEN, id: 'orchard', name: 'Orchard', nameZh: '果园' });
    expect(dataVersion(mine)).not.toBe(v0);
  });

  it('an estate context is read again after the ttl only when another connection changed the file', () => {
    const [server, cli] = twoConnections();
    upsertEstate(server, GARDEN);
    const contexts = new EstateContexts(server);
    const first = contexts.get('garden', 0)!;
    expect(contexts.get('garden', 60_000)).toBe(first); // a minute on, nothing changed: the same object, not a reload
    upsertCheckpoint(cli, 'garden', { id: 'cp-gate', code: 'GATE-1', name: 'Gate', x: 5, y: 6 });
    const after = contexts.get('garden', 120_000)!;
    expect(after).not.toBe(first);
    expect(after.checkpoints.get('GATE-1')).toEqual({ x: 5, y: 6 });
  });
});
