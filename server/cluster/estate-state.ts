// Module state that moves with the estate (docs/scale-out.md § Module state that moves with the
// estate). The per-estate modules keep their state in SQLite tables; in a cluster:
//
//   capture  TEMP triggers (this connection only: nothing in the database file, nothing on a single
//            node) on the replicated tables write each changed row to estate_state_outbox in the
//            module's own transaction. Their WHEN calls se_state_capture(), an app function that is 0
//            while replicated rows are applied: applying never captures (no ping-pong).
//   ship     the outbox past nothing (shipped rows are deleted) → one XADD per estate and pass on
//            se:estate:{E}:state through the owner's fencedWrite: a stale owner is refused by Redis
//            and its rows are dropped (logged) — the new owner's state wins.
//   apply    every node reads every estate's state stream and upserts/deletes the rows by primary key
//            (RowApplier), capture off, with the stream id checkpoint in meta in the same transaction:
//            each node is a warm replica (REST reads of alerts and tours work on any node).
//   takeover a new owner reads the estate's state stream to the end it had when the lease was taken
//            (a stale owner cannot add to it after that) before `ready(estate, token)`: the hand-off
//            reading, direct evaluation and ctx.owns (silence, escalation) wait for it.
import type { Redis } from 'ioredis';
import type { Db } from '../store/db.ts';
import { getMeta } from '../store/db.ts';
import type { Log } from '../log.ts';
import type { Ownership } from './ownership.ts';
import { estatePrefix } from './lease-scripts.ts';
import { RowApplier, type RowChange, type TableSpec } from './row-apply.ts';

export const stateKey = (estate: string) => `${estatePrefix(estate)}state`;
export const STATE_CHECKPOINT_PREFIX = 'state.redis.';
/** entries kept per state stream (approximate): each entry is one pass's rows of one estate */
export const STATE_MAXLEN = 100_000;
const BATCH = 500;
const READ_BLOCK_MS = 250;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

/** A replicated table: its primary key, and how a changed row names its estate (SQL over X = NEW or OLD). */
export interface StateTable extends TableSpec {
  estate: string;
  /** deletes are not shipped (each node trims the table itself, e.g. handoff_seen by age) */
  keepDeletes?: boolean;
}

/** The per-estate module tables that move with the estate. */
export const STATE_TABLES: StateTable[] = [
  { table: 'alerts', pk: ['id'], estate: 'X.estate' },
  { table: 'alert_log', pk: ['seq'], estate: '(SELECT estate FROM main.alerts WHERE id = X.alert)' },
  { table: 'patrol_tours', pk: ['estate', 'id'], estate: 'X.estate' },
  { table: 'patrol_scans', pk: ['device', 'event_id'], estate: 'X.estate' },
  { table: 'handoff_seen', pk: ['device', 'key'], estate: '(SELECT estate FROM main.devices WHERE id = X.device)', keepDeletes: true },
  // the vehicle in/out ledger and the car-park counts it moves (ids from IdBlocks 'vehicles')
  { table: 'vehicle_sessions', pk: ['id'], estate: 'X.estate' },
  { table: 'vehicle_occupancy', pk: ['estate', 'car_park'], estate: 'X.estate' },
  { table: 'vehicle_occupancy_corrections', pk: ['id'], estate: 'X.estate' },
];

const OUTBOX = `CREATE TABLE IF NOT EXISTS estate_state_outbox (
  seq INTEGER PRIMARY KEY,
  estate TEXT NOT NULL,
  tbl TEXT NOT NULL,
  op TEXT NOT NULL,
  row TEXT NOT NULL
)`;

/** Compares two stream ids ("ms-seq"). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : (as ?? 0) - (bs ?? 0);
}

/** Installs the capture triggers on this connection (TEMP: gone with it). Returns the switch. */
export function installCapture(db: Db, tables: readonly StateTable[]): { set(on: boolean): void; on(): boolean } {
  let capturing = true;
  db.function('se_state_capture', { deterministic: false }, () => (capturing ? 1 : 0));
  db.exec(OUTBOX);
  for (const t of tables) {
    const cols = (db.prepare(`PRAGMA table_info("${t.table}")`).all() as Array<{ name: string }>).map((c) => c.name);
    if (!cols.length) continue; // the module is not in this server (tests with a module list of their own)
    const obj = (x: 'NEW' | 'OLD', names: string[]) => `json_object(${names.map((c) => `'${c}', ${x}."${c}"`).join(', ')})`;
    const est = (x: 'NEW' | 'OLD') => `COALESCE(${t.estate.replaceAll('X.', `${x}.`)}, '')`;
    const ins = (x: 'NEW' | 'OLD', op: 'u' | 'd', names: string[]) =>
      `INSERT INTO main.estate_state_outbox (estate, tbl, op, row) VALUES (${est(x)}, '${t.table}', '${op}', ${obj(x, names)});`;
    db.exec(`DROP TRIGGER IF EXISTS temp.se_state_${t.table}_i; DROP TRIGGER IF EXISTS temp.se_state_${t.table}_u; DROP TRIGGER IF EXISTS temp.se_state_${t.table}_d;
      CREATE TEMP TRIGGER se_state_${t.table}_i AFTER INSERT ON main."${t.table}" WHEN se_state_capture() BEGIN ${ins('NEW', 'u', cols)} END;
      CREATE TEMP TRIGGER se_state_${t.table}_u AFTER UPDATE ON main."${t.table}" WHEN se_state_capture() BEGIN ${ins('NEW', 'u', cols)} END;`);
    if (!t.keepDeletes) db.exec(`CREATE TEMP TRIGGER se_state_${t.table}_d AFTER DELETE ON main."${t.table}" WHEN se_state_capture() BEGIN ${ins('OLD', 'd', t.pk)} END;`);
  }
  return { set: (on) => (capturing = on), on: () => capturing };
}

export interface EstateStateOptions {
  db: Db;
  redis: Redis;
  /** a connection of its own for the blocking XREAD */
  reader: Redis;
  ownership: Ownership;
  /** `<node>/<incarnation>`: entries this process shipped are not applied again */
  holder: string;
  log: Log;
  /** the estates whose state streams this node applies (all of the registry's) */
  estates(): string[];
  tables?: StateTable[];
  /** after rows of an estate were applied (reason 'applied'), and once at a takeover before ready (reason 'takeover') */
  onState?(estate: string, reason: 'applied' | 'takeover', tables: Set<string>): void;
  metrics?: {
    shipped: { inc(n?: number): void };
    applied: { inc(n?: number): void };
    refused: { inc(n?: number): void };
    outbox: { set(n: number): void };
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class EstateState {
  private readonly capture;
  private readonly applier;
  private readonly tables;
  private readonly selectOutbox;
  private readonly deleteOutbox;
  private readonly countOutbox;
  private readonly setMetaStmt;
  private readonly applyBatch: (estate: string, entries: Array<[string, string[]]>) => Set<string>;
  private readonly checkpoints = new Map<string, string>();
  /** estate → the token under which its state was caught up */
  private readonly readyFor = new Map<string, string>();
  /** estate → { token, the stream's end when the lease was taken (null: still asking) } */
  private readonly catching = new Map<string, { token: string; target: string | null }>();
  private stopped = false;
  private shipping: Promise<void> = Promise.resolve();
  private loops: Promise<unknown> = Promise.resolve();
  private wakeShip: (() => void) | null = null;

  constructor(private readonly o: EstateStateOptions) {
    const { db } = o;
    this.tables = o.tables ?? STATE_TABLES;
    this.capture = installCapture(db, this.tables);
    this.applier = new RowApplier(db, this.tables);
    this.selectOutbox = db.prepare('SELECT seq, estate, tbl, op, row FROM estate_state_outbox ORDER BY seq LIMIT ?');
    this.countOutbox = db.prepare('SELECT count(*) FROM estate_state_outbox').pluck();
    this.deleteOutbox = db.prepare('DELETE FROM estate_state_outbox WHERE seq <= ?');
    this.setMetaStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    const txn = db.transaction((estate: string, entries: Array<[string, string[]]>) => {
      const touched = new Set<string>();
      for (const [, fields] of entries) {
        if (fields[fields.indexOf('n') + 1] === this.o.holder) continue; // this process made them
        let changes: RowChange[];
        try {
          changes = JSON.parse(fields[fields.indexOf('c') + 1]) as RowChange[];
        } catch {
          this.o.log.warn(`cluster: state stream of ${estate}: an entry that is not JSON, passed over`);
          continue;
        }
        for (const c of changes) {
          try {
            this.applier.apply(c);
            touched.add(c.tbl);
            this.o.metrics?.applied.inc();
          } catch (err) {
            // one row this node cannot take (a constraint of a stale local row, a table it lacks) must not stop the estate
            this.o.log.warn(`cluster: state of ${estate}: ${c.tbl} row not applied: ${(err as Error).message}`);
          }
        }
      }
      const last = entries[entries.length - 1][0];
      this.setMetaStmt.run(STATE_CHECKPOINT_PREFIX + estate, last);
      this.checkpoints.set(estate, last);
      return touched;
    });
    this.applyBatch = (estate, entries) => {
      this.capture.set(false);
      try {
        return txn(estate, entries);
      } finally {
        this.capture.set(true);
      }
    };
  }

  start(): void {
    this.loops = Promise.all([this.shipLoop(), this.applyLoop()]);
  }

  /** Whether this node may run the estate's modules under this token: it owns it and has its state. */
  ready(estate: string, token: string | null): boolean {
    return token !== null && this.readyFor.get(estate) === token;
  }

  /** Ships what the outbox holds now (the hand-off calls it before it confirms a cursor). */
  flush(): Promise<void> {
    // what the modules queued for their group commit (setImmediate) goes with it
    return new Promise<void>((r) => setImmediate(r)).then(async () => {
      while (await this.shipOnce());
    });
  }

  private checkpointOf(estate: string): string {
    let c = this.checkpoints.get(estate);
    if (c === undefined) {
      c = getMeta(this.o.db, STATE_CHECKPOINT_PREFIX + estate) ?? '0-0';
      this.checkpoints.set(estate, c);
    }
    return c;
  }

  /** One pass: the outbox's oldest rows, one fenced XADD per estate; true when a full batch went. */
  private shipOnce(): Promise<boolean> {
    const run = this.shipping.then(async () => {
      const rows = this.selectOutbox.all(BATCH) as Array<{ seq: number; estate: string; tbl: string; op: string; row: string }>;
      this.o.metrics?.outbox.set(rows.length === BATCH ? (this.countOutbox.get() as number) : rows.length);
      if (!rows.length) return false;
      const byEstate = new Map<string, string[]>();
      for (const r of rows) {
        const list = byEstate.get(r.estate) ?? [];
        list.push(`{"tbl":${JSON.stringify(r.tbl)},"op":"${r.op}","row":${r.row}}`);
        byEstate.set(r.estate, list);
      }
      for (const [estate, list] of byEstate) {
        if (!estate) {
          this.o.log.warn(`cluster: ${list.length} state rows without an estate, not shipped`);
          continue;
        }
        const w = await this.o.ownership.fencedWrite(estate, 'XADD', stateKey(estate), 'MAXLEN', '~', STATE_MAXLEN, '*', 'c', `[${list.join(',')}]`, 'n', this.o.holder);
        if (w.ok) this.o.metrics?.shipped.inc(list.length);
        else if (w.reason === 'stale_token') {
          this.o.metrics?.refused.inc(list.length);
          this.o.log.warn(`cluster: ${list.length} state changes of estate ${estate} made here while another node owns it are dropped (its owner's state wins)`);
        } else throw new Error(`Redis unavailable: ${list.length} state changes of ${estate} wait in the outbox`);
      }
      this.deleteOutbox.run(rows[rows.length - 1].seq);
      if (rows.length < BATCH) this.o.metrics?.outbox.set(0);
      return rows.length === BATCH;
    });
    this.shipping = run.then(() => {}, () => {});
    return run;
  }

  private async shipLoop(): Promise<void> {
    let backoff = RETRY_MIN_MS;
    while (!this.stopped) {
      try {
        const full = await this.shipOnce();
        backoff = RETRY_MIN_MS;
        if (!full) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 20);
            t.unref();
          });
        }
      } catch (err) {
        if (this.stopped) return;
        this.o.log.debug(`cluster: state shipping: ${(err as Error).message}`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      }
    }
  }

  /** New owners start catching up; lost ones stop being ready. */
  private async watchOwnership(): Promise<void> {
    for (const [estate, token] of this.readyFor) if (this.o.ownership.tokenFor(estate) !== token) this.readyFor.delete(estate);
    for (const estate of this.o.ownership.owned()) {
      const token = this.o.ownership.tokenFor(estate);
      if (!token || this.readyFor.get(estate) === token) continue;
      const c = this.catching.get(estate);
      if (c && c.token === token) continue;
      this.catching.set(estate, { token, target: null });
      // the lease is held now: a stale owner's XADD is refused from here on, so this is the end to reach
      const last = (await this.o.redis.xrevrange(stateKey(estate), '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      const cur = this.catching.get(estate);
      if (cur && cur.token === token) cur.target = last.length ? last[0][0] : '0-0';
    }
    for (const [estate, c] of this.catching) {
      if (this.o.ownership.tokenFor(estate) !== c.token) {
        this.catching.delete(estate);
        continue;
      }
      if (c.target === null || compareIds(this.checkpointOf(estate), c.target) < 0) continue;
      this.catching.delete(estate);
      this.o.onState?.(estate, 'takeover', new Set(this.tables.map((t) => t.table)));
      this.readyFor.set(estate, c.token);
      this.o.log.info(`cluster: estate ${estate}'s module state read to ${c.target}: this node runs its modules`);
    }
  }

  private async applyLoop(): Promise<void> {
    let backoff = RETRY_MIN_MS;
    while (!this.stopped) {
      try {
        await this.watchOwnership();
        const estates = this.o.estates();
        if (!estates.length) {
          await sleep(READ_BLOCK_MS);
          continue;
        }
        // a catching-up owner does not wait a whole block for a stream with nothing new
        const block = this.catching.size ? 20 : READ_BLOCK_MS;
        const reply = (await this.o.reader.xread('COUNT', BATCH, 'BLOCK', block, 'STREAMS', ...estates.map(stateKey), ...estates.map((e) => this.checkpointOf(e)))) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [key, entries] of reply ?? []) {
          if (!entries.length) continue;
          const estate = estates.find((e) => stateKey(e) === key);
          if (!estate) continue;
          const touched = this.applyBatch(estate, entries);
          if (touched.size) this.o.onState?.(estate, 'applied', touched);
        }
        backoff = RETRY_MIN_MS;
      } catch (err) {
        if (this.stopped) return;
        this.o.log.debug(`cluster: state apply: ${(err as Error).message}`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      }
    }
  }

  async stop(): Promise<void> {
    // what the modules wrote last goes out while the leases are still held
    await this.flush().catch(() => {});
    this.stopped = true;
    await Promise.race([this.loops, sleep(RETRY_MAX_MS + READ_BLOCK_MS + 500)]);
  }
}

// ---- ids unique across nodes ----

/** Atomically: the counter raised to at least the floor, then by n; returns the block's last id. */
const ALLOCATE = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if cur < floor then cur = floor end
cur = cur + tonumber(ARGV[2])
redis.call('SET', KEYS[1], cur)
return cur`;

export const ID_BLOCK = 1_000;

/**
 * Ids of rows every node holds a copy of (alerts, their log), unique across nodes: blocks of ID_BLOCK
 * from a Redis counter `se:ids:{name}`, raised first to this node's largest id (a Redis that lost the
 * counter starts above every copy this node holds). `next` is synchronous — the PUBACK path never
 * waits for Redis — so a node keeps a spare block beside the one in use and fetches the next spare the
 * moment it starts on one: a whole block's worth of ids covers the round trip.
 *
 * Only when Redis stays away for two whole blocks does a node take ids of its own: one above the
 * largest it has handed out or holds (never a duplicate on this node; another node doing the same
 * may pick the same id — docs/scale-out.md § 4). A block that lands after that starts above them.
 */
interface IdBlock {
  next: number;
  end: number;
  spare: [number, number] | null;
  refill: Promise<void> | null;
  /** largest id taken without a block (0 = none) */
  own: number;
  /** ids taken without a block since the last one landed (logged once per outage) */
  ownCount: number;
}

export class IdBlocks {
  private readonly blocks = new Map<string, IdBlock>();

  constructor(private readonly redis: Redis, private readonly log: Log, private readonly floor: (name: string) => number) {}

  /** Fetches the block in use and its spare; resolves once both are here. */
  async prepare(name: string): Promise<void> {
    this.blocks.set(name, { next: 0, end: -1, spare: null, refill: null, own: 0, ownCount: 0 });
    await this.fetch(name);
    await this.fetch(name);
  }

  /** Resolves when no fetch is in flight (tests, graceful stop). */
  async settled(name: string): Promise<void> {
    await this.blocks.get(name)?.refill;
  }

  private async fetch(name: string): Promise<void> {
    const b = this.blocks.get(name)!;
    const end = Number(await this.redis.eval(ALLOCATE, 1, `se:ids:${name}`, Math.max(this.floor(name), b.own, b.end), ID_BLOCK));
    // ids taken without a block while this one was on its way stay taken
    const range: [number, number] = [Math.max(end - ID_BLOCK + 1, b.own + 1), end];
    if (range[0] > range[1]) return;
    if (b.ownCount > 0) {
      this.log.info(`cluster: ids of ${name} come from Redis blocks again (${b.ownCount} taken from this node's own largest meanwhile)`);
      b.ownCount = 0;
    }
    if (b.next > b.end) [b.next, b.end] = range;
    else b.spare = range;
  }

  private refill(name: string, b: IdBlock): void {
    if (b.refill) return;
    b.refill = this.fetch(name)
      .catch((err) => this.log.warn(`cluster: next block of ${name} ids not fetched: ${(err as Error).message}`))
      .finally(() => {
        b.refill = null;
        // a failed fetch is tried again on the next id
      });
  }

  next(name: string): number {
    const b = this.blocks.get(name);
    if (!b) throw new Error(`ids: ${name} not prepared`);
    if (b.next > b.end && b.spare) {
      [b.next, b.end] = b.spare;
      b.spare = null;
    }
    if (!b.spare) this.refill(name, b);
    if (b.next > b.end) {
      const id = Math.max(this.floor(name), b.own, b.end) + 1;
      b.own = id;
      if (b.ownCount++ === 0) this.log.warn(`cluster: no block of ${name} ids from Redis: taking ids above this node's own largest from ${id} (unique on this node; docs/scale-out.md § 4)`);
      return id;
    }
    return b.next++;
  }
}
