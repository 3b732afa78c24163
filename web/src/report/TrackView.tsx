// The resident's tracking page: status, the 54321 deadline counting down (the same countdown as the
// wall screen's, panels/alerts/countdown.ts), the staff's notes, and — once staff marked it fixed —
// confirm and rate (满意 / 基本满意 / 不满意 + comment) or reopen with a reason. Everything the staff or
// the resident typed is React text: never HTML.
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatCountdown, useCountdowns } from '../panels/alerts/countdown.ts';
import { isReportKey, useReportI18n, type ReportKey } from './report-i18n.ts';
import { ReportError } from './report-http.ts';
import { serverNow } from '../app/server-clock.ts';
import { cachedTrack, confirmFix, fetchInfo, fetchTrack, photoUrl, RATINGS, reopen, trackDeadline, type Rating, type TrackRef, type TrackedRequest } from './report-api.ts';

const REFRESH_MS = 30_000;

export function TrackView({ track }: { track: TrackRef }) {
  const { t, lang } = useReportI18n();
  const [view, setView] = useState<TrackedRequest | null>(() => cachedTrack(track)?.view ?? null);
  const [cachedAt, setCachedAt] = useState<number | null>(() => cachedTrack(track)?.at ?? null);
  const [error, setError] = useState<{ notFound: boolean; message: string } | null>(null);

  const load = useCallback(async () => {
    try {
      setView(await fetchTrack(track));
      setCachedAt(null);
      setError(null);
    } catch (err) {
      const f = err instanceof ReportError ? err.failure : null;
      if (f?.kind === 'network') setCachedAt((at) => at ?? cachedTrack(track)?.at ?? Date.now());
      else setError({ notFound: f?.kind === 'not_found', message: (err as Error).message });
    }
  }, [track]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => document.visibilityState === 'visible' && void load(), REFRESH_MS);
    const onOnline = () => void load();
    window.addEventListener('online', onOnline);
    return () => {
      clearInterval(timer);
      window.removeEventListener('online', onOnline);
    };
  }, [load]);

  const clock = serverNow;
  // the building's name (the answer has its id): from the estate's form, once
  const [buildingNames, setBuildingNames] = useState<Record<string, string>>({});
  const estate = view?.estate;
  useEffect(() => {
    if (!estate) return;
    fetchInfo(estate, null).then(
      (info) => setBuildingNames(Object.fromEntries(info.buildings.map((b) => [b.id, b.name]))),
      () => undefined,
    );
  }, [estate]);
  const countdowns = useRef<HTMLDivElement>(null);
  useCountdowns(countdowns, clock);

  const time = (ms: number) =>
    new Intl.DateTimeFormat(lang, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }).format(ms);

  if (!view) {
    return (
      <section className="report-card" data-testid="track" data-state={error ? 'error' : 'loading'}>
        <h2>{t('track.heading')}</h2>
        <p className={error ? 'report-failure' : 'report-dim'} role={error ? 'alert' : 'status'}>
          {error ? (error.notFound ? t('track.notFound') : t('track.failed', { error: error.message })) : t('track.loading')}
        </p>
      </section>
    );
  }

  const statusKey = `status.${view.status}`;
  const buildingName = view.building ? (buildingNames[view.building] ?? view.building) : null;
  const deadline = trackDeadline(view);
  return (
    <section className="report-card" data-testid="track" data-state="ready" data-status={view.status}>
      <div className="report-label-row">
        <h2>{t('track.heading')}</h2>
        <button type="button" className="report-link" onClick={() => void load()} data-testid="track-refresh">
          {t('track.refresh')}
        </button>
      </div>
      {cachedAt !== null && <p className="report-stale">{t('track.offline', { time: time(cachedAt) })}</p>}
      {error && <p className="report-failure" role="alert">{t('track.failed', { error: error.message })}</p>}
      <p className="report-number" data-testid="track-number">{t('done.number', { id: view.id })}</p>
      <p className={`report-status status-${view.status}`} data-testid="track-status">
        {isReportKey(statusKey) ? t(statusKey) : view.status}
      </p>
      <dl className="report-facts">
        <dt>{t('form.category')}</dt>
        <dd>{lang === 'en' ? view.categoryName || view.categoryZh : view.categoryZh || view.categoryName}</dd>
        {buildingName && (
          <>
            <dt>{t('form.building')}</dt>
            <dd>{buildingName}</dd>
          </>
        )}
        <dt>{t('track.submitted')}</dt>
        <dd>{time(view.openedAt)}</dd>
      </dl>
      <p className="report-description" data-testid="track-description">{view.description}</p>
      {view.status === 'paused' && (
        <p className="report-paused" data-testid="track-paused">
          {view.pauseReason ? t('track.paused', { reason: view.pauseReason }) : t('track.pausedNoReason')}
        </p>
      )}
      {deadline && (
        <div className="report-deadline" ref={countdowns} data-testid="track-deadline" data-kind={deadline.kind}>
          <span>{t(`track.deadline.${deadline.kind}` as ReportKey)}</span>
          <strong className="report-countdown" data-due={deadline.at} data-opened={deadline.opened} data-testid="track-countdown">
            {formatCountdown(deadline.at - clock())}
          </strong>
          <small>{t('track.deadline.at', { time: time(deadline.at) })}</small>
        </div>
      )}
      {view.photos.length > 0 && (
        <div className="report-thumbs">
          {view.photos.map((p) => (
            <a key={p.hash} className="report-thumb" href={photoUrl(track, p.hash)} target="_blank" rel="noreferrer">
              <img src={photoUrl(track, p.hash)} alt="" />
            </a>
          ))}
        </div>
      )}
      <h3>{t('track.notes')}</h3>
      {view.timeline.length === 0 ? (
        <p className="report-dim">{t('track.noNotes')}</p>
      ) : (
        <ol className="report-notes" data-testid="track-notes">
          {[...view.timeline].reverse().map((n, i) => {
            const key = `tl.${n.action}`;
            return (
              <li key={`${n.at}-${i}`} data-testid="track-note" data-action={n.action}>
                <time>
                  {time(n.at)} · {isReportKey(key) ? t(key) : n.action}
                </time>
                {n.text && <span>{n.text}</span>}
              </li>
            );
          })}
        </ol>
      )}
      {view.rating && (
        <p className="report-rated" data-testid="track-rated" data-rating={view.rating.score}>
          {t('track.rated', { rating: t(`rating.${view.rating.score}` as ReportKey) })}
          {view.rating.comment && <span className="report-dim"> · {view.rating.comment}</span>}
        </p>
      )}
      {view.canConfirm && <ConfirmFix track={track} onDone={(v) => setView(v)} />}
      {!view.canConfirm && view.canReopen && <ReopenOnly track={track} onDone={(v) => setView(v)} />}
    </section>
  );
}

function ConfirmFix({ track, onDone }: { track: TrackRef; onDone(view: TrackedRequest): void }) {
  const { t } = useReportI18n();
  const [rating, setRating] = useState<Rating | null>(null);
  const [comment, setComment] = useState('');
  const [reopening, setReopening] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const act = async (work: () => Promise<TrackedRequest>, ok: string) => {
    setBusy(true);
    try {
      onDone(await work());
      setMessage({ kind: 'ok', text: ok });
    } catch (err) {
      setMessage({ kind: 'error', text: err instanceof ReportError && err.failure.kind === 'network' ? t('error.network') : t('error.server', { error: (err as Error).message }) });
    } finally {
      setBusy(false);
    }
  };
  if (reopening) return <ReopenForm track={track} onDone={onDone} onCancel={() => setReopening(false)} />;
  return (
    <div className="report-confirm" data-testid="track-confirm">
      <h3>{t('track.confirmHeading')}</h3>
      <span className="report-label">{t('track.rate')}</span>
      <div className="report-ratings" role="radiogroup">
        {RATINGS.map((r) => (
          <button key={r} type="button" role="radio" aria-checked={rating === r} className={`report-chip ${rating === r ? 'on' : ''} rating-${r}`} onClick={() => setRating(r)} data-testid={`track-rating-${r}`}>
            {t(`rating.${r}` as ReportKey)}
          </button>
        ))}
      </div>
      <label>
        {t('track.comment')}
        <textarea value={comment} onChange={(e) => setComment(e.target.value)} maxLength={500} rows={2} data-testid="track-comment" />
      </label>
      {message && (
        <p className={message.kind === 'ok' ? 'report-note' : 'report-failure'} role="status">
          {message.text}
        </p>
      )}
      <button
        type="button"
        className="report-button primary"
        disabled={busy}
        data-testid="track-confirm-send"
        onClick={() => (rating ? void act(() => confirmFix(track, rating, comment.trim()), t('track.thanks')) : setMessage({ kind: 'error', text: t('track.needRating') }))}
      >
        {t('track.confirm')}
      </button>
      <button type="button" className="report-button secondary" disabled={busy} onClick={() => setReopening(true)} data-testid="track-reopen">
        {t('track.reopen')}
      </button>
    </div>
  );
}

function ReopenOnly({ track, onDone }: { track: TrackRef; onDone(view: TrackedRequest): void }) {
  const { t } = useReportI18n();
  const [open, setOpen] = useState(false);
  if (open) return <ReopenForm track={track} onDone={onDone} onCancel={() => setOpen(false)} />;
  return (
    <button type="button" className="report-button secondary" onClick={() => setOpen(true)} data-testid="track-reopen">
      {t('track.reopen')}
    </button>
  );
}

function ReopenForm({ track, onDone, onCancel }: { track: TrackRef; onDone(view: TrackedRequest): void; onCancel(): void }) {
  const { t } = useReportI18n();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="report-confirm" data-testid="track-reopen-form">
      <label>
        {t('track.reopenReason')}
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} rows={3} data-testid="track-reopen-reason" />
      </label>
      {error && <p className="report-failure" role="alert">{error}</p>}
      <button
        type="button"
        className="report-button primary"
        disabled={busy}
        data-testid="track-reopen-send"
        onClick={async () => {
          if (!reason.trim()) return setError(t('track.needReason'));
          setBusy(true);
          try {
            onDone(await reopen(track, reason.trim()));
          } catch (err) {
            setError(err instanceof ReportError && err.failure.kind === 'network' ? t('error.network') : t('error.server', { error: (err as Error).message }));
          } finally {
            setBusy(false);
          }
        }}
      >
        {t('track.reopenSend')}
      </button>
      <button type="button" className="report-button secondary" onClick={onCancel}>
        {t('track.cancel')}
      </button>
    </div>
  );
}
