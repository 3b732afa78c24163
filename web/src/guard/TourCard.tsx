// The tour on the phone: route, window, progress, the next checkpoint in large type, and every
// checkpoint with its status. Check-ins still in the outbox show as "waiting to sync" at once, so
// the guard sees the round walked even with no network.
import type { PatrolMe } from '../../../protocol/patrol.ts';
import { useGuardI18n, type GuardKey } from './guard-i18n.ts';
import type { OutboxItem } from './outbox.ts';
import { overlayQueue, type ShownStatus } from './tour-overlay.ts';

const VISITED: ReadonlySet<ShownStatus> = new Set(['on_time', 'late', 'early', 'out_of_order', 'queued']);

export function TourCard({ me, queue, cachedAt, onRefresh }: { me: PatrolMe; queue: readonly OutboxItem[]; cachedAt: number | null; onRefresh(): void }) {
  const { t, lang } = useGuardI18n();
  const time = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: me.estate.timezone });
  const { tour } = me;
  const header = (
    <div className="guard-row">
      <span className="guard-estate">{lang === 'en' ? me.estate.name : me.estate.nameZh}</span>
      <button type="button" className="guard-link" onClick={onRefresh} data-testid="tour-refresh">
        {t('tour.refresh')}
      </button>
    </div>
  );
  if (!tour) {
    return (
      <section className="guard-card" data-testid="tour" data-tour="">
        {header}
        <p className="guard-dim">{t('tour.none')}</p>
      </section>
    );
  }
  const stops = overlayQueue(tour, queue);
  const done = stops.filter((s) => VISITED.has(s.shown)).length;
  const next = tour.state === 'done' ? undefined : stops.find((s) => s.shown === 'pending');
  const upcoming = tour.state === 'scheduled';
  return (
    <section className="guard-card" data-testid="tour" data-tour={tour.id}>
      {header}
      <h2 className="guard-route">
        {lang === 'en' ? tour.routeName : tour.routeNameZh}
        <span className="guard-window">
          {time.format(tour.start)}–{time.format(tour.closes)}
        </span>
      </h2>
      {cachedAt !== null && <p className="guard-stale">{t('tour.cached', { time: time.format(cachedAt) })}</p>}
      {upcoming && <p className="guard-dim">{t('tour.upcoming', { time: time.format(tour.start) })}</p>}
      <div className="guard-progress" role="progressbar" aria-valuemin={0} aria-valuemax={stops.length} aria-valuenow={done}>
        {stops.map((s) => (
          <span key={s.checkpoint} className={`seg ${s.shown}`} />
        ))}
      </div>
      <p className="guard-dim" data-testid="tour-progress">
        {t('tour.progress', { done, total: stops.length })}
        {tour.guard ? ` · ${t('tour.guard', { guard: tour.guard })}` : ''}
      </p>
      {next ? (
        <div className="guard-next" data-testid="tour-next" data-checkpoint={next.checkpoint}>
          <span className="guard-dim">{t('tour.next')}</span>
          <strong>{next.name}</strong>
          <span>
            {next.code} · {t('tour.planned', { time: time.format(next.plannedAt) })}
          </span>
        </div>
      ) : (
        tour.state === 'done' && <p className="guard-dim">{t('tour.done')}</p>
      )}
      <ol className="guard-stops">
        {stops.map((s) => (
          <li key={s.checkpoint} className={`guard-stop ${s.shown}`} data-testid="stop" data-checkpoint={s.checkpoint} data-status={s.shown}>
            <span className="guard-stop-name">
              {s.name}
              <small>{s.code}</small>
            </span>
            <span className="guard-stop-time">{s.at !== null ? t('tour.scanned', { time: time.format(s.at) }) : t('tour.planned', { time: time.format(s.plannedAt) })}</span>
            <span className="guard-stop-status">{t(`status.${s.shown}` as GuardKey)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
