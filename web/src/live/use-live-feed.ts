// One estate's live state for the dashboard: a LiveStore seeded from recent history and fed by the
// MQTT feed while mounted. React state holds only the connection state (it changes rarely).
import { useEffect, useMemo, useState } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import { listEstates, recentEvents } from '../app/api.ts';
import { LiveStore, PANEL_CAPACITY } from './live-store.ts';
import { connectLiveFeed, type ConnectionState } from './mqtt-feed.ts';

export function useLiveFeed(detail: EstateDetail | null, username: string, token: string): { store: LiveStore | null; connection: ConnectionState } {
  const store = useMemo(() => (detail ? new LiveStore(detail) : null), [detail]);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  useEffect(() => {
    if (!store) return;
    const abort = new AbortController();
    recentEvents(store.estate, PANEL_CAPACITY, abort.signal)
      .then((history) => store.seed(history.events))
      .catch((err: Error) => {
        // history only fills the panel at start; the live feed goes on without it
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
