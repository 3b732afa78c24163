// One estate's live state for the dashboard: a LiveStore seeded from recent history and fed by the
// MQTT feed while mounted. React state holds only the connection state (it changes rarely).
import { useEffect, useMemo, useState } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import { listEstates, queryEvents, recentEvents } from '../app/api.ts';
import { GUARD_STALE_MS, LiveStore, PANEL_CAPACITY, PARKED_MAX_MS } from './live-store.ts';
import { connectLiveFeed, type ConnectionState } from './mqtt-feed.ts';

/** Check-ins this far back colour the checkpoints at start (beyond it a checkpoint is overdue anyway). */
const CHECKIN_SEED_MS = 3 * 3600_000;
/** Devices report status every 30 s: the last few minutes say which cameras are offline. */
const STATUS_SEED_MS = 5 * 60_000;

export function useLiveFeed(detail: EstateDetail | null, username: string, token: string): { store: LiveStore | null; connection: ConnectionState } {
  const store = useMemo(() => (detail ? new LiveStore(detail) : null), [detail]);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  useEffect(() => {
    if (!store) return;
    const abort = new AbortController();
    // a reload must not blank the map until every guard reports again: the panel's latest events,
    // plus what the markers need from history (guards' last positions, check-ins for checkpoint
    // ages, vehicles at the gates and parked, cameras' last status)
    const now = Date.now();
    const seeds = [
      recentEvents(store.estate, PANEL_CAPACITY, abort.signal),
      queryEvents(store.estate, { kind: 'position', from: now - GUARD_STALE_MS, limit: 2000 }, abort.signal),
      queryEvents(store.estate, { kind: 'checkin', from: now - CHECKIN_SEED_MS, limit: 2000 }, abort.signal),
      queryEvents(store.estate, { kind: 'vehicle', from: now - PARKED_MAX_MS, limit: 2000 }, abort.signal),
      queryEvents(store.estate, { kind: 'status', from: now - STATUS_SEED_MS, limit: 2000 }, abort.signal),
    ];
    Promise.all(seeds)
      .then((pages) => store.seed(pages.flatMap((p) => p.events).sort((a, b) => b.ts - a.ts)))
      .catch((err: Error) => {
        // history only fills the map and panel at start; the live feed goes on without it
        if (!abort.signal.aborted) console.warn('event history unavailable:', err.message);
      });
    const disconnect = connectLiveFeed({
      store,
      username,
      token,
      onState: setConnection,
      // the broker refused the token: ask the API, whose 401 signs out if the session really ended
      onAuthError: () => void listEstates().catch(() => undefined),
    });
    return () => {
      abort.abort();
      disconnect();
    };
  }, [store, username, token]);
  return { store, connection };
}
