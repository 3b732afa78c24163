// Kiosk mode (`/?kiosk=1`): no cursor, full screen at the first touch (browsers allow it only after
// a gesture; a kiosk browser started with --kiosk is full screen already), and a session that
// renews itself before it ends (server/wallscreen), so the screen keeps running for weeks.
import { useEffect, useState } from 'react';
import type { LoginResponse } from '../../../protocol/api.ts';
import { ApiRequestError, postJson } from '../app/api.ts';
import { useI18n } from '../app/i18n.ts';
import { signIn, type Session } from '../app/session.ts';

/** Renew once less than this is left of the session. */
export const RENEW_BEFORE_MS = 6 * 3600_000;
const RETRY_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function Kiosk({ session }: { session: Session }) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const root = document.documentElement;
    root.classList.add('kiosk');
    const full = () => {
      if (!document.fullscreenElement) void root.requestFullscreen?.().catch(() => undefined);
    };
    window.addEventListener('pointerdown', full);
    window.addEventListener('keydown', full);
    return () => {
      root.classList.remove('kiosk');
      window.removeEventListener('pointerdown', full);
      window.removeEventListener('keydown', full);
    };
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const renew = () => {
      postJson<LoginResponse>('/wallscreen/session', {}).then(
        (fresh) => {
          setError(null);
          if (!stopped) signIn(fresh);
        },
        (err: ApiRequestError) => {
          if (stopped || err.status === 401) return; // the session is over: the login page says so
          setError(err.message);
          if (err.status !== 404) timer = setTimeout(renew, RETRY_MS);
        },
      );
    };
    timer = setTimeout(renew, Math.min(MAX_TIMER_MS, Math.max(0, session.expiresAt - Date.now() - RENEW_BEFORE_MS)));
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [session.expiresAt]);

  if (!error) return null;
  return (
    <div className="kiosk-warning" role="alert" data-testid="kiosk-warning">
      {t('kiosk.renewFailed', { error })}
    </div>
  );
}
