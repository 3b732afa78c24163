// The header's overdue counter: how many open work orders have passed their 54321 deadline, by the
// server's clock, re-counted every second from the live store's book (no React state per tick
// beyond the number itself). Red and blinking when above zero — the one figure a supervisor looks for.
import { useEffect, useState } from 'react';
import { serverNow } from '../../app/server-clock.ts';
import type { LiveStore } from '../../live/live-store.ts';
import { useWoI18n } from './wo-i18n.ts';

const RECOUNT_MS = 1_000;

export function OverdueCounter({ store }: { store: LiveStore }) {
  const { t } = useWoI18n();
  const [overdue, setOverdue] = useState(() => store.workOrders.overdue(serverNow()));
  useEffect(() => {
    const count = () => setOverdue(store.workOrders.overdue(serverNow()));
    count();
    const timer = setInterval(count, RECOUNT_MS);
    return () => clearInterval(timer);
  }, [store]);
  return (
    <span className={`wo-overdue ${overdue ? 'hot' : ''}`} data-testid="wo-overdue" data-count={overdue} title={t('wo.overdue')}>
      {t('wo.overdueShort', { n: overdue })}
    </span>
  );
}
