// A camera's stream settings: where its live video and snapshots are served by the media server an
// integrator runs in front of the RTSP/GB28181 camera — go2rtc, MediaMTX or Frigate:
//   whep      WebRTC playback, WHEP (RFC 9725): go2rtc `http://host:1984/api/webrtc?src=cam1`,
//             MediaMTX `http://host:8889/cam1/whep`
//   hls       an HLS playlist: go2rtc `http://host:1984/api/stream.m3u8?src=cam1`, MediaMTX
//             `http://host:8888/cam1/index.m3u8`, Frigate `http://host:5000/api/cam1/…/master.m3u8`
//   snapshot  a still image: go2rtc `http://host:1984/api/frame.jpeg?src=cam1`, Frigate
//             `http://host:5000/api/cam1/latest.jpg`
// URLs may carry credentials (`http://user:pass@host/…`): they stay on the server, which fetches
// with Basic auth on the operator's behalf (routes.ts); the browser only ever sees our own paths.
// Pure: parsing and the "is this URL one an admin configured?" rule, tested without a network.

export const STREAM_KINDS = ['whep', 'hls', 'snapshot'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];
export type StreamUrls = Partial<Record<StreamKind, string>>;

export class StreamUrlError extends Error {}

/** A stream URL: http(s), a host, at most 2,048 characters. Returns the normalised href. */
export function parseStreamUrl(kind: StreamKind, value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) throw new StreamUrlError(`${kind} must be an http(s) URL`);
  if (value.length > 2048) throw new StreamUrlError(`${kind} is longer than 2048 characters`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new StreamUrlError(`${kind} is not a URL: ${JSON.stringify(value.slice(0, 80))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StreamUrlError(`${kind} must be http or https (got ${url.protocol.replace(':', '')}): put go2rtc, MediaMTX or Frigate in front of an RTSP camera`);
  if (!url.hostname) throw new StreamUrlError(`${kind} has no host`);
  return url.href;
}

/** Settings from a JSON body or GeoJSON properties: each kind a URL, or null/"" to clear it. */
export function parseStreamSettings(input: Record<string, unknown>): { set: StreamUrls; clear: StreamKind[] } {
  const set: StreamUrls = {};
  const clear: StreamKind[] = [];
  for (const kind of STREAM_KINDS) {
    const v = input[kind];
    if (v === undefined) continue;
    if (v === null || v === '') clear.push(kind);
    else set[kind] = parseStreamUrl(kind, v);
  }
  return { set, clear };
}

/** The URL without its user:password, and the Authorization header those made (or null). */
export function splitCredentials(href: string): { url: URL; authorization: string | null } {
  const url = new URL(href);
  const authorization = url.username || url.password
    ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
    : null;
  url.username = '';
  url.password = '';
  return { url, authorization };
}

/** What the browser may know of a URL: without credentials. */
export function publicHref(href: string): string {
  return splitCredentials(href).url.href;
}

/**
 * The URL `relative` names next to a configured HLS playlist, or null when it leaves what was
 * configured: another origin, or outside the playlist's directory (no `../` walking the media
 * server, no open proxy).
 */
export function resolveUnder(configured: string, relative: string): URL | null {
  const base = splitCredentials(configured).url;
  let target: URL;
  try {
    target = new URL(relative, base);
  } catch {
    return null;
  }
  if (target.origin !== base.origin || target.username || target.password) return null;
  const dir = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
  if (!target.pathname.startsWith(dir)) return null;
  return target;
}

/** Is `href` on the same origin as one of the configured URLs (e.g. a Frigate event's snapshot)? */
export function sameOriginAsConfigured(href: string, configured: readonly string[]): URL | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  for (const c of configured) {
    const base = splitCredentials(c).url;
    if (base.origin === url.origin) return url;
  }
  return null;
}

/**
 * An HLS playlist with its URIs turned into our proxy's paths (`proxyBase` + the part below the
 * configured playlist's directory), so the player asks us, never the camera; URIs outside what was
 * configured are left as they are (the player then fails on them: we never fetch them).
 */
export function rewritePlaylist(text: string, playlistUrl: URL, configured: string, proxyBase: string): string {
  const base = splitCredentials(configured).url;
  const dir = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
  const rel = (uri: string) => {
    let target: URL;
    try {
      target = new URL(uri, playlistUrl);
    } catch {
      return uri;
    }
    if (target.origin !== base.origin || !target.pathname.startsWith(dir)) return uri;
    return proxyBase + target.pathname.slice(dir.length) + target.search;
  };
  return text
    .split(/\r?\n/)
    .map((line) => {
      if (!line.startsWith('#')) return line.trim() ? rel(line.trim()) : line;
      // tags with a URI attribute: #EXT-X-MAP, #EXT-X-MEDIA, #EXT-X-KEY, #EXT-X-I-FRAME-STREAM-INF …
      return line.replace(/URI="([^"]*)"/g, (_m, uri: string) => `URI="${rel(uri)}"`);
    })
    .join('\n');
}
