// The wall screen's work-order list (工单), beside the alerts: open orders by the nearest deadline,
// each with its 54321 countdown in the alerts' style (the same countdown.ts, rewritten in the DOM a
// few times a second), status, source, building and who has it. Live from `estates/{e}/workorders`;
// refetched after every reconnect of the feed and every 30 s. A resident's new request is silent; an
// order going overdue (the server's escalation) beeps with the alerts' sound and points the map at it.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { WorkOrder } from '../../../../protocol/workorders.ts';
import { serverNow } from '../../app/server-clock.ts';
import { orderDeadline } from '../../live/work-order-book.ts';
import { pulseAt, requestFlyTo } from '../../map/map-commands.ts';
import { formatCountdown, useCountdowns } from '../alerts/countdown.ts';
import { sharedAlertSound } from '../alerts/alert-sound.ts';
import type { SidePanelProps } from '../side-panels.ts';
import { usePolled } from '../use-polled.ts';
import { QrSheet } from './QrSheet.tsx';
import { activeOrders } from './workorders-api.ts';
import { isWoKey, useWoI18n, type WoKey } from './wo-i18n.ts';
import './workorders.css';

const RESEED_MS = 30_000;
const OVERDUE_COLOR = '#ff2d55';

declare global {
  interface Window {
    /** for end-to-end tests and a curious operator's console */
    __SE_WORKORDERS__?: { received: number; rows: number; beeps: number; reloads: number; ids: number[] };
  }
}

type Book = SidePanelProps['store']['workOrders'];
const rowsOf = (book: Book) => book.rows();
const versionOf = (book: Book) => book.version;

export function WorkOrdersPanel({ store, detail, session }: SidePanelProps) {
  const { t, category } = useWoI18n();
  const estate = detail.estate.id;
  const book = store.workOrders;
  const sound = useMemo(sharedAlertSound, []);
  const stats = useRef({ beeps: 0, reloads: 0 });
  const [loadError, setLoadError] = useState<string | null>(null);
  const [sheet, setSheet] = useState(false);
  const buildings = useMemo(() => new Map(detail.buildings.map((b) => [b.id, b])), [detail]);

  const locate = (o: WorkOrder, color = '#ffb020') => {
    const b = o.building ? buildings.get(o.building) : undefined;
    const x = b ? b.center[0] : o.x;
    const y = b ? b.center[1] : o.y;
    if (x === undefined || y === undefined) return;
    requestFlyTo(x, y);
    pulseAt(`workorder-${o.id}`, x, y, color);
  };

  // live upserts first (nothing between the list and the subscription is lost), then the list;
  // again after every reconnect: upserts published while the feed was down are gone
  useEffect(
    () =>
      store.channels.on('workorders', (payload) => {
        const attention = book.apply(payload, serverNow());
        if (!attention?.alarm) return;
        if (sound.alarm()) stats.current.beeps++;
        locate(attention.order, OVERDUE_COLOR);
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- locate reads the building map of this estate
    [store, book, sound, buildings],
  );
  useEffect(() => {
    const abort = new AbortController();
    const load = () => {
      const from = serverNow();
      stats.current.reloads++;
      activeOrders(estate, abort.signal).then(
        (list) => {
          book.reconcile(list.orders, from, serverNow());
          setLoadError(null);
        },
        (err: Error) => !abort.signal.aborted && setLoadError(err.message),
      );
    };
    load();
    const offConnect = store.channels.onConnect(load);
    const reseed = setInterval(load, RESEED_MS);
    return () => {
      abort.abort();
      offConnect();
      clearInterval(reseed);
    };
  }, [book, estate, store]);

  const rows = usePolled(book, rowsOf, versionOf, 250);
  const list = useRef<HTMLOListElement>(null);
  useCountdowns(list, serverNow);
  useEffect(() => {
    window.__SE_WORKORDERS__ = { received: book.received, rows: rows.length, beeps: stats.current.beeps, reloads: stats.current.reloads, ids: rows.map((o) => o.id) };
  });

  const label = (key: string) => (isWoKey(key) ? t(key) : key.split('.').pop()!);
  return (
    <aside className="panel wo-panel" data-testid="wo-panel">
      <h2 className="panel-title">
        <span>
          {t('wo.title')}
          <span className="panel-count" data-testid="wo-count">{rows.length}</span>
        </span>
        {session.user.role !== 'viewer' && (
          <button type="button" className="wo-sheet-button" data-testid="wo-qr-open" onClick={() => setSheet(true)}>
            {t('wo.qrSheet')}
          </button>
        )}
      </h2>
      {loadError && <p className="alerts-error" role="alert">{t('wo.loadFailed', { error: loadError })}</p>}
      {rows.length === 0 ? (
        <p className="panel-empty">{t('wo.empty')}</p>
      ) : (
        <ol className="wo-list" ref={list}>
          {rows.map((o) => {
            const due = orderDeadline(o);
            const paused = o.status === 'paused';
            const clockLabel = !due ? '' : due.kind === 'on_site' ? t('wo.onSite') : o.tier === 'special' ? t('wo.plan') : t('wo.fix');
            const building = o.building ? (buildings.get(o.building)?.name ?? o.building) : null;
            return (
              <li
                key={o.id}
                className={`wo-row status-${o.status} source-${o.source}${o.escalation > 0 ? ' escalated' : ''}`}
                data-testid="wo-row"
                data-order-id={o.id}
                data-status={o.status}
                data-source={o.source}
                onClick={() => locate(o)}
              >
                <div className="wo-head">
                  <span className="wo-number">{t('wo.number', { id: o.id })}</span>
                  <span className="wo-category">{category(o.category)}</span>
                  {building && <span className="wo-building">{building}</span>}
                </div>
                <div className="alert-clock">
                  {due && (
                    <>
                      <span className="alert-clock-label">{paused ? t('wo.paused') : clockLabel}</span>
                      {paused ? (
                        <span className="alert-countdown wo-paused-clock" data-testid="wo-countdown" data-kind={due.kind}>
                          ‖ {formatCountdown(due.at - (o.pausedAt ?? serverNow()))}
                        </span>
                      ) : (
                        <span className="alert-countdown" data-testid="wo-countdown" data-kind={due.kind} data-due={due.at} data-opened={due.opened}>
                          {formatCountdown(due.at - serverNow())}
                        </span>
                      )}
                    </>
                  )}
                </div>
                <p className="wo-description">{o.description}</p>
                <div className="alert-meta">
                  <span className={`alert-status wo-status-${o.status}`}>{label(`wo.status.${o.status}`)}</span>
                  <span className="wo-source">{label(`wo.source.${o.source}`)}</span>
                  <span>{t(`wo.tier.${o.tier}` as WoKey)}</span>
                  {o.assignee ? <span>{t('wo.assignee', { name: o.assignee })}</span> : o.team ? <span>{t('wo.team', { name: o.team })}</span> : <span>{t('wo.unassigned')}</span>}
                  {o.alert !== undefined && <span data-testid="wo-from-alert">{t('wo.fromAlert', { id: o.alert })}</span>}
                  {paused && o.pauseReason && <span className="wo-reason">{t('wo.pausedReason', { reason: o.pauseReason })}</span>}
                  {o.escalation > 0 && <span className="alert-escalated">{t('wo.escalated', { level: o.escalation })}</span>}
                  {o.reopenCount > 0 && <span>{t('wo.reopened', { n: o.reopenCount })}</span>}
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {sheet && <QrSheet detail={detail} onClose={() => setSheet(false)} />}
    </aside>
  );
}
