// Hand-off of committed events to the estate's owner (docs/scale-out.md § Hand-off streams): the
// stateful modules (alerts, patrol, vehicles, work orders) run once per estate, on its owner.
//
//   se:estate:{E}:events   the hand-off stream: events of E committed on nodes that did not evaluate
//                          them (XADD, MAXLEN ~ STREAM_MAXLEN), field `e` = the journal body
//   se:estate:{E}:cursor   the last stream id the owner evaluated (written with fencedWrite: a
//                          stale owner cannot move it)
//
// Sender (every node): like the InfluxDB forwarder, reads the journal past the persisted checkpoint
// meta[handoff.redis.seq] in seq order; rows this process evaluated itself at commit (it owned the
// estate and had caught up its stream) are passed over, the rest are XADDed in one pipeline, then
// the checkpoint moves. Redis away → the checkpoint stands still and the journal keeps the rows; a
// crash between XADD and checkpoint re-sends them (duplicates, never gaps). Nothing on the ingest
// path waits for it: durability and PUBACK stay the journal's.
//
// Reader (the owner): XREAD from the confirmed cursor of every owned estate, drops what it evaluated
// already (by device and event id, handoff_seen), hands the rest to the modules, then confirms the
// cursor with its fencing token. A new owner after a takeover starts at the last confirmed cursor.
import type { Redis } from 'ioredis';
import type { EstateEvent } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { getMeta, setMeta } from '../store/db.ts';
import type { Log } from '../log.ts';
import type { Ownership } from './ownership.ts';
import { estatePrefix } from './lease-scripts.ts';

export const streamKey = (estate: string) => `${estatePrefix(estate)}events`;
export const cursorKey = (estate: string) => `${estatePrefix(estate)}cursor`;
export const HANDOFF_CHECKPOINT_KEY = 'handoff.redis.seq';
/**
 * Entries kept per estate stream at most (approximate trim), a ceiling for an estate nobody reads: the
 * owner trims what it confirmed (XTRIM MINID, fenced), so a read stream holds only its unread tail.
 * At ~10 events/s an estate fills this in ~5.5 h without an owner; older entries are then gone from
 * evaluation (history in InfluxDB keeps them).
 */
export const STREAM_MAXLEN = 200_000;
/** rows per XADD pipeline, entries per XREAD */
export const BATCH = 500;
/** XREAD BLOCK: how soon a newly owned estate's stream is read (entries on watched streams wake it at once) */
export const READ_BLOCK_MS = 250;
/**
 * How long an evaluated (device, id) is remembered against a second delivery: the repeats it catches
 * are a re-sent batch (a crash between XADD and checkpoint, an unconfirmed batch at a takeover) and a
 * device resending to another node — minutes, not days. Trimmed every 5 s, TRIM_ROWS a statement until done or TRIM_BUDGET_MS spent
 * (a short statement on the main thread, never hours of rows at once).
 */
export const SEEN_KEEP_MS = 3_600_000;
const TRIM_EVERY_MS = 5_000;
const TRIM_ROWS = 10_000;
/** at most this long trimming per pass (statements of TRIM_ROWS with the event loop between them) */
const TRIM_BUDGET_MS = 50;
/**
 * After a pass that was not a full batch, wait this long before the next: the checkpoint write is a
 * transaction of its own (an fsync), and without it a node would pay one per commit group.
 */
export const SEND_LINGER_MS = 20;
const RETRY_MIN_MS = 100;
/** How long a graceful stop waits for the sender to hand over the journal's tail. */
export const STOP_DRAIN_MS = 5_000;
const RETRY_MAX_MS = 2_000;

export interface HandoffMetrics {
  sent: { inc(n?: number): void };
  evaluated: { inc(n?: number): void };
  duplicates: { inc(n?: number): void };
  lag: { set(n: number): void };
}

export interface HandoffOptions {
  db: Db;
  /** the command connection (XADD, fenced cursor writes) */
  redis: Redis;
  /** a connection of its own for the blocking XREAD */
  reader: Redis;
  ownership: Ownership;
  nodeId: string;
  log: Log;
  metrics: HandoffMetrics;
  /** runs the stateful modules on handed-over events (in stream order, one estate per call) */
  evaluate(events: EstateEvent[]): void;
  /** whether the estate's module state is caught up under this token (estate-state.ts); absent = at once */
  ready?(estate: string, token: string): boolean;
  /** ships the module state the evaluation produced, before the cursor is confirmed (cursor and state agree) */
  beforeConfirm?(): Promise<void>;
}

interface Group {
  /** the group's last journal seq (groups are contiguous: the next starts after it) */
  to: number;
  /** estates of the group this process evaluated at commit */
  local: Set<string>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
/**
 * Idempotent by (device, event id). An event without an id by where it was journaled: the sending
 * node, its journal seq and the receipt time (seqs start again after a journal trimmed empty) — two
 * statuses of one device in one millisecond are two; entries from before the seq was sent (no `s`
 * field) by kind, device time and receipt time as before.
 */
export const seenKey = (event: EstateEvent, origin?: { node: string; seq: string }) =>
  event.id ?? (origin ? `~${origin.node}#${origin.seq}@${event.rx}` : `~${event.kind}:${event.ts}:${event.rx}`);
const field = (fields: string[], name: string): string | undefined => {
  const i = fields.indexOf(name);
  return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
};

/** Per-estate reading state of the owner. */
interface Reading {
  token: string;
  /** the stream id to read after; null until loaded from se:estate:{E}:cursor */
  cursor: string | null;
  /** the stream has been read to its end once since this node took the estate: its own events go straight to the modules */
  caughtUp: boolean;
}

export class Handoff {
  private readonly groups: Group[] = [];
  private readonly maxSeq;
  private readonly selectBatch;
  private readonly markSeen;
  private readonly trimSeen;
  private readonly isSeen;
  private readonly remember: (events: EstateEvent[], keys: string[], now: number) => void;
  private readonly markFresh: (entries: Array<[string, string[]]>, estate: string) => { fresh: EstateEvent[]; keys: string[]; duplicates: number };
  private checkpoint: number;
  private stopped = false;
  private wakeSender: (() => void) | null = null;
  private sending: Promise<void> = Promise.resolve();
  private reading: Promise<void> = Promise.resolve();
  private readonly estates = new Map<string, Reading>();
  private lastTrim = 0;

  constructor(private readonly o: HandoffOptions) {
    const { db } = o;
    db.exec(`CREATE TABLE IF NOT EXISTS handoff_seen (
      device TEXT NOT NULL, key TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (device, key)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS handoff_seen_at ON handoff_seen (at)`);
    this.maxSeq = db.prepare('SELECT MAX(seq) FROM events').pluck();
    this.selectBatch = db.prepare('SELECT seq, estate, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.markSeen = db.prepare('INSERT OR IGNORE INTO handoff_seen (device, key, at) VALUES (?, ?, ?)');
    this.trimSeen = db.prepare(`DELETE FROM handoff_seen WHERE (device, key) IN (SELECT device, key FROM handoff_seen WHERE at < ? LIMIT ${TRIM_ROWS})`);
    this.isSeen = db.prepare('SELECT 1 FROM handoff_seen WHERE device = ? AND key = ?').pluck();
    // which entries are new: looked up before the modules run, remembered only after they ran (a
    // crash in between evaluates them again — a repeat, never a loss); one transaction per batch
    this.remember = db.transaction((events: EstateEvent[], keys: string[], now: number) => {
      events.forEach((event, i) => this.markSeen.run(event.device, keys[i], now));
    });
    this.markFresh = (entries: Array<[string, string[]]>, estate: string) => {
      const fresh: EstateEvent[] = [];
      const keys: string[] = [];
      const inBatch = new Set<string>();
      let duplicates = 0;
      for (const [, fields] of entries) {
        const body = fields[fields.indexOf('e') + 1];
        let event: EstateEvent;
        try {
          event = JSON.parse(body) as EstateEvent;
        } catch {
          this.o.log.warn(`cluster: hand-off stream of ${estate}: an entry that is not an event, passed over`);
          continue;
        }
        if (event.estate !== estate) continue;
        const node = field(fields, 'n');
        const seq = field(fields, 's');
        const key = seenKey(event, node !== undefined && seq !== undefined ? { node, seq } : undefined);
        if (inBatch.has(`${event.device}\n${key}`) || this.isSeen.get(event.device, key)) duplicates++;
        else {
          inBatch.add(`${event.device}\n${key}`);
          fresh.push(event);
          keys.push(key);
        }
      }
      return { fresh, keys, duplicates };
    };
    const stored = getMeta(db, HANDOFF_CHECKPOINT_KEY);
    const max = (this.maxSeq.get() as number | null) ?? 0;
    if (stored === undefined || Number(stored) > max) {
      // first start in a cluster (or a journal trimmed empty, which numbers rows from 1 again): what
      // the journal holds was evaluated here as a single node; only what comes next is handed over
      this.checkpoint = max;
      setMeta(db, HANDOFF_CHECKPOINT_KEY, String(max));
    } else this.checkpoint = Number(stored);
  }

  start(): void {
    this.sending = this.sendLoop();
    this.reading = this.readLoop();
  }

  /**
   * Right after a journal commit (synchronous, before anything else commits): which of the group's
   * events this node evaluates itself — those of estates it owns and whose stream it has caught up —
   * and remembers the rest for the sender.
   */
  split(events: EstateEvent[]): EstateEvent[] {
    const local = new Set<string>();
    const decided = new Map<string, boolean>();
    const mine: EstateEvent[] = [];
    for (const e of events) {
      let own = decided.get(e.estate);
      if (own === undefined) {
        const r = this.estates.get(e.estate);
        own = r !== undefined && r.caughtUp && this.o.ownership.tokenFor(e.estate) === r.token;
        decided.set(e.estate, own);
        if (own) local.add(e.estate);
      }
      if (own) mine.push(e);
    }
    const to = (this.maxSeq.get() as number | null) ?? 0;
    if (to > this.checkpoint) {
      // consecutive groups with the same estates evaluated here are one range (a long Redis outage
      // must not grow a list entry per commit group)
      const last = this.groups[this.groups.length - 1];
      if (last && last.local.size === local.size && [...local].every((e) => last.local.has(e))) last.to = to;
      else this.groups.push({ to, local });
    }
    this.wakeSender?.();
    return mine;
  }

  /** the journal seq up to which everything was handed over (or passed over): trimming stops here */
  handedOverUpTo(): number {
    return this.checkpoint;
  }

  /** journal rows not yet handed over (or passed over) */
  lag(): number {
    return Math.max(0, ((this.maxSeq.get() as number | null) ?? 0) - this.checkpoint);
  }

  /** the estates whose streams this node reads (owned), with whether it has caught up */
  readingState(): Array<{ estate: string; caughtUp: boolean; cursor: string | null }> {
    return [...this.estates].map(([estate, r]) => ({ estate, caughtUp: r.caughtUp, cursor: r.cursor }));
  }

  private localAt(seq: number, estate: string): boolean {
    const g = this.groups.find((x) => x.to >= seq);
    return g ? g.local.has(estate) : false;
  }

  private async sendLoop(): Promise<void> {
    let backoff = RETRY_MIN_MS;
    while (!this.stopped) {
      try {
        backoff = await this.sendOnce(backoff);
      } catch (err) {
        // the journal read or the checkpoint write failed (disk full, I/O): never an unhandled
        // rejection that ends the process; the checkpoint stands, the rows wait
        if (this.stopped) return;
        this.o.log.warn(`cluster: hand-off sender: ${(err as Error).message}; trying again`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      }
    }
  }

  /** One pass of the sender; the backoff for the next. */
  private async sendOnce(backoffIn: number): Promise<number> {
    let backoff = backoffIn;
    {
      const rows = this.selectBatch.all(this.checkpoint, BATCH) as Array<{ seq: number; estate: string; body: string }>;
      if (!rows.length) {
        this.o.metrics.lag.set(0);
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, 1_000);
          t.unref();
          function done() {
            clearTimeout(t);
            resolve();
          }
          this.wakeSender = () => {
            this.wakeSender = null;
            done();
          };
        });
        return backoff;
      }
      const out = rows.filter((r) => !this.localAt(r.seq, r.estate));
      const last = rows[rows.length - 1].seq;
      if (out.length) {
        try {
          const pipe = this.o.redis.pipeline();
          for (const r of out) pipe.xadd(streamKey(r.estate), 'MAXLEN', '~', STREAM_MAXLEN, '*', 'e', r.body, 'n', this.o.nodeId, 's', String(r.seq));
          const results = (await pipe.exec()) ?? [];
          const failed = results.find(([err]) => err);
          if (failed) throw failed[0];
          this.o.metrics.sent.inc(out.length);
          backoff = RETRY_MIN_MS;
        } catch (err) {
          this.o.log.debug(`cluster: hand-off of ${out.length} events waits for Redis (${(err as Error).message}); they stay in the journal`);
          this.o.metrics.lag.set(this.lag());
          await sleep(backoff);
          return Math.min(backoff * 2, RETRY_MAX_MS);
        }
      }
      if (this.stopped) return backoff;
      setMeta(this.o.db, HANDOFF_CHECKPOINT_KEY, String(last));
      this.checkpoint = last;
      while (this.groups.length && this.groups[0].to <= last) this.groups.shift();
      this.o.metrics.lag.set(this.lag());
      if (rows.length < BATCH) await sleep(SEND_LINGER_MS);
    }
    return backoff;
  }

  /** Which estates to read: the owned ones, each with its token; cursors of new ones loaded from Redis. */
  private async refreshEstates(): Promise<void> {
    const owned = new Map(this.o.ownership.owned().map((e) => [e, this.o.ownership.tokenFor(e)!] as const));
    for (const [estate, r] of this.estates) if (owned.get(estate) !== r.token) this.estates.delete(estate);
    for (const [estate, token] of owned) {
      if (this.estates.has(estate)) continue;
      // a new owner reads the estate's module state to its end first (estate-state.ts)
      if (this.o.ready && !this.o.ready(estate, token)) continue;
      const cursor = await this.o.redis.get(cursorKey(estate));
      // the token may have moved on while the GET was out
      if (this.o.ownership.tokenFor(estate) !== token) continue;
      this.estates.set(estate, { token, cursor: cursor ?? '0-0', caughtUp: false });
      this.o.log.info(`cluster: reading estate ${estate}'s hand-off stream from ${cursor ?? 'its start'}`);
    }
  }

  private async readLoop(): Promise<void> {
    let backoff = RETRY_MIN_MS;
    while (!this.stopped) {
      try {
        await this.refreshEstates();
        const list = [...this.estates].filter(([, r]) => r.cursor !== null);
        if (!list.length) {
          await sleep(READ_BLOCK_MS);
          continue;
        }
        // the sender's backlog before the read: once a read finds nothing after it, every event this
        // node handed to itself while it was not (yet) evaluating directly has been read
        const senderIdle = this.lag() === 0;
        const reply = (await this.o.reader.xread('COUNT', BATCH, 'BLOCK', READ_BLOCK_MS, 'STREAMS', ...list.map(([e]) => streamKey(e)), ...list.map(([, r]) => r.cursor!))) as Array<[string, Array<[string, string[]]>]> | null;
        const got = new Map((reply ?? []).map(([key, entries]) => [key, entries]));
        for (const [estate, r] of list) {
          const entries = got.get(streamKey(estate)) ?? [];
          if (!entries.length) {
            if (senderIdle && !r.caughtUp) {
              r.caughtUp = true;
              this.o.log.info(`cluster: estate ${estate}'s hand-off stream read to its end: this node evaluates the estate's events`);
            }
            continue;
          }
          await this.evaluate(estate, r, entries);
        }
        backoff = RETRY_MIN_MS;
        if (Date.now() - this.lastTrim > TRIM_EVERY_MS) {
          this.lastTrim = Date.now();
          // TRIM_ROWS a statement, until the old rows are gone or TRIM_BUDGET_MS is spent: one
          // statement per 5 s kept up only with 2,000 handed-over events a second (the review of #15)
          const cutoff = Date.now() - SEEN_KEEP_MS;
          const budgetEnd = performance.now() + TRIM_BUDGET_MS;
          while (this.trimSeen.run(cutoff).changes === TRIM_ROWS && performance.now() < budgetEnd && !this.stopped) {
            await new Promise((resolve) => setImmediate(resolve)); // the event loop between statements
          }
        }
      } catch (err) {
        if (this.stopped) return;
        this.o.log.debug(`cluster: hand-off read: ${(err as Error).message}`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      }
    }
  }

  private async evaluate(estate: string, r: Reading, entries: Array<[string, string[]]>): Promise<void> {
    // not ours any more (the lease ran out while the read was out): the next owner reads them
    if (this.o.ownership.tokenFor(estate) !== r.token) return;
    const { fresh, keys, duplicates } = this.markFresh(entries, estate);
    if (fresh.length) {
      this.o.evaluate(fresh);
      try {
        this.remember(fresh, keys, Date.now());
      } catch (err) {
        // evaluated all the same: the cursor moves on (a retry from the old cursor would run the
        // modules on the batch again); only the dedupe against a second delivery is missing for it
        this.o.log.warn(`cluster: hand-off: ${fresh.length} evaluated events of ${estate} not remembered against a second delivery: ${(err as Error).message}`);
      }
    }
    this.o.metrics.evaluated.inc(fresh.length);
    if (duplicates) this.o.metrics.duplicates.inc(duplicates);
    const last = entries[entries.length - 1][0];
    r.cursor = last;
    // the state rows this batch produced are in Redis before the cursor says it was evaluated
    if (fresh.length && this.o.beforeConfirm) await this.o.beforeConfirm();
    const w = await this.o.ownership.fencedWrite(estate, 'SET', cursorKey(estate), last);
    if (!w.ok && w.reason === 'stale_token') {
      this.o.log.warn(`cluster: estate ${estate} has a new owner: this node's evaluation of ${fresh.length} handed-over events after the last confirmed cursor is repeated there`);
      this.estates.delete(estate);
    } else if (w.ok) {
      // what is confirmed is never read again: the stream keeps only its unread tail (fenced, like the cursor)
      await this.o.ownership.fencedWrite(estate, 'XTRIM', streamKey(estate), 'MINID', last).catch(() => {});
    }
    // 'unavailable': the next confirmation carries it; a takeover meanwhile repeats this batch
  }

  /**
   * On a graceful stop: moves the checkpoint over the rows this process evaluated itself, up to the
   * first it still has to hand over (that knowledge is in memory; a next start would hand them over).
   */
  private passLocal(): void {
    for (;;) {
      const rows = this.selectBatch.all(this.checkpoint, BATCH) as Array<{ seq: number; estate: string }>;
      let last = this.checkpoint;
      for (const r of rows) {
        if (!this.localAt(r.seq, r.estate)) break;
        last = r.seq;
      }
      if (last === this.checkpoint) return;
      this.checkpoint = last;
      setMeta(this.o.db, HANDOFF_CHECKPOINT_KEY, String(last));
    }
  }

  /**
   * A graceful stop, called once the node takes no more events (broker and journal closed): the
   * sender first hands over what is left, for at most `drainMs` (Redis away: it stays in the journal
   * and goes at the next start), then the reader ends and the checkpoint is moved over the rows
   * evaluated here — so a restart neither re-sends what was evaluated nor keeps back what was not.
   */
  async stop(drainMs = STOP_DRAIN_MS): Promise<void> {
    const deadline = Date.now() + drainMs;
    while (!this.stopped && this.o.db.open && this.lag() > 0 && Date.now() < deadline) {
      this.wakeSender?.();
      await sleep(SEND_LINGER_MS);
    }
    if (this.o.db.open && this.lag() > 0) this.o.log.warn(`cluster: stopping with ${this.lag()} journal rows not handed over yet (Redis too slow or away); they go at the next start`);
    this.stopped = true;
    this.wakeSender?.();
    await Promise.race([Promise.all([this.sending, this.reading]), sleep(RETRY_MAX_MS + READ_BLOCK_MS + 500)]);
    if (this.o.db.open) this.passLocal();
  }
}
