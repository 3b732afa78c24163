// Camera video and snapshots through the server, with the operator's session: the browser never
// holds a camera's password and never names a URL for us to fetch. Every upstream URL is one an
// admin configured (camera_streams) or lies below/next to it (an HLS playlist's segments, the WHEP
// session a WHEP endpoint created, an event snapshot on the camera's configured media server).
//   GET    /estates/{e}/cameras                      configured cameras: {device, whep, hls, snapshot} booleans
//   GET    /estates/{e}/cameras/{d}/stream           one camera's settings (URLs without credentials)
//   PUT    /estates/{e}/cameras/{d}/stream           admin: {whep?, hls?, snapshot?} (null clears)
//   GET    /estates/{e}/cameras/{d}/snapshot         the still image
//   GET    /estates/{e}/cameras/{d}/hls/[path]       the playlist ("" = the configured one) and what it names
//   POST   /estates/{e}/cameras/{d}/whep             SDP offer → 201 + Location (ours) + SDP answer (RFC 9725)
//   PATCH/DELETE /estates/{e}/cameras/{d}/whep/{n}   trickle ICE / end the session upstream
//   GET    /estates/{e}/alerts/{id}/snapshot         an alert's `snapshot`: a data: image, or a URL on its camera's media server
import { Readable } from 'node:stream';
import express, { type Request, type Response, type Router } from 'express';
import { recordAudit } from '../audit/log.ts';
import { HttpError } from '../api/errors.ts';
import { assertEstateVisible, requireRole } from '../api/auth.ts';
import type { Db } from '../store/db.ts';
import { getDevice } from '../store/devices.ts';
import { getEstate } from '../store/estates.ts';
import type { Metrics } from '../metrics.ts';
import { getStreams, listStreams, setStreams } from './store.ts';
import {
  STREAM_KINDS, StreamUrlError, parseStreamSettings, publicHref, resolveUnder, rewritePlaylist, sameOriginAsConfigured, splitCredentials,
  type StreamUrls,
} from './stream-urls.ts';

/** Upstream answers slower than this are given up (a live segment is a few seconds long). */
export const UPSTREAM_TIMEOUT_MS = 10_000;
/** Largest playlist or snapshot read whole (segments are streamed through). */
const MAX_WHOLE_BYTES = 8 * 2 ** 20;
/** WHEP sessions we remember (our id → upstream Location); the oldest go first. */
const MAX_WHEP_SESSIONS = 256;

export interface CameraRouteOptions {
  /** the clock for audit rows (tests) */
  now?: () => number;
  metrics?: Metrics;
}

function refused(reason: string, message: string): never {
  throw new HttpError(403, message, { reason });
}

async function upstream(url: URL, authorization: string | null, init: RequestInit = {}): Promise<globalThis.Response> {
  const headers = new Headers(init.headers);
  if (authorization) headers.set('Authorization', authorization);
  try {
    return await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new HttpError(502, `camera stream server not reachable: ${e.cause?.code ?? e.name === 'TimeoutError' ? 'timeout' : e.message}`, { reason: 'upstream_unreachable' });
  }
}

function upstreamStatus(res: globalThis.Response, what: string): void {
  // a redirect could point anywhere: not followed (only configured URLs are fetched)
  if (res.status >= 300 && res.status < 400) throw new HttpError(502, `${what}: the stream server redirected (not followed)`, { reason: 'upstream_redirect' });
  if (res.status === 401 || res.status === 403) throw new HttpError(502, `${what}: the stream server refused our credentials (HTTP ${res.status}); check the URL's user:password`, { reason: 'upstream_auth' });
  if (!res.ok) throw new HttpError(502, `${what}: the stream server answered HTTP ${res.status}`, { reason: 'upstream_status', status: res.status });
}

async function readWhole(res: globalThis.Response): Promise<Buffer> {
  const length = Number(res.headers.get('content-length'));
  if (length > MAX_WHOLE_BYTES) throw new HttpError(502, `upstream body too large (${length} bytes)`, { reason: 'upstream_too_large' });
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_WHOLE_BYTES) throw new HttpError(502, `upstream body too large (${body.length} bytes)`, { reason: 'upstream_too_large' });
  return body;
}

async function pipeThrough(res: globalThis.Response, out: Response, fallbackType: string): Promise<void> {
  out.status(200);
  out.setHeader('Content-Type', res.headers.get('content-type') ?? fallbackType);
  out.setHeader('Cache-Control', 'no-store');
  const length = res.headers.get('content-length');
  if (length) out.setHeader('Content-Length', length);
  if (!res.body) return void out.end();
  await new Promise<void>((resolve) => {
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    body.on('error', () => (out.destroy(), resolve()));
    out.on('close', () => (body.destroy(), resolve()));
    body.pipe(out);
  });
}

function isPlaylist(url: URL, contentType: string | null): boolean {
  return /mpegurl/i.test(contentType ?? '') || /\.m3u8?$/i.test(url.pathname);
}

export function cameraRoutes(db: Db, router: Router, options: CameraRouteOptions = {}): void {
  const now = options.now ?? Date.now;
  const whepSessions = new Map<string, { device: string; location: URL; authorization: string | null }>();
  let whepSeq = 0;

  const cameraOf = (req: Request): { estate: string; device: string; streams: StreamUrls } => {
    const estate = String(req.params.estate);
    assertEstateVisible(req.user, estate);
    if (!getEstate(db, estate)) throw new HttpError(404, `estate '${estate}' not found`);
    const device = String(req.params.device);
    const d = getDevice(db, device);
    if (!d || d.estate !== estate) throw new HttpError(404, `device '${device}' not found in estate '${estate}'`);
    if (d.kind !== 'camera') throw new HttpError(400, `device '${device}' is a ${d.kind}, not a camera`, { reason: 'not_a_camera' });
    return { estate, device, streams: getStreams(db, device) };
  };
  const configured = (streams: StreamUrls, kind: keyof StreamUrls, device: string): string => {
    const href = streams[kind];
    if (!href) throw new HttpError(404, `camera '${device}' has no ${kind} URL configured (admin: PUT …/cameras/${device}/stream, or se:${kind} in the estate file)`, { reason: 'not_configured' });
    return href;
  };

  router.get('/estates/:estate/cameras', (req, res) => {
    const estate = String(req.params.estate);
    assertEstateVisible(req.user, estate);
    const out = [...listStreams(db, estate)].map(([device, s]) => ({ device, whep: !!s.whep, hls: !!s.hls, snapshot: !!s.snapshot }));
    res.json({ cameras: out });
  });

  router.get('/estates/:estate/cameras/:device/stream', (req, res) => {
    const { device, streams } = cameraOf(req);
    const visible = Object.fromEntries(STREAM_KINDS.map((k) => [k, streams[k] ? publicHref(streams[k]!) : null]));
    res.json({ device, ...visible });
  });

  router.put('/estates/:estate/cameras/:device/stream', requireRole('admin'), (req, res) => {
    const { estate, device } = cameraOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'body must be {whep?, hls?, snapshot?}', { reason: 'bad_body' });
    const unknown = Object.keys(body).filter((k) => !(STREAM_KINDS as readonly string[]).includes(k));
    if (unknown.length) throw new HttpError(400, `unknown field(s) ${unknown.join(', ')}: use ${STREAM_KINDS.join(', ')}`, { reason: 'bad_body' });
    let parsed;
    try {
      parsed = parseStreamSettings(body);
    } catch (err) {
      if (err instanceof StreamUrlError) throw new HttpError(400, err.message, { reason: 'bad_url' });
      throw err;
    }
    const next = db.transaction(() => {
      const saved = setStreams(db, estate, device, parsed.set, parsed.clear, now());
      // the audit row names what changed, never the URL itself (it may hold a password)
      recordAudit(db, { actor: req.user!.name, source: req.ip ?? null, action: 'camera.stream.set', estate, target: device, summary: { set: Object.keys(parsed.set), cleared: parsed.clear } });
      return saved;
    })();
    res.json({ device, ...Object.fromEntries(STREAM_KINDS.map((k) => [k, next[k] ? publicHref(next[k]!) : null])) });
  });

  router.get('/estates/:estate/cameras/:device/snapshot', async (req, res) => {
    const { device, streams } = cameraOf(req);
    const { url, authorization } = splitCredentials(configured(streams, 'snapshot', device));
    const up = await upstream(url, authorization);
    upstreamStatus(up, `snapshot of ${device}`);
    const body = await readWhole(up);
    res.status(200).type(up.headers.get('content-type') ?? 'image/jpeg').setHeader('Cache-Control', 'no-store');
    res.send(body);
  });

  const hls = async (req: Request, res: Response) => {
    const { estate, device, streams } = cameraOf(req);
    const href = configured(streams, 'hls', device);
    const rest = (req.params as { rest?: string[] | string }).rest;
    const path = Array.isArray(rest) ? rest.join('/') : (rest ?? '');
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const { authorization } = splitCredentials(href);
    const target = path === '' ? splitCredentials(href).url : resolveUnder(href, path + query);
    if (!target) refused('not_configured', `'${path}' is not below camera ${device}'s configured HLS playlist`);
    const up = await upstream(target, authorization);
    upstreamStatus(up, `HLS of ${device}`);
    if (isPlaylist(target, up.headers.get('content-type'))) {
      const text = (await readWhole(up)).toString('utf8');
      const base = `${req.baseUrl}/estates/${encodeURIComponent(estate)}/cameras/${encodeURIComponent(device)}/hls/`;
      res.status(200).type('application/vnd.apple.mpegurl').setHeader('Cache-Control', 'no-store');
      res.send(rewritePlaylist(text, target, href, base));
      return;
    }
    await pipeThrough(up, res, 'application/octet-stream');
  };
  router.get('/estates/:estate/cameras/:device/hls', hls);
  router.get('/estates/:estate/cameras/:device/hls/*rest', hls);

  const sdp = express.text({ type: ['application/sdp', 'application/trickle-ice-sdpfrag'], limit: '256kb' });
  router.post('/estates/:estate/cameras/:device/whep', sdp, async (req, res) => {
    const { estate, device, streams } = cameraOf(req);
    if (typeof req.body !== 'string' || !req.body.startsWith('v=')) throw new HttpError(415, 'a WHEP offer is an SDP body (Content-Type: application/sdp)', { reason: 'bad_offer' });
    const { url, authorization } = splitCredentials(configured(streams, 'whep', device));
    const up = await upstream(url, authorization, { method: 'POST', body: req.body, headers: { 'Content-Type': 'application/sdp', Accept: 'application/sdp' } });
    if (up.status !== 201 && up.status !== 200) upstreamStatus(up.ok ? new globalThis.Response(null, { status: 502 }) : up, `WHEP of ${device}`);
    const answer = (await readWhole(up)).toString('utf8');
    const location = up.headers.get('location');
    let ours: string | null = null;
    if (location) {
      const resolved = new URL(location, url);
      // the session resource must live on the configured server (it is DELETEd later)
      if (resolved.origin === url.origin) {
        const id = String(++whepSeq);
        whepSessions.set(id, { device, location: resolved, authorization });
        if (whepSessions.size > MAX_WHEP_SESSIONS) whepSessions.delete(whepSessions.keys().next().value!);
        ours = `${req.baseUrl}/estates/${encodeURIComponent(estate)}/cameras/${encodeURIComponent(device)}/whep/${id}`;
      }
    }
    res.status(201).type('application/sdp').setHeader('Cache-Control', 'no-store');
    if (ours) res.setHeader('Location', ours);
    const etag = up.headers.get('etag');
    if (etag) res.setHeader('ETag', etag);
    res.send(answer);
  });
  const session = (req: Request) => {
    const { device } = cameraOf(req);
    const s = whepSessions.get(String(req.params.session));
    if (!s || s.device !== device) throw new HttpError(404, 'no such WHEP session', { reason: 'no_session' });
    return s;
  };
  router.patch('/estates/:estate/cameras/:device/whep/:session', sdp, async (req, res) => {
    const s = session(req);
    const up = await upstream(s.location, s.authorization, { method: 'PATCH', body: typeof req.body === 'string' ? req.body : '', headers: { 'Content-Type': 'application/trickle-ice-sdpfrag' } });
    res.status(up.status >= 200 && up.status < 300 ? up.status : 502).end();
  });
  router.delete('/estates/:estate/cameras/:device/whep/:session', async (req, res) => {
    const s = session(req);
    whepSessions.delete(String(req.params.session));
    const up = await upstream(s.location, s.authorization, { method: 'DELETE' });
    res.status(up.ok ? 200 : 502).json({ ended: up.ok, upstreamStatus: up.status });
  });

  router.get('/estates/:estate/alerts/:id/snapshot', async (req, res) => {
    const estate = String(req.params.estate);
    assertEstateVisible(req.user, estate);
    let row: { body: string } | undefined;
    try {
      row = db.prepare('SELECT body FROM alerts WHERE id = ? AND estate = ?').get(Number(req.params.id), estate) as { body: string } | undefined;
    } catch {
      row = undefined; // no alerts table: no alerts
    }
    if (!row) throw new HttpError(404, `alert ${String(req.params.id)} not found in estate '${estate}'`);
    const alert = JSON.parse(row.body) as { device?: string; detail?: { snapshot?: unknown } };
    const snapshot = alert.detail?.snapshot;
    if (typeof snapshot !== 'string' || !snapshot) throw new HttpError(404, 'this alert has no snapshot', { reason: 'no_snapshot' });
    const data = /^data:(image\/(?:jpeg|png|webp|gif));base64,([A-Za-z0-9+/=\s]+)$/.exec(snapshot);
    if (data) {
      res.status(200).type(data[1]).setHeader('Cache-Control', 'private, max-age=3600');
      res.send(Buffer.from(data[2], 'base64'));
      return;
    }
    // a URL from the device: fetched only on a media server an admin configured for that camera
    const streams = alert.device ? getStreams(db, alert.device) : {};
    const configuredUrls = STREAM_KINDS.flatMap((k) => (streams[k] ? [streams[k]!] : []));
    const url = sameOriginAsConfigured(snapshot, configuredUrls);
    if (!url) refused('not_configured', 'the snapshot is not on a stream server configured for this camera: not fetched');
    const creds = configuredUrls.map((c) => splitCredentials(c)).find((c) => c.url.origin === url.origin);
    const up = await upstream(url, creds?.authorization ?? null);
    upstreamStatus(up, `snapshot of alert ${String(req.params.id)}`);
    const type = up.headers.get('content-type') ?? '';
    if (!/^image\//.test(type)) throw new HttpError(502, `the snapshot is not an image (${type || 'no type'})`, { reason: 'not_an_image' });
    res.status(200).type(type).setHeader('Cache-Control', 'private, max-age=3600');
    res.send(await readWhole(up));
  });
}
