// The journal against a real SQLite file: group commit, dedupe by (device, id), FIFO callbacks.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../server/store/db.ts';
import { HEARTBEAT_LINGER_MS, Journal } from '../../server/ingest/journal.ts';
import type { EstateEvent } from '../../protocol/index.ts';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'se-journal-'));
  db = openDb(join(dir, 'j.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (device: string, id: string | null, ts = 1_700_000_000_000): EstateEvent => ({
  estate: 'garden', device, kind: id ? 'checkin' : 'position', id, ts, rx: ts, data: { guard: 'g1' },
});

describe('Journal', () => {
  it('commits everything appended in one turn as one group, acknowledging in order', async () => {
    const commits: EstateEvent[][] = [];
    const journal = new Journal(db, { onCommit: (events) => commits.push(events) });
    const acked: string[] = [];
    const all = Array.from({ length: 50 }, (_, i) => new Promise<void>((resolve) => {
      journal.append(event('hh-1', `e${i}`), (err, r) => {
        expect(err).toBeNull();
        expect(r!.inserted).toBe(true);
        acked.push(`e${i}`);
        resolve();
      });
    }));
    expect(journal.pending).toBe(50);
    await Promise.all(all);
    expect(acked).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`));
    expect(commits).toHaveLength(1);
    expect(commits[0]).toHaveLength(50);
    expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(50);
  });

  it('drops duplicates by (device, id) but keeps the same id from another device and id-less events', async () => {
    const journal = new Journal(db);
    const results = await Promise.all(
      [event('hh-1', 'x'), event('hh-1', 'x'), event('hh-2', 'x'), event('hh-1', null), event('hh-1', null)].map(
        (e) => new Promise<boolean>((resolve) => journal.append(e, (_err, r) => resolve(r!.inserted))),
      ),
    );
    expect(results).toEqual([true, false, true, true, true]);
  });

  describe('heartbeats linger for company', () => {
    const beat = (device: string, id: string): EstateEvent => ({ estate: 'garden', device, kind: 'status', id, ts: 1, rx: 1, data: { online: true } });
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('commits heartbeats arriving apart in one group, none acknowledged before it', () => {
      const commits: string[][] = [];
      const journal = new Journal(db, { onCommit: (events) => commits.push(events.map((e) => e.id!)) });
      const acked: string[] = [];
      journal.append(beat('cam-1', 'h1'), () => acked.push('h1'));
      vi.advanceTimersByTime(HEARTBEAT_LINGER_MS / 2);
      journal.append(beat('cam-2', 'h2'), () => acked.push('h2'));
      vi.advanceTimersByTime(HEARTBEAT_LINGER_MS / 2 - 1);
      expect(acked).toEqual([]);
      expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(0);
      vi.advanceTimersByTime(1);
      expect(commits).toEqual([['h1', 'h2']]);
      expect(acked).toEqual(['h1', 'h2']);
    });

    it('commits waiting heartbeats on the next turn, in order, as soon as another event comes', () => {
      const commits: string[][] = [];
      const journal = new Journal(db, { onCommit: (events) => commits.push(events.map((e) => e.id!)) });
      journal.append(beat('cam-1', 'h1'), () => {});
      vi.advanceTimersByTime(5);
      journal.append(event('hh-1', 'c1'), () => {});
      journal.append(beat('cam-2', 'h2'), () => {});
      vi.advanceTimersToNextTimer(); // the setImmediate, not the linger
      expect(commits).toEqual([['h1', 'c1', 'h2']]);
      vi.advanceTimersByTime(HEARTBEAT_LINGER_MS);
      expect(commits).toHaveLength(1); // the cancelled linger commits nothing more
    });

    it('does not linger with heartbeatLingerMs: 0', () => {
      const commits: string[][] = [];
      const journal = new Journal(db, { heartbeatLingerMs: 0, onCommit: (events) => commits.push(events.map((e) => e.id!)) });
      journal.append(beat('cam-1', 'h1'), () => {});
      vi.advanceTimersToNextTimer();
      expect(commits).toEqual([['h1']]);
    });
  });

  it('flushes at maxBatch without waiting for the next turn', () => {
    const journal = new Journal(db, { maxBatch: 3 });
    let done = 0;
    for (let i = 0; i < 3; i++) journal.append(event('hh-1', `b${i}`), () => done++);
    expect(done).toBe(3); // committed synchronously by the third append
  });

  it('fails the whole group, acknowledging nothing, when the commit fails', async () => {
    const journal = new Journal(db);
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.event_id = 'poison' BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    const outcomes = await Promise.all(
      [event('hh-1', 'ok-1'), event('hh-1', 'poison')].map((e) => new Promise<string>((resolve) => journal.append(e, (err) => resolve(err ? err.message : 'ok')))),
    );
    expect(outcomes).toEqual(['disk says no', 'disk says no']);
    expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(0);
  });
});
