// The estate lease's rules as a pure state machine: numbers in, states out (no Redis, no timers).
import { describe, expect, it } from 'vitest';
import { LeaseMachine, checkTimings, driftMs, takeoverBoundMs } from '../../server/cluster/lease-machine.ts';

const t = { leaseMs: 3000, renewMs: 1000 };

describe('LeaseMachine', () => {
  it('acquires, then renews while it owns; the owner counts its lease from when it sent the request', () => {
    const m = new LeaseMachine(t);
    expect(m.next(0)).toBe('acquire');
    expect(m.onAcquire({ won: true, token: '7' }, 100, 130)).toEqual({ became: 'owner', token: '7' });
    expect(m.tokenAt(130)).toBe('7');
    // valid until sent + lease − drift, not received + lease
    expect(m.tokenAt(100 + 3000 - driftMs(t) - 1)).toBe('7');
    expect(m.tokenAt(100 + 3000 - driftMs(t))).toBeNull();
    expect(m.next(1100)).toBe('renew');
    expect(m.onRenew({ renewed: true }, 1100, 1120)).toBeNull();
    expect(m.tokenAt(1100 + 3000 - driftMs(t) - 1)).toBe('7');
  });

  it('a failed renewal keeps the last confirmed validity, then the lease is lost when it runs out', () => {
    const m = new LeaseMachine(t);
    m.onAcquire({ won: true, token: '7' }, 0, 5);
    expect(m.onRenew({ error: 'Connection is closed.' }, 1000, 1001)).toBeNull();
    expect(m.onRenew({ error: 'Command timed out' }, 2000, 2900)).toBeNull();
    expect(m.tokenAt(2900)).toBe('7');
    // an error at or past the validity (an answer that never came in time) loses it
    expect(m.onRenew({ error: 'Command timed out' }, 2000, 3000)).toEqual({ became: 'lost', token: '7', why: 'expired' });
    expect(m.tokenAt(3000)).toBeNull();
    expect(m.next(3000)).toBe('acquire');
  });

  it('a renewal that is refused (another holder now) loses the lease at once', () => {
    const m = new LeaseMachine(t);
    m.onAcquire({ won: true, token: '7' }, 0, 5);
    expect(m.onRenew({ renewed: false }, 1000, 1002)).toEqual({ became: 'lost', token: '7', why: 'refused' });
    expect(m.tokenAt(1002)).toBeNull();
  });

  it('expires by the clock alone when no answer comes back (a hung Redis, a paused process)', () => {
    const m = new LeaseMachine(t);
    m.onAcquire({ won: true, token: '7' }, 0, 5);
    expect(m.next(2000)).toBe('renew');
    expect(m.next(3000)).toBe('acquire');
    expect(m.state).toEqual({ kind: 'lost', token: '7', at: 3000, why: 'expired' });
  });

  it('an acquisition answered after its own validity is of no use', () => {
    const m = new LeaseMachine(t);
    expect(m.onAcquire({ won: true, token: '9' }, 0, 3500)).toEqual({ became: 'lost', token: '9', why: 'expired' });
    expect(m.tokenAt(3500)).toBeNull();
  });

  it('follows another holder and reports a change of holder once', () => {
    const m = new LeaseMachine(t);
    expect(m.onAcquire({ won: false, holder: 'b/1' }, 0, 1)).toEqual({ became: 'follower', holder: 'b/1' });
    expect(m.onAcquire({ won: false, holder: 'b/1' }, 1000, 1001)).toBeNull();
    expect(m.onAcquire({ won: false, holder: 'c/2' }, 2000, 2001)).toEqual({ became: 'follower', holder: 'c/2' });
    expect(m.onAcquire({ won: true, token: '12' }, 3000, 3001)).toEqual({ became: 'owner', token: '12' });
    expect(m.onAcquire({ error: 'x' }, 3000, 3001)).toBeNull();
    expect(m.lastError).toBe('x');
  });

  it('says its takeover bound and refuses timings where one lost reply would lose the estate', () => {
    expect(takeoverBoundMs(t)).toBe(4000);
    expect(() => checkTimings({ leaseMs: 2000, renewMs: 1000 })).toThrow(/too short/);
    expect(() => checkTimings({ leaseMs: 0, renewMs: 1000 })).toThrow(/positive/);
    expect(() => new LeaseMachine({ leaseMs: 1500, renewMs: 1000 })).toThrow(/too short/);
  });
});
