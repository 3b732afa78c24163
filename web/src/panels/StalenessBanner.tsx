// Red banners across the top of the map, one per silent source ("摄像头数据中断 2 分钟"), and one
// while the live link is down: a wall screen must never look calm because data stopped coming.
import { useEffect, useRef, useState } from 'react';
import { useI18n, type MessageKey, type Translate } from '../app/i18n.ts';
import type { LiveStore } from '../live/live-store.ts';
import type { ConnectionState } from '../live/mqtt-feed.ts';
import { silenceParts, staleSources } from '../kiosk/staleness.ts';

export function formatSilence(ms: number, t: Translate): string {
  const { hours, minutes, seconds } = silenceParts(ms);
  if (hours > 0) return t('duration.h', { h: hours, m: minutes });
  if (minutes > 0) return t('duration.m', { m: minutes });
  return t('duration.s', { s: seconds });
}

export function StalenessBanner({ store, connection, staleAfterMs }: { store: LiveStore; connection: ConnectionState; staleAfterMs: number }) {
  const { t } = useI18n();
  const [now, setNow] = useState(() => Date.now());
  const link = useRef({ connected: connection === 'connected', since: Date.now() });
  if ((connection === 'connected') !== link.current.connected) link.current = { connected: connection === 'connected', since: Date.now() };
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const stale = staleSources(store, now, staleAfterMs, link.current);
  if (!stale.length) return null;
  return (
    <div className="stale-banners" role="alert" data-testid="stale-banners">
      {stale.map(({ source, silentMs }) => (
        <div key={source} className={`stale-banner stale-${source}`} data-testid="stale-banner" data-source={source}>
          <span className="stale-icon" aria-hidden>!</span>
          {t(`stale.${source}` as MessageKey, { duration: formatSilence(silentMs, t) })}
        </div>
      ))}
    </div>
  );
}
