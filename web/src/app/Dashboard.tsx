// The wall-screen dashboard: header, the 3D estate map (layers, staleness banners, picked details,
// legend, replay bar over it) and the side column (capability panels above the latest events).
// `?kiosk=1` makes it a kiosk (kiosk/kiosk-options.ts); the replay swaps the map's store for the
// replay's own while the live feed keeps running underneath.
import { useCallback, useMemo, useState } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import { Kiosk } from '../kiosk/Kiosk.tsx';
import { kioskOptions } from '../kiosk/kiosk-options.ts';
import { useLiveFeed } from '../live/use-live-feed.ts';
import { EstateMap } from '../map/EstateMap.tsx';
import type { Pick } from '../map/picking.ts';
import { DetailsPanel } from '../panels/DetailsPanel.tsx';
import type { EstateNames } from '../panels/event-summary.ts';
import { EventPanel } from '../panels/EventPanel.tsx';
import { Header } from '../panels/Header.tsx';
import { LayerToggles } from '../panels/LayerToggles.tsx';
import { Legend } from '../panels/Legend.tsx';
import { SIDE_PANELS } from '../panels/side-panels.ts';
import { OverdueCounter } from '../panels/workorders/OverdueCounter.tsx';
import { StalenessBanner } from '../panels/StalenessBanner.tsx';
import { ReplayBar } from '../replay/ReplayBar.tsx';
import { replayStore, useReplay } from '../replay/use-replay.ts';
import { useI18n } from './i18n.ts';
import { CameraPlayer } from '../cameras/CameraPlayer.tsx';
import { openCamera, useOpenCamera } from '../cameras/camera-view.ts';
import { openBuilding } from '../map/floor-view.ts';
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
  const options = useMemo(kioskOptions, []);
  const list = useEstateList();
  const estates = list.status === 'ready' ? list.value : [];
  const [estateId, chooseEstate] = useEstateChoice(estates, session.user);
  const loaded = useEstateDetail(estateId);
  const detail = loaded?.status === 'ready' ? loaded.value : null;
  const { store, connection } = useLiveFeed(detail, session.user.name, session.token);
  const names = useMemo(() => namesOf(detail), [detail]);
  const summary = estates.find((e) => e.id === estateId) ?? detail?.estate ?? null;
  const [pick, setPickState] = useState<Pick | null>(null);
  // a picked building opens floor by floor; a picked camera opens its live video
  const setPick = useCallback((p: Pick | null) => {
    setPickState(p);
    openBuilding(p?.kind === 'building' ? p.id : null);
    if (p?.kind === 'camera') openCamera(p.id);
  }, []);
  const cameraId = useOpenCamera();
  const camera = cameraId ? (detail?.devices.find((d) => d.id === cameraId && d.kind === 'camera') ?? null) : null;
  const replay = useReplay(detail);
  const replaying = replay.state.status !== 'off';
  const replayed = replayStore(replay);
  // while the replay loads, the map goes on showing the live estate
  const shown = replayed ?? store;
  const timeline = replay.state.status === 'ready' ? replay.state.timeline : null;
  const clock = useMemo(() => (timeline ? () => timeline.time : Date.now), [timeline]);
  const closePick = useCallback(() => setPick(null), [setPick]);

  // drilled down from the district screen (/district/{unit} → /?estate=…&from=…): the way back
  const districtBack = useMemo(() => {
    const from = new URLSearchParams(location.search).get('from');
    return from && /^\/district\/[^/]+$/.test(from) ? from + (options.kiosk ? '?kiosk=1' : '') : null;
  }, [options.kiosk]);

  let message: string | null = null;
  if (list.status === 'failed') message = t('estate.failed', { error: list.error });
  else if (list.status === 'ready' && !estateId) message = t('estate.none');
  else if (loaded?.status === 'failed') message = t('estate.failed', { error: loaded.error });
  else if (!detail) message = t('estate.loading');

  return (
    <div className={`dashboard ${replaying ? 'replaying' : ''}`}>
      {options.kiosk && <Kiosk session={session} />}
      {districtBack && (
        <a className="district-back" data-testid="district-back" href={districtBack} style={{ position: 'fixed', left: 12, bottom: 12, zIndex: 50, padding: '8px 14px', background: '#1d2630', color: '#fff', fontSize: 20, borderRadius: 6 }}>
          ← 区级大屏 District
        </a>
      )}
      <Header
        estates={estates}
        estate={summary}
        onEstate={chooseEstate}
        connection={store ? connection : 'offline'}
        user={session.user.name}
        onSignOut={() => signOut()}
        kiosk={options.kiosk}
        replaying={replaying}
        onReplay={detail ? () => { setPick(null); replay.open(); } : undefined}
        extra={store && <OverdueCounter store={store} />}
      />
      <main className="dashboard-main">
        <section className="map-area">
          {detail && shown && (
            <EstateMap
              key={detail.estate.id}
              detail={detail}
              store={shown}
              pick={pick}
              onPick={setPick}
              tourAfterMs={options.tourAfterMs}
              clock={clock}
              source={replayed ? 'replay' : 'live'}
            />
          )}
          {detail && shown && <Legend store={shown} buildings={detail.buildings.length} checkpoints={detail.checkpoints.length} />}
          {detail && store && <LayerToggles />}
          {/* the banners watch the live feed, also during a replay: live data stopping is news */}
          {detail && store && <StalenessBanner store={store} connection={connection} staleAfterMs={options.staleAfterMs} />}
          {detail && shown && pick && (
            <DetailsPanel
              key={`${pick.kind}:${pick.id}:${replaying}`}
              pick={pick}
              detail={detail}
              store={shown}
              names={names}
              timeZone={detail.estate.timezone}
              clock={clock}
              replay={replaying}
              onClose={closePick}
            />
          )}
          {detail && camera && (
            <CameraPlayer
              key={camera.id}
              estate={detail.estate.id}
              device={camera}
              online={store?.cameras.get(camera.id)?.online ?? false}
              timeZone={detail.estate.timezone}
              onClose={() => openCamera(null)}
            />
          )}
          {detail && <ReplayBar replay={replay} timeZone={detail.estate.timezone} />}
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
              <EventPanel store={shown ?? store} names={names} timeZone={detail.estate.timezone} />
            </div>
          </div>
        ) : (
          <aside className="panel" />
        )}
      </main>
    </div>
  );
}
