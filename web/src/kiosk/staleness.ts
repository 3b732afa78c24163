// "The screen never shows calm when data has stopped": which sources have gone quiet. A source the
// estate has devices for is stale once nothing came from it for `staleAfterMs` (counted from when
// the page started listening if it was never heard); the live link itself is stale while the MQTT
// connection is down; and in a cluster, while the dashboard's server node has lost its link to the
// others (Redis), live events other nodes receive do not arrive. Pure, so the rules are tested
// without a browser.
import { FEED_SOURCES, type FeedSource } from '../live/live-store.ts';

export type StaleSource = FeedSource | 'link' | 'cluster';

export interface Staleness {
  source: StaleSource;
  /** how long it has been silent (ms) */
  silentMs: number;
}

export interface StalenessInput {
  lastHeard: Readonly<Record<FeedSource, number>>;
  expectedSources: ReadonlySet<FeedSource>;
  startedAt: number;
  /** the server node's cluster link (retained `cluster/link`), `since` on this page's clock; null on a single node */
  clusterLink?: { state: 'up' | 'down'; since: number } | null;
}

export function staleSources(store: StalenessInput, now: number, staleAfterMs: number, link: { connected: boolean; since: number }): Staleness[] {
  const out: Staleness[] = [];
  const grace = Math.min(staleAfterMs, 10_000);
  if (!link.connected && now - link.since >= grace) out.push({ source: 'link', silentMs: now - link.since });
  // only while our own link is up: when it is down, the 'link' banner already says everything is missing
  const cluster = store.clusterLink;
  if (link.connected && cluster?.state === 'down' && now - cluster.since >= grace) out.push({ source: 'cluster', silentMs: now - cluster.since });
  for (const source of FEED_SOURCES) {
    const heard = store.lastHeard[source];
    if (!store.expectedSources.has(source) && heard === 0) continue;
    const since = heard || store.startedAt;
    const silentMs = now - since;
    if (silentMs >= staleAfterMs) out.push({ source, silentMs });
  }
  return out;
}

/** "2 min", "45 s", "1 h 5 min" style numbers for the banner: minutes once past a minute. */
export function silenceParts(ms: number): { hours: number; minutes: number; seconds: number } {
  const total = Math.max(0, Math.floor(ms / 1000));
  return { hours: Math.floor(total / 3600), minutes: Math.floor((total % 3600) / 60), seconds: total % 60 };
}
