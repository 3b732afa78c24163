// The wall screen's gate panel (道闸): a gauge per car park (cars parked of its spaces, coloured as it
// fills) and the gate log — each plate read with its decision as a colour and a word, readable from
// 3 m. Counts come from the retained occupancy channel; reads from the live feed, with the history
// as the starting point and, now and then, a catch-up for anything missed while offline.
import { useEffect, useMemo, useState } from 'react';
import { isMessageKey, useI18n, type Translate } from '../../app/i18n.ts';
import type { PanelEvent } from '../../live/live-store.ts';
import type { SidePanelProps } from '../side-panels.ts';
import { usePolled } from '../use-polled.ts';
import { CarParkBoard, fillLevel, GateLog, gateRow, GATE_LOG_CAPACITY } from './gate-log.ts';
import { carParks, listGates, recentReads } from './gates-api.ts';
import './gates.css';
import { serverNow } from '../../app/server-clock.ts';

const RESEED_MS = 30_000;

declare global {
  interface Window {
    /** for end-to-end tests */
    __SE_GATES__?: { rows: number; occupancyMessages: number };
  }
}

function label(t: Translate, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? t(key) : value;
}

function timeFormat(lang: string, timeZone: string): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
  try {
    return new Intl.DateTimeFormat(lang, { ...options, timeZone });
  } catch {
    return new Intl.DateTimeFormat(lang, options);
  }
}

const eventsOf = (store: SidePanelProps['store']) => store.events;
const eventsVersion = (store: SidePanelProps['store']) => store.eventsVersion;
const logVersion = (log: GateLog) => log.version;
const logRows = (log: GateLog) => log.rows();
const boardVersion = (board: CarParkBoard) => board.version;
const boardParks = (board: CarParkBoard) => board.carParks();

export function GatesPanel({ store, detail, timeZone }: SidePanelProps) {
  const { t, lang } = useI18n();
  const estate = detail.estate.id;
  const log = useMemo(() => new GateLog(), [estate]);
  const board = useMemo(() => new CarParkBoard(estate), [estate]);
  const [gateNames, setGateNames] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const format = useMemo(() => timeFormat(lang, timeZone), [lang, timeZone]);

  // occupancy: the channel first (nothing lost between snapshot and subscription), then the snapshot
  useEffect(() => {
    let messages = 0;
    const off = store.channels.on('occupancy', (payload) => {
      if (board.applyMessage(payload)) messages++;
      window.__SE_GATES__ = { rows: log.rows().length, occupancyMessages: messages };
    });
    const abort = new AbortController();
    const asked = serverNow();
    carParks(estate, abort.signal).then(
      (parks) => board.apply(parks, asked - 1), // a channel message newer than the request wins
      (err: Error) => !abort.signal.aborted && setError(err.message),
    );
    listGates(estate, abort.signal).then(
      (gates) => setGateNames(new Map(gates.map((g) => [g.id, g.name]))),
      () => {},
    );
    return () => {
      off();
      abort.abort();
    };
  }, [store, estate, board, log]);

  // the gate log: history at start and every RESEED_MS, the live feed in between
  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      recentReads(estate, GATE_LOG_CAPACITY, abort.signal).then(
        (res) => {
          for (const e of res.events) log.add(gateRow(e.id ? `${e.device}/${e.id}` : `${e.device}/${e.kind}/${e.ts}/${e.rx}`, e.device, e.ts, e.data));
          setError(null);
        },
        (err: Error) => !abort.signal.aborted && setError(err.message),
      );
    void load();
    const timer = setInterval(load, RESEED_MS);
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, [estate, log]);

  const events = usePolled(store, eventsOf, eventsVersion);
  useEffect(() => {
    for (const e of events as readonly PanelEvent[]) if (e.kind === 'vehicle') log.add(gateRow(e.key, e.device, e.ts, e.data));
  }, [events, log]);

  const rows = usePolled(log, logRows, logVersion);
  const parks = usePolled(board, boardParks, boardVersion);
  useEffect(() => {
    window.__SE_GATES__ = { rows: rows.length, occupancyMessages: window.__SE_GATES__?.occupancyMessages ?? 0 };
  }, [rows]);
  const devices = useMemo(() => new Map(detail.devices.map((d) => [d.id, d.name])), [detail]);

  return (
    <aside className="panel gates-panel" data-testid="gate-panel" aria-live="polite">
      <h2 className="panel-title">
        {t('gates.title')}
        <span className="panel-count">{rows.length}</span>
      </h2>
      {error && <p className="gates-error">{t('gates.loadFailed', { error })}</p>}
      <ul className="car-parks">
        {parks.map((c) => {
          const level = fillLevel(c);
          const share = c.capacity ? Math.min(1, c.parked / c.capacity) : 0;
          return (
            <li key={c.id} className={`car-park fill-${level}`} data-testid="car-park-gauge" data-car-park={c.id} data-parked={c.parked}>
              <span className="car-park-name">{c.name}</span>
              <span className="car-park-count">
                {c.capacity ? t('gates.parked', { parked: c.parked, capacity: c.capacity }) : t('gates.parkedOnly', { parked: c.parked })}
              </span>
              <span className="car-park-bar" role="meter" aria-valuemin={0} aria-valuemax={c.capacity ?? undefined} aria-valuenow={c.parked}>
                <span className="car-park-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
              </span>
              {c.free !== null && <span className="car-park-free">{t('gates.free', { free: c.free })}</span>}
            </li>
          );
        })}
      </ul>
      {rows.length === 0 ? (
        <p className="panel-empty">{t('gates.empty')}</p>
      ) : (
        <ol className="gate-log">
          {rows.map((r) => (
            <li key={r.key} className={`gate-read decision-${r.decision}`} data-testid="gate-row" data-decision={r.decision} data-plate={r.plate}>
              <span className="gate-decision">{label(t, 'decision', r.decision)}</span>
              <span className="gate-plate">{r.plate}</span>
              <span className="gate-direction">{label(t, 'direction', r.direction)}</span>
              <time className="gate-time" dateTime={new Date(r.ts).toISOString()}>
                {format.format(r.ts)}
              </time>
              <span className="gate-reason">{label(t, 'decisionReason', r.reason)}</span>
              <span className="gate-where">{gateNames.get(r.gate) ?? devices.get(r.device) ?? r.device}</span>
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
