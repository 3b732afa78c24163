// Password guessing: failed sign-ins counted per user name and per source address, the same policy
// for REST login and MQTT CONNECT. Pure (the clock is passed in), so the policy is tested without I/O.
//
// After `freeFailures` failures of one key, each further attempt must wait an exponentially growing
// delay (base, 2×base, 4×base … capped); after `lockAfter` failures the key is locked for `lockMs`.
// An attempt that arrives while a key waits or is locked is refused *before* the password is looked
// at — so a correct password from a locked address still waits the lock out — and is not counted as
// another failure (a device retrying in a loop does not extend its own lock for ever). A key's count
// is forgotten `windowMs` after its last failure. A success clears the user name's count only: an
// address that owns one good account must not be able to wash its guesses at other accounts.

export interface AttemptPolicy {
  /** failures of one key answered at once (no delay) */
  freeFailures: number;
  /** the first delay after the free failures; doubles with each further failure */
  baseDelayMs: number;
  /** the longest delay */
  maxDelayMs: number;
  /** failures of one key that lock it */
  lockAfter: number;
  lockMs: number;
  /** a key's failures are forgotten this long after its last one */
  windowMs: number;
}

/** Per user name: a person mistyping waits 1, 2, 4 … s after the third try and is locked out for 15 min at the tenth. */
export const USER_POLICY: AttemptPolicy = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 60_000, lockAfter: 10, lockMs: 15 * 60_000, windowMs: 15 * 60_000 };
/**
 * Per source address: much more lenient, because hundreds of devices and a whole control room can sit
 * behind one NAT'ed gateway, and a misconfigured device is held to ~10 failures per lock by its own
 * user-name key. 100 failures in 15 minutes from one address is a guesser, not a fleet.
 */
export const ADDRESS_POLICY: AttemptPolicy = { freeFailures: 30, baseDelayMs: 1000, maxDelayMs: 30_000, lockAfter: 100, lockMs: 15 * 60_000, windowMs: 15 * 60_000 };

export type AttemptKey = { kind: 'user' | 'address'; value: string };

export type Verdict = { ok: true } | { ok: false; reason: 'locked' | 'delayed'; key: AttemptKey; retryAfterMs: number };

interface Entry {
  failures: number;
  lastFailure: number;
  /** no attempt before this time */
  notBefore: number;
  locked: boolean;
}

/** Bounded memory: a guesser cycling through random names must not grow the table for ever. */
const MAX_ENTRIES = 100_000;

export class AttemptLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policies: { user: AttemptPolicy; address: AttemptPolicy } = { user: USER_POLICY, address: ADDRESS_POLICY }) {}

  private entry(key: AttemptKey, now: number): Entry | undefined {
    const id = `${key.kind}:${key.value}`;
    const e = this.entries.get(id);
    if (!e) return undefined;
    const policy = this.policies[key.kind];
    const forgetAt = Math.max(e.lastFailure + policy.windowMs, e.notBefore);
    if (now >= forgetAt) {
      this.entries.delete(id);
      return undefined;
    }
    return e;
  }

  /** May this attempt be checked at all? Ask before verifying the password. */
  check(keys: AttemptKey[], now: number): Verdict {
    let worst: Verdict = { ok: true };
    for (const key of keys) {
      const e = this.entry(key, now);
      if (!e || now >= e.notBefore) continue;
      const retryAfterMs = e.notBefore - now;
      if (worst.ok || retryAfterMs > worst.retryAfterMs) worst = { ok: false, reason: e.locked ? 'locked' : 'delayed', key, retryAfterMs };
    }
    return worst;
  }

  /** Records a failed attempt; returns the keys that became locked by it. */
  fail(keys: AttemptKey[], now: number): AttemptKey[] {
    const locked: AttemptKey[] = [];
    for (const key of keys) {
      const id = `${key.kind}:${key.value}`;
      const policy = this.policies[key.kind];
      let e = this.entry(key, now);
      if (!e) {
        if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
        e = { failures: 0, lastFailure: now, notBefore: 0, locked: false };
        this.entries.set(id, e);
      }
      e.failures++;
      e.lastFailure = now;
      if (e.failures >= policy.lockAfter) {
        if (!e.locked) locked.push(key);
        e.locked = true;
        e.notBefore = now + policy.lockMs;
      } else if (e.failures > policy.freeFailures) {
        e.notBefore = now + Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (e.failures - policy.freeFailures - 1));
      }
    }
    return locked;
  }

  /** A correct password: the user name starts afresh (the address keeps its count). */
  succeed(user: string): void {
    this.entries.delete(`user:${user}`);
  }

  /** Keys currently held back (waiting or locked), for /metrics. */
  heldBack(now: number): { user: number; address: number } {
    const n = { user: 0, address: 0 };
    for (const [id, e] of this.entries) if (e.notBefore > now) n[id.startsWith('user:') ? 'user' : 'address']++;
    return n;
  }
}
