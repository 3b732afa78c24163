// Two nodes' copies adding a row with the same new key (#15, docs/scale-out.md section 2, "A new key
// another node wrote meanwhile is refused"): deterministic, in-process — two SQLite files, one real
// PostgreSQL, the second copy not caught up when it writes (the race two REST adds at once can run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { openDb, type Db } from '../../server/store/db.ts';
import { upsertEstate } from '../../server/store/estates.ts';
import { addResident, listResidents } from '../../server/vehicles/lists.ts';
import { ConfigConflictError, catchUpOnce, writeShared } from '../../server/cluster/config-db.ts';

let pg: PostgresHandle;
let dir: string;
let one: Db;
let two: Db;
const resident = (plate: string, name: string) => ({ plate, name, building: '', room: '', space: '', carPark: '', phone: '', note: '' });

beforeAll(async () => {
  pg = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'se-conflict-'));
  one = openDb(join(dir, 'one.db'));
  two = openDb(join(dir, 'two.db'));
}, 60_000);
afterAll(async () => {
  one?.close();
  two?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a new row whose key another node wrote meanwhile', () => {
  it('is refused whole with "try again", the first write kept; after catching up the retry gets the next id', async () => {
    await writeShared(one, pg.url, () => upsertEstate(one, { id: 'e1', name: 'E1', nameZh: '一号', lat: 30, lon: 120, timezone: 'Asia/Shanghai' }));
    await catchUpOnce(pg.url, two);
    const first = await writeShared(one, pg.url, () => addResident(one, 'e1', resident('浙A11111', 'one'), 1));
    expect(first.value.id).toBe(1);

    // copy two has not seen resident 1: it picks id 1 too
    const raced = writeShared(two, pg.url, () => addResident(two, 'e1', resident('浙A22222', 'two'), 2));
    await expect(raced).rejects.toThrow(ConfigConflictError);
    await expect(raced).rejects.toThrow('vehicle_residents [1] was just written on another node; nothing was saved: try again');
    const truth = await pg.query<{ row: { plate: string } }>("SELECT row FROM config_rows WHERE entity = 'vehicle_residents'");
    expect(truth.map((r) => r.row.plate)).toEqual(['浙A11111']);
    expect(Number((await pg.query<{ n: string }>("SELECT count(*) AS n FROM config_changes WHERE entity = 'vehicle_residents'"))[0].n)).toBe(1);

    // the same write again once two has caught up: the next id, both copies the same
    await catchUpOnce(pg.url, two);
    const retry = await writeShared(two, pg.url, () => addResident(two, 'e1', resident('浙A22222', 'two'), 3));
    expect(retry.value.id).toBe(2);
    await catchUpOnce(pg.url, one);
    const plates = (db: Db) => listResidents(db, 'e1').map((r) => `${r.id} ${r.plate}`).sort();
    expect(plates(one)).toEqual(['1 浙A11111', '2 浙A22222']);
    expect(plates(two)).toEqual(plates(one));
  }, 60_000);
});
