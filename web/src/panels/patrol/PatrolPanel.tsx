// The wall screen's patrol panel (巡更): the tours under way, the one that just ended and the next
// one due — route, window, guard, a segment per checkpoint coloured by its status (and a word for
// late / missed counts: colour alone is not enough at 3 m). Live from `estates/{e}/patrol`, with a
// REST snapshot at start and now and then.
import { useEffect, useMemo, useState } from 'react';
import type { TourView } from '../../../../protocol/patrol.ts';
import { useI18n, type MessageKey } from '../../app/i18n.ts';
import type { SidePanelProps } from '../side-panels.ts';
import { usePolled } from '../use-polled.ts';
import { listTours } from './patrol-api.ts';
import { PatrolBoard, visited } from './patrol-board.ts';
import './patrol.css';
import { serverNow } from '../../app/server-clock.ts';

const RESEED_MS = 5 * 60_000;
const HOUR = 3_600_000;

declare global {
  interface Window {
    /** for end-to-end tests */
    __SE_PATROL__?: { messages: number; tours: number };
  }
}

const boardVersion = (board: PatrolBoard) => board.version;

export function PatrolPanel({ store, detail, timeZone }: SidePanelProps) {
  const { t, lang } = useI18n();
  const estate = detail.estate.id;
  const board = useMemo(() => new PatrolBoard(estate), [estate]);
  const [error, setError] = useState<string | null>(null);
  // the list also moves with the clock (a tour opens, one ends): re-read at least every 30 s
  const [tick, setTick] = useState(0);
  const version = usePolled(board, boardVersion, boardVersion);
  const tours = useMemo(() => board.current(serverNow()), [board, version, tick]);
  const time = useMemo(() => {
    try {
      return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone });
    } catch {
      return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hour12: false });
    }
  }, [lang, timeZone]);

  useEffect(() => {
    let messages = 0;
    // the channel first, then the snapshot: nothing is lost in between
    const off = store.channels.on('patrol', (payload) => {
      if (board.applyMessage(payload)) messages++;
      window.__SE_PATROL__ = { messages, tours: board.current(serverNow()).length };
    });
    const abort = new AbortController();
    const load = () => {
      const asked = serverNow();
      listTours(estate, asked - 3 * HOUR, asked + 6 * HOUR, abort.signal).then(
        (list) => {
          board.apply(list, asked - 1);
          setError(null);
        },
        (err: Error) => !abort.signal.aborted && setError(err.message),
      );
    };
    load();
    const reseed = setInterval(load, RESEED_MS);
    const clock = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => {
      off();
      abort.abort();
      clearInterval(reseed);
      clearInterval(clock);
    };
  }, [store, estate, board]);

  return (
    <aside className="panel patrol-panel" data-testid="patrol-panel" aria-live="polite">
      <h2 className="panel-title">
        {t('patrol.title')}
        <span className="panel-count">{tours.filter((x) => x.state === 'active').length}</span>
      </h2>
      {error && <p className="panel-empty">{t('patrol.failed', { error })}</p>}
      {!error && tours.length === 0 && <p className="panel-empty">{t('patrol.empty')}</p>}
      <ol className="patrol-tours">
        {tours.map((tour) => (
          <TourRow key={tour.id} tour={tour} format={(ms) => time.format(ms)} />
        ))}
      </ol>
    </aside>
  );
}

function TourRow({ tour, format }: { tour: TourView; format(ms: number): string }) {
  const { t, lang } = useI18n();
  const done = visited(tour);
  const next = tour.state === 'active' ? tour.stops.find((s) => s.status === 'pending') : undefined;
  const { late, missed, out_of_order: outOfOrder } = tour.counts;
  return (
    <li className={`patrol-tour ${tour.state}`} data-testid="patrol-tour" data-tour={tour.id} data-state={tour.state}>
      <div className="patrol-head">
        <span className="patrol-route">{lang === 'en' ? tour.routeName : tour.routeNameZh}</span>
        <span className="patrol-window">
          {format(tour.start)}–{format(tour.closes)}
        </span>
        <span className={`patrol-state ${tour.state}`}>{t(`patrol.state.${tour.state}` as MessageKey)}</span>
      </div>
      <div className="patrol-bar" aria-hidden="true">
        {tour.stops.map((s) => (
          <span key={s.checkpoint} className={`patrol-seg ${s.status}`} title={`${s.name} ${s.code}`} />
        ))}
      </div>
      <div className="patrol-foot">
        <span className="patrol-guard">{tour.guard ?? t('patrol.unclaimed')}</span>
        <span className="patrol-progress" data-testid="patrol-progress">
          {t('patrol.progress', { done, total: tour.stops.length })}
        </span>
        {late > 0 && <span className="patrol-flag late">{t('patrol.late', { count: late })}</span>}
        {missed > 0 && <span className="patrol-flag missed">{t('patrol.missed', { count: missed })}</span>}
        {outOfOrder > 0 && <span className="patrol-flag out_of_order">{t('patrol.outOfOrder', { count: outOfOrder })}</span>}
        {next && <span className="patrol-next">{t('patrol.next', { name: next.name, time: format(next.plannedAt) })}</span>}
      </div>
    </li>
  );
}
