// The residents' page (/report): the form, opened from a building's QR code
// (`/report?e={estate}&b={building}`), then the receipt with the tracking link; or the tracking
// view itself (`/report/track?id=…&k=…`). No login, nothing to install.
import { useCallback, useEffect, useState } from 'react';
import { setLang } from '../app/i18n.ts';
import { ReportForm } from './ReportForm.tsx';
import { useReportI18n } from './report-i18n.ts';
import { fetchInfo, parseTrack, submitReport, trackPath, type ReportInfo, type Receipt } from './report-api.ts';
import { TrackView } from './TrackView.tsx';

type Loaded = { status: 'loading' } | { status: 'ready'; info: ReportInfo } | { status: 'failed'; error: string };

function readLocation() {
  const q = new URLSearchParams(location.search);
  return { estate: q.get('e'), building: q.get('b'), track: /^\/report\/track\/?$/.test(location.pathname) ? parseTrack(location.search) : null };
}

export function ReportApp() {
  const { t, lang } = useReportI18n();
  const [where, setWhere] = useState(readLocation);
  useEffect(() => {
    const onPop = () => setWhere(readLocation());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((path: string) => {
    history.pushState(null, '', path);
    setWhere(readLocation());
    window.scrollTo(0, 0);
  }, []);

  return (
    <main className="report-page">
      <header className="report-header">
        <div>
          <h1>{t('app.title')}</h1>
          <span className="report-dim">{t('app.subtitle')}</span>
        </div>
        <button type="button" className="report-link" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} data-testid="report-language">
          {t('app.language')}
        </button>
      </header>
      {where.track ? (
        <TrackView key={where.track} track={where.track} />
      ) : where.estate ? (
        <NewReport key={where.estate} estate={where.estate} building={where.building} onTrack={(r) => go(trackPath(r.token))} />
      ) : (
        <p className="report-card report-failure" role="alert">
          {t('form.noEstate')}
        </p>
      )}
    </main>
  );
}

function NewReport({ estate, building, onTrack }: { estate: string; building: string | null; onTrack(receipt: Receipt): void }) {
  const { t, lang } = useReportI18n();
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setLoaded({ status: 'loading' });
    fetchInfo(estate, building).then(
      (info) => live && setLoaded({ status: 'ready', info }),
      (err: Error) => live && setLoaded({ status: 'failed', error: err.message }),
    );
    return () => {
      live = false;
    };
  }, [estate, building, attempt]);

  if (loaded.status === 'loading') return <p className="report-card report-dim">{t('form.loading')}</p>;
  if (loaded.status === 'failed') {
    return (
      <div className="report-card">
        <p className="report-failure" role="alert">{t('form.loadFailed', { error: loaded.error })}</p>
        <button type="button" className="report-button secondary" onClick={() => setAttempt((n) => n + 1)}>
          {t('track.refresh')}
        </button>
      </div>
    );
  }
  const { info } = loaded;
  if (receipt) return <ReceiptCard receipt={receipt} onTrack={() => onTrack(receipt)} onAgain={() => setReceipt(null)} />;
  return (
    <>
      <p className="report-estate" data-testid="report-estate">
        {lang === 'en' ? info.estate.name || info.estate.nameZh : info.estate.nameZh || info.estate.name}
      </p>
      <ReportForm info={info} building={building} onSubmit={submitReport} onDone={setReceipt} />
    </>
  );
}

function ReceiptCard({ receipt, onTrack, onAgain }: { receipt: Receipt; onTrack(): void; onAgain(): void }) {
  const { t } = useReportI18n();
  const [copied, setCopied] = useState(false);
  const url = `${location.origin}${trackPath(receipt.token)}`;
  return (
    <section className="report-card report-receipt" data-testid="report-receipt" data-order={receipt.id}>
      <h2>✓ {t('done.heading')}</h2>
      <p className="report-number" data-testid="report-number">{t('done.number', { id: receipt.id })}</p>
      <p className="report-dim">{t('done.save')}</p>
      <a className="report-track-link" href={trackPath(receipt.token)} data-testid="report-track-link" onClick={(e) => (e.preventDefault(), onTrack())}>
        {url}
      </a>
      <div className="report-row">
        <button type="button" className="report-button primary" onClick={onTrack}>
          {t('done.track')}
        </button>
        <button
          type="button"
          className="report-button secondary"
          onClick={() =>
            void navigator.clipboard?.writeText(url).then(
              () => setCopied(true),
              () => undefined,
            )
          }
        >
          {copied ? t('done.copied') : t('done.copy')}
        </button>
      </div>
      <button type="button" className="report-link" onClick={onAgain}>
        {t('done.again')}
      </button>
    </section>
  );
}
