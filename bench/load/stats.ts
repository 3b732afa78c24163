// Latency histograms and formatting shared by the load clients and the cases.
//
// A histogram keeps counts in logarithmic buckets 1% wide (plus exact count, sum and max), so a
// 60 s run at 30,000 events/s costs a few kB instead of 1.8 M samples, and the generators can send
// theirs to the parent over IPC to be merged.

const BUCKETS_PER_E = 100; // bucket i holds values v (µs) with floor(ln(1 + v) × 100) = i: 1% wide
const MAX_BUCKET = 2400; // ln(1 + 60 s in µs) × 100 ≈ 1790: room to spare

export interface HistogramData {
  counts: number[];
  count: number;
  sum: number;
  max: number;
}

export class Histogram {
  counts = new Float64Array(MAX_BUCKET + 1);
  count = 0;
  sum = 0;
  max = 0;

  /** Records one value in microseconds. */
  record(us: number): void {
    const v = us < 0 ? 0 : us;
    const i = Math.min(MAX_BUCKET, Math.floor(Math.log1p(v) * BUCKETS_PER_E));
    this.counts[i]++;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** The value (µs) at quantile q (0..1): the upper edge of its bucket, never above the max seen. */
  quantile(q: number): number {
    if (!this.count) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i <= MAX_BUCKET; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, Math.expm1((i + 1) / BUCKETS_PER_E));
    }
    return this.max;
  }

  mean(): number {
    return this.count ? this.sum / this.count : NaN;
  }

  toJSON(): HistogramData {
    // Sparse enough to send: trailing zeros cut.
    let last = MAX_BUCKET;
    while (last > 0 && this.counts[last] === 0) last--;
    return { counts: Array.from(this.counts.subarray(0, last + 1)), count: this.count, sum: this.sum, max: this.max };
  }

  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    h.add(data);
    return h;
  }

  add(data: HistogramData): void {
    for (let i = 0; i < data.counts.length; i++) this.counts[i] += data.counts[i];
    this.count += data.count;
    this.sum += data.sum;
    this.max = Math.max(this.max, data.max);
  }
}

/** µs → ms with sensible digits, '—' when there is nothing. */
export const ms = (us: number): string => (Number.isFinite(us) ? (us >= 100_000 ? (us / 1000).toFixed(0) : (us / 1000).toFixed(1)) : '—');

/** a / b as "0.87×" ('—' when either is missing). */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

export const perSecond = (n: number, seconds: number): number => (seconds > 0 ? Math.round(n / seconds) : NaN);

export const mb = (kb: number): string => (Number.isFinite(kb) ? (kb / 1024).toFixed(0) : '—');

export const sleep = (msec: number) => new Promise<void>((resolve) => setTimeout(resolve, msec));
