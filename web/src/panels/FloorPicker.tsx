// The opened building's floors as chips: all floors, or one isolated (its devices, open alerts and
// work orders alone on the map). Room counts come from the house registry when there is one.
import { useEffect, useState } from 'react';
import type { BuildingInfo } from '../../../protocol/api.ts';
import { getJson } from '../app/api.ts';
import { useI18n } from '../app/i18n.ts';
import { storeysOf } from '../map/floor-placement.ts';
import { isolateFloor, useFloorView } from '../map/floor-view.ts';

interface HouseSummary {
  buildings: Array<{ building: string; units: string[]; floors: Array<{ floor: number; rooms: number }>; rooms: number }>;
}

export function FloorPicker({ estate, building }: { estate: string; building: BuildingInfo }) {
  const { t } = useI18n();
  const view = useFloorView();
  const [rooms, setRooms] = useState<Map<number, number>>(new Map());
  useEffect(() => {
    const abort = new AbortController();
    getJson<HouseSummary>(`/estates/${encodeURIComponent(estate)}/houses`, abort.signal).then(
      (s) => setRooms(new Map((s.buildings.find((b) => b.building === building.id)?.floors ?? []).map((f) => [f.floor, f.rooms]))),
      () => undefined, // no registry: floors without room counts
    );
    return () => abort.abort();
  }, [estate, building.id]);
  const { floors } = storeysOf(building);
  const list = Array.from({ length: floors }, (_, i) => floors - i);
  return (
    <section>
      <h3>{t('floors.title')} <span className="details-count">{floors}</span></h3>
      <div className="floor-picker" role="group" data-testid="floor-picker">
        <button type="button" className={`chip ${view.isolated === null ? 'on' : 'off'}`} data-testid="floor-all" onClick={() => isolateFloor(null)}>
          {t('floors.all')}
        </button>
        {list.map((f) => (
          <button key={f} type="button" className={`chip ${view.isolated === f ? 'on' : 'off'}`} data-testid={`floor-${f}`} onClick={() => isolateFloor(view.isolated === f ? null : f)}>
            {t('floors.floor', { floor: f })}
            {rooms.get(f) ? ` · ${t('floors.rooms', { rooms: rooms.get(f)! })}` : ''}
          </button>
        ))}
      </div>
    </section>
  );
}
