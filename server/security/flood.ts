// Flood limits at the broker's door, pure (the clock is passed in): open connections per source
// address, CONNECTs per second per address (a token bucket), and flapping — one client id that
// connects again and again in a tight loop (two devices flashed with the same id kicking each other
// off, a crash loop) is held off for a while, like EMQX's flapping detection.
// The defaults are meant never to bother a real estate: hundreds of devices behind one NAT'ed
// gateway are normal, and all of them reconnect at once when that gateway restarts.

export interface FloodPolicy {
  /** open connections from one address (0 = no cap) */
  maxConnectionsPerAddress: number;
  /** sustained CONNECTs per second from one address (0 = no cap) */
  connectRatePerAddress: number;
  /** CONNECTs one address may make at once before the rate applies */
  connectBurstPerAddress: number;
  /** a client id connecting more than this often within `flapWindowMs` is held off (0 = off) */
  flapMaxConnects: number;
  flapWindowMs: number;
  /** how long a flapping client id is held off */
  flapHoldMs: number;
}

export const DEFAULT_FLOOD_POLICY: FloodPolicy = {
  maxConnectionsPerAddress: 1000,
  connectRatePerAddress: 100,
  connectBurstPerAddress: 500,
  flapMaxConnects: 15,
  flapWindowMs: 60_000,
  flapHoldMs: 5 * 60_000,
};

const MAX_ENTRIES = 100_000;

function bounded<K, V>(map: Map<K, V>): void {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
}

/** Open connections per address. */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** false = over the cap (the caller closes the connection and must not call `release`). */
  acquire(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = (this.open.get(address) ?? 0) - 1;
    if (n <= 0) this.open.delete(address);
    else this.open.set(address, n);
  }

  count(address: string): number {
    return this.open.get(address) ?? 0;
  }
}

/** CONNECTs per second per address: a token bucket of `burst` tokens refilled at `rate` a second. */
export class ConnectRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly rate: number, private readonly burst: number) {}

  take(address: string, now: number): boolean {
    if (this.rate <= 0) return true;
    let b = this.buckets.get(address);
    if (!b) {
      bounded(this.buckets);
      b = { tokens: Math.max(1, this.burst), at: now };
      this.buckets.set(address, b);
    }
    b.tokens = Math.min(Math.max(1, this.burst), b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** Flapping client ids. */
export class FlapDetector {
  private readonly recent = new Map<string, { times: number[]; heldUntil: number }>();
  constructor(private readonly maxConnects: number, private readonly windowMs: number, private readonly holdMs: number) {}

  /** A CONNECT with this client id: ok, or held off for `retryAfterMs` (newly = it starts flapping now). */
  connect(clientId: string, now: number): { ok: true } | { ok: false; retryAfterMs: number; newly: boolean } {
    if (this.maxConnects <= 0 || !clientId) return { ok: true };
    let r = this.recent.get(clientId);
    if (r && r.heldUntil > now) return { ok: false, retryAfterMs: r.heldUntil - now, newly: false };
    if (!r) {
      bounded(this.recent);
      r = { times: [], heldUntil: 0 };
      this.recent.set(clientId, r);
    }
    const since = now - this.windowMs;
    while (r.times.length && r.times[0] <= since) r.times.shift();
    r.times.push(now);
    if (r.times.length > this.maxConnects) {
      r.times = [];
      r.heldUntil = now + this.holdMs;
      return { ok: false, retryAfterMs: this.holdMs, newly: true };
    }
    return { ok: true };
  }

  /** Drops ids that have been quiet a whole window (called now and then). */
  sweep(now: number): void {
    for (const [id, r] of this.recent) {
      if (r.heldUntil <= now && (r.times.length === 0 || r.times[r.times.length - 1] <= now - this.windowMs)) this.recent.delete(id);
    }
  }
}

/** The address as a person writes it: IPv4-mapped IPv6 (`::ffff:10.0.0.7`) becomes `10.0.0.7`. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
