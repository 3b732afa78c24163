// One node of a cluster (docs/scale-out.md): the connections to Redis, the link state, estate
// ownership under leases. Started by app.ts only with --cluster / SE_REDIS_URL.
import type { Redis } from 'ioredis';
import type { Log } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { ClusterLink, type LinkStatus } from './link.ts';
import { clusterMetrics, type ClusterMetrics } from './metrics.ts';
import { createRedis, probeRedis } from './redis.ts';
import { LeaseStore } from './lease-store.ts';
import { Ownership } from './ownership.ts';
import { DEFAULT_TIMINGS, takeoverBoundMs, type LeaseTimings } from './lease-machine.ts';
import { redisAddress, type ClusterSettings } from './settings.ts';
import { LiveBridge, type LiveMessage } from './live-bridge.ts';
import { NodeRegistry } from './node-registry.ts';
import { Handoff } from './handoff.ts';
import { EstateState, IdBlocks } from './estate-state.ts';
import type { Db } from '../store/db.ts';
import type { EstateEvent } from '../../protocol/index.ts';
import { randomBytes } from 'node:crypto';
import { CLUSTER_LINK_TOPIC, type ClusterLinkStatus } from '../../protocol/index.ts';

export { ClusterError, probeRedis } from './redis.ts';
export type { ClusterSettings } from './settings.ts';
export type { LiveMessage } from './live-bridge.ts';

export interface ClusterDeps {
  log: Log;
  metrics: Metrics;
  /** the estates this node may own (the registry's estates) */
  estates: () => string[];
  timings?: LeaseTimings;
  /** the node's database: the journal the hand-off reads, its checkpoint (absent: no hand-off, e.g. the fan-out bench) */
  db?: Db;
  /** runs the stateful modules on events handed over by other nodes (this node owns their estate) */
  evaluate?(events: EstateEvent[]): void;
  /** module state of an estate was applied from its state stream, or caught up at a takeover (estate-state.ts) */
  onState?(estate: string, reason: 'applied' | 'takeover', tables: Set<string>): void;
  /** id sequences unique across nodes, each with this node's largest id so far (the counter's floor) */
  ids?: Record<string, () => number>;
  /** publishes to this node's own dashboards only (other nodes' live messages, the link state) */
  deliver(messages: LiveMessage[]): void;
}

export interface Cluster {
  nodeId: string;
  link: ClusterLink;
  ownership: Ownership;
  /** the command connection (leases, publishes) */
  redis: Redis;
  metrics: ClusterMetrics;
  /** live messages this node delivered to its dashboards, for the other nodes' dashboards */
  live: LiveBridge;
  /** committed events to their estate's owner, and the owner's reading of them (null without deps.db) */
  handoff: Handoff | null;
  /** module state that moves with the estate (null without deps.db) */
  state: EstateState | null;
  /** ids unique across nodes (deps.ids) */
  ids: IdBlocks;
  /** this node owns the estate and has caught up its module state: its modules act for it */
  owns(estate: string): boolean;
  close(): Promise<void>;
}

/** Connection names: the link is up while every one of them is ready. */
export const CONNECTIONS = ['commands', 'subscriber'] as const;

export async function startCluster(settings: ClusterSettings, deps: ClusterDeps): Promise<Cluster> {
  const { log } = deps;
  const where = redisAddress(settings.redisUrl);
  const { version, warning } = await probeRedis(settings.redisUrl);
  if (warning) log.warn(`cluster: ${warning}`);
  let ownedNow = () => 0;
  const metrics = clusterMetrics(deps.metrics, () => ownedNow());
  const link = new ClusterLink([...CONNECTIONS]);
  metrics.linkUp.set(0);
  const announce = (s: LinkStatus) => {
    const status: ClusterLinkStatus = { node: settings.nodeId, state: s.state, since: s.since };
    deps.deliver([{ topic: CLUSTER_LINK_TOPIC, payload: JSON.stringify(status), qos: 1, retain: true }]);
  };
  link.onChange((s: LinkStatus) => {
    metrics.linkUp.set(s.state === 'up' ? 1 : 0);
    announce(s);
    if (s.state === 'down') {
      metrics.linkDowns.inc();
      log.warn(`cluster: Redis link down (${s.error ?? 'connection closed'}): ingest and acknowledgements go on; live events from other nodes are missed and estate leases cannot be renewed until it is back`);
    } else log.info(`cluster: Redis link up (${where})`);
  });
  let lastError = '';
  const redis = createRedis(settings.redisUrl, `se-${settings.nodeId}-commands`, (err) => {
    if (err.message !== lastError) log.debug(`cluster: redis: ${err.message}`);
    lastError = err.message;
  });
  redis.on('ready', () => link.set('commands', true));
  redis.on('close', () => link.set('commands', false, lastError || 'connection closed'));
  const sub = createRedis(settings.redisUrl, `se-${settings.nodeId}-subscriber`, (err) => log.debug(`cluster: redis subscriber: ${err.message}`));
  // ready comes after ioredis has subscribed again following a reconnect
  sub.on('ready', () => link.set('subscriber', true));
  sub.on('close', () => link.set('subscriber', false, lastError || 'connection closed'));
  const reader = createRedis(settings.redisUrl, `se-${settings.nodeId}-handoff-reader`, (err) => log.debug(`cluster: redis hand-off reader: ${err.message}`));
  const stateReader = createRedis(settings.redisUrl, `se-${settings.nodeId}-state-reader`, (err) => log.debug(`cluster: redis state reader: ${err.message}`));
  const incarnation = randomBytes(4).toString('hex');
  const sender = `${settings.nodeId}/${incarnation}`;
  const live = new LiveBridge({
    nodeId: sender, pub: redis, sub, link, metrics, inject: deps.deliver,
    onError: (err) => log.warn(`cluster: live message from another node not delivered: ${err.message}`),
  });
  const timings = deps.timings ?? DEFAULT_TIMINGS;
  const registry = new NodeRegistry(redis, settings.nodeId, incarnation, timings.leaseMs);
  try {
    await redis.connect();
    await registry.register();
    await sub.connect();
    await live.start();
    await reader.connect();
    await stateReader.connect();
  } catch (err) {
    redis.disconnect();
    sub.disconnect();
    reader.disconnect();
    stateReader.disconnect();
    throw err;
  }
  announce(link.current);

  const ownership = new Ownership({
    store: new LeaseStore(redis),
    nodeId: settings.nodeId,
    incarnation,
    estates: deps.estates,
    timings,
    onChange(estate, change) {
      metrics.leaseChanges.inc({ became: change.became });
      metrics.estatesOwned.set(ownership.owned().length);
      if (change.became === 'owner') log.info(`cluster: this node owns estate ${estate} (token ${change.token})`);
      else if (change.became === 'lost') log.warn(`cluster: lease of estate ${estate} lost (${change.why === 'expired' ? 'not renewed in time' : 'held by another node now'})`);
    },
  });
  ownedNow = () => ownership.owned().length;
  const ids = new IdBlocks(redis, log, (name) => deps.ids?.[name]?.() ?? 0);
  for (const name of Object.keys(deps.ids ?? {})) await ids.prepare(name);
  const state = deps.db
    ? new EstateState({ db: deps.db, redis, reader: stateReader, ownership, holder: ownership.holder, log, estates: deps.estates, onState: deps.onState,
        metrics: { shipped: metrics.stateShipped, applied: metrics.stateApplied, refused: metrics.stateRefused, outbox: metrics.stateOutbox } })
    : null;
  const owns = (estate: string) => {
    const token = ownership.tokenFor(estate);
    return token !== null && (!state || state.ready(estate, token));
  };
  ownership.start();
  state?.start();
  const handoff = deps.db && deps.evaluate
    ? new Handoff({
        db: deps.db, redis, reader, ownership, nodeId: settings.nodeId, log, evaluate: deps.evaluate,
        ready: state ? (estate, token) => state.ready(estate, token) : undefined,
        beforeConfirm: state ? () => state.flush() : undefined,
        metrics: { sent: metrics.handoffSent, evaluated: metrics.handoffEvaluated, duplicates: metrics.handoffDuplicates, lag: metrics.handoffLag },
      })
    : null;
  handoff?.start();
  // The heartbeat: the node's registration renewed every renewMs. A Redis that hangs (no close, just
  // no answers) shows up here as a timeout, and the link goes down until an answer comes again.
  let beating = false;
  let idTaken = false;
  const heartbeat = setInterval(async () => {
    if (beating) return;
    beating = true;
    try {
      const mine = await registry.renew();
      if (!mine && !idTaken) log.error(`cluster: node id '${settings.nodeId}' was taken by another process while this one's registration had lapsed: give each node its own --node-id`);
      idTaken = !mine;
      if (redis.status === 'ready') link.set('commands', true);
    } catch (err) {
      lastError = `no answer from Redis: ${(err as Error).message}`;
      link.set('commands', false, lastError);
    } finally {
      beating = false;
    }
  }, timings.renewMs);
  heartbeat.unref();
  log.info(`cluster: node ${settings.nodeId} (${settings.nodeIdFrom === 'default' ? 'default id: host name + data dir' : 'configured'}) on Redis ${version} at ${where}; estate leases ${timings.leaseMs} ms, renewed every ${timings.renewMs} ms (takeover within ${takeoverBoundMs(timings)} ms of an owner's last renewal)`);

  return {
    nodeId: settings.nodeId,
    link,
    ownership,
    redis,
    metrics,
    live,
    handoff,
    state,
    ids,
    owns,
    async close() {
      clearInterval(heartbeat);
      await handoff?.stop();
      await state?.stop();
      await ownership.stop();
      await registry.unregister();
      live.flush();
      await redis.quit().catch(() => redis.disconnect());
      sub.disconnect();
      reader.disconnect();
      stateReader.disconnect();
    },
  };
}
