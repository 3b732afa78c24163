// Camera stream settings in SQLite: one row per camera device. The URLs are kept as configured,
// credentials included (the server needs them to fetch; they are never sent to a browser).
import type { Db } from '../store/db.ts';
import { STREAM_KINDS, type StreamKind, type StreamUrls } from './stream-urls.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS camera_streams (
  device TEXT PRIMARY KEY,
  estate TEXT NOT NULL,
  whep TEXT,                       -- WebRTC WHEP endpoint (go2rtc /api/webrtc, MediaMTX /{path}/whep)
  hls TEXT,                        -- HLS playlist
  snapshot TEXT,                   -- still image
  updated_at INTEGER NOT NULL
);
`;

export function ensureCameraTables(db: Db): void {
  db.exec(SCHEMA);
}

export function getStreams(db: Db, device: string): StreamUrls {
  const row = db.prepare('SELECT whep, hls, snapshot FROM camera_streams WHERE device = ?').get(device) as Record<StreamKind, string | null> | undefined;
  const out: StreamUrls = {};
  if (!row) return out;
  for (const k of STREAM_KINDS) if (row[k]) out[k] = row[k]!;
  return out;
}

/** Every configured camera of an estate: device id → its URLs. */
export function listStreams(db: Db, estate: string): Map<string, StreamUrls> {
  const rows = db.prepare('SELECT device, whep, hls, snapshot FROM camera_streams WHERE estate = ?').all(estate) as Array<{ device: string } & Record<StreamKind, string | null>>;
  const out = new Map<string, StreamUrls>();
  for (const r of rows) {
    const urls: StreamUrls = {};
    for (const k of STREAM_KINDS) if (r[k]) urls[k] = r[k]!;
    out.set(r.device, urls);
  }
  return out;
}

/** Sets some kinds and clears others, keeping the rest. */
export function setStreams(db: Db, estate: string, device: string, set: StreamUrls, clear: readonly StreamKind[], now = Date.now()): StreamUrls {
  ensureCameraTables(db);
  const next = { ...getStreams(db, device), ...set };
  for (const k of clear) delete next[k];
  db.prepare(
    `INSERT INTO camera_streams (device, estate, whep, hls, snapshot, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(device) DO UPDATE SET estate = excluded.estate, whep = excluded.whep, hls = excluded.hls, snapshot = excluded.snapshot, updated_at = excluded.updated_at`,
  ).run(device, estate, next.whep ?? null, next.hls ?? null, next.snapshot ?? null, now);
  return next;
}
