// The server's clock as seen from this page: every API response carries it (X-Server-Time), and the
// difference to this machine's clock is kept. A wall-screen PC whose clock is minutes off would
// otherwise show wrong 54321 countdowns and the wrong patrol tours. The sample with the shortest
// round trip wins (its estimate is the tightest); a newer one replaces it when the round trip is
// nearly as short, so a clock that jumps (NTP, sleep) is followed.
let offsetMs = 0;
let bestRtt = Infinity;

/** Called by the API client with the header's value and when the request left and its answer came. */
export function observeServerTime(header: string | null, sentAt: number, receivedAt: number): void {
  const server = header === null ? NaN : Number(header);
  if (!Number.isFinite(server)) return;
  const rtt = Math.max(0, receivedAt - sentAt);
  if (rtt > bestRtt + 50) return;
  offsetMs = server + rtt / 2 - receivedAt;
  bestRtt = Math.min(bestRtt, rtt);
}

/** Now, by the server's clock (this machine's until the first API answer). */
export function serverNow(): number {
  return Date.now() + offsetMs;
}

/** For tests: how far this machine's clock is from the server's, ms. */
export function serverOffset(): number {
  return offsetMs;
}
