// Prometheus metrics, one registry per server instance (tests run several servers in one process).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** Live values read at scrape time (set by app.ts once the parts exist). */
export interface MetricSources {
  journalPending(): number;
  /** null in embedded mode */
  forwarder(): { forwarded: number; retries: number; deadLetters: number; lagEvents: number; lagSeconds: number } | null;
  /** SQLite WAL pages not yet copied into the database file, as of the checkpointer's last run */
  walBacklog(): number;
}

export function createMetrics() {
  const registry = new Registry();
  const sources: MetricSources = { journalPending: () => 0, forwarder: () => null, walBacklog: () => 0 };
  const fromForwarder = (key: 'forwarded' | 'retries' | 'deadLetters' | 'lagEvents' | 'lagSeconds') =>
    function (this: Gauge) {
      const stats = sources.forwarder();
      if (stats) this.set(stats[key]);
    };
  collectDefaultMetrics({ register: registry, prefix: 'se_process_' });
  return {
    registry,
    sources,
    forwarded: new Gauge({ name: 'se_forwarder_forwarded', help: 'Events written to InfluxDB by this process', registers: [registry], collect: fromForwarder('forwarded') }),
    forwarderRetries: new Gauge({ name: 'se_forwarder_retries', help: 'InfluxDB write retries by this process', registers: [registry], collect: fromForwarder('retries') }),
    deadLetters: new Gauge({ name: 'se_forwarder_dead_letters', help: 'Events InfluxDB refused (kept in dead_letters), by this process', registers: [registry], collect: fromForwarder('deadLetters') }),
    journalLagEvents: new Gauge({ name: 'se_journal_lag_events', help: 'Journal events not yet in InfluxDB', registers: [registry], collect: fromForwarder('lagEvents') }),
    journalLagSeconds: new Gauge({ name: 'se_journal_lag_seconds', help: 'Age of the oldest journal event not yet in InfluxDB', registers: [registry], collect: fromForwarder('lagSeconds') }),
    eventsIn: new Counter({ name: 'se_events_in_total', help: 'Events accepted into the journal, by kind and transport', labelNames: ['kind', 'transport'], registers: [registry] }),
    duplicates: new Counter({ name: 'se_events_duplicate_total', help: 'Events dropped as duplicates by (device, id)', labelNames: ['kind'], registers: [registry] }),
    rejected: new Counter({ name: 'se_events_rejected_total', help: 'Publishes and posts rejected, by reason', labelNames: ['reason', 'transport'], registers: [registry] }),
    liveOut: new Counter({ name: 'se_live_out_total', help: 'Events republished on live/{kind}', labelNames: ['kind'], registers: [registry] }),
    authFailures: new Counter({ name: 'se_auth_failures_total', help: 'Refused logins and connections', labelNames: ['who'], registers: [registry] }),
    connectedDevices: new Gauge({ name: 'se_connected_devices', help: 'Devices connected over MQTT', registers: [registry] }),
    connectedDashboards: new Gauge({ name: 'se_connected_dashboards', help: 'Operator dashboards connected over MQTT', registers: [registry] }),
    journalPending: new Gauge({
      name: 'se_journal_pending',
      help: 'Events waiting for the next group commit',
      registers: [registry],
      collect(this: Gauge) {
        this.set(sources.journalPending());
      },
    }),
    walBacklog: new Gauge({
      name: 'se_sqlite_wal_backlog_pages',
      help: 'WAL pages not yet checkpointed into the database file (grows if the checkpointer falls behind)',
      registers: [registry],
      collect() {
        this.set(sources.walBacklog());
      },
    }),
    journalCommits: new Counter({ name: 'se_journal_commits_total', help: 'Group commits of the journal', registers: [registry] }),
    journalCommitErrors: new Counter({ name: 'se_journal_commit_errors_total', help: 'Group commits that failed (nothing of the group was acknowledged)', registers: [registry] }),
    ingestPaused: new Gauge({ name: 'se_ingest_paused', help: '1 while reading from devices is paused, by reason', labelNames: ['reason'], registers: [registry] }),
    diskFreeBytes: new Gauge({ name: 'se_disk_free_bytes', help: 'Free bytes on the data directory file system', registers: [registry] }),
    authHeldBack: new Counter({ name: 'se_auth_held_back_total', help: 'Sign-ins refused before the password was checked, because the user name or address is waiting (delayed) or locked', labelNames: ['transport', 'reason'], registers: [registry] }),
    authLocks: new Counter({ name: 'se_auth_locks_total', help: 'User names or addresses locked after repeated failed sign-ins', labelNames: ['transport', 'by'], registers: [registry] }),
    connectionsRefused: new Counter({ name: 'se_connections_refused_total', help: 'MQTT connections refused by the flood limits and the PROXY protocol checks, by reason', labelNames: ['reason'], registers: [registry] }),
    sessionsRevoked: new Counter({ name: 'se_sessions_revoked_total', help: 'Operator sessions ended by logout, revocation or a password change', labelNames: ['why'], registers: [registry] }),
    httpIngestRefused: new Counter({ name: 'se_http_ingest_paused_total', help: 'HTTP ingest answered 503 while paused', registers: [registry] }),
  };
}
