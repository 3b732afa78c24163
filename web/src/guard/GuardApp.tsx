// The guard app (/guard): signed out → provisioning; signed in → the current tour, check-in, SOS.
// Everything a guard does is queued first (IndexedDB) and synced by the link; the last tour seen is
// shown when there is no network.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { PatrolMe } from '../../../protocol/patrol.ts';
import { setLang } from '../app/i18n.ts';
import type { HandheldAction, HandheldWorkResponse } from '../../../protocol/workorders.ts';
import { buildCheckin, buildSos, newEventId, sameCode, type BuiltCheckin } from './checkin.ts';
import { CheckinForm, type CheckinRequest } from './CheckinForm.tsx';
import { clearCredentials, loadCredentials, saveCredentials, type GuardCredentials } from './credentials.ts';
import { cachedMe, cachedWork, clearCachedMe, fetchMe, fetchWork, GuardApiError } from './guard-api.ts';
import { useGuardI18n, type GuardKey } from './guard-i18n.ts';
import { GuardLink, type LinkSnapshot } from './link.ts';
import { isWorkItem, type OutboxItem } from './outbox.ts';
import { currentFix } from './position.ts';
import { SignIn } from './SignIn.tsx';
import { SosButton } from './SosButton.tsx';
import { TourCard } from './TourCard.tsx';
import { WorkTab, type WorkStep } from './WorkTab.tsx';

const REFRESH_MS = 60_000;
const NO_LINK: LinkSnapshot = { state: 'offline', pending: [], syncing: false, error: null };
const noop = () => () => {};

/** A message for the guard, translated when shown (the language may switch while it is up). */
interface Toast {
  key: GuardKey;
  params?: Record<string, string | number>;
  kind: 'ok' | 'warn' | 'error';
}

export function GuardApp() {
  const [creds, setCreds] = useState<GuardCredentials | null>(loadCredentials);
  if (!creds) {
    return (
      <SignIn
        onSignedIn={(c) => {
          saveCredentials(c);
          setCreds(c);
        }}
      />
    );
  }
  return (
    <Home
      key={`${creds.device}:${creds.guard}`}
      creds={creds}
      onSignOut={() => {
        clearCredentials();
        clearCachedMe();
        setCreds(null);
      }}
    />
  );
}

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function Home({ creds, onSignOut }: { creds: GuardCredentials; onSignOut(): void }) {
  const { t, lang } = useGuardI18n();
  const saved = useMemo(() => cachedMe(creds), [creds]);
  const [me, setMe] = useState<PatrolMe | null>(saved?.me ?? null);
  const [cachedAt, setCachedAt] = useState<number | null>(saved?.at ?? null);
  const [toast, setToast] = useState<Toast | null>(null);
  const [tab, setTab] = useState<'patrol' | 'work'>('patrol');
  const savedWork = useMemo(() => cachedWork(creds), [creds]);
  const [work, setWork] = useState<{ work: HandheldWorkResponse; fetchedAt: number } | null>(savedWork ? { work: savedWork.work, fetchedAt: savedWork.at } : null);
  const [workCachedAt, setWorkCachedAt] = useState<number | null>(savedWork?.at ?? null);

  const refreshWork = useCallback(async () => {
    try {
      const w = await fetchWork(creds);
      setWork({ work: w, fetchedAt: Date.now() });
      setWorkCachedAt(null);
    } catch (err) {
      const e = err as GuardApiError;
      if (e.status === 0) setWorkCachedAt((at) => at ?? cachedWork(creds)?.at ?? null);
      // a server without work orders (404) just has no work tab content
    }
  }, [creds]);

  const refresh = useCallback(async () => {
    void refreshWork();
    try {
      setMe(await fetchMe(creds));
      setCachedAt(null);
    } catch (err) {
      const e = err as GuardApiError;
      if (e.status === 0) setCachedAt((at) => at ?? cachedMe(creds)?.at ?? null);
      else setToast({ key: 'error.sync', params: { error: e.message }, kind: 'error' });
    }
  }, [creds, refreshWork]);

  // after a sync, the server's statuses replace the queued ones (debounced: a queue drains in a burst)
  const pendingRefresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refreshSoon = useCallback(() => {
    clearTimeout(pendingRefresh.current);
    pendingRefresh.current = setTimeout(() => void refresh(), 300);
  }, [refresh]);

  const estate = me?.estate.id ?? null;
  const link = useMemo(
    () =>
      estate
        ? new GuardLink(creds, estate, {
            onSynced: () => refreshSoon(),
            onRejected: (e) => setToast({ key: 'error.rejected', params: { error: e.error }, kind: 'error' }),
            onWorkRefused: (_item, error) => setToast({ key: 'work.refused', params: { error }, kind: 'error' }),
          })
        : null,
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one link per device and estate
    [creds, estate],
  );
  useEffect(() => {
    link?.start();
    return () => link?.stop();
  }, [link]);
  const snapshot = useSyncExternalStore(link?.subscribe ?? noop, link?.get ?? (() => NO_LINK));

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => navigator.onLine && void refresh(), REFRESH_MS);
    const onOnline = () => void refresh();
    const onVisible = () => document.visibilityState === 'visible' && (link?.kick(), void refresh());
    window.addEventListener('online', onOnline);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      clearTimeout(pendingRefresh.current);
      window.removeEventListener('online', onOnline);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh, link]);

  const time = (ms: number) => new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone: me?.estate.timezone }).format(ms);

  const queue = async (built: BuiltCheckin, now: number, photo?: { id: string; dataUrl: string }): Promise<boolean> => {
    if (!built.ok) {
      setToast({ key: 'checkin.invalid', params: { error: built.error }, kind: 'error' });
      return false;
    }
    if (!link || !estate) return false;
    const item: OutboxItem = { id: built.payload.id, queuedAt: now, device: creds.device, estate, payload: built.payload, ...(photo ? { photo } : {}) };
    await link.enqueue(item);
    return true;
  };

  const checkin = async (req: CheckinRequest): Promise<boolean> => {
    const now = Date.now(); // the scan time is the tap, not when a GPS fix or the network comes
    const photo = req.photo ? { id: `ph-${now.toString(36)}-${randomHex(6)}`, dataUrl: req.photo } : undefined;
    const fix = await currentFix(false);
    const built = buildCheckin({ device: creds.device, guard: creds.guard, code: req.code, method: req.method, note: req.note, photoId: photo?.id, position: fix, now });
    if (!(await queue(built, now, photo))) return false;
    const cp = me?.checkpoints.find((c) => sameCode(c.code, req.code) || sameCode(c.id, req.code));
    setToast(cp ? { key: 'checkin.saved', params: { name: cp.name, time: time(now) }, kind: 'ok' } : { key: 'checkin.unknown', params: { code: req.code.trim() }, kind: 'warn' });
    return true;
  };

  const sos = async (note: string) => {
    const now = Date.now();
    const fix = await currentFix(true);
    const built = buildSos({ device: creds.device, guard: creds.guard, note, position: fix, now });
    if (await queue(built, now)) setToast({ key: snapshot.state === 'online' ? 'sos.sent' : 'sos.queued', kind: 'warn' });
  };

  /** A work-order step: queued first (with its own actionId and the time of the tap), sent by the link. */
  const workStep = async (step: WorkStep) => {
    if (!link || !estate) return;
    const now = Date.now();
    let place: Pick<HandheldAction, 'lat' | 'lon' | 'accuracy'> = {};
    if (step.gps) {
      const fix = await currentFix(true, 8_000);
      if (!fix) {
        setToast({ key: 'work.noFix', kind: 'warn' });
        return;
      }
      // the accuracy goes with the position, so a fix vaguer than the geofence is refused, not taken as proof
      place = { lat: fix.lat, lon: fix.lon, ...(fix.accuracy !== undefined ? { accuracy: fix.accuracy } : {}) };
    }
    const actionId = newEventId(creds.device, now).slice(0, 80);
    const { gps: _gps, ...fields } = step;
    const action: HandheldAction = { actionId, guard: creds.guard, at: now, ...fields, ...place };
    await link.enqueue({ kind: 'work', id: actionId, queuedAt: now, device: creds.device, estate, action });
    setToast({ key: 'work.queued', kind: 'ok' });
  };
  const workPending = snapshot.pending.filter(isWorkItem);
  const openOrders = work?.work.orders.length ?? 0;

  const pending = snapshot.pending.length;
  return (
    <main className="guard-home">
      <header className="guard-header">
        <div className="guard-title">
          <img src="/guard-192.png" alt="" width={36} height={36} />
          <div>
            <h1>{t('app.title')}</h1>
            <span className="guard-dim">
              {creds.guard} · {creds.device}
            </span>
          </div>
        </div>
        <span className={`guard-conn ${snapshot.state}`} data-testid="conn" data-state={snapshot.state}>
          {t(`conn.${snapshot.state}`)}
        </span>
      </header>
      <button
        type="button"
        className={`guard-queue ${pending ? 'waiting' : ''}`}
        data-testid="queue"
        data-pending={pending}
        onClick={() => link?.kick()}
        title={t('queue.sync')}
      >
        {pending ? t('queue.pending', { count: pending }) : snapshot.syncing ? t('queue.syncing') : t('queue.synced')}
        {snapshot.error && pending > 0 && <small>{t('error.sync', { error: snapshot.error })}</small>}
      </button>
      {toast && (
        <p className={`guard-toast ${toast.kind}`} role="status" data-testid="toast" onClick={() => setToast(null)}>
          {t(toast.key, toast.params)}
        </p>
      )}
      <nav className="guard-tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'patrol'} className={tab === 'patrol' ? 'on' : ''} onClick={() => setTab('patrol')} data-testid="tab-patrol">
          {t('tab.patrol')}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'work'} className={tab === 'work' ? 'on' : ''} onClick={() => setTab('work')} data-testid="tab-work" data-count={openOrders}>
          {t('tab.work', { count: openOrders || '' })}
        </button>
      </nav>
      {tab === 'work' ? (
        <WorkTab work={work?.work ?? null} fetchedAt={work?.fetchedAt ?? Date.now()} cachedAt={workCachedAt} pending={workPending} onStep={workStep} onRefresh={() => void refreshWork()} />
      ) : (
        <>
          {me ? <TourCard me={me} queue={snapshot.pending} cachedAt={cachedAt} onRefresh={() => void refresh()} /> : <p className="guard-card guard-dim">{t('signin.offline')}</p>}
          <CheckinForm onCheckin={checkin} />
        </>
      )}
      <SosButton onSos={sos} />
      <footer className="guard-footer">
        <button type="button" className="guard-link" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} data-testid="guard-language">
          {t('menu.language')}
        </button>
        <button
          type="button"
          className="guard-link"
          onClick={() => {
            if (!pending || window.confirm(t('menu.signoutPending', { count: pending }))) {
              link?.stop();
              onSignOut();
            }
          }}
        >
          {t('menu.signout')}
        </button>
      </footer>
    </main>
  );
}
