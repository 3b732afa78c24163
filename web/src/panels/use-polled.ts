// Reads a value from a mutable store at most every `intervalMs`, re-rendering only when the store's
// version moved: a burst of 1000 messages in a second costs a handful of renders, not 1000.
import { useEffect, useRef, useState } from 'react';

export function usePolled<S, T>(source: S, read: (source: S) => T, version: (source: S) => number, intervalMs = 250): T {
  const reader = useRef({ read, version });
  reader.current = { read, version };
  const [snapshot, setSnapshot] = useState(() => ({ source, value: read(source), version: version(source) }));
  useEffect(() => {
    let seen = -1;
    const poll = () => {
      const now = reader.current.version(source);
      if (now === seen) return;
      seen = now;
      setSnapshot({ source, value: reader.current.read(source), version: now });
    };
    poll();
    const timer = setInterval(poll, intervalMs);
    return () => clearInterval(timer);
  }, [source, intervalMs]);
  // a new source renders its own value at once rather than the old one until the first poll
  return snapshot.source === source ? snapshot.value : read(source);
}
