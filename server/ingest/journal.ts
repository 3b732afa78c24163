// The journal: every accepted event is committed to SQLite before anyone is told it was accepted.
// Appends are grouped: everything that arrives before the next turn of the event loop (or up to
// maxBatch events) is written in ONE transaction, then the callbacks run first-in-first-out, which
// keeps each client's order and makes durability cheap (one fsync per group, not per event).
import type { EstateEvent } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';

export type AppendCallback = (err: Error | null, result?: { inserted: boolean; seq: number | null }) => void;

export interface JournalOptions {
  /** commit at once when this many events wait */
  maxBatch?: number;
  /** called after each commit with the events that were new (duplicates left out) and their stored JSON */
  onCommit?: (events: EstateEvent[], bodies: string[]) => void;
  /** called when a group commit failed (nobody of the group was acknowledged) */
  onError?: (err: Error) => void;
}

interface Pending {
  event: EstateEvent;
  /** the stored JSON, also what the live fan-out sends (serialised once) */
  body: string;
  done: AppendCallback;
}

export class Journal {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly insert;
  private readonly commitGroup;
  private readonly maxBatch: number;
  private readonly onCommit?: (events: EstateEvent[], bodies: string[]) => void;
  private readonly onError?: (err: Error) => void;
  commits = 0;

  constructor(db: Db, options: JournalOptions = {}) {
    this.maxBatch = options.maxBatch ?? 2000;
    this.onCommit = options.onCommit;
    this.onError = options.onError;
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO events (estate, device, kind, event_id, ts, rx, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.commitGroup = db.transaction((group: Pending[]) =>
      group.map(({ event, body }) => {
        const info = this.insert.run(event.estate, event.device, event.kind, event.id, event.ts, event.rx, body);
        return info.changes === 1 ? Number(info.lastInsertRowid) : null;
      }),
    );
  }

  get pending(): number {
    return this.queue.length;
  }

  append(event: EstateEvent, done: AppendCallback): void {
    if (this.closed) return done(new Error('journal is closed'));
    this.queue.push({ event, body: JSON.stringify(event), done });
    if (this.queue.length >= this.maxBatch) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits everything queued now. */
  flush(): void {
    this.scheduled = false;
    if (!this.queue.length) return;
    const group = this.queue;
    this.queue = [];
    let seqs: Array<number | null>;
    try {
      seqs = this.commitGroup(group);
    } catch (err) {
      // Nothing of the group is stored: nobody is acknowledged, devices resend.
      this.onError?.(err as Error);
      for (const p of group) p.done(err as Error);
      return;
    }
    this.commits++;
    const fresh: EstateEvent[] = [];
    const bodies: string[] = [];
    group.forEach((p, i) => {
      if (seqs[i] !== null) {
        fresh.push(p.event);
        bodies.push(p.body);
      }
      p.done(null, { inserted: seqs[i] !== null, seq: seqs[i] });
    });
    if (fresh.length && this.onCommit) this.onCommit(fresh, bodies);
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
