// The journal: every accepted event is committed to SQLite before anyone is told it was accepted.
// Appends are grouped: everything that arrives before the next turn of the event loop (or up to
// maxBatch events) is written in ONE transaction, then the callbacks run first-in-first-out, which
// keeps each client's order and makes durability cheap (one fsync per group, not per event).
// Heartbeats (`status`) linger: a group of nothing but statuses waits up to HEARTBEAT_LINGER_MS for
// company, and any other event commits it at once with its own. 10,000 devices beating every 30 s
// arrive one at a time; a commit each cost more than everything else they do (docs/architecture.md).
// The promise is unchanged — nobody is acknowledged before the commit — only a status PUBACK may
// come up to that much later.
import type { EstateEvent } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';

export type AppendCallback = (err: Error | null, result?: { inserted: boolean; seq: number | null }) => void;

/** How long a group of nothing but heartbeats may wait for more events before it commits. */
export const HEARTBEAT_LINGER_MS = 50;
/** Kinds that may wait: a device's sign of life, not something a person waits for. */
const LINGERING_KINDS: ReadonlySet<string> = new Set(['status']);

export interface JournalOptions {
  /** commit at once when this many events wait */
  maxBatch?: number;
  /** how long a group of only heartbeats waits (ms); 0 = commits on the next turn like the rest */
  heartbeatLingerMs?: number;
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
  /** the heartbeats' linger timer, while the queue holds nothing but heartbeats */
  private lingering: NodeJS.Timeout | null = null;
  private readonly lingerMs: number;
  private closed = false;
  private readonly insert;
  private readonly commitGroup;
  private readonly maxBatch: number;
  private readonly onCommit?: (events: EstateEvent[], bodies: string[]) => void;
  private readonly onError?: (err: Error) => void;
  commits = 0;

  constructor(db: Db, options: JournalOptions = {}) {
    this.maxBatch = options.maxBatch ?? 2000;
    this.lingerMs = options.heartbeatLingerMs ?? HEARTBEAT_LINGER_MS;
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
    if (this.queue.length >= this.maxBatch) return this.flush();
    const lingers = this.lingerMs > 0 && LINGERING_KINDS.has(event.kind);
    if (this.lingering && !lingers) {
      // company for the waiting heartbeats: all of them go with this event, on the next turn
      clearTimeout(this.lingering);
      this.lingering = null;
      this.scheduled = false;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    if (lingers) this.lingering = setTimeout(() => this.flush(), this.lingerMs);
    else setImmediate(() => this.flush());
  }

  /** Commits everything queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.lingering) {
      clearTimeout(this.lingering);
      this.lingering = null;
    }
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
