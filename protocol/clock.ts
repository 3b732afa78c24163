// The 54321 clock (54321 响应标准), one implementation for alerts and work orders: on site in 5 min;
// a small fix in 40 min, serious 3 h, complex 2 days; special: a plan within 1 day. Work orders may
// pause (waiting for parts or the owner): paused time is not counted, so every deadline moves by the
// time spent paused. Alerts never pause (pausedMs stays 0), which keeps their deadlines exactly as
// before. Pure; shared by server and web (the countdowns read the same deadlines).

/** The 54321 tiers: how fast a problem must be fixed (all need someone on site within 5 min). */
export const SLA_TIERS = ['small', 'serious', 'complex', 'special'] as const;
export type SlaTier = (typeof SLA_TIERS)[number];

export const ON_SITE_MS = 5 * 60_000;
export const TIER_MS: Record<SlaTier, number> = {
  small: 40 * 60_000,
  serious: 3 * 3600_000,
  complex: 2 * 86_400_000,
  special: 86_400_000,
};

/** The part of the window left when a warning goes out (the last fifth, like the countdowns' "soon"). */
export const WARN_FRACTION = 0.2;

export function isSlaTier(value: unknown): value is SlaTier {
  return typeof value === 'string' && (SLA_TIERS as readonly string[]).includes(value);
}

/** What the clock needs to know about a thing on it. */
export interface ClockState {
  /** when the clock started (server time) */
  startedAt: number;
  tier: SlaTier;
  /** paused time already over (ms) */
  pausedMs?: number;
  /** set while paused: since when */
  pausedAt?: number;
}

export interface Deadlines {
  onSiteDue: number;
  fixDue: number;
}

/** Paused time up to `now`, the running pause included. */
export function pausedSoFar(c: ClockState, now: number): number {
  return (c.pausedMs ?? 0) + (c.pausedAt !== undefined ? Math.max(0, now - c.pausedAt) : 0);
}

/**
 * The deadlines. While paused they are what they would be if the pause ended at `now` (they move
 * on with the pause); without `now`, the pause counts only as far as it is over.
 */
export function deadlines(c: ClockState, now?: number): Deadlines {
  const shift = now === undefined ? (c.pausedMs ?? 0) : pausedSoFar(c, now);
  return { onSiteDue: c.startedAt + shift + ON_SITE_MS, fixDue: c.startedAt + shift + TIER_MS[c.tier] };
}

/** Time on the clock from its start to `at`, pauses left out (the measured response time). */
export function clockElapsed(c: ClockState, at: number): number {
  return Math.max(0, at - c.startedAt - pausedSoFar(c, at));
}

/** The allowed time of one deadline kind. */
export const allowedMs = (kind: 'on_site' | 'fix', tier: SlaTier): number => (kind === 'on_site' ? ON_SITE_MS : TIER_MS[tier]);

/** Within the pledge? `elapsedMs` as measured by clockElapsed. Computed, never typed in. */
export const withinPledge = (kind: 'on_site' | 'fix', tier: SlaTier, elapsedMs: number): boolean => elapsedMs <= allowedMs(kind, tier);

/** When the warning for a deadline goes out: WARN_FRACTION of its window before it. */
export const warnAt = (kind: 'on_site' | 'fix', tier: SlaTier, due: number): number => due - Math.round(allowedMs(kind, tier) * WARN_FRACTION);

/** The deadline something open is racing now: on site first, then the fix; null when done. */
export function racingDeadline(done: boolean, onSiteAt: number | undefined, d: Deadlines): { kind: 'on_site' | 'fix'; at: number } | null {
  if (done) return null;
  if (onSiteAt === undefined) return { kind: 'on_site', at: d.onSiteDue };
  return { kind: 'fix', at: d.fixDue };
}
