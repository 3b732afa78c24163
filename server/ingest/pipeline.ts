// One ingest path for MQTT and HTTP: decode + validate → normalise + enrich → journal (group commit)
// → the caller acknowledges → committed events fan out (live republish, later rules and forwarder).
import {
  decodePayload,
  isEventKind,
  validatePayload,
  type DecodeResult,
  type EstateEvent,
  type EventKind,
} from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import type { Metrics } from '../metrics.ts';
import { EstateContexts } from './estate-context.ts';
import { Journal } from './journal.ts';
import { normalizeEvent, type DevicePlace } from './normalize.ts';

export type Transport = 'mqtt' | 'http';

export type IngestOutcome =
  | { ok: true; duplicate: boolean; event: EstateEvent }
  | { ok: false; reason: string; error: string; id?: string; retryable: boolean };

export interface IngestOptions {
  metrics: Metrics;
  /** after commit, once per new event (duplicates are not fanned out again), with the JSON stored for each */
  onCommitted: (events: EstateEvent[], bodies: string[]) => void;
  maxBatch?: number;
  /** journal: how long a group of only heartbeats waits for company (ms), default HEARTBEAT_LINGER_MS */
  heartbeatLingerMs?: number;
  /** run before the commit; may add server-derived fields to event.data */
  enrich?: Array<(event: EstateEvent) => void>;
  /** a group commit failed */
  onJournalError?: (err: Error) => void;
  /** why ingest is paused (backpressure), or null; HTTP posts are then answered 503 */
  pausedReason?: () => string | null;
}

export class Ingest {
  readonly journal: Journal;
  readonly contexts: EstateContexts;
  private readonly metrics: Metrics;
  private readonly enrich: Array<(event: EstateEvent) => void>;
  private readonly pausedReason: () => string | null;

  constructor(db: Db, options: IngestOptions) {
    this.metrics = options.metrics;
    this.enrich = options.enrich ?? [];
    this.pausedReason = options.pausedReason ?? (() => null);
    this.contexts = new EstateContexts(db);
    this.journal = new Journal(db, {
      maxBatch: options.maxBatch,
      heartbeatLingerMs: options.heartbeatLingerMs,
      onCommit: (events, bodies) => {
        this.metrics.journalCommits.inc();
        options.onCommitted(events, bodies);
      },
      onError: (err) => {
        this.metrics.journalCommitErrors.inc();
        options.onJournalError?.(err);
      },
    });
    this.metrics.sources.journalPending = () => this.journal.pending;
  }

  /**
   * Accepts one payload from an authenticated device. `body` is raw bytes (MQTT) or parsed JSON
   * (HTTP). `done` runs after the journal commit, or at once for a rejection.
   */
  submit(device: DevicePlace, kind: string, body: Buffer | string | { json: unknown }, transport: Transport, done: (o: IngestOutcome) => void): void {
    if (!isEventKind(kind)) {
      return done(this.reject(transport, 'unknown_kind', `unknown event kind '${kind}': one of checkin, camera, vehicle, position, status`));
    }
    const paused = transport === 'http' ? this.pausedReason() : null;
    if (paused) return done(this.reject(transport, 'paused', `ingest paused: ${paused}; retry later`, undefined, true));
    const rx = Date.now();
    const decoded: DecodeResult<EventKind> =
      typeof body === 'object' && body !== null && 'json' in body && !Buffer.isBuffer(body) ? validatePayload(kind, body.json) : decodePayload(kind, body as Buffer | string);
    if (!decoded.ok) return done(this.reject(transport, decoded.reason, decoded.error, decoded.id));

    const event = normalizeEvent(kind, decoded.payload, device, this.contexts.get(device.estate), rx);
    for (const enrich of this.enrich) enrich(event);
    this.journal.append(event, (err, result) => {
      if (err) return done(this.reject(transport, 'journal_error', `not stored, retry: ${err.message}`, event.id ?? undefined, true));
      if (result!.inserted) this.countIn(kind, transport);
      else this.metrics.duplicates.inc({ kind });
      done({ ok: true, duplicate: !result!.inserted, event });
    });
  }

  private readonly inCounters = new Map<string, { inc(): void }>();
  /** se_events_in_total: the labelled child is looked up once, not hashed again for every event */
  private countIn(kind: string, transport: Transport): void {
    const key = `${kind}/${transport}`;
    let counter = this.inCounters.get(key);
    if (!counter) this.inCounters.set(key, (counter = this.metrics.eventsIn.labels({ kind, transport })));
    counter.inc();
  }

  reject(transport: Transport, reason: string, error: string, id?: string, retryable = false): IngestOutcome {
    this.metrics.rejected.inc({ reason, transport });
    return { ok: false, reason, error, id, retryable };
  }

  close(): void {
    this.journal.close();
  }
}
