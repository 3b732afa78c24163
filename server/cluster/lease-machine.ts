// One estate's lease as this node sees it: a pure state machine of (what Redis answered, when the
// request was sent, the local clock), apart from the Redis I/O (lease-store.ts) so the rules are
// tested fast and without Redis.
//
//   acquiring ──won──▶ owner ──renew refused / validity ran out──▶ lost ──▶ (acquire again)
//       │                ▲                                           │
//       └─held by other─▶ follower ──won (the holder's lease expired)┘
//
// Timings: the owner renews every `renewMs`; Redis drops a lease not renewed for `leaseMs`. The owner
// counts its lease from when it SENT the request (Redis started the TTL later), minus a margin for
// clock-rate drift, so it stops believing it owns the estate before Redis lets anybody else take it.
// Followers try to acquire every `renewMs`, so when an owner stops renewing (died, paused, cut off)
// another node holds the estate at most leaseMs + renewMs (+ one round trip) after the last renewal.

export interface LeaseTimings {
  /** the lease's TTL in Redis */
  leaseMs: number;
  /** how often the owner renews and followers try to acquire */
  renewMs: number;
}

export const DEFAULT_TIMINGS: LeaseTimings = { leaseMs: 3000, renewMs: 1000 };

/** The longest an estate can be without an owner after its owner stops renewing (one round trip aside). */
export const takeoverBoundMs = (t: LeaseTimings) => t.leaseMs + t.renewMs;

export function checkTimings(t: LeaseTimings): void {
  if (!(t.renewMs > 0) || !(t.leaseMs > 0)) throw new Error('lease timings must be positive');
  // two renewals must fit in one lease, so one lost renewal reply does not lose the estate
  if (t.leaseMs < 2 * t.renewMs + driftMs(t)) throw new Error(`lease ${t.leaseMs} ms is too short for renewals every ${t.renewMs} ms (at least twice as long, plus a margin)`);
}

/** Clock-rate drift margin: the owner gives up this much before Redis would. */
export const driftMs = (t: LeaseTimings) => Math.max(20, Math.ceil(t.leaseMs * 0.02));

export type LeaseState =
  | { kind: 'acquiring' }
  | { kind: 'follower'; holder: string }
  | { kind: 'owner'; token: string; validUntil: number }
  | { kind: 'lost'; token: string; at: number; why: 'refused' | 'expired' };

export type AcquireResult = { won: true; token: string } | { won: false; holder: string; token?: string } | { error: string };
export type RenewResult = { renewed: boolean } | { error: string };

/** What changed in a step, for logs and listeners. */
export type LeaseChange = { became: 'owner'; token: string } | { became: 'lost'; token: string; why: 'refused' | 'expired' } | { became: 'follower'; holder: string } | null;

export class LeaseMachine {
  state: LeaseState = { kind: 'acquiring' };
  lastError: string | null = null;
  /** the highest fencing token of this estate seen (its own or another holder's): sent with acquire, so a Redis that lost the estate's keys is noticed (lease-scripts.ts ACQUIRE) */
  seenToken: string | null = null;

  private see(token: string | undefined): void {
    if (token !== undefined && /^\d+$/.test(token) && (this.seenToken === null || Number(token) > Number(this.seenToken))) this.seenToken = token;
  }

  constructor(readonly timings: LeaseTimings) {
    checkTimings(timings);
  }

  /** The token if this node owns the estate at `now`; null otherwise. */
  tokenAt(now: number): string | null {
    return this.state.kind === 'owner' && now < this.state.validUntil ? this.state.token : null;
  }

  /** The request to send at this tick: renew while owner, acquire otherwise. */
  next(now: number): 'renew' | 'acquire' {
    this.expire(now);
    return this.state.kind === 'owner' ? 'renew' : 'acquire';
  }

  /** Local validity ran out (renewals failed or went unanswered): owner → lost. */
  expire(now: number): LeaseChange {
    if (this.state.kind === 'owner' && now >= this.state.validUntil) {
      const token = this.state.token;
      this.state = { kind: 'lost', token, at: now, why: 'expired' };
      return { became: 'lost', token, why: 'expired' };
    }
    return null;
  }

  onAcquire(result: AcquireResult, sentAt: number, now: number): LeaseChange {
    if ('error' in result) {
      this.lastError = result.error;
      return this.expire(now);
    }
    this.lastError = null;
    this.see(result.token);
    if (result.won) {
      const validUntil = sentAt + this.timings.leaseMs - driftMs(this.timings);
      const was = this.state;
      this.state = { kind: 'owner', token: result.token, validUntil };
      if (now >= validUntil) return this.expire(now); // the answer came too late to be of use
      return was.kind === 'owner' && was.token === result.token ? null : { became: 'owner', token: result.token };
    }
    const holder = result.holder;
    const was = this.state;
    if (was.kind === 'owner') {
      // acquire is only sent when not owner; an answer overtaken by a won acquisition is ignored
      return null;
    }
    this.state = { kind: 'follower', holder };
    return was.kind === 'follower' && was.holder === holder ? null : { became: 'follower', holder };
  }

  onRenew(result: RenewResult, sentAt: number, now: number): LeaseChange {
    if (this.state.kind !== 'owner') return null;
    if ('error' in result) {
      // unknown whether Redis saw it: keep the validity the last confirmed renewal gave
      this.lastError = result.error;
      return this.expire(now);
    }
    this.lastError = null;
    if (!result.renewed) {
      const token = this.state.token;
      this.state = { kind: 'lost', token, at: now, why: 'refused' };
      return { became: 'lost', token, why: 'refused' };
    }
    this.state = { ...this.state, validUntil: Math.max(this.state.validUntil, sentAt + this.timings.leaseMs - driftMs(this.timings)) };
    return this.expire(now);
  }
}
