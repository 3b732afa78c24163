// Signed in → dashboard; otherwise the login page (with the reason, if the session ended by itself).
import { lazy, Suspense, useEffect } from 'react';
import { Dashboard } from './Dashboard.tsx';
import { getLang } from './i18n.ts';
import { Login } from './Login.tsx';
import { signOut, useSession } from './session.ts';

// setTimeout's delay is a 32-bit signed integer; longer waits fire at once
const MAX_TIMER_MS = 2 ** 31 - 1;

// `?bench=map`: the map benchmark page (bench/cases/map.ts), loaded only when asked for
const MapBench = lazy(() => import('../map/bench/MapBench.tsx').then((m) => ({ default: m.MapBench })));
const BENCH = typeof location !== 'undefined' && new URLSearchParams(location.search).get('bench') === 'map';

export function App() {
  return BENCH ? (
    <Suspense fallback={null}>
      <MapBench />
    </Suspense>
  ) : (
    <SignedInOrNot />
  );
}

function SignedInOrNot() {
  const { session, notice } = useSession();
  useEffect(() => {
    document.documentElement.lang = getLang();
  }, []);
  // end the session on the client when the server says it ends, rather than at the next 401
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => signOut('session.expired'), Math.min(Math.max(0, session.expiresAt - Date.now()), MAX_TIMER_MS));
    return () => clearTimeout(timer);
  }, [session]);
  // keyed by user, not token: a kiosk renewing its session keeps its map (the feed reconnects)
  return session ? <Dashboard key={session.user.name} session={session} /> : <Login notice={notice} />;
}
