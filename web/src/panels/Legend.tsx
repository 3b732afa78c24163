// Map legend with live counts, over the map's lower-left corner.
import { useI18n, type MessageKey } from '../app/i18n.ts';
import type { LiveStore } from '../live/live-store.ts';
import { usePolled } from './use-polled.ts';

interface Counts {
  guards: number;
  vehicles: number;
  cameras: number;
  alarms: number;
}

function readCounts(store: LiveStore): Counts {
  const now = Date.now();
  let alarms = 0;
  for (const camera of store.cameras.values()) if (camera.alarmUntil > now) alarms++;
  return { guards: store.guards.size, vehicles: store.vehicles.size, cameras: store.cameras.size, alarms };
}
const markersVersion = (store: LiveStore) => store.markersVersion;

export function Legend({ store, buildings, checkpoints }: { store: LiveStore; buildings: number; checkpoints: number }) {
  const { t } = useI18n();
  const counts = usePolled(store, readCounts, markersVersion, 500);
  const rows: Array<[MessageKey, string, number, string]> = [
    ['legend.guards', 'swatch-guard', counts.guards, 'legend-guards'],
    ['legend.vehicles', 'swatch-vehicle', counts.vehicles, 'legend-vehicles'],
    ['legend.cameras', 'swatch-camera', counts.cameras, 'legend-cameras'],
    ['legend.alerts', 'swatch-alarm', counts.alarms, 'legend-alarms'],
    ['legend.checkpoints', 'swatch-checkpoint', checkpoints, 'legend-checkpoints'],
    ['legend.buildings', 'swatch-building', buildings, 'legend-buildings'],
  ];
  return (
    <div className="legend">
      <ul className="legend-counts">
        {rows.map(([key, swatch, count, testId]) => (
          <li key={key} data-testid={testId}>
            <span className={`swatch ${swatch}`} aria-hidden />
            <span className="legend-label">{t(key)}</span>
            <span className="legend-value">{count}</span>
          </li>
        ))}
      </ul>
      <ul className="legend-zones">
        <li><span className="swatch swatch-perimeter" aria-hidden />{t('legend.perimeter')}</li>
        <li><span className="swatch swatch-fire-lane" aria-hidden />{t('legend.fireLane')}</li>
        <li><span className="swatch swatch-car-park" aria-hidden />{t('legend.carPark')}</li>
        <li><span className="swatch swatch-restricted" aria-hidden />{t('legend.restricted')}</li>
      </ul>
      {/* what the colours of checkpoints and cameras mean */}
      <ul className="legend-zones legend-states">
        <li><span className="swatch swatch-cp-fresh" aria-hidden />{t('cpState.fresh')}</li>
        <li><span className="swatch swatch-cp-due" aria-hidden />{t('cpState.due')}</li>
        <li><span className="swatch swatch-cp-overdue" aria-hidden />{t('cpState.overdue')}</li>
        <li><span className="swatch swatch-camera-offline" aria-hidden />{t('camState.offline')}</li>
      </ul>
    </div>
  );
}
