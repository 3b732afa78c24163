// The wall-screen dashboard: header, the 3D estate map with its legend, and the latest-events panel.
import { useMemo } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import { useLiveFeed } from '../live/use-live-feed.ts';
import { EstateMap } from '../map/EstateMap.tsx';
import type { EstateNames } from '../panels/event-summary.ts';
import { EventPanel } from '../panels/EventPanel.tsx';
import { Header } from '../panels/Header.tsx';
import { Legend } from '../panels/Legend.tsx';
import { SIDE_PANELS } from '../panels/side-panels.ts';
import { useI18n } from './i18n.ts';
import { signOut, type Session } from './session.ts';
import { useEstateChoice, useEstateDetail, useEstateList } from './use-estate.ts';

function namesOf(detail: EstateDetail | null): EstateNames {
  return {
    checkpoints: new Map((detail?.checkpoints ?? []).flatMap((c) => [[c.id, c.name] as const, [c.code, c.name] as const])),
    devices: new Map((detail?.devices ?? []).map((d) => [d.id, d.name] as const)),
  };
}

export function Dashboard({ session }: { session: Session }) {
  const { t } = useI18n();
  const list = useEstateList();
  const estates = list.status === 'ready' ? list.value : [];
  const [estateId, chooseEstate] = useEstateChoice(estates, session.user);
  const loaded = useEstateDetail(estateId);
  const detail = loaded?.status === 'ready' ? loaded.value : null;
  const { store, connection } = useLiveFeed(detail, session.user.name, session.token);
  const names = useMemo(() => namesOf(detail), [detail]);
  const summary = estates.find((e) => e.id === estateId) ?? detail?.estate ?? null;

  let message: string | null = null;
  if (list.status === 'failed') message = t('estate.failed', { error: list.error });
  else if (list.status === 'ready' && !estateId) message = t('estate.none');
  else if (loaded?.status === 'failed') message = t('estate.failed', { error: loaded.error });
  else if (!detail) message = t('estate.loading');

  return (
    <div className="dashboard">
      <Header
        estates={estates}
        estate={summary}
        onEstate={chooseEstate}
        connection={store ? connection : 'offline'}
        user={session.user.name}
        onSignOut={() => signOut()}
      />
      <main className="dashboard-main">
        <section className="map-area">
          {detail && store && <EstateMap key={detail.estate.id} detail={detail} store={store} />}
          {detail && store && <Legend store={store} buildings={detail.buildings.length} checkpoints={detail.checkpoints.length} />}
          {message && (
            <div className={`map-message ${loaded?.status === 'failed' || list.status === 'failed' ? 'error' : ''}`} role="status" data-testid="map-message">
              {message}
            </div>
          )}
        </section>
        {store && detail ? (
          <div className="side-column">
            {SIDE_PANELS.map(({ id, grow, component: Panel }) => (
              <div key={id} className="side-slot" style={{ flexGrow: grow }}>
                <Panel store={store} detail={detail} session={session} timeZone={detail.estate.timezone} />
              </div>
            ))}
            <div className="side-slot" style={{ flexGrow: 1 }}>
              <EventPanel store={store} names={names} timeZone={detail.estate.timezone} />
            </div>
          </div>
        ) : (
          <aside className="panel" />
        )}
      </main>
    </div>
  );
}
