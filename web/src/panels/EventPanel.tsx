// The side panel: the latest events, newest first, refreshed a few times per second at most.
import { useMemo } from 'react';
import { useI18n, type MessageKey } from '../app/i18n.ts';
import { ALARM_CAMERA_TYPES, type LiveStore, type PanelEvent } from '../live/live-store.ts';
import { deviceLabel, summarize, type EstateNames } from './event-summary.ts';
import { usePolled } from './use-polled.ts';

const readEvents = (store: LiveStore) => store.events;
const eventsVersion = (store: LiveStore) => store.eventsVersion;

function timeFormat(lang: string, timeZone: string): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
  try {
    return new Intl.DateTimeFormat(lang, { ...options, timeZone });
  } catch {
    return new Intl.DateTimeFormat(lang, options); // unknown zone name: the browser's own
  }
}

function severity(event: PanelEvent): 'alarm' | 'info' {
  if (event.kind === 'alert') return event.data.status === 'resolved' || event.data.severity === 'info' ? 'info' : 'alarm';
  if (event.kind === 'camera' && ALARM_CAMERA_TYPES.has(String(event.data.type)) && event.data.phase !== 'end') return 'alarm';
  if (event.kind === 'status' && event.data.online === false) return 'alarm';
  return 'info';
}

export function EventPanel({ store, names, timeZone }: { store: LiveStore; names: EstateNames; timeZone: string }) {
  const { t, lang } = useI18n();
  const events = usePolled(store, readEvents, eventsVersion);
  const format = useMemo(() => timeFormat(lang, timeZone), [lang, timeZone]);
  return (
    <aside className="panel" data-testid="event-panel" aria-live="polite">
      <h2 className="panel-title">
        {t('panel.title')}
        <span className="panel-count">{events.length}</span>
      </h2>
      {events.length === 0 ? (
        <p className="panel-empty">{t('panel.empty')}</p>
      ) : (
        <ol className="events">
          {events.map((event) => (
            <li key={event.key} className={`event kind-${event.kind} ${severity(event)}`} data-testid="event-row" data-kind={event.kind}>
              <time className="event-time" dateTime={new Date(event.ts).toISOString()}>
                {format.format(event.ts)}
              </time>
              <span className="event-kind">{t(`kind.${event.kind}` as MessageKey)}</span>
              <span className="event-device" title={event.device}>
                {deviceLabel(event.device, names)}
              </span>
              <span className="event-summary">{summarize(event, t, names, lang)}</span>
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
