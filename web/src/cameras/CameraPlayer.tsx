// The live video of one camera over the map: its name, state and the time; WebRTC through WHEP
// first (the lowest delay), HLS (hls.js) when WHEP is not configured or does not connect, and a
// clear message when neither plays. Both go through the server's proxy with the operator's session
// (server/cameras/routes.ts): the browser never sees the camera's own address or password.
import Hls from 'hls.js';
import { useEffect, useRef, useState } from 'react';
import type { DeviceInfo } from '../../../protocol/api.ts';
import { API_PREFIX } from '../../../protocol/api.ts';
import { getJson } from '../app/api.ts';
import { useI18n } from '../app/i18n.ts';
import { currentToken } from '../app/session.ts';
import { Clock } from '../panels/Clock.tsx';
import { whepClose, whepOffer, type WhepSession } from './whep.ts';
import './cameras.css';

/** WHEP must deliver a track within this long, or HLS is tried. */
export const WHEP_TIMEOUT_MS = 6_000;

type PlayState = { status: 'connecting' } | { status: 'playing'; via: 'webrtc' | 'hls' } | { status: 'failed'; error: string } | { status: 'none' };

interface StreamInfo {
  whep: string | null;
  hls: string | null;
  snapshot: string | null;
}

declare global {
  interface Window {
    __SE_PLAYER__?: { device: string; status: string; via?: string; error?: string };
  }
}

function auth(): Record<string, string> {
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function playWhep(video: HTMLVideoElement, url: string, signal: AbortSignal): Promise<() => void> {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  let session: WhepSession | null = null;
  const close = () => {
    pc.close();
    if (session) void whepClose(session, auth()).catch(() => undefined);
  };
  try {
    const track = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('WebRTC: no video within 6 s')), WHEP_TIMEOUT_MS);
      pc.ontrack = (e) => {
        clearTimeout(timer);
        video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        resolve();
      };
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('closed'))));
    });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    // non-trickle: wait (briefly) for the candidates to be in the offer
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const done = setTimeout(resolve, 1_500);
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && (clearTimeout(done), resolve());
    });
    session = await whepOffer(url, pc.localDescription!.sdp, auth());
    await pc.setRemoteDescription({ type: 'answer', sdp: session.answer });
    await track;
    await video.play().catch(() => undefined);
    return close;
  } catch (err) {
    close();
    throw err;
  }
}

function playHls(video: HTMLVideoElement, url: string, onFatal: (error: string) => void): () => void {
  if (!Hls.isSupported()) {
    onFatal('HLS is not supported by this browser (no Media Source Extensions)');
    return () => undefined;
  }
  const hls = new Hls({
    lowLatencyMode: true,
    liveDurationInfinity: true,
    // every request carries the operator's session; the server adds the camera's credentials
    xhrSetup: (xhr) => {
      const token = currentToken();
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    },
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    const status = (data.response as { code?: number } | undefined)?.code;
    onFatal(status ? `HTTP ${status} (${data.details})` : data.details);
    hls.destroy();
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
  return () => hls.destroy();
}

export function CameraPlayer({ estate, device, online, timeZone, onClose }: { estate: string; device: DeviceInfo; online: boolean; timeZone: string; onClose(): void }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<PlayState>({ status: 'connecting' });

  useEffect(() => {
    const abort = new AbortController();
    let stop: () => void = () => undefined;
    const base = `${API_PREFIX}/estates/${encodeURIComponent(estate)}/cameras/${encodeURIComponent(device.id)}`;
    setState({ status: 'connecting' });
    const fail = (error: string) => !abort.signal.aborted && setState({ status: 'failed', error });
    const hls = (why?: string) => {
      if (abort.signal.aborted) return;
      stop = playHls(video.current!, `${base}/hls`, (error) => fail(why ? `${why}; HLS: ${error}` : error));
      const v = video.current!;
      const playing = () => !abort.signal.aborted && setState((s) => (s.status === 'failed' ? s : { status: 'playing', via: 'hls' }));
      v.addEventListener('playing', playing, { once: true });
    };
    getJson<StreamInfo>(`/estates/${encodeURIComponent(estate)}/cameras/${encodeURIComponent(device.id)}/stream`, abort.signal).then(
      (info) => {
        if (abort.signal.aborted) return;
        if (!info.whep && !info.hls) return setState({ status: 'none' });
        if (info.whep && typeof RTCPeerConnection !== 'undefined') {
          playWhep(video.current!, `${base}/whep`, abort.signal).then(
            (close) => {
              if (abort.signal.aborted) return close();
              stop = close;
              setState({ status: 'playing', via: 'webrtc' });
            },
            (err: Error) => (info.hls ? hls(`WebRTC: ${err.message}`) : fail(`WebRTC: ${err.message}`)),
          );
        } else hls();
      },
      (err: Error) => fail(err.message),
    );
    return () => {
      abort.abort();
      stop();
      if (video.current) video.current.srcObject = null;
    };
  }, [estate, device.id]);

  useEffect(() => {
    window.__SE_PLAYER__ = { device: device.id, status: state.status, ...(state.status === 'playing' ? { via: state.via } : {}), ...(state.status === 'failed' ? { error: state.error } : {}) };
    return () => {
      delete window.__SE_PLAYER__;
    };
  }, [device.id, state]);

  return (
    <section className="camera-player" data-testid="camera-player" data-device={device.id} data-status={state.status} aria-label={t('camera.live')}>
      <header className="camera-player-head">
        <span className={`camera-dot ${online ? 'online' : 'offline'}`} />
        <span className="camera-name" data-testid="camera-name">{device.name || device.id}</span>
        <span className="camera-state">{t(online ? 'camera.online' : 'camera.offline')}</span>
        {state.status === 'playing' && <span className="camera-via">{t(state.via === 'webrtc' ? 'camera.webrtc' : 'camera.hls')}</span>}
        <span className="camera-time"><Clock timeZone={timeZone} /></span>
        <button type="button" className="camera-close" data-testid="camera-close" onClick={onClose} aria-label={t('camera.close')}>×</button>
      </header>
      <div className="camera-frame">
        <video ref={video} data-testid="camera-video" muted playsInline autoPlay />
        {state.status === 'connecting' && <p className="camera-message">{t('camera.connecting')}</p>}
        {state.status === 'none' && <p className="camera-message" data-testid="camera-message">{t('camera.notConfigured')}</p>}
        {state.status === 'failed' && <p className="camera-message error" data-testid="camera-message" role="alert">{t('camera.failed', { error: state.error })}</p>}
      </div>
    </section>
  );
}

/** An image behind the session (an alert's snapshot): fetched with the bearer token, shown as a blob. */
export function AuthImage({ path, alt, className }: { path: string; alt: string; className?: string }) {
  const { t } = useI18n();
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let url: string | null = null;
    fetch(`${API_PREFIX}${path}`, { headers: auth(), signal: abort.signal })
      .then(async (res) => {
        if (!res.ok) {
          const body = (await res.json().catch(() => ({}))) as { error?: string };
          throw new Error(body.error ?? `HTTP ${res.status}`);
        }
        url = URL.createObjectURL(await res.blob());
        setSrc(url);
      })
      .catch((err: Error) => !abort.signal.aborted && setError(err.message));
    return () => {
      abort.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [path]);
  if (error) return <p className="snapshot-error" data-testid="snapshot-error">{t('camera.snapshotFailed', { error })}</p>;
  return src ? <img className={className} src={src} alt={alt} data-testid="alert-snapshot" /> : null;
}
