// Shared configuration (#15, docs/scale-out.md "Configuration: one truth for all nodes"): with
// `--config-db postgres://…` (SE_CONFIG_DB) PostgreSQL holds the truth and every node's SQLite is a
// synchronous read copy of it. This first slice covers devices.
//
// A write (device add / rotate / revoke, from REST on any node or from the CLI) is one PostgreSQL
// transaction: the row in `devices`, one row in `config_changes` (seq bigserial) carrying the whole
// new row, and NOTIFY se_config. Writers take one transaction-scoped advisory lock, so seqs commit in
// the order they are numbered: a reader that has applied everything up to N never later sees a
// smaller seq appear (with concurrent bigserial writers, seq 7 can commit after seq 8).
//
// Each node (ConfigFeed) applies the changes past its checkpoint meta[config.pg.seq] to its SQLite
// `devices` in one SQLite transaction with the new checkpoint — on NOTIFY, on a poll (a NOTIFY is lost
// while the LISTEN connection is down), at start and after a reconnect. The broker keeps
// authenticating from SQLite, synchronously, so PostgreSQL being down stops only configuration
// changes, never ingest or the connections of known devices. A node that wrote answers only after it
// has applied its own change (read-your-writes).
//
// Only token hashes ever reach PostgreSQL: the token is made and shown where the command runs.
import pg from 'pg';
import type { DeviceClass } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { getMeta, setMeta } from '../store/db.ts';
import { DEVICE_TOKEN_PREFIX, hashToken, newToken } from '../store/secrets.ts';
import { DeviceError, REVOKED, deviceRevocations, type DeviceRecord, type NewDevice } from '../store/devices.ts';
import { isId } from '../../protocol/index.ts';
import type { Log } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { Gauge } from 'prom-client';
import { configDbAddress } from './settings.ts';
import { applyRow, auditAgain, captureChanges, keyText, sharedTable, SHARED_TABLES, type Row, type RowChange } from './config-apply.ts';
import { ensureGateTables } from '../estate/gates.ts';
import { ensureCameraTables } from '../cameras/store.ts';
import { ensurePatrolTables } from '../patrol/store.ts';
import { ensureVehicleTables } from '../vehicles/schema.ts';
import { ensureAlertTables } from '../alerts/store.ts';
import { ensureWorkOrderTables } from '../workorders/store.ts';
import { ensureHouseTables } from '../houses/registry.ts';
import { takeSessionTouches } from '../store/users.ts';

export { checkConfigDbUrl, configDbAddress } from './settings.ts';

export const CONFIG_CHANNEL = 'se_config';
export const CHECKPOINT_KEY = 'config.pg.seq';
/** the poll that finds what a lost NOTIFY did not say */
export const CONFIG_POLL_MS = 2000;
const CONNECT_TIMEOUT_MS = 3000;
/** a PostgreSQL that hangs (SIGSTOP, a full network buffer) fails a query instead of holding a request or the feed */
const QUERY_TIMEOUT_MS = 5000;
/** how often a node sends the last use of the sessions it saw used (users.ts writes it locally at most once a minute) */
/** entities whose `estate` column names the estate they belong to (a user's `estate` is a scope, maybe a unit's) */
const ESTATE_CHILDREN = new Set(['device', 'devices', 'buildings', 'zones', 'checkpoints', 'gates', 'car_parks', 'camera_streams', 'patrol_routes', 'vehicle_residents', 'vehicle_visitors', 'vehicle_blacklist']);
export const SESSION_TOUCH_FLUSH_MS = 60_000;
/** any constant: the advisory lock every configuration writer holds for its transaction */
const WRITE_LOCK = 0x5e_c0_f1_6;

/** PostgreSQL unreachable or refusing: the message says where and what to check. */
export class ConfigDbError extends Error {}
/** The change raced another node's (the same new key): refused whole; retrying works (HTTP 409). */
export class ConfigConflictError extends ConfigDbError {}

function explain(url: string, err: unknown): ConfigDbError {
  const e = err as NodeJS.ErrnoException & { code?: string };
  const why = e.code === 'ECONNREFUSED' ? 'connection refused (is PostgreSQL running there?)'
    : e.code === 'ENOTFOUND' ? 'host not found'
    : /timeout/i.test(e.message ?? '') ? `no answer within ${Math.max(CONNECT_TIMEOUT_MS, QUERY_TIMEOUT_MS)} ms`
    : e.message || String(err);
  return new ConfigDbError(`cannot reach the configuration database at ${configDbAddress(url)}: ${why}; configuration changes need it (check --config-db / SE_CONFIG_DB)`);
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  estate TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  x DOUBLE PRECISION, y DOUBLE PRECISION, heading DOUBLE PRECISION, fov DOUBLE PRECISION, floor INTEGER,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS config_changes (
  seq BIGSERIAL PRIMARY KEY,
  at TIMESTAMPTZ NOT NULL DEFAULT now(),
  entity TEXT NOT NULL,
  id TEXT NOT NULL,
  op TEXT NOT NULL,
  row JSONB NOT NULL
);
CREATE TABLE IF NOT EXISTS config_rows (
  entity TEXT NOT NULL,
  key TEXT NOT NULL,
  row JSONB NOT NULL,
  PRIMARY KEY (entity, key)
);`;

/** The row as it is copied to every node (no token, only its hash). */
interface DeviceRow {
  id: string; estate: string; kind: string; name: string; token_hash: string;
  x: number | null; y: number | null; heading: number | null; fov: number | null; floor: number | null; created_at: number;
}

interface Change { seq: number; entity: string; op: string; row: DeviceRow & Row }

/**
 * Creates the tables when missing, under the write lock: two nodes starting together would otherwise
 * race on CREATE TABLE IF NOT EXISTS (PostgreSQL then fails one with a duplicate pg_type row).
 */
async function ensureSchema(c: pg.Client): Promise<void> {
  await c.query('BEGIN');
  try {
    await c.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
    await c.query(SCHEMA);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

function client(url: string): pg.Client {
  return new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, application_name: 'smart-estate' });
}

/** A connected client for one piece of work; a failure to connect is explained (where, why). */
async function connected(url: string): Promise<pg.Client> {
  const c = client(url);
  c.on('error', () => {}); // a dropped connection fails the query in flight, which says so
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => {});
    throw explain(url, err);
  }
  return c;
}

/** One connection for one write: connect, schema, the work in a transaction under the write lock. */
async function writeTransaction<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<{ value: T; seq: number }> {
  const c = await connected(url);
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
    await c.query(SCHEMA);
    const value = await work(c);
    const { rows } = await c.query<{ seq: string }>('SELECT max(seq) AS seq FROM config_changes');
    await c.query(`NOTIFY ${CONFIG_CHANNEL}`);
    await c.query('COMMIT');
    return { value, seq: Number(rows[0].seq) };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    if (err instanceof DeviceError || err instanceof ConfigDbError) throw err;
    if ((err as { code?: string }).code && /^[0-9A-Z]{5}$/.test((err as { code: string }).code)) throw new ConfigDbError(`configuration database ${configDbAddress(url)}: ${(err as Error).message}`);
    throw explain(url, err);
  } finally {
    await c.end().catch(() => {});
  }
}

async function recordChange(c: pg.Client, op: string, row: DeviceRow): Promise<void> {
  await c.query('INSERT INTO config_changes (entity, id, op, row) VALUES ($1, $2, $3, $4)', ['device', row.id, op, JSON.stringify(row)]);
}

const SELECT_DEVICE = 'SELECT id, estate, kind, name, token_hash, x, y, heading, fov, floor, created_at FROM devices WHERE id = $1';
const fromPg = (r: Record<string, unknown>): DeviceRow => ({ ...(r as unknown as DeviceRow), created_at: Number(r.created_at) });

/**
 * Registers a device in the shared configuration (or with `rotate` issues a new token) and returns
 * the token, shown once, and the change's seq. `estateExists` checks the estate where the command
 * runs (estates are still per node: docs/scale-out.md).
 */
export async function addDeviceShared(url: string, d: NewDevice, options: { rotate?: boolean; estateExists: (estate: string) => boolean }): Promise<{ token: string; seq: number }> {
  if (!isId(d.id)) throw new DeviceError(`invalid device id '${d.id}': use letters, digits, '_', '-', '.' (max 64)`);
  if (!options.estateExists(d.estate)) throw new DeviceError(`estate '${d.estate}' not found: create it first (smart-estate estate add, or import buildings)`);
  const token = newToken(DEVICE_TOKEN_PREFIX);
  const { seq } = await writeTransaction(url, async (c) => {
    const existing = (await c.query(`${SELECT_DEVICE} FOR UPDATE`, [d.id])).rows[0] as DeviceRow | undefined;
    if (existing && !options.rotate) throw new DeviceError(`device '${d.id}' already exists (in estate '${existing.estate}')`);
    if (existing && existing.estate !== d.estate) throw new DeviceError(`device '${d.id}' belongs to estate '${existing.estate}', not '${d.estate}'`);
    const row: DeviceRow = {
      id: d.id, estate: d.estate, kind: d.kind, name: d.name ?? d.id, token_hash: hashToken(token),
      x: d.x ?? null, y: d.y ?? null, heading: d.heading ?? null, fov: d.fov ?? null, floor: d.floor ?? null,
      created_at: existing ? Number(existing.created_at) : Date.now(),
    };
    await c.query(
      `INSERT INTO devices (id, estate, kind, name, token_hash, x, y, heading, fov, floor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, token_hash = excluded.token_hash, x = excluded.x, y = excluded.y, heading = excluded.heading, fov = excluded.fov, floor = excluded.floor`,
      [row.id, row.estate, row.kind, row.name, row.token_hash, row.x, row.y, row.heading, row.fov, row.floor, row.created_at],
    );
    await recordChange(c, existing ? 'rotate' : 'add', row);
  });
  return { token, seq };
}

/** Revokes a device in the shared configuration; the device as it was, and the change's seq. */
export async function revokeDeviceShared(url: string, id: string): Promise<{ device: DeviceRecord; seq: number }> {
  const { value, seq } = await writeTransaction(url, async (c) => {
    const found = (await c.query(`${SELECT_DEVICE} FOR UPDATE`, [id])).rows[0] as Record<string, unknown> | undefined;
    if (!found) throw new DeviceError(`device '${id}' not found in the configuration database: check --id`);
    const row = { ...fromPg(found), token_hash: REVOKED };
    await c.query('UPDATE devices SET token_hash = $1 WHERE id = $2', [REVOKED, id]);
    await recordChange(c, 'revoke', row);
    const device: DeviceRecord = { id: row.id, estate: row.estate, kind: row.kind as DeviceClass, name: row.name, x: row.x, y: row.y, heading: row.heading, fov: row.fov, floor: row.floor };
    return device;
  });
  return { device: value, seq };
}

/** A device as the shared configuration has it (for the CLI's messages), or undefined. */
export async function getDeviceShared(url: string, id: string): Promise<DeviceRecord | undefined> {
  const c = await connected(url);
  try {
    await ensureSchema(c);
    const r = (await c.query(SELECT_DEVICE, [id])).rows[0] as DeviceRow | undefined;
    return r && { id: r.id, estate: r.estate, kind: r.kind as DeviceClass, name: r.name, x: r.x, y: r.y, heading: r.heading, fov: r.fov, floor: r.floor };
  } finally {
    await c.end().catch(() => {});
  }
}

/** The shared tables made lazily by their modules exist before a capture (a table made inside it would be rolled back). */
export function ensureSharedTables(db: Db): void {
  ensureGateTables(db);
  ensureCameraTables(db);
  ensurePatrolTables(db);
  ensureVehicleTables(db);
  ensureAlertTables(db);
  ensureWorkOrderTables(db);
  ensureHouseTables(db);
}

/** Records captured rows: config_changes (the feed), config_rows (the current truth), devices (device add's checks). */
async function recordRows(c: pg.Client, changes: RowChange[], op?: 'touch'): Promise<number> {
  let recorded = 0;
  for (const ch of changes) {
    const key = keyText(ch);
    if (op === 'touch') {
      // a last use never brings back a session another node ended meanwhile
      const live = await c.query('SELECT 1 FROM config_rows WHERE entity = $1 AND key = $2', [ch.table, key]);
      if (!live.rowCount) continue;
    }
    if (ch.created && ch.row) {
      // A row new on this node whose key the shared configuration already holds with other content:
      // another node wrote it since this node last caught up (two residents added at once got the
      // same id). Refused whole, not overwritten: nothing of either write is lost.
      const taken = await c.query('SELECT 1 FROM config_rows WHERE entity = $1 AND key = $2 AND row <> $3::jsonb', [ch.table, key, JSON.stringify(ch.row)]);
      if (taken.rowCount) throw new ConfigConflictError(`${ch.table} ${key} was just written on another node; nothing was saved: try again`);
    }
    await c.query('INSERT INTO config_changes (entity, id, op, row) VALUES ($1, $2, $3, $4)', [ch.table, key, op ?? (ch.row ? 'upsert' : 'delete'), JSON.stringify(ch.row ?? ch.key)]);
    if (ch.row) await c.query('INSERT INTO config_rows (entity, key, row) VALUES ($1, $2, $3) ON CONFLICT (entity, key) DO UPDATE SET row = excluded.row', [ch.table, key, JSON.stringify(ch.row)]);
    else await c.query('DELETE FROM config_rows WHERE entity = $1 AND key = $2', [ch.table, key]);
    if (ch.table === 'devices' && ch.row) {
      const r = ch.row as unknown as DeviceRow;
      await c.query(
        `INSERT INTO devices (id, estate, kind, name, token_hash, x, y, heading, fov, floor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET estate = excluded.estate, kind = excluded.kind, name = excluded.name, token_hash = excluded.token_hash, x = excluded.x, y = excluded.y, heading = excluded.heading, fov = excluded.fov, floor = excluded.floor`,
        [r.id, r.estate, r.kind, r.name, r.token_hash, r.x, r.y, r.heading, r.fov, r.floor ?? null, r.created_at],
      );
    }
    recorded++;
  }
  return recorded;
}

export interface UploadSummary {
  /** per shared table: rows sent, and rows kept as the shared configuration has them */
  tables: Array<{ table: string; uploaded: number; kept: number }>;
  seq: number | null;
}

/**
 * The initial upload: every row of this data dir's shared tables that the shared configuration does
 * not hold yet goes to PostgreSQL (parents first, in the order they were written here), so a single
 * node's estates, devices, operators, routes, lists and organisation become the cluster's. A key the
 * shared configuration already holds is kept as it is there (it is the truth once there is one) and
 * counted. One transaction: all or nothing. Run again, it sends nothing.
 */
export async function uploadShared(db: Db, url: string, progress: (line: string) => void = () => {}): Promise<UploadSummary> {
  ensureSharedTables(db);
  const present = SHARED_TABLES.filter((t) => db.prepare("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?").get(t.table));
  const local = present.map((t) => ({ table: t.table, rows: db.prepare(`SELECT * FROM main."${t.table}" ORDER BY rowid`).all() as Row[] }));
  const { value: tables, seq } = await writeTransaction(url, async (c) => {
    const out: UploadSummary['tables'] = [];
    for (const { table, rows } of local) {
      const spec = sharedTable(table)!;
      const shared = new Set((await c.query('SELECT key FROM config_rows WHERE entity = $1', [table])).rows.map((r: { key: string }) => r.key));
      const changes: RowChange[] = [];
      for (const row of rows) {
        const key = Object.fromEntries(spec.pk.map((k) => [k, row[k]]));
        if (!shared.has(keyText({ table, key }))) changes.push({ table, key, row });
      }
      await recordRows(c, changes);
      out.push({ table, uploaded: changes.length, kept: rows.length - changes.length });
      if (rows.length) progress(`${table}: ${changes.length} uploaded${rows.length > changes.length ? `, ${rows.length - changes.length} kept as the shared configuration has them` : ''}`);
    }
    return out;
  });
  const sent = tables.some((t) => t.uploaded > 0);
  await catchUpOnce(url, db);
  return { tables, seq: sent ? seq : null };
}

/**
 * A configuration change through the shared configuration: `work` (the same synchronous SQLite code
 * as on a single node: importEstate, addUser, login, …) runs against this node's copy and is rolled
 * back; the rows it would have changed go to PostgreSQL in one transaction, and with `feed` (a
 * running node) the answer waits until this node has applied them (read-your-writes). What `work`
 * throws is thrown before PostgreSQL is asked; PostgreSQL away is a ConfigDbError and nothing is
 * written anywhere. seq null: `work` changed no shared row.
 */
export async function writeShared<T>(db: Db, url: string, work: () => T, feed?: ConfigFeed | null): Promise<{ value: T; seq: number | null }> {
  ensureSharedTables(db);
  const { value, changes, audits } = captureChanges(db, work);
  if (!changes.length) return { value, seq: null };
  const { seq } = await writeTransaction(url, (c) => recordRows(c, changes));
  // what `work` audited is recorded here once PostgreSQL has the change (never for one it refused)
  auditAgain(db, audits);
  if (feed) await feed.waitFor(seq);
  else await catchUpOnce(url, db);
  return { value, seq };
}

/**
 * One configuration change, shared or not: without a shared configuration `work` and `after` (the
 * audit row) run in one local transaction, as on a single node; with one (`shared`: a running node's
 * feed, or the CLI's --config-db URL) `work` goes through writeShared and `after` runs on this node
 * once PostgreSQL has it (the audit log is per node).
 */
export async function configChange<T>(db: Db, shared: { url: string; feed?: ConfigFeed | null } | null, work: () => T, after: (value: T) => void = () => {}): Promise<T> {
  if (!shared) {
    return db.transaction(() => {
      const value = work();
      after(value);
      return value;
    })();
  }
  const { value } = await writeShared(db, shared.url, work, shared.feed);
  after(value);
  return value;
}

const SILENT: Log = { info() {}, warn() {}, error() {}, debug() {} };

/**
 * The CLI's data dir brought up to the shared configuration once (the changes it just wrote among
 * them), so a script's next command there (a device of the estate just added) finds them whether or
 * not a node is running on it. A running node applying the same changes again is harmless (whole
 * rows, by key). Best effort: what this misses, the node's own feed applies.
 */
export async function catchUpOnce(url: string, db: Db): Promise<void> {
  const feed = new ConfigFeed(url, db, SILENT);
  try {
    await feed.catchUpNow();
  } finally {
    await feed.close();
  }
}

/**
 * Sessions' last use, batched (docs/scale-out.md): each node sends the sessions it saw used once per
 * flush (a minute), as 'touch' changes that only update a session still in config_rows.
 */
async function touchSessionsShared(url: string, changes: RowChange[]): Promise<void> {
  await writeTransaction(url, (c) => recordRows(c, changes, 'touch'));
}

export interface ConfigFeedStats {
  /** the last change applied to this node's SQLite */
  checkpoint: number;
  /** LISTEN connection up */
  connected: boolean;
  /** the last problem, null while all is well */
  error: string | null;
}

/**
 * A node's copy of the shared configuration: applies config_changes past meta[config.pg.seq] to
 * SQLite. `start` makes one attempt to catch up before it returns (a node restarted after a device
 * was added knows it before it accepts connections) and never throws: PostgreSQL down at start means
 * a node that runs on its local copy and keeps trying.
 */
export class ConfigFeed {
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  private connecting = false;
  /** the connection attempt in flight, if any (a write waits for it instead of giving up at once) */
  private connectingNow: Promise<void> | null = null;
  private checkpoint: number;
  private error: string | null = null;
  private held = new Set<number>();

  private touchTimer: NodeJS.Timeout | null = null;

  /**
   * `onApplied` hears which shared tables changed on this node (after the commit): the server ends
   * dashboards' connections whose session is gone.
   */
  constructor(
    readonly url: string,
    private readonly db: Db,
    private readonly log: Log,
    private readonly pollMs = CONFIG_POLL_MS,
    private readonly onApplied: (tables: Set<string>, changes: RowChange[]) => void = () => {},
    private readonly touchMs = SESSION_TOUCH_FLUSH_MS,
  ) {
    ensureSharedTables(db);
    takeSessionTouches(db); // from now on this node's session touches are recorded for flushTouches
    this.checkpoint = Number(getMeta(db, CHECKPOINT_KEY) ?? 0);
  }

  async start(): Promise<void> {
    await this.connect();
    await this.catchUp();
    this.timer = setInterval(() => {
      if (!this.listener && !this.connecting) void this.connect().then(() => this.catchUp());
      else void this.catchUp();
    }, this.pollMs);
    this.timer.unref();
    this.touchTimer = setInterval(() => void this.flushTouches(), this.touchMs);
    this.touchTimer.unref();
  }

  /** One connection and one catch-up, no timers (catchUpOnce). */
  async catchUpNow(): Promise<void> {
    await this.connect();
    await this.catchUp();
  }

  stats(): ConfigFeedStats {
    return { checkpoint: this.checkpoint, connected: this.listener !== null, error: this.error };
  }

  private connect(): Promise<void> {
    if (this.closed || this.listener) return Promise.resolve();
    if (this.connectingNow) return this.connectingNow;
    this.connectingNow = this.openListener().finally(() => (this.connectingNow = null));
    return this.connectingNow;
  }

  private async openListener(): Promise<void> {
    this.connecting = true;
    const c = client(this.url);
    const lost = (why: string) => {
      if (this.listener !== c) return;
      this.listener = null;
      this.problem(`config: lost the configuration database ${configDbAddress(this.url)} (${why}); this node keeps its local copy and catches up when it is back`);
      void c.end().catch(() => {});
    };
    c.on('error', (err) => lost(err.message));
    c.on('end', () => lost('connection closed'));
    c.on('notification', () => void this.catchUp());
    try {
      await c.connect();
      await ensureSchema(c);
      await c.query(`LISTEN ${CONFIG_CHANNEL}`);
      if (this.closed) {
        await c.end().catch(() => {});
        return;
      }
      this.listener = c;
      if (this.error) this.log.info(`config: configuration database ${configDbAddress(this.url)} reachable again; catching up from seq ${this.checkpoint}`);
      this.error = null;
    } catch (err) {
      await c.end().catch(() => {});
      this.problem(`config: ${explain(this.url, err).message.replace(/; configuration changes need it.*/, '')}; this node runs on its local copy (seq ${this.checkpoint}) and keeps trying`);
    } finally {
      this.connecting = false;
    }
  }

  private problem(message: string): void {
    if (this.error !== message) this.log.warn(message);
    this.error = message;
  }

  /** Applies everything past the checkpoint; calls are queued, never overlapping. */
  catchUp(): Promise<void> {
    this.running = this.running.then(() => this.pass()).catch(() => {});
    return this.running;
  }

  /** Resolves once this node has applied change `seq` (read-your-writes); throws if it cannot. */
  async waitFor(seq: number): Promise<void> {
    // the write just reached PostgreSQL: a LISTEN connection lost in an outage is opened now, not at the next poll
    // (a poll's attempt may be in flight, begun while PostgreSQL was still away: wait for it, and if it
    // failed, try once more — the write itself has just reached PostgreSQL)
    if (!this.listener) await this.connect();
    if (!this.listener) await this.connect();
    await this.catchUp();
    if (this.checkpoint < seq) throw new ConfigDbError(`the change (seq ${seq}) is saved in the configuration database but not yet applied on this node (at seq ${this.checkpoint}): ${this.error ?? 'see the server log'}`);
  }

  private async pass(): Promise<void> {
    const c = this.listener;
    if (!c || this.closed) return;
    for (;;) {
      let changes: Change[];
      try {
        const { rows } = await c.query('SELECT seq, entity, op, row FROM config_changes WHERE seq > $1 ORDER BY seq LIMIT 500', [this.checkpoint]);
        changes = rows.map((r) => ({ seq: Number(r.seq), entity: r.entity, op: r.op, row: r.row }));
      } catch (err) {
        // a connection that failed a query (a timeout: PostgreSQL hung) is not trusted again: the
        // poll opens a fresh one
        if (this.listener === c) this.listener = null;
        void c.end().catch(() => {});
        this.problem(`config: reading changes from ${configDbAddress(this.url)} failed: ${(err as Error).message}; this node keeps its local copy and catches up when it answers again`);
        return;
      }
      if (!changes.length) return;
      const revoked = this.apply(changes);
      if (revoked === null) return;
      for (const id of revoked) deviceRevocations.emit('revoked', id);
      if (changes.length < 500) return;
    }
  }

  /**
   * One SQLite transaction: the rows and the checkpoint. Each change in a savepoint of its own: one
   * that cannot be applied here (a row of an estate this node lacks) holds the feed at it, in order,
   * with the reason logged once. The revoked device ids, or null when nothing moved.
   */
  private apply(changes: Change[]): string[] | null {
    const revoked: string[] = [];
    const upsert = this.db.prepare(
      `INSERT INTO devices (id, estate, kind, name, token_hash, x, y, heading, fov, floor, created_at) VALUES (@id, @estate, @kind, @name, @token_hash, @x, @y, @heading, @fov, @floor, @created_at)
       ON CONFLICT (id) DO UPDATE SET estate = excluded.estate, kind = excluded.kind, name = excluded.name, token_hash = excluded.token_hash, x = excluded.x, y = excluded.y, heading = excluded.heading, fov = excluded.fov, floor = excluded.floor`,
    );
    const hasEstate = this.db.prepare('SELECT 1 FROM estates WHERE id = ?').pluck();
    const tables = new Set<string>();
    const appliedRows: RowChange[] = [];
    let applied = this.checkpoint;
    const hold = (ch: Change, why: string) => {
      if (!this.held.has(ch.seq)) this.log.error(`config: change ${ch.seq} (${why}); configuration changes wait until then`);
      this.held.add(ch.seq);
    };
    this.db.transaction(() => {
      for (const ch of changes) {
        const estate = ch.row && typeof ch.row.estate === 'string' ? ch.row.estate : null;
        const what = ch.entity === 'device' ? `device '${ch.row.id}'` : `${ch.entity} ${ch.row?.id ?? ch.row?.name ?? ''}`.trim();
        if (estate !== null && ch.op !== 'delete' && ESTATE_CHILDREN.has(ch.entity) && !hasEstate.get(estate)) {
          // a row of an estate this node does not have (created before --config-db, or the estate's
          // change is still to come): it waits, in order; nothing after it is applied before it
          hold(ch, `${what} names estate '${estate}', which this node does not have: create it here (smart-estate estate add), or through --config-db on any node`);
          break;
        }
        if (ch.entity === 'device') {
          upsert.run(ch.row);
          if (ch.row.token_hash === REVOKED) revoked.push(ch.row.id);
          tables.add('devices');
        } else if (sharedTable(ch.entity)) {
          const spec = sharedTable(ch.entity)!;
          const change: RowChange = ch.op === 'delete'
            ? { table: spec.table, key: ch.row, row: null }
            : { table: spec.table, key: Object.fromEntries(spec.pk.map((c) => [c, ch.row[c]])), row: ch.row };
          try {
            this.db.transaction(() => applyRow(this.db, change, { onlyIfPresent: ch.op === 'touch' }))();
          } catch (err) {
            hold(ch, `${what} cannot be applied on this node: ${(err as Error).message}`);
            break;
          }
          if (spec.table === 'devices' && ch.row?.token_hash === REVOKED) revoked.push(String(ch.row.id));
          if (ch.op !== 'touch') {
            tables.add(spec.table);
            appliedRows.push(change);
          }
        } else {
          this.log.warn(`config: change ${ch.seq} is for '${ch.entity}', which this version does not know; skipped`);
        }
        applied = ch.seq;
      }
      setMeta(this.db, CHECKPOINT_KEY, String(applied));
    })();
    const progressed = applied > this.checkpoint;
    this.checkpoint = applied;
    if (progressed && tables.size) this.onApplied(tables, appliedRows);
    return progressed ? revoked : null;
  }

  /** Sends the last use of the sessions used on this node since the last flush (one transaction). */
  async flushTouches(): Promise<void> {
    const hashes = takeSessionTouches(this.db);
    if (!hashes.length) return;
    const read = this.db.prepare('SELECT * FROM sessions WHERE token_hash = ?');
    const changes: RowChange[] = [];
    for (const h of hashes) {
      const row = read.get(h) as Row | undefined;
      if (row) changes.push({ table: 'sessions', key: { token_hash: h }, row });
    }
    if (!changes.length) return;
    try {
      await touchSessionsShared(this.url, changes);
    } catch (err) {
      // kept local: the session stays valid here; another node may end it for idleness meanwhile
      this.problem(`config: sending sessions' last use failed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.touchTimer) clearInterval(this.touchTimer);
    const c = this.listener;
    this.listener = null;
    await this.running;
    await c?.end().catch(() => {});
  }
}

/** GET /metrics: se_config_db_up, se_config_seq (the feed's checkpoint on this node). */
export function configFeedMetrics(metrics: Metrics, feed: ConfigFeed): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'se_config_db_up', help: '1 while this node is linked to the configuration database (--config-db), 0 while it runs on its local copy', registers,
    collect() {
      this.set(feed.stats().connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'se_config_seq', help: 'The last shared configuration change (config_changes.seq) applied to this node', registers,
    collect() {
      this.set(feed.stats().checkpoint);
    },
  });
}
