// The guard app's work tab (工单): the orders assigned to this guard or their team, nearest deadline
// first, each with its 54321 countdown (the wall screen's countdown.ts), a small estate map with the
// order's building highlighted, and the steps: accept (接单) → prove arrival (到场: a GPS position in
// the building's geofence, or a QR scan at the building) → notes, photos, pause with a reason /
// resume → resolve. Every step is queued in the outbox first and sent exactly once (actionId).
import { useMemo, useRef, useState } from 'react';
import type { HandheldActionKind, HandheldWorkResponse, WorkOrder } from '../../../protocol/workorders.ts';
import { DEFAULT_CATEGORIES } from '../../../protocol/workorders.ts';
import { orderDeadline } from '../live/work-order-book.ts';
import { formatCountdown, useCountdowns } from '../panels/alerts/countdown.ts';
import { useGuardI18n, type GuardKey } from './guard-i18n.ts';
import type { WorkItem } from './outbox.ts';
import { downscalePhoto } from './photo.ts';
import { Scanner, canScan } from './Scanner.tsx';

export interface WorkStep {
  kind: HandheldActionKind;
  order: number;
  text?: string;
  reason?: string;
  code?: string;
  dataUrl?: string;
  /** take a GPS fix (asking if need be) for the on-site proof */
  gps?: boolean;
}

const CATEGORIES = new Map(DEFAULT_CATEGORIES.map((c) => [c.code, c]));

/** Which steps an order offers in its status. */
function stepsFor(status: WorkOrder['status']): HandheldActionKind[] {
  switch (status) {
    case 'new':
    case 'dispatched':
    case 'reopened':
      return ['accept'];
    case 'accepted':
      return ['on_site', 'note', 'photo', 'pause'];
    case 'on_site':
      return ['note', 'photo', 'pause', 'resolve'];
    case 'paused':
      return ['resume', 'note'];
    default:
      return [];
  }
}

function EstateMiniMap({ buildings, target }: { buildings: HandheldWorkResponse['buildings']; target?: string }) {
  const box = useMemo(() => {
    if (!buildings.length) return null;
    const xs = buildings.map((b) => b.x);
    const ys = buildings.map((b) => b.y);
    const pad = 25;
    return { x0: Math.min(...xs) - pad, x1: Math.max(...xs) + pad, y0: Math.min(...ys) - pad, y1: Math.max(...ys) + pad };
  }, [buildings]);
  if (!box) return null;
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const hit = buildings.find((b) => b.id === target);
  return (
    <svg className="guard-minimap" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={hit?.name ?? ''} data-testid="work-map" data-target={target ?? ''}>
      <rect width={w} height={h} rx={6} className="minimap-ground" />
      {buildings.map((b) => (
        <rect key={b.id} x={b.x - box.x0 - 6} y={box.y1 - b.y - 6} width={12} height={12} rx={2} className={b.id === target ? 'minimap-target' : 'minimap-building'} />
      ))}
      {hit && (
        <>
          <circle cx={hit.x - box.x0} cy={box.y1 - hit.y} r={16} className="minimap-ring" />
          <text x={hit.x - box.x0} y={box.y1 - hit.y - 20} textAnchor="middle" className="minimap-label">
            {hit.name}
          </text>
        </>
      )}
    </svg>
  );
}

function OrderCard({ order, work, pending, clock, onStep }: { order: WorkOrder; work: HandheldWorkResponse; pending: WorkItem[]; clock: () => number; onStep(step: WorkStep): Promise<void> }) {
  const { t, lang } = useGuardI18n();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [scanning, setScanning] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const file = useRef<HTMLInputElement>(null);
  const due = orderDeadline(order);
  const category = CATEGORIES.get(order.category);
  const building = work.buildings.find((b) => b.id === order.building);
  const queued = pending.filter((p) => p.action.order === order.id);
  // what the queue will do counts already: an accept waiting to sync shows the next steps
  const last = queued[queued.length - 1]?.action.kind;
  const status: WorkOrder['status'] =
    last === 'accept' ? 'accepted' : last === 'on_site' ? 'on_site' : last === 'pause' ? 'paused' : last === 'resume' ? (order.pausedFrom ?? 'on_site') : last === 'resolve' ? 'resolved' : order.status;
  const step = async (s: WorkStep) => {
    setBusy(true);
    setProblem(null);
    try {
      await onStep(s);
      setText('');
    } finally {
      setBusy(false);
    }
  };
  const steps = stepsFor(status);
  return (
    <article className={`guard-card work-order status-${status}`} data-testid="work-order" data-order-id={order.id} data-status={status} data-queued={queued.length}>
      <div className="guard-row">
        <strong className="work-title">
          #{order.id} {category ? (lang === 'en' ? category.name : category.nameZh) : order.category}
        </strong>
        <span className="work-status">{t(`work.status.${status}` as GuardKey)}</span>
      </div>
      {building && <span className="work-building">{building.name}</span>}
      <p className="work-description">{order.description}</p>
      {due && status !== 'paused' && status !== 'resolved' && (
        <p className="work-clock">
          <span className="guard-dim">{due.kind === 'on_site' ? t('work.onSiteDue') : t('work.fixDue')}</span>
          <strong className="work-countdown" data-testid="work-countdown" data-due={due.at} data-opened={due.opened}>
            {formatCountdown(due.at - clock())}
          </strong>
        </p>
      )}
      {status === 'paused' && <p className="guard-stale">{t('work.paused', { reason: order.pauseReason ?? queued.find((q) => q.action.kind === 'pause')?.action.reason ?? '' })}</p>}
      {queued.length > 0 && <p className="guard-stale" data-testid="work-pending">{t('work.pending')} · {queued.length}</p>}
      <EstateMiniMap buildings={work.buildings} target={order.building} />
      {steps.some((s) => s === 'note' || s === 'pause' || s === 'resolve') && (
        <textarea
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={steps.includes('pause') ? `${t('work.notePlaceholder')} / ${t('work.pauseReason')}` : t('work.notePlaceholder')}
          maxLength={2000}
          rows={2}
          data-testid="work-text"
        />
      )}
      {problem && <p className="guard-error" role="alert">{problem}</p>}
      <div className="guard-row work-steps">
        {steps.includes('accept') && (
          <button type="button" className="guard-button primary big" disabled={busy} onClick={() => void step({ kind: 'accept', order: order.id })} data-testid="work-accept">
            {t('work.accept')}
          </button>
        )}
        {steps.includes('on_site') && (
          <>
            <button type="button" className="guard-button primary" disabled={busy} onClick={() => void step({ kind: 'on_site', order: order.id, gps: true })} data-testid="work-arrive-gps">
              {t('work.arriveGps')}
            </button>
            {canScan() && (
              <button type="button" className="guard-button secondary" disabled={busy} onClick={() => setScanning(true)} data-testid="work-arrive-scan">
                {t('work.arriveScan')}
              </button>
            )}
          </>
        )}
        {steps.includes('resume') && (
          <button type="button" className="guard-button primary" disabled={busy} onClick={() => void step({ kind: 'resume', order: order.id })} data-testid="work-resume">
            {t('work.resume')}
          </button>
        )}
        {steps.includes('resolve') && (
          <button type="button" className="guard-button primary" disabled={busy} onClick={() => void step({ kind: 'resolve', order: order.id, ...(text.trim() ? { text: text.trim() } : {}) })} data-testid="work-resolve">
            {t('work.resolve')}
          </button>
        )}
        {steps.includes('note') && (
          <button
            type="button"
            className="guard-button secondary"
            disabled={busy}
            data-testid="work-note"
            onClick={() => (text.trim() ? void step({ kind: 'note', order: order.id, text: text.trim() }) : setProblem(t('work.needNote')))}
          >
            {t('work.note')}
          </button>
        )}
        {steps.includes('photo') && (
          <button type="button" className="guard-button secondary" disabled={busy} onClick={() => file.current?.click()} data-testid="work-photo">
            {t('work.photo')}
          </button>
        )}
        {steps.includes('pause') && (
          <button
            type="button"
            className="guard-button secondary"
            disabled={busy}
            data-testid="work-pause"
            onClick={() => (text.trim() ? void step({ kind: 'pause', order: order.id, reason: text.trim() }) : setProblem(t('work.needReason')))}
          >
            {t('work.pause')}
          </button>
        )}
      </div>
      <input
        ref={file}
        type="file"
        accept="image/*"
        capture="environment"
        hidden
        data-testid="work-photo-input"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void step({ kind: 'photo', order: order.id, dataUrl: await downscalePhoto(f) });
        }}
      />
      {scanning && (
        <Scanner
          onClose={() => setScanning(false)}
          onCode={(code) => {
            setScanning(false);
            void step({ kind: 'on_site', order: order.id, code });
          }}
        />
      )}
    </article>
  );
}

export function WorkTab({ work, cachedAt, pending, fetchedAt, onStep, onRefresh }: {
  work: HandheldWorkResponse | null;
  cachedAt: number | null;
  pending: WorkItem[];
  /** local clock when `work` arrived (with work.now: the server's clock) */
  fetchedAt: number;
  onStep(step: WorkStep): Promise<void>;
  onRefresh(): void;
}) {
  const { t, lang } = useGuardI18n();
  const offset = work ? work.now - fetchedAt : 0;
  const clock = useMemo(() => () => Date.now() + offset, [offset]);
  const root = useRef<HTMLElement>(null);
  useCountdowns(root, clock);
  const time = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: work?.estate.timezone });
  return (
    <section className="guard-work" ref={root} data-testid="work-tab">
      <div className="guard-row">
        <span className="guard-estate">{work ? (lang === 'en' ? work.estate.name : work.estate.nameZh) : ''}</span>
        <button type="button" className="guard-link" onClick={onRefresh} data-testid="work-refresh">
          {t('work.refresh')}
        </button>
      </div>
      {cachedAt !== null && <p className="guard-stale">{t('work.cached', { time: time.format(cachedAt) })}</p>}
      {!work || work.orders.length === 0 ? (
        <p className="guard-card guard-dim" data-testid="work-none">{t('work.none')}</p>
      ) : (
        work.orders.map((o) => <OrderCard key={o.id} order={o} work={work} pending={pending} clock={clock} onStep={onStep} />)
      )}
    </section>
  );
}
