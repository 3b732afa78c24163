// Renders on demand: a wall screen runs all day, mostly showing a still estate, so frames are drawn
// when something moved (markers, the view) rather than 60 times a second. A slow heartbeat keeps the
// scene (and its stats) fresh; a camera alarm animates continuously while it lasts (see LiveMarkers).
import { useThree } from '@react-three/fiber';
import { useEffect } from 'react';
import type { LiveStore } from '../live/live-store.ts';

/** How often the store is checked for marker changes: the latency of a marker on the map. */
const POLL_MS = 100;
/** At least one frame this often, even when nothing changed. */
const HEARTBEAT_MS = 1_000;
/** How often stale markers are dropped. */
const EXPIRE_MS = 1_000;

export function FrameScheduler({ store, clock = Date.now }: { store: LiveStore; clock?: () => number }) {
  const invalidate = useThree((s) => s.invalidate);
  useEffect(() => {
    let version = -1;
    let lastFrame = 0;
    let lastExpire = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      if (now - lastExpire >= EXPIRE_MS) {
        store.expire(clock());
        lastExpire = now;
      }
      // work orders have their own book (and version): a new one shows within a poll, not a heartbeat
      const current = store.markersVersion + store.workOrders.version;
      if (current !== version || now - lastFrame >= HEARTBEAT_MS) {
        version = current;
        lastFrame = now;
        invalidate();
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [store, invalidate, clock]);
  return null;
}
