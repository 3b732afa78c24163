// Replay mode's state: loads the last 24 h when opened, owns a LiveStore of its own and the
// timeline that feeds it, and plays it at 1×–60×. The map and the event panel draw the replay store
// instead of the live one while this is active; the live feed keeps running underneath.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import { LiveStore } from '../live/live-store.ts';
import { loadReplay } from './replay-history.ts';
import { ReplayTimeline } from './replay-timeline.ts';

export const REPLAY_SPEEDS = [1, 5, 10, 30, 60] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];
const TICK_MS = 200;

export type ReplayState =
  | { status: 'off' }
  | { status: 'loading' }
  | { status: 'failed'; error: string }
  | { status: 'ready'; timeline: ReplayTimeline; truncated: boolean };

export interface ReplayControls {
  state: ReplayState;
  playing: boolean;
  speed: ReplaySpeed;
  /** replay time, re-rendered a few times per second */
  time: number;
  open(): void;
  close(): void;
  play(on: boolean): void;
  setSpeed(speed: ReplaySpeed): void;
  seek(t: number): void;
}

declare global {
  interface Window {
    /** test hook: the replay's window and time, and a way to move it */
    __SE_REPLAY__?: { from: number; to: number; time: number; items: number; seek(t: number): void };
  }
}

export function useReplay(detail: EstateDetail | null): ReplayControls {
  const [state, setState] = useState<ReplayState>({ status: 'off' });
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<ReplaySpeed>(10);
  const [time, setTime] = useState(0);
  const store = useMemo(() => (detail ? new LiveStore(detail) : null), [detail]);
  const active = state.status !== 'off';
  const timeline = state.status === 'ready' ? state.timeline : null;
  const speedRef = useRef(speed);
  speedRef.current = speed;

  useEffect(() => {
    if (!active || !store || !detail) return;
    const abort = new AbortController();
    setState({ status: 'loading' });
    loadReplay(detail.estate.id, Date.now(), abort.signal).then(
      (data) => {
        const tl = new ReplayTimeline(store, data.items, data.from, data.to);
        // start where the recording starts, not at an empty window's beginning
        tl.seek(data.items.length ? data.items[0].at : data.from);
        setTime(tl.time);
        setState({ status: 'ready', timeline: tl, truncated: data.truncated });
      },
      (err: Error) => !abort.signal.aborted && setState({ status: 'failed', error: err.message }),
    );
    return () => abort.abort();
    // `active` flips once per open; reopening reloads
  }, [active, store, detail]);

  useEffect(() => {
    if (!timeline) return;
    window.__SE_REPLAY__ = {
      from: timeline.from,
      to: timeline.to,
      get time() {
        return timeline.time;
      },
      items: timeline.items.length,
      seek(t: number) {
        timeline.seek(t);
        setTime(timeline.time);
      },
    };
    return () => {
      delete window.__SE_REPLAY__;
    };
  }, [timeline]);

  useEffect(() => {
    if (!timeline || !playing) return;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      timeline.seek(timeline.time + (now - last) * speedRef.current);
      last = now;
      setTime(timeline.time);
      if (timeline.time >= timeline.to) setPlaying(false);
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [timeline, playing]);

  return {
    state,
    playing,
    speed,
    time,
    open: () => setState((s) => (s.status === 'off' ? { status: 'loading' } : s)),
    close: () => {
      setPlaying(false);
      setState({ status: 'off' });
    },
    play: setPlaying,
    setSpeed,
    seek: (t) => {
      if (!timeline) return;
      timeline.seek(t);
      setTime(timeline.time);
    },
  };
}

/** The store the replay draws into (one per estate, reused across openings). */
export function replayStore(controls: ReplayControls): LiveStore | null {
  return controls.state.status === 'ready' ? controls.state.timeline.store : null;
}
