// The WAL checkpointer thread against a real SQLite file.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../server/store/db.ts';
import { LIGHT_WAL_PAGES, nextCheckpointDelay, startCheckpointer } from '../../server/store/checkpointer.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fresh(): { db: Db; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'se-ckpt-'));
  dirs.push(dir);
  const file = join(dir, 'x.db');
  return { db: openDb(file), file };
}

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const fill = (db: Db, rows: number, tag: string) => {
  const insert = db.prepare('INSERT INTO events (estate, device, kind, event_id, ts, rx, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('e', `d-${i % 50}`, 'checkin', `${tag}-${i}`, i, i, 'x'.repeat(400));
  })();
};

describe('WAL checkpointer', () => {
  it('takes checkpoints off the committing connection and gives them back when it stops', async () => {
    const { db, file } = fresh();
    const checkpointer = startCheckpointer(db, { intervalMs: 20 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    fill(db, 20_000, 'a'); // ~10 MB: far past the 1,000 pages at which SQLite would checkpoint inside this commit
    const before = statSync(file).size;
    await until('the worker to copy the WAL into the database file', () => {
      const s = checkpointer.stats();
      return s.runs > 0 && s.walPages > 1000 && s.checkpointed === s.walPages;
    });
    expect(statSync(file).size).toBeGreaterThan(before + 5_000_000);
    expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(20_000);
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });

  it('waits the idle interval after a light run, the short one after real work or a failure', () => {
    const data = { intervalMs: 200, idleIntervalMs: 1000 };
    expect(nextCheckpointDelay(0, data)).toBe(1000);
    expect(nextCheckpointDelay(LIGHT_WAL_PAGES - 1, data)).toBe(1000);
    expect(nextCheckpointDelay(LIGHT_WAL_PAGES, data)).toBe(200);
    expect(nextCheckpointDelay(null, data)).toBe(200); // a failed run tries again soon
  });

  it('refuses an in-memory database', () => {
    const db = openDb(':memory:');
    expect(() => startCheckpointer(db)).toThrow(/database file/);
    db.close();
  });
});
