// Live-feed connection state, always visible: an operator must know when the map stops being live.
import { useI18n } from '../app/i18n.ts';
import type { ConnectionState } from '../live/mqtt-feed.ts';

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  const { t } = useI18n();
  return (
    <div className={`connection ${state}`} data-testid="connection-state" data-state={state} role="status" title={t('conn.label')}>
      <span className="connection-dot" aria-hidden />
      {t(`conn.${state}`)}
    </div>
  );
}
