// Assembles one Smart Estate server: store → ingest → broker (TCP + WebSocket) → API → forwarder.
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { loadTls, type TlsMaterial, type TlsPaths } from './security/tls.ts';
import { SecurityLimits } from './security/limits.ts';
import type { FloodPolicy } from './security/flood.ts';
import type { AttemptPolicy } from './security/attempts.ts';
import { SESSION_IDLE_MS } from './store/users.ts';
import { answerClientErrors } from './api/client-error.ts';
import { removeServerLock, writeServerLock } from './backup/lock.ts';
import { DEFAULT_WEB_DIR } from './config.ts';
import type { Db } from './store/db.ts';
import { dbPath, openDb } from './store/db.ts';
import { startCheckpointer } from './store/checkpointer.ts';
import { addUser, getUser } from './store/users.ts';
import { prepared } from './store/statements.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createLog, type Log } from './log.ts';
import { Ingest } from './ingest/pipeline.ts';
import { createBroker, type EstateBroker } from './broker/broker.ts';
import { claimAddress, createProxyGate, inheritAddress, type ProxyProtocolSettings } from './broker/proxy-gate.ts';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { createApp } from './api/router.ts';
import { createHistory, type HistoryBackend } from './history/index.ts';
import { createInfluxClient, ensureDatabase, parseInfluxUrl } from './influx/connection.ts';
import { startForwarderThread, type Forwarder } from './forwarder/index.ts';
import { ensureRetention } from './influx/retention.ts';
import { Backpressure } from './ingest/backpressure.ts';
import { trimJournal } from './ingest/retention.ts';
import type { EstateModule, ModuleContext, ModuleFactory } from './modules.ts';
import { liveTopic, type EstateEvent } from '../protocol/index.ts';
import { NO_ALERTS, type AlertSink } from './alerts/sink.ts';
import { createAlertsModule } from './alerts/module.ts';
import { createWallscreenModule } from './wallscreen/module.ts';
import { createPatrolModule } from './patrol/module.ts';
import { createVehiclesModule } from './vehicles/module.ts';
import { createOrgModule } from './org/module.ts';
import { createWorkordersModule } from './workorders/module.ts';
import { createCamerasModule } from './cameras/module.ts';
import { createHousesModule } from './houses/module.ts';
import { createHeatModule } from './heat/module.ts';
import { ClusterError, probeRedis, startCluster, type Cluster, type ClusterSettings } from './cluster/index.ts';
import type { LeaseTimings } from './cluster/lease-machine.ts';
import { ConfigConflictError, ConfigDbError, ConfigFeed, configChange, configFeedMetrics } from './cluster/config-db.ts';
import { HttpError } from './api/errors.ts';

/** Estate capabilities, in the order they see each event. */
const MODULES: ModuleFactory[] = [
  createAlertsModule,
  createPatrolModule,
  createVehiclesModule,
  createWallscreenModule,
  createWorkordersModule,
  createCamerasModule,
  createHousesModule,
  createHeatModule,
  createOrgModule,
];

export interface ServerOptions {
  dataDir: string;
  /** 0 = a free port, null = this listener off */
  httpPort?: number | null;
  mqttPort?: number | null;
  /** PEM files: HTTPS + WSS on httpsPort, MQTT over TLS on mqttsPort (docs/security.md) */
  tls?: TlsPaths | null;
  /** with tls: 0 = a free port, null = off (default 8443) */
  httpsPort?: number | null;
  /** with tls: 0 = a free port, null = off (default 8883) */
  mqttsPort?: number | null;
  /** flood limits per source address and client id (server/security/flood.ts) */
  flood?: Partial<FloodPolicy>;
  /** flood caps in seconds as the config gives them */
  maxConnectionsPerAddress?: number;
  connectRatePerAddress?: number;
  connectBurstPerAddress?: number;
  flapMaxConnects?: number;
  flapHoldSeconds?: number;
  /** addresses the per-address limits skip (default loopback) */
  limitsExempt?: string[];
  /** PROXY protocol on every listener (MQTT, MQTTS, HTTP, HTTPS), believed from these addresses only (docs/security.md); null = off */
  proxyProtocol?: ProxyProtocolSettings | null;
  /** guessing limits (tests) */
  userPolicy?: AttemptPolicy;
  addressPolicy?: AttemptPolicy;
  /** operator sessions unused this long end (default 60) */
  sessionIdleMinutes?: number;
  /** origins allowed to frame the app besides itself (CSP frame-ancestors) */
  frameAncestors?: string[];
  host?: string;
  influxUrl?: string | null;
  synchronous?: 'FULL' | 'NORMAL';
  adminPassword?: string | null;
  webDir?: string;
  quiet?: boolean;
  log?: Log;
  /** raw events kept (days): InfluxDB default RP, or the embedded journal (default 30) */
  retentionDays?: number;
  /** with InfluxDB: forwarded rows kept in the journal (days, default 7) */
  journalKeepDays?: number;
  /** pause ingest below this much free disk (MiB, default 512) */
  minFreeMb?: number;
  /** Aedes drainTimeout: a subscriber stuck this long is dropped (default 10 s) */
  drainTimeoutMs?: number;
  /** on close, how long to wait for the forwarder to drain (default 10 s) */
  shutdownDrainMs?: number;
  /** the clock for modules (tests) */
  now?: () => number;
  /** replaces the default module list (tests) */
  modules?: ModuleFactory[];
  /** one node of a cluster sharing Redis (server/cluster/); null/absent = one node, no Redis */
  cluster?: ClusterSettings | null;
  /** estate lease timings in a cluster (tests; default 3 s lease, renewed every 1 s) */
  leaseTimings?: LeaseTimings;
  /** postgres://… the shared configuration (devices, estates, users, sessions; server/cluster/config-db.ts); null/absent = local SQLite only */
  configDb?: string | null;
  /** how often the shared configuration is polled past a lost NOTIFY (tests; default 2 s) */
  configPollMs?: number;
}

export interface RunningServer {
  /** 0 when that listener is off */
  httpPort: number;
  mqttPort: number;
  httpsPort: number;
  mqttsPort: number;
  /** http://127.0.0.1:{httpPort} (https://…:{httpsPort} when plain HTTP is off) */
  url: string;
  /** https://127.0.0.1:{httpsPort}, or null without TLS */
  httpsUrl: string | null;
  limits: SecurityLimits;
  /** reads the certificate files again and uses them for new handshakes (SIGHUP); throws ConfigError and keeps the old one when they are bad */
  reloadTls(): TlsMaterial | null;
  db: Db;
  broker: EstateBroker;
  ingest: Ingest;
  history: HistoryBackend;
  metrics: Metrics;
  modules: EstateModule[];
  backpressure: Backpressure;
  /** null on a single node */
  cluster: Cluster | null;
  /** this node's copy of the shared configuration; null without --config-db */
  configFeed: ConfigFeed | null;
  /** one pass of journal trimming now (it also runs every minute); returns rows deleted */
  trimJournal(now?: number): number;
  /** resolves when every committed event has reached InfluxDB (immediately in embedded mode) */
  drainForwarder(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? createLog({ quiet: options.quiet });
  const host = options.host ?? '0.0.0.0';
  const synchronous = options.synchronous ?? 'FULL';
  // Certificate problems are start-up errors, before anything is opened.
  let tlsMaterial = options.tls ? loadTls(options.tls) : null;
  // A cluster shares history through InfluxDB, and cannot start without its Redis: both said before
  // anything is opened (config.ts says the first for the command line too).
  if (options.cluster && !options.influxUrl) throw new ClusterError('a cluster node needs InfluxDB history (--influx-url / SE_INFLUX_URL): its own journal holds only the events it received');
  if (options.cluster) await probeRedis(options.cluster.redisUrl);
  const db = openDb(dbPath(options.dataDir), { synchronous });
  const checkpointer = startCheckpointer(db, { log });

  if (options.adminPassword && !getUser(db, 'admin')) {
    addUser(db, { name: 'admin', role: 'admin', password: options.adminPassword, estate: null });
    log.info('created user admin from SE_ADMIN_PASSWORD');
  }

  const metrics = createMetrics();
  metrics.sources.walBacklog = () => {
    const wal = checkpointer.stats();
    return Math.max(0, wal.walPages - wal.checkpointed);
  };
  let broker: EstateBroker | null = null;
  let forwarder: Forwarder | null = null;
  let cluster: Cluster | null = null;
  let sharedConfig: ConfigFeed | null = null;
  const ctx: ModuleContext = {
    db,
    metrics,
    log,
    now: options.now ?? Date.now,
    // in a cluster: the lease, and the estate's module state read to its end since (estate-state.ts)
    owns: (estate) => !cluster || cluster.owns(estate),
    clustered: Boolean(options.cluster),
    allocateId: (name) => cluster?.ids.next(name),
    publish: (topic, payload, opts) => {
      broker?.publishJson(topic, payload, opts);
      // estate channels reach the other nodes' dashboards too (district summaries stay per node: docs/scale-out.md)
      if (cluster && topic.startsWith('estates/')) cluster.live.send([{ topic, payload: JSON.stringify(payload), qos: 1, retain: opts?.retain ?? false }]);
    },
    // Late-bound: modules may raise alerts before or after the alerts module is created.
    alerts: {
      raise: (alert) => alertSink.raise(alert),
      clear: (estate, source, type, at) => alertSink.clear(estate, source, type, at),
      get: (id) => alertSink.get?.(id),
      linkWorkOrder: (id, order, actor) => alertSink.linkWorkOrder?.(id, order, actor),
    },
    // Late-bound like alerts: adapters only submit from requests, once the server is up.
    submit: (device, kind, json, transport) => new Promise((resolve) => ingest.submit(device, kind, { json }, transport, resolve)),
    // Late-bound: the shared configuration's feed is created after the modules.
    configChange: async (work, after) => {
      try {
        return await configChange(db, sharedConfig && { url: sharedConfig.url, feed: sharedConfig }, work, after);
      } catch (err) {
        if (err instanceof ConfigConflictError) throw new HttpError(409, err.message);
        if (err instanceof ConfigDbError) throw new HttpError(503, err.message);
        throw err;
      }
    },
  };
  let alertSink: AlertSink = NO_ALERTS;
  const modules = (options.modules ?? MODULES).map((create) => create(ctx));
  alertSink = modules.find((m) => m.alertSink)?.alertSink ?? NO_ALERTS;
  const urgent = modules.filter((m) => m.urgent);
  const bulk = modules.filter((m) => !m.urgent);
  const backpressure = new Backpressure({
    dataDir: options.dataDir,
    minFreeBytes: (options.minFreeMb ?? 512) * 2 ** 20,
    metrics,
    log,
    onPause: () => broker?.pauseDevices(),
    onResume: () => broker?.resumeDevices(),
  });
  const ingest = new Ingest(db, {
    metrics,
    onJournalError: (err) => backpressure.journalFailed(err),
    pausedReason: () => (backpressure.paused ? backpressure.describe() : null),
    enrich: modules.flatMap((m) =>
      m.enrich
        ? [
            (event: EstateEvent) => {
              try {
                m.enrich!(event);
              } catch (err) {
                log.error(`${m.name}: enrich failed, event stored without it: ${(err as Error).stack ?? err}`);
              }
            },
          ]
        : [],
    ),
    onCommitted: (events, bodies) => {
      // In a cluster the per-estate modules see only the events of estates this node owns (and has
      // caught up); the rest go to their owner through the hand-off streams (server/cluster/handoff.ts).
      const own = cluster?.handoff ? cluster.handoff.split(events) : events;
      // The alert lane first (EstateModule.urgent), then the bulk: live fan-out, the forwarder, the rest.
      runModules(urgent, events, own);
      broker?.publishLive(events, bodies);
      if (cluster) cluster.live.send(events.map((e, i) => ({ topic: liveTopic(e.estate, e.kind), payload: bodies[i], qos: 0 as const, retain: false })));
      forwarder?.notify();
      runModules(bulk, events, own);
    },
  });
  /** Events another node handed over: the per-estate modules only, each write with its own fsync (the local journal cannot replay them). */
  const perEstateUrgent = urgent.filter((m) => m.perEstate);
  const perEstateBulk = bulk.filter((m) => m.perEstate);
  const evaluateHandedOver = (events: EstateEvent[]) => {
    runModules(perEstateUrgent, events, events, false);
    runModules(perEstateBulk, events, events, false);
  };
  function runModules(list: EstateModule[], events: EstateEvent[], own: EstateEvent[], mayRelax = true): void {
    // Modules that replay the journal write without an fsync of their own (see replaysJournal);
    // the level changes only between modules that differ, with statements compiled once.
    let relaxedNow = false;
    try {
      for (const m of list) {
        if (!m.onCommitted) continue;
        const seen = m.perEstate ? own : events;
        if (seen !== events && !seen.length) continue;
        const relaxed = mayRelax && !options.cluster && Boolean(m.replaysJournal) && synchronous === 'FULL';
        if (relaxed !== relaxedNow) {
          prepared(db, relaxed ? 'PRAGMA synchronous = NORMAL' : 'PRAGMA synchronous = FULL').run();
          relaxedNow = relaxed;
        }
        try {
          m.onCommitted(seen);
        } catch (err) {
          log.error(`${m.name}: ${(err as Error).stack ?? err}`);
        }
      }
    } finally {
      if (relaxedNow) prepared(db, 'PRAGMA synchronous = FULL').run();
    }
  }

  let influx = null;
  if (options.influxUrl) {
    const target = parseInfluxUrl(options.influxUrl);
    influx = createInfluxClient(target);
    try {
      await ensureDatabase(influx, target.database);
    } catch (err) {
      // The journal keeps everything; the forwarder catches up once InfluxDB answers.
      log.warn(`influxdb: not reachable at start (${(err as Error).message}); events are journaled and forwarded when it returns`);
    }
    try {
      const retention = await ensureRetention(influx, target.database, options.retentionDays ?? 30);
      if (retention.created.length) log.info(`influxdb: ${retention.created.join(', ')}`);
    } catch (err) {
      log.warn(`influxdb: retention policies not checked (${(err as Error).message}); will not retry until restart`);
    }
    forwarder = startForwarderThread(db, { log, target, ...(options.cluster ? { pointSlot: 'id' as const } : {}) });
    const firstUnforwarded = db.prepare('SELECT rx FROM events WHERE seq > ? ORDER BY seq LIMIT 1').pluck();
    metrics.sources.forwarder = () => {
      const stats = forwarder!.stats();
      const rx = stats.lagEvents > 0 ? (firstUnforwarded.get(stats.checkpoint) as number | undefined) : undefined;
      return { ...stats, lagSeconds: rx === undefined ? 0 : Math.max(0, (Date.now() - rx) / 1000) };
    };
    log.info(`history: InfluxDB ${target.host}:${target.port}/${target.database}`);
  } else {
    log.info('history: embedded (SQLite journal); set SE_INFLUX_URL to use InfluxDB');
  }
  const history = createHistory(db, influx);

  const limits = new SecurityLimits(metrics, log, {
    flood: {
      ...(options.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: options.maxConnectionsPerAddress } : {}),
      ...(options.connectRatePerAddress !== undefined ? { connectRatePerAddress: options.connectRatePerAddress } : {}),
      ...(options.connectBurstPerAddress !== undefined ? { connectBurstPerAddress: options.connectBurstPerAddress } : {}),
      ...(options.flapMaxConnects !== undefined ? { flapMaxConnects: options.flapMaxConnects } : {}),
      ...(options.flapHoldSeconds !== undefined ? { flapHoldMs: options.flapHoldSeconds * 1000 } : {}),
      ...options.flood,
    },
    exempt: options.limitsExempt,
    userPolicy: options.userPolicy,
    addressPolicy: options.addressPolicy,
  });
  const sessionIdleMs = options.sessionIdleMinutes !== undefined ? options.sessionIdleMinutes * 60_000 : SESSION_IDLE_MS;
  broker = await createBroker({ db, ingest, metrics, log, drainTimeoutMs: options.drainTimeoutMs, limits, sessionIdleMs, proxyProtocol: options.proxyProtocol });
  backpressure.start();
  /** A start that failed after the broker was created: everything opened so far is closed again. */
  const abandonStart = async () => {
    backpressure.stop();
    limits.stop();
    await broker!.close().catch(() => {});
    for (const m of modules) await m.stop?.();
    await forwarder?.stop();
    ingest.close();
    await checkpointer.stop();
    db.close();
  };
  if (options.cluster) {
    const estateIds = db.prepare('SELECT id FROM estates ORDER BY id').pluck();
    try {
      // alert ids and their log's seq from one counter unique across nodes (every node holds a copy of both)
      const hasAlerts = Boolean(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'alert_log'").pluck().get());
      const maxAlertId = hasAlerts ? db.prepare('SELECT max(coalesce((SELECT max(id) FROM alerts), 0), coalesce((SELECT max(seq) FROM alert_log), 0))').pluck() : null;
      // vehicle session and occupancy correction ids from one counter too (both replicated: estate-state.ts)
      const hasVehicles = Boolean(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'vehicle_occupancy_corrections'").pluck().get());
      const maxVehicleId = hasVehicles
        ? db.prepare('SELECT max(coalesce((SELECT max(id) FROM vehicle_sessions), 0), coalesce((SELECT max(id) FROM vehicle_occupancy_corrections), 0))').pluck()
        : null;
      cluster = await startCluster(options.cluster, {
        log, metrics, db, evaluate: evaluateHandedOver, estates: () => estateIds.all() as string[], timings: options.leaseTimings, deliver: (m) => broker!.deliver(m),
        ids: {
          ...(maxAlertId ? { alerts: () => maxAlertId.get() as number } : {}),
          ...(maxVehicleId ? { vehicles: () => maxVehicleId.get() as number } : {}),
        },
        onState: (estate, reason, tables) => {
          for (const m of modules) {
            try {
              m.estateState?.(estate, reason, tables);
            } catch (err) {
              log.error(`${m.name}: state of estate ${estate} (${reason}): ${(err as Error).stack ?? err}`);
            }
          }
        },
      });
    } catch (err) {
      await abandonStart();
      throw err;
    }
  }

  // The shared configuration: one attempt to catch up before the listeners open (a node that was down
  // while a device was added knows it before the device connects); PostgreSQL down is not fatal.
  // Sessions or users changed through the feed (a logout or a password change on another node): this
  // node's dashboards on ended sessions are dropped, as for a change made here.
  const configFeed = options.configDb
    ? new ConfigFeed(options.configDb, db, log, options.configPollMs, (tables, changes) => {
      if (tables.has('sessions') || tables.has('users')) broker?.revalidateSessions();
      for (const m of modules) {
        try {
          m.configApplied?.(changes);
        } catch (err) {
          log.error(`${m.name}: applying shared configuration: ${(err as Error).stack ?? err}`);
        }
      }
    })
    : null;
  sharedConfig = configFeed;
  await configFeed?.start();
  if (configFeed) configFeedMetrics(metrics, configFeed);

  const dayMs = 86_400_000;
  const trim = (now = Date.now()) => {
    // with InfluxDB, only what the forwarder wrote — and in a cluster what the hand-off sent its owner
    const handedOver = cluster?.handoff?.handedOverUpTo() ?? Number.MAX_SAFE_INTEGER;
    const policy = forwarder
      ? { before: now - (options.journalKeepDays ?? 7) * dayMs, upToSeq: Math.min(forwarder.stats().checkpoint, handedOver) }
      : { before: now - (options.retentionDays ?? 30) * dayMs, upToSeq: null };
    const deleted = trimJournal(db, policy);
    if (deleted) log.info(`journal: trimmed ${deleted} rows received before ${new Date(policy.before).toISOString()}`);
    return deleted;
  };
  const trimTimer = setInterval(() => {
    try {
      trim();
    } catch (err) {
      log.warn(`journal: trim failed: ${(err as Error).message}`);
    }
  }, 60_000);
  trimTimer.unref();
  const app = createApp({
    db, ingest, history, metrics, log, modules, webDir: options.webDir ?? DEFAULT_WEB_DIR, now: ctx.now,
    limits, sessionIdleMs, onSessionsEnded: () => broker?.revalidateSessions(), frameAncestors: options.frameAncestors, configFeed,
  });
  const http: HttpServer = createServer(app);
  // HTTPS + WSS on a port of its own (docs/security.md: plain HTTP stays for a LAN without a CA and can be switched off).
  // A client certificate is asked for only with --tls-ca, and never required (browsers have none).
  const https: HttpsServer | null = tlsMaterial ? createHttpsServer({ ...tlsMaterial.context, requestCert: false }, app) : null;
  for (const server of [http, https]) {
    if (!server) continue;
    // Keep idle connections longer than clients and proxies expect (Node's 5 s races a client reusing
    // its pooled socket just as the server closes it: "other side closed").
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    answerClientErrors(server);
    broker.attachWebSocket(server);
  }
  // With the PROXY protocol on, HTTP and HTTPS read the header as MQTT does (a balancer in TCP mode
  // in front of every port): a plain listener takes it off and hands the socket on, its address the
  // header's — what the REST sign-in limits, the audit log and MQTT over WebSocket see.
  const httpGate = options.proxyProtocol ? createProxyGate({ proxy: options.proxyProtocol, metrics, log, transport: 'http' }) : null;
  const fronts: NetServer[] = [];
  if (httpGate) https?.prependListener('secureConnection', inheritAddress);
  const listen = (server: HttpServer | HttpsServer, port: number) =>
    new Promise<number>((resolve, reject) => {
      if (!httpGate) {
        server.once('error', reject);
        return server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      }
      const front = createNetServer({ noDelay: true }, (raw) =>
        httpGate(raw, () => true, (s, address) => {
          claimAddress(s, address);
          server.emit('connection', s);
        }),
      );
      fronts.push(front);
      front.once('error', reject);
      front.listen(port, host, () => {
        // The HTTP server never listens itself: what its 'listening' sets up — the connection list that
        // closeAllConnections and the headers/request timeouts use — is set up here.
        server.emit('listening');
        resolve((front.address() as { port: number }).port);
      });
    });
  const closeFronts = () => Promise.all(fronts.map((f) => new Promise<void>((resolve) => f.close(() => resolve()))));

  let httpPort = 0;
  let mqttPort = 0;
  let httpsPort = 0;
  let mqttsPort = 0;
  try {
    const wanted = (p: number | null | undefined, fallback: number) => (p === undefined ? fallback : p);
    const hp = wanted(options.httpPort, 8080);
    if (hp !== null) httpPort = await listen(http, hp);
    const mp = wanted(options.mqttPort, 1883);
    if (mp !== null) mqttPort = await broker.listenTcp(mp, host);
    if (https && tlsMaterial) {
      const sp = wanted(options.httpsPort, 8443);
      if (sp !== null) httpsPort = await listen(https, sp);
      const tp = wanted(options.mqttsPort, 8883);
      if (tp !== null) mqttsPort = await broker.listenTls(tp, host, tlsMaterial.context, Boolean(options.tls?.ca));
    }
  } catch (err) {
    await cluster?.close();
    await configFeed?.close();
    clearInterval(trimTimer);
    http.close();
    https?.close();
    for (const f of fronts) f.close();
    await abandonStart();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`port already in use: ${(e as { port?: number }).port ?? ''} — pick another with --http-port / --mqtt-port / --https-port / --mqtts-port`);
    throw err;
  }

  if (options.proxyProtocol) log.info(`proxy: PROXY protocol on every listener (MQTT ${mqttPort || 'off'}, MQTTS ${mqttsPort || 'off'}, HTTP ${httpPort || 'off'}, HTTPS ${httpsPort || 'off'}): headers believed from ${options.proxyProtocol.trusted.join(', ') || 'nobody'}, refused from anyone else`);
  if (tlsMaterial) log.info(`tls: ${tlsMaterial.subject}, valid to ${tlsMaterial.validTo} (HTTPS ${httpsPort || 'off'}, MQTTS ${mqttsPort || 'off'}${options.tls?.ca ? ', client certificates accepted' : ''})`);

  // `smart-estate restore` refuses to run while this file names a live process (server/backup/lock.ts).
  writeServerLock(options.dataDir, { httpPort, mqttPort });
  let closed = false;
  const httpsUrl = httpsPort ? `https://127.0.0.1:${httpsPort}` : null;
  return {
    httpPort,
    mqttPort,
    httpsPort,
    mqttsPort,
    url: httpPort ? `http://127.0.0.1:${httpPort}` : httpsUrl ?? '',
    httpsUrl,
    limits,
    reloadTls() {
      if (!options.tls) return null;
      const fresh = loadTls(options.tls); // throws with the reasons; the old certificate stays in use
      https?.setSecureContext(fresh.context);
      broker!.setSecureContext(fresh.context);
      tlsMaterial = fresh;
      log.info(`tls: reloaded ${fresh.subject}, valid to ${fresh.validTo}; open connections keep theirs`);
      return fresh;
    },
    db,
    broker,
    ingest,
    history,
    metrics,
    modules,
    backpressure,
    cluster,
    configFeed,
    trimJournal: trim,
    drainForwarder: () => forwarder?.drain() ?? Promise.resolve(),
    async close() {
      if (closed) return;
      closed = true;
      http.closeAllConnections?.();
      https?.closeAllConnections?.();
      // Stop accepting now; the listeners' close waits for every socket they accepted, the upgraded
      // WebSocket dashboards too, which only broker.close() below ends — so it is awaited after that
      // (awaited first, a stop with a live dashboard connected never finished).
      // (behind the PROXY gate the servers do not listen, but close() still ends their timeout checks)
      const listenersClosed = Promise.all([http, https].map((s) => s && new Promise<void>((resolve) => (s.listening || httpGate ? s.close(() => resolve()) : resolve())))).then(closeFronts);
      limits.stop();
      clearInterval(trimTimer);
      backpressure.stop();
      await broker!.close();
      await listenersClosed;
      ingest.close(); // commits whatever is queued
      // Only now, with no event coming any more: the hand-off sends the journal's tail to the other
      // owners and marks what this node evaluated itself, the state outbox ships, then the leases are
      // released (another node takes the estates at once). Released before the broker closed, events
      // acknowledged meanwhile had no sender to hand them over, and a restart re-sent what this node
      // had evaluated (the review of #15).
      await cluster?.close();
      await configFeed?.close();
      for (const m of modules) await m.stop?.();
      if (forwarder) {
        // Graceful: give InfluxDB a bounded moment to take what is committed; the rest waits in the journal.
        const drained = await Promise.race([forwarder.drain().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), options.shutdownDrainMs ?? 10_000).unref())]);
        if (!drained) log.warn(`shutdown: InfluxDB did not take the backlog in time; ${forwarder.stats().lagEvents} events stay journaled and are forwarded at the next start`);
        await forwarder.stop();
      }
      await checkpointer.stop();
      db.close();
      removeServerLock(options.dataDir);
    },
  };
}
