// Token buckets for requests without a login: per (estate, IP) and per estate, each allowing its
// hourly number at once and refilling evenly over the hour. A refusal says when to come back
// (Retry-After). Memory is bounded: idle full buckets are forgotten.
export interface Verdict {
  ok: boolean;
  /** seconds until one more request is allowed (when refused) */
  retryAfterSec: number;
}

interface Bucket {
  tokens: number;
  at: number;
  perHour: number;
}

const HOUR = 3_600_000;
const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token from every key's bucket, or none when any of them is empty. */
  take(keys: ReadonlyArray<{ key: string; perHour: number }>, now: number): Verdict {
    const current = keys.map(({ key, perHour }) => ({ key, b: this.fill(key, perHour, now) }));
    const empty = current.filter(({ b }) => b.tokens < 1);
    if (empty.length) {
      const wait = Math.max(...empty.map(({ b }) => ((1 - b.tokens) * HOUR) / b.perHour));
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil(wait / 1000)) };
    }
    for (const { key, b } of current) {
      b.tokens -= 1;
      this.buckets.set(key, b);
    }
    if (this.buckets.size > MAX_BUCKETS) this.sweep(now);
    return { ok: true, retryAfterSec: 0 };
  }

  private fill(key: string, perHour: number, now: number): Bucket {
    const b = this.buckets.get(key);
    if (!b || b.perHour !== perHour) return { tokens: perHour, at: now, perHour };
    const tokens = Math.min(perHour, b.tokens + ((now - b.at) * perHour) / HOUR);
    return { tokens, at: now, perHour };
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) * b.perHour) / HOUR >= b.perHour) this.buckets.delete(k);
  }
}
