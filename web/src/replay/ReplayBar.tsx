// The replay controls along the bottom of the map: play/pause, speed 1×–60×, a time slider over the
// last 24 hours and the replay time in the estate's zone, in large type under a REPLAY banner so
// nobody mistakes the past for the present.
import { useMemo } from 'react';
import { useI18n } from '../app/i18n.ts';
import { REPLAY_SPEEDS, type ReplayControls, type ReplaySpeed } from './use-replay.ts';

export function ReplayBar({ replay, timeZone }: { replay: ReplayControls; timeZone: string }) {
  const { t, lang } = useI18n();
  const format = useMemo(() => {
    const options: Intl.DateTimeFormatOptions = { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
    try {
      return new Intl.DateTimeFormat(lang, { ...options, timeZone });
    } catch {
      return new Intl.DateTimeFormat(lang, options);
    }
  }, [lang, timeZone]);
  const { state } = replay;
  if (state.status === 'off') return null;
  return (
    <div className="replay-bar" data-testid="replay-bar" data-status={state.status}>
      <div className="replay-badge">{t('replay.banner')}</div>
      {state.status === 'loading' && <div className="replay-note">{t('replay.loading')}</div>}
      {state.status === 'failed' && <div className="replay-note error">{t('replay.failed', { error: state.error })}</div>}
      {state.status === 'ready' && (
        <>
          <button type="button" className="replay-play" data-testid="replay-play" onClick={() => replay.play(!replay.playing)}>
            {replay.playing ? t('replay.pause') : t('replay.play')}
          </button>
          <label className="replay-speed">
            <span>{t('replay.speed')}</span>
            <select value={replay.speed} data-testid="replay-speed" onChange={(e) => replay.setSpeed(Number(e.target.value) as ReplaySpeed)}>
              {REPLAY_SPEEDS.map((s) => (
                <option key={s} value={s}>
                  {s}×
                </option>
              ))}
            </select>
          </label>
          <input
            type="range"
            className="replay-slider"
            aria-label={t('replay.time')}
            data-testid="replay-slider"
            min={Math.floor(state.timeline.from / 1000)}
            max={Math.ceil(state.timeline.to / 1000)}
            step={1}
            value={Math.round(replay.time / 1000)}
            onChange={(e) => replay.seek(Number(e.target.value) * 1000)}
          />
          <time className="replay-time" data-testid="replay-time" dateTime={new Date(replay.time).toISOString()}>
            {format.format(replay.time)}
          </time>
          <span className="replay-count">{t('replay.records', { n: state.timeline.applied })}{state.truncated ? ` · ${t('replay.truncated')}` : ''}</span>
        </>
      )}
      <button type="button" className="button-ghost replay-close" data-testid="replay-close" onClick={replay.close}>
        {t('replay.close')}
      </button>
    </div>
  );
}
