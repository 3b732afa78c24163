// Extension points for estate capabilities (alerts, patrol, vehicles, …). A capability is a module:
// it may enrich an event before the journal commit, react to committed events, publish on its
// estate channels and add REST routes. app.ts lists the modules; each keeps its own timers and tables.
import type { Router } from 'express';
import type { EstateEvent } from '../protocol/index.ts';
import type { Db } from './store/db.ts';
import type { Metrics } from './metrics.ts';
import type { Log } from './log.ts';
import type { AlertSink } from './alerts/sink.ts';
import type { IngestOutcome, Transport } from './ingest/pipeline.ts';
import type { DevicePlace } from './ingest/normalize.ts';

export interface ModuleContext {
  db: Db;
  metrics: Metrics;
  log: Log;
  /** publishes JSON to dashboards (server-only topics such as estates/{e}/alerts) */
  publish(topic: string, payload: unknown, options?: { retain?: boolean }): void;
  /**
   * Whether this node evaluates the estate now: always on a single node; in a cluster, while it holds
   * the estate's lease. Rules that act on the absence of events (a device gone silent, a tour's
   * deadline passing) look at it: a node that does not own the estate never sees its events.
   */
  owns?(estate: string): boolean;
  /**
   * A node of a cluster: the journal holds events of estates other nodes evaluate, so modules do not
   * replay it at start (replaysJournal), and the server runs their writes with their own fsync instead.
   */
  clustered?: boolean;
  /**
   * In a cluster: the next id of a sequence unique across nodes (rows every node holds a copy of,
   * server/cluster/estate-state.ts IdBlocks), synchronous; undefined on a single node (own counter).
   */
  allocateId?(name: string): number | undefined;
  /** the clock (tests may pass their own) */
  now(): number;
  /** raise or clear alerts; the alerts module (when present) receives them */
  alerts: AlertSink;
  /**
   * The ingest pipeline, as HTTP ingest uses it: for adapters that translate a device's own format
   * (e.g. a plate camera's webhook) into contract payloads. Resolves after the journal commit, or at
   * once with the rejection.
   */
  submit(device: DevicePlace, kind: string, json: unknown, transport: Transport): Promise<IngestOutcome>;
  /**
   * A change to the module's configuration rows (patrol routes, vehicle lists: the shared tables of
   * server/cluster/config-apply.ts). Without --config-db: `work` in one local transaction. With it:
   * `work` is captured and rolled back, its rows go to PostgreSQL and every node applies them; this
   * resolves once this node has (read-your-writes). PostgreSQL away: an HttpError 503 with one line,
   * and nothing written anywhere. What `work` throws is thrown as it is (nothing written).
   */
  configChange<T>(work: () => T, after?: (value: T) => void): Promise<T>;
}

export interface EstateModule {
  name: string;
  /** set by the module that handles alerts: every module's ctx.alerts forwards here */
  alertSink?: AlertSink;
  /**
   * Before the journal commit, synchronously: may add server-derived fields to `event.data`
   * (e.g. a gate decision). They are stored, published live and forwarded with the event.
   */
  enrich?(event: EstateEvent): void;
  /** After the commit: the new events (duplicates left out), in journal order. */
  onCommitted?(events: EstateEvent[]): void;
  /**
   * The alert lane: this module's onCommitted runs right after the commit, before the group's live
   * fan-out and the other modules, so what it publishes (alert upserts) leaves ahead of that bulk
   * on every dashboard's connection instead of queuing behind up to 2,000 live messages.
   */
  urgent?: boolean;
  /**
   * Its onCommitted keeps per-estate state (open alerts, tours, vehicle sessions, the 54321 clock):
   * in a cluster it runs once per estate, on the estate's owner — for the owner's own events and for
   * those the other nodes hand over (server/cluster/handoff.ts). Other modules see the node's own
   * events only, as on a single node.
   */
  perEstate?: boolean;
  /**
   * The module's onCommitted writes are re-derived from the journal at start (it keeps a journal
   * mark and catches up past it), so the server runs them without an fsync of their own
   * (synchronous NORMAL): the next journal commit's fsync makes them durable with it, and a power
   * cut in between only loses work the catch-up redoes. Saves one fsync per journal group per module.
   * Not in a cluster (ModuleContext.clustered): there the writes keep their fsync and nothing is replayed.
   */
  replaysJournal?: boolean;
  /**
   * In a cluster, the estate's replicated module state changed under this module: rows another node
   * shipped were applied here ('applied'), or this node took the estate and has read its state to the
   * end ('takeover', before its events reach the module). Reload what is kept in memory for it.
   */
  estateState?(estate: string, reason: 'applied' | 'takeover', tables: Set<string>): void;
  /**
   * With --config-db: shared configuration rows were applied on this node (another node's change, or
   * this node's own arriving through the feed; also at start, catching up). Reload what is kept in
   * memory for them. Whole rows by key, possibly applied again: must be idempotent.
   */
  configApplied?(changes: ReadonlyArray<{ table: string; key: Record<string, unknown>; row: Record<string, unknown> | null }>): void;
  /** REST routes under /api/v1 behind operator authentication (req.user is set). */
  routes?(router: Router): void;
  /** REST routes under /api/v1 before operator authentication (devices, webhooks with their own auth). */
  publicRoutes?(router: Router): void;
  /** Routes outside /api/v1 with their own auth and error shape (e.g. Open311 at /open311/v2). */
  rootRoutes?(router: Router): void;
  stop?(): Promise<void> | void;
}

export type ModuleFactory = (ctx: ModuleContext) => EstateModule;
