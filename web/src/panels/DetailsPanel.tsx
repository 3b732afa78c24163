// What was picked on the map: a building (name, floors, devices in it, recent events, open alerts)
// or a device, guard, vehicle or checkpoint (its state, recent events, open alerts). Large type on a
// card over the map's right edge; Esc or × closes it.
import { useEffect, useMemo, useState } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import type { EstateEvent } from '../../../protocol/schemas.ts';
import { queryEvents, type EventQuery } from '../app/api.ts';
import { isMessageKey, useI18n, type MessageKey } from '../app/i18n.ts';
import type { AlertMessage, LiveStore } from '../live/live-store.ts';
import { checkpointState } from '../map/Checkpoints.tsx';
import type { Pick } from '../map/picking.ts';
import { deviceLabel, summarize, type EstateNames } from './event-summary.ts';
import { buildingAlerts, buildingEvents, buildingOfDevice, deviceAlerts, devicesOfBuilding } from './pick-details.ts';
import { usePolled } from './use-polled.ts';
import { FloorPicker } from './FloorPicker.tsx';

const RECENT = 8;
/** How far back a building's events are searched (its devices' and those the server tagged with it). */
const BUILDING_SCAN = 1000;

type Row = [MessageKey, string];
type Loaded = { status: 'loading' } | { status: 'ready'; events: EstateEvent[] } | { status: 'failed'; error: string };

function eventQuery(pick: Pick, detail: EstateDetail, store: LiveStore, until: number | null): { query: EventQuery; keep(e: EstateEvent): boolean } {
  const to = until ?? undefined;
  switch (pick.kind) {
    case 'building': {
      const building = detail.buildings.find((b) => b.id === pick.id);
      const devices = new Set(building ? devicesOfBuilding(building, detail.devices).map((d) => d.id) : []);
      return { query: { limit: BUILDING_SCAN, to }, keep: (e) => buildingEvents([e], pick.id, devices, 1).length > 0 };
    }
    case 'camera':
      return { query: { device: pick.id, limit: RECENT, to }, keep: () => true };
    case 'guard': {
      const device = store.guards.get(pick.id)?.device;
      return device ? { query: { device, limit: RECENT, to }, keep: () => true } : { query: { kind: 'position', limit: 200, to }, keep: (e) => e.data?.guard === pick.id };
    }
    case 'vehicle':
      return { query: { kind: 'vehicle', limit: 500, to }, keep: (e) => e.data?.plate === pick.id };
    case 'checkpoint': {
      const checkpoint = detail.checkpoints.find((c) => c.id === pick.id);
      const names = new Set([pick.id, checkpoint?.code ?? pick.id]);
      return { query: { kind: 'checkin', limit: 500, to }, keep: (e) => names.has(String(e.data?.checkpoint)) };
    }
  }
}

export function DetailsPanel({ pick, detail, store, names, timeZone, clock, replay, onClose }: {
  pick: Pick;
  detail: EstateDetail;
  store: LiveStore;
  names: EstateNames;
  timeZone: string;
  /** the time the map shows (replay time in replay) */
  clock(): number;
  replay: boolean;
  onClose(): void;
}) {
  const { t, lang } = useI18n();
  const version = usePolled(store, (s) => s.markersVersion, (s) => s.markersVersion, 500);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const format = useMemo(() => {
    try {
      return new Intl.DateTimeFormat(lang, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone });
    } catch {
      return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    }
  }, [lang, timeZone]);

  // replay: the events up to the replay time when the panel opened
  const [until] = useState(() => (replay ? clock() : null));
  useEffect(() => {
    const abort = new AbortController();
    setLoaded({ status: 'loading' });
    const { query, keep } = eventQuery(pick, detail, store, until);
    queryEvents(detail.estate.id, query, abort.signal).then(
      (res) => setLoaded({ status: 'ready', events: res.events.filter(keep).slice(0, RECENT) }),
      (err: Error) => !abort.signal.aborted && setLoaded({ status: 'failed', error: err.message }),
    );
    return () => abort.abort();
  }, [pick, detail, store, until]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  void version;
  const now = clock();
  const when = (ms: number | undefined) => (ms ? format.format(ms) : t('details.never'));
  let title = pick.id;
  let heading: MessageKey = 'details.building';
  const rows: Row[] = [];
  let devices: Array<{ id: string; label: string }> = [];
  let alerts: AlertMessage[] = [];

  if (pick.kind === 'building') {
    const b = detail.buildings.find((x) => x.id === pick.id);
    if (b) {
      title = b.name || b.id;
      const inside = devicesOfBuilding(b, detail.devices);
      const floors = b.floors ?? Math.max(1, Math.round((b.height - b.minHeight) / 3));
      rows.push(['details.floors', t('details.floorsValue', { floors })], ['details.height', t('details.heightValue', { height: Math.round(b.height) })], ['details.use', isMessageKey(`use.${b.use}`) ? t(`use.${b.use}` as MessageKey) : b.use]);
      devices = inside.map((d) => ({ id: d.id, label: `${d.name || d.id} · ${d.kind}` }));
      alerts = buildingAlerts(store.openAlerts.values(), b, new Set(inside.map((d) => d.id)));
    }
  } else if (pick.kind === 'camera') {
    heading = 'details.camera';
    const info = detail.devices.find((d) => d.id === pick.id);
    const camera = store.cameras.get(pick.id);
    title = info?.name || pick.id;
    const state: MessageKey = !camera ? 'camState.ok' : camera.alarmUntil > now ? 'camState.alerting' : camera.online ? 'camState.ok' : 'camState.offline';
    rows.push(['details.state', t(state)], ['details.device', pick.id]);
    const inBuilding = info ? buildingOfDevice(info, detail.buildings) : null;
    if (inBuilding) rows.push(['details.building.of', inBuilding.name || inBuilding.id]);
    alerts = deviceAlerts(store.openAlerts.values(), pick.id);
  } else if (pick.kind === 'guard') {
    heading = 'details.guard';
    const guard = store.guards.get(pick.id);
    rows.push(['details.device', guard ? deviceLabel(guard.device, names) : '—'], ['details.lastSeen', when(guard?.seen)]);
    alerts = guard ? deviceAlerts(store.openAlerts.values(), guard.device) : [];
  } else if (pick.kind === 'vehicle') {
    heading = 'details.vehicle';
    const vehicle = store.vehicles.get(pick.id);
    const direction = vehicle?.direction ? `direction.${vehicle.direction}` : '';
    rows.push(['details.direction', isMessageKey(direction) ? t(direction) : (vehicle?.direction ?? '—')], ['details.device', vehicle ? deviceLabel(vehicle.device, names) : '—'], ['details.lastSeen', when(vehicle?.seen)]);
    alerts = deviceAlerts(store.openAlerts.values(), pick.id);
  } else if (pick.kind === 'checkpoint') {
    heading = 'details.checkpoint';
    const c = detail.checkpoints.find((x) => x.id === pick.id);
    title = c?.name || pick.id;
    const visit = store.checkpointVisits.get(pick.id);
    rows.push(['details.code', c?.code ?? pick.id], ['details.lastVisit', when(visit)], ['details.state', t(`cpState.${checkpointState(visit, now)}` as MessageKey)]);
    alerts = deviceAlerts(store.openAlerts.values(), pick.id);
  }

  return (
    <aside className="details" data-testid="details-panel" data-kind={pick.kind} data-id={pick.id} aria-label={t(heading)}>
      <header className="details-head">
        <span className="details-kind">{t(heading)}</span>
        <h2 className="details-title" data-testid="details-title">{title}</h2>
        <button type="button" className="details-close" aria-label={t('details.close')} data-testid="details-close" onClick={onClose}>
          ×
        </button>
      </header>
      <dl className="details-facts">
        {rows.map(([key, value]) => (
          <div key={key}>
            <dt>{t(key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {pick.kind === 'building' && detail.buildings.some((b) => b.id === pick.id) && <FloorPicker estate={detail.estate.id} building={detail.buildings.find((b) => b.id === pick.id)!} />}
      {pick.kind === 'building' && (
        <section>
          <h3>{t('details.devices')} <span className="details-count">{devices.length}</span></h3>
          {devices.length ? (
            <ul className="details-list" data-testid="details-devices">
              {devices.map((d) => <li key={d.id}>{d.label}</li>)}
            </ul>
          ) : (
            <p className="details-empty">{t('details.none')}</p>
          )}
        </section>
      )}
      <section>
        <h3>{t('details.alerts')} <span className="details-count">{alerts.length}</span></h3>
        {alerts.length ? (
          <ul className="details-list alerts" data-testid="details-alerts">
            {alerts.map((a, i) => (
              <li key={String(a.id ?? i)}>{String((lang === 'en' ? a.title ?? a.titleZh : a.titleZh ?? a.title) ?? a.type ?? '')}</li>
            ))}
          </ul>
        ) : (
          <p className="details-empty">{t('details.none')}</p>
        )}
      </section>
      <section>
        <h3>{t('details.events')}</h3>
        {loaded.status === 'loading' && <p className="details-empty">{t('details.loading')}</p>}
        {loaded.status === 'failed' && <p className="details-empty error">{t('details.failed', { error: loaded.error })}</p>}
        {loaded.status === 'ready' &&
          (loaded.events.length ? (
            <ol className="details-list events" data-testid="details-events">
              {loaded.events.map((e, i) => (
                <li key={`${e.device}/${e.id ?? i}`}>
                  <time>{format.format(e.ts)}</time>
                  <span>{t(`kind.${e.kind}` as MessageKey)} · {summarize({ key: '', kind: e.kind, device: e.device, ts: e.ts, data: e.data ?? {} }, t, names, lang)}</span>
                </li>
              ))}
            </ol>
          ) : (
            <p className="details-empty">{t('details.none')}</p>
          ))}
      </section>
    </aside>
  );
}
