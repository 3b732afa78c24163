// The wall screen's alert list (告警): unresolved alerts sorted by severity and deadline, each with its
// 54321 countdown (rewritten in the DOM four times a second, never re-rendered per tick), storms shown
// as one incident row, acknowledge and resolve for operators. A new critical alert beeps and flies the
// 3D view to its place; so does a click on a row. Device health sits on top: unknown is not all clear.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { nextDeadline, type Alert } from '../../../../protocol/alerts.ts';
import { isMessageKey, useI18n, type Translate } from '../../app/i18n.ts';
import { pulseAt, requestFlyTo } from '../../map/map-commands.ts';
import type { SidePanelProps } from '../side-panels.ts';
import { usePolled } from '../use-polled.ts';
import { AlertBook, isIncident } from './alert-book.ts';
import { sharedAlertSound } from './alert-sound.ts';
import { actOn, activeAlerts, deviceHealth, type AlertAction, type DeviceHealthSummary } from './alerts-api.ts';
import { alertToOrder } from '../workorders/workorders-api.ts';
import { useWoI18n } from '../workorders/wo-i18n.ts';
import { formatCountdown, useCountdowns } from './countdown.ts';
import './alerts.css';
import { serverNow } from '../../app/server-clock.ts';
import { AuthImage } from '../../cameras/CameraPlayer.tsx';
import { openCamera } from '../../cameras/camera-view.ts';
import { kioskOptions } from '../../kiosk/kiosk-options.ts';

/** A fresh list now and then catches upserts missed while the feed was down. */
const RESEED_MS = 30_000;
const HEALTH_MS = 15_000;
/** The second click of "resolve" must come within this time. */
const CONFIRM_MS = 10_000;

const SEVERITY_COLORS: Record<string, string> = { critical: '#ff2d55', major: '#ff8a00', warning: '#ffd60a', info: '#38d6ff' };

declare global {
  interface Window {
    /** for end-to-end tests and a curious operator's console */
    __SE_ALERTS__?: { received: number; rows: number; sound: string; beeps: number; flights: number };
  }
}

const rowsOf = (book: AlertBook) => book.rows();
const versionOf = (book: AlertBook) => book.version;

function locate(alert: Alert): boolean {
  if (alert.x === undefined || alert.y === undefined) return false;
  requestFlyTo(alert.x, alert.y);
  pulseAt(`alert-${alert.id}`, alert.x, alert.y, SEVERITY_COLORS[alert.severity] ?? SEVERITY_COLORS.critical);
  return true;
}

function label(t: Translate, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? t(key) : value;
}

export function AlertsPanel({ store, detail, session }: SidePanelProps) {
  const { t, lang } = useI18n();
  const estate = detail.estate.id;
  const book = useMemo(() => new AlertBook(), [estate]);
  const cameras = useMemo(() => new Set(detail.devices.filter((d) => d.kind === 'camera').map((d) => d.id)), [detail]);
  const kiosk = useMemo(() => kioskOptions().kiosk, []);
  // one sound for the page: the work-order panel's overdue alarm shares it (and its unlock click)
  const sound = useMemo(sharedAlertSound, []);
  const subscribe = useCallback((listener: () => void) => sound.subscribe(listener), [sound]);
  const soundState = useSyncExternalStore(subscribe, () => sound.state);
  const stats = useRef({ beeps: 0, flights: 0 });
  const [loadError, setLoadError] = useState<string | null>(null);
  const [health, setHealth] = useState<DeviceHealthSummary['counts'] | null>(null);

  // live upserts first (so nothing between the list and the subscription is lost), then the list
  useEffect(
    () =>
      store.channels.on('alerts', (payload) => {
        const attention = book.apply(payload);
        if (!attention?.alarm) return;
        if (sound.alarm()) stats.current.beeps++;
        if (locate(attention.alert)) stats.current.flights++;
        // the kiosk tour shows a new critical alert's camera: nobody is at the screen to click it
        if (kiosk && attention.alert.severity === 'critical' && attention.alert.device && cameras.has(attention.alert.device)) openCamera(attention.alert.device);
      }),
    [store, book, sound, kiosk, cameras],
  );
  useEffect(() => {
    const abort = new AbortController();
    const load = () => {
      const from = serverNow();
      activeAlerts(estate, abort.signal).then(
        (list) => {
          book.reconcile(list.alerts, from);
          setLoadError(null);
        },
        (err: Error) => !abort.signal.aborted && setLoadError(err.message),
      );
      deviceHealth(estate, abort.signal).then(
        (h) => setHealth(h.counts),
        () => undefined, // the alerts matter more; health shows when it answers
      );
    };
    load();
    const reseed = setInterval(load, RESEED_MS);
    const healthTimer = setInterval(() => deviceHealth(estate, abort.signal).then((h) => setHealth(h.counts), () => undefined), HEALTH_MS);
    return () => {
      abort.abort();
      clearInterval(reseed);
      clearInterval(healthTimer);
    };
  }, [book, estate]);

  const rows = usePolled(book, rowsOf, versionOf, 250);
  const list = useRef<HTMLOListElement>(null);
  useCountdowns(list);
  useEffect(() => {
    window.__SE_ALERTS__ = { received: book.received, rows: rows.length, sound: soundState, beeps: stats.current.beeps, flights: stats.current.flights };
  });

  const [busy, setBusy] = useState<number | null>(null);
  // 转工单: the order made from an alert shows on its card at once (the alert's own upsert confirms it)
  const wo = useWoI18n();
  const [ordered, setOrdered] = useState<ReadonlyMap<number, number>>(new Map());
  const toOrder = (alert: Alert) => {
    setBusy(alert.id);
    alertToOrder(estate, alert.id).then(
      (order) => {
        setOrdered((m) => new Map(m).set(alert.id, order.id));
        setActionError(null);
      },
      (err: Error) => setActionError(wo.t('wo.failed', { error: err.message })),
    ).finally(() => setBusy(null));
  };
  const [confirming, setConfirming] = useState<{ id: number; until: number } | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const canAct = session.user.role !== 'viewer';
  // an armed "click again" disarms itself, so a stray tap much later resolves nothing
  useEffect(() => {
    if (!confirming) return;
    const timer = setTimeout(() => setConfirming(null), Math.max(0, confirming.until - Date.now()));
    return () => clearTimeout(timer);
  }, [confirming]);

  const run = (alert: Alert, action: AlertAction) => {
    if (action === 'resolve' && (!confirming || confirming.id !== alert.id || confirming.until < Date.now())) {
      setConfirming({ id: alert.id, until: Date.now() + CONFIRM_MS });
      return;
    }
    setConfirming(null);
    setBusy(alert.id);
    actOn(estate, alert.id, action).then(
      (updated) => {
        book.apply({ ...updated, change: action === 'resolve' ? 'resolved' : 'acknowledged' });
        setActionError(null);
      },
      (err: Error) => setActionError(t('alerts.failed', { error: err.message })),
    ).finally(() => setBusy(null));
  };

  const soundButton =
    soundState === 'on' ? (
      <button type="button" className="alerts-sound on" data-testid="alerts-sound" data-state="on" onClick={() => sound.setMuted(true)} title={t('alerts.soundMute')}>
        {t('alerts.soundOn')}
      </button>
    ) : soundState === 'unsupported' ? null : (
      <button type="button" className={`alerts-sound ${soundState}`} data-testid="alerts-sound" data-state={soundState} onClick={() => void sound.enable()}>
        {t(soundState === 'muted' ? 'alerts.soundOff' : 'alerts.soundEnable')}
      </button>
    );

  return (
    <aside className="panel alerts-panel" data-testid="alerts-panel" aria-live="assertive">
      <h2 className="panel-title">
        <span>
          {t('alerts.title')}
          <span className="panel-count" data-testid="alerts-count">{rows.length}</span>
        </span>
        {soundButton}
      </h2>
      {health && (
        <p className="alerts-health" data-testid="alerts-health">
          <span>{t('alerts.devices')}</span>
          <span className="health-online">{t('alerts.online', { n: health.online })}</span>
          <span className={health.offline ? 'health-offline' : ''}>{t('alerts.offline', { n: health.offline })}</span>
          <span className={health.unknown ? 'health-unknown' : ''} title={t('alerts.unknownHint')}>{t('alerts.unknown', { n: health.unknown })}</span>
        </p>
      )}
      {loadError && <p className="alerts-error" role="alert">{t('alerts.loadFailed', { error: loadError })}</p>}
      {actionError && <p className="alerts-error" role="alert" data-testid="alerts-error">{actionError}</p>}
      {rows.length === 0 ? (
        <p className="panel-empty">{t('alerts.empty')}</p>
      ) : (
        <ol className="alerts" ref={list}>
          {rows.map((a) => {
            const due = nextDeadline(a);
            const members = isIncident(a) ? (a.members ?? book.members(a.id).length) : 0;
            const clockLabel = !due ? '' : due.kind === 'on_site' ? t('alerts.onSite') : a.tier === 'special' ? t('alerts.plan') : t('alerts.fix');
            return (
              <li
                key={a.id}
                className={`alert-row sev-${a.severity} status-${a.status}${isIncident(a) ? ' incident' : ''}`}
                data-testid="alert-row"
                data-alert-id={a.id}
                data-status={a.status}
                data-type={a.type}
                data-severity={a.severity}
                onClick={() => {
                  locate(a);
                  if (a.device && cameras.has(a.device)) openCamera(a.device);
                }}
              >
                <div className="alert-head">
                  <span className="alert-severity">{label(t, 'severity', a.severity)}</span>
                  <span className="alert-title">{lang === 'en' ? a.title : a.titleZh}</span>
                  {a.count > 1 && !isIncident(a) && <span className="alert-repeat">×{a.count}</span>}
                </div>
                <div className="alert-clock">
                  {due && (
                    <>
                      <span className="alert-clock-label">{clockLabel}</span>
                      <span className="alert-countdown" data-testid="alert-countdown" data-kind={due.kind} data-due={due.at} data-opened={a.openedAt}>
                        {formatCountdown(due.at - serverNow())}
                      </span>
                    </>
                  )}
                  {a.onSiteAt !== undefined && (
                    <span className="alert-onsite" data-testid="alert-onsite">
                      ✓ {t('alerts.onSiteBy', { guard: a.onSiteBy ?? '?', time: formatCountdown(a.onSiteAt - a.openedAt) })}
                    </span>
                  )}
                </div>
                {typeof a.detail?.snapshot === 'string' && a.detail.snapshot && (
                  <AuthImage path={`/estates/${encodeURIComponent(estate)}/alerts/${a.id}/snapshot`} alt={t('camera.snapshot')} className="alert-snapshot" />
                )}
                <div className="alert-meta">
                  <span className={`alert-status status-${a.status}`}>{label(t, 'alertStatus', a.status)}</span>
                  <span>{label(t, 'tier', a.tier)}</span>
                  {members > 0 && <span className="alert-members">{t('alerts.members', { n: members })}</span>}
                  {a.escalation > 0 && <span className="alert-escalated">{t('alerts.escalated', { level: a.escalation })}</span>}
                  {a.assignee && <span>{t('alerts.assignee', { name: a.assignee })}</span>}
                  {a.acknowledgedBy && a.status === 'acknowledged' && <span>{t('alerts.ackBy', { name: a.acknowledgedBy })}</span>}
                  {(a.workOrder ?? ordered.get(a.id)) !== undefined && (
                    <span className="alert-order" data-testid="alert-order" data-order-id={a.workOrder ?? ordered.get(a.id)}>
                      {wo.t('wo.alertOrder', { id: (a.workOrder ?? ordered.get(a.id))! })}
                    </span>
                  )}
                    {canAct && a.workOrder === undefined && !ordered.has(a.id) && !isIncident(a) && (
                      <button type="button" className="alert-to-order" data-testid="alert-to-order" disabled={busy === a.id} onClick={(e) => (e.stopPropagation(), toOrder(a))}>
                        {busy === a.id ? wo.t('wo.toOrderBusy') : wo.t('wo.toOrder')}
                      </button>
                    )}

                </div>
                {canAct && (
                  <div className="alert-actions">
                    {a.status === 'open' && (
                      <button type="button" className="alert-button ack" data-testid="alert-ack" disabled={busy === a.id} onClick={(e) => (e.stopPropagation(), run(a, 'acknowledge'))}>
                        {t('alerts.ack')}
                      </button>
                    )}
                    <button
                      type="button"
                      className={`alert-button resolve${confirming?.id === a.id ? ' confirming' : ''}`}
                      data-testid="alert-resolve"
                      disabled={busy === a.id}
                      onClick={(e) => (e.stopPropagation(), run(a, 'resolve'))}
                    >
                      {t(confirming?.id === a.id ? 'alerts.confirmResolve' : 'alerts.resolve')}
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </aside>
  );
}
