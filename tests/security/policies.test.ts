// The pure policies behind the guessing and flood limits, with an injected clock: no I/O, no waiting.
import { describe, expect, it } from 'vitest';
import { AttemptLimiter, USER_POLICY, ADDRESS_POLICY, type AttemptKey } from '../../server/security/attempts.ts';
import { ConnectRate, ConnectionCounter, FlapDetector, normalizeAddress } from '../../server/security/flood.ts';
import { passwordProblem } from '../../server/security/password-policy.ts';

const user = (v: string): AttemptKey => ({ kind: 'user', value: v });
const addr = (v: string): AttemptKey => ({ kind: 'address', value: v });

describe('AttemptLimiter', () => {
  it('answers the free failures at once, then makes each further attempt wait twice as long, then locks', () => {
    const limiter = new AttemptLimiter();
    const keys = [user('wang')];
    let now = 1_000_000;
    for (let i = 0; i < USER_POLICY.freeFailures; i++) {
      expect(limiter.check(keys, now)).toEqual({ ok: true });
      limiter.fail(keys, now);
    }
    expect(limiter.check(keys, now)).toEqual({ ok: true });
    const waits: number[] = [];
    for (let i = USER_POLICY.freeFailures; i < USER_POLICY.lockAfter - 1; i++) {
      limiter.fail(keys, now);
      const v = limiter.check(keys, now);
      expect(v.ok).toBe(false);
      if (!v.ok) {
        expect(v.reason).toBe('delayed');
        waits.push(v.retryAfterMs);
        // one millisecond early is still refused; on time is allowed
        expect(limiter.check(keys, now + v.retryAfterMs - 1).ok).toBe(false);
        now += v.retryAfterMs;
        expect(limiter.check(keys, now).ok).toBe(true);
      }
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 32000]);
    const locked = limiter.fail(keys, now);
    expect(locked).toEqual(keys);
    const v = limiter.check(keys, now);
    expect(v).toMatchObject({ ok: false, reason: 'locked', retryAfterMs: USER_POLICY.lockMs });
    expect(limiter.check(keys, now + USER_POLICY.lockMs).ok).toBe(true);
  });

  it('refuses a locked address whatever the user name — the correct password still waits the lock out', () => {
    const limiter = new AttemptLimiter();
    const now = 5_000_000;
    for (let i = 0; i < ADDRESS_POLICY.lockAfter; i++) limiter.fail([user(`u${i}`), addr('10.0.0.9')], now);
    const v = limiter.check([user('admin'), addr('10.0.0.9')], now + 1000);
    expect(v).toMatchObject({ ok: false, reason: 'locked', key: addr('10.0.0.9') });
    // a success of some user does not wash the address's count
    limiter.succeed('admin');
    expect(limiter.check([user('admin'), addr('10.0.0.9')], now + 2000).ok).toBe(false);
    expect(limiter.check([user('admin'), addr('10.0.0.10')], now + 2000).ok).toBe(true);
  });

  it('forgets failures a window after the last one; a success clears the user name', () => {
    const limiter = new AttemptLimiter();
    const keys = [user('li')];
    for (let i = 0; i < USER_POLICY.freeFailures; i++) limiter.fail(keys, 0);
    limiter.fail(keys, 10);
    expect(limiter.check(keys, 11).ok).toBe(false);
    expect(limiter.check(keys, 10 + USER_POLICY.windowMs).ok).toBe(true);
    // forgotten: counting starts again from nothing
    limiter.fail(keys, 10 + USER_POLICY.windowMs);
    expect(limiter.check(keys, 10 + USER_POLICY.windowMs).ok).toBe(true);
    for (let i = 0; i < 5; i++) limiter.fail(keys, 20 + USER_POLICY.windowMs);
    expect(limiter.check(keys, 21 + USER_POLICY.windowMs).ok).toBe(false);
    limiter.succeed('li');
    expect(limiter.check(keys, 21 + USER_POLICY.windowMs).ok).toBe(true);
  });

  it('counts held-back keys for /metrics', () => {
    const limiter = new AttemptLimiter();
    for (let i = 0; i < 4; i++) limiter.fail([user('a'), addr('1.2.3.4')], 0);
    expect(limiter.heldBack(1)).toEqual({ user: 1, address: 0 });
  });
});

describe('flood limits', () => {
  it('caps open connections per address and frees a place when one closes', () => {
    const c = new ConnectionCounter(2);
    expect([c.acquire('a'), c.acquire('a'), c.acquire('a'), c.acquire('b')]).toEqual([true, true, false, true]);
    c.release('a');
    expect(c.acquire('a')).toBe(true);
    expect(new ConnectionCounter(0).acquire('a')).toBe(true);
  });

  it('lets a burst through at once, then the sustained rate', () => {
    const r = new ConnectRate(10, 50);
    let passed = 0;
    for (let i = 0; i < 60; i++) if (r.take('gw', 0)) passed++;
    expect(passed).toBe(50);
    expect(r.take('gw', 50)).toBe(false); // 0.5 token back after 50 ms
    expect(r.take('gw', 100)).toBe(true); // 1 token after 100 ms
    expect(r.take('other', 100)).toBe(true);
  });

  it('holds off a client id that connects more than N times in the window, then lets it back', () => {
    const f = new FlapDetector(3, 60_000, 300_000);
    expect([0, 1000, 2000].map((t) => f.connect('cam-1', t).ok)).toEqual([true, true, true]);
    expect(f.connect('cam-1', 3000)).toEqual({ ok: false, retryAfterMs: 300_000, newly: true });
    expect(f.connect('cam-1', 4000)).toEqual({ ok: false, retryAfterMs: 299_000, newly: false });
    expect(f.connect('cam-2', 4000).ok).toBe(true);
    expect(f.connect('cam-1', 303_000).ok).toBe(true);
    // spread out, the same count is no flapping
    const g = new FlapDetector(3, 60_000, 300_000);
    expect([0, 30_000, 61_000, 91_000, 122_000].every((t) => g.connect('hh', t).ok)).toBe(true);
  });

  it('writes IPv4-mapped addresses as IPv4', () => {
    expect(normalizeAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeAddress('::1')).toBe('::1');
  });
});

describe('password policy', () => {
  it('refuses short, common, sequential, repeated and user-name passwords with a reason', () => {
    expect(passwordProblem('short1')).toMatch(/at least 8 characters/);
    expect(passwordProblem('Password123')).toMatch(/too common/);
    expect(passwordProblem('12345678')).toMatch(/consecutive/);
    expect(passwordProblem('aaaaaaaaaa')).toMatch(/repeated/);
    expect(passwordProblem('wang-ming', 'Wang-Ming')).toMatch(/user name/);
    expect(passwordProblem('x'.repeat(300))).toMatch(/at most 256/);
  });

  it('accepts a passphrase and a random token', () => {
    expect(passwordProblem('correct-horse', 'op-wang')).toBeNull();
    expect(passwordProblem('quickstart-admin', 'admin')).toBeNull();
    expect(passwordProblem('Zq8-fT2m')).toBeNull();
  });
});

describe('security settings', () => {
  it('has defaults that a NAT\'ed estate never meets, and names each bad value', async () => {
    const { loadConfig, ConfigError } = await import('../../server/config.ts');
    expect(loadConfig({}, {})).toMatchObject({
      maxConnectionsPerAddress: 1000, connectRatePerAddress: 100, connectBurstPerAddress: 500, flapMaxConnects: 15, flapHoldSeconds: 300,
      limitsExempt: ['127.0.0.1', '::1'], sessionIdleMinutes: 60, frameAncestors: [], tls: null, httpsPort: null, mqttsPort: null,
    });
    expect(loadConfig({ 'limits-exempt': 'none', 'frame-ancestors': 'https://wall.example.com, http://10.0.0.5:8080' }, { SE_MAX_CONNECTIONS_PER_ADDRESS: '0' })).toMatchObject({
      limitsExempt: [], frameAncestors: ['https://wall.example.com', 'http://10.0.0.5:8080'], maxConnectionsPerAddress: 0,
    });
    let error: InstanceType<typeof ConfigError> | undefined;
    try {
      loadConfig({ 'limits-exempt': '10.0.0.0/8', 'frame-ancestors': 'wall.example.com' }, { SE_CONNECT_RATE_PER_ADDRESS: 'fast', SE_SESSION_IDLE_MINUTES: '-5', SE_HTTPS_PORT: '8443' });
    } catch (e) {
      error = e as InstanceType<typeof ConfigError>;
    }
    expect(error?.problems).toEqual([
      expect.stringMatching(/^SE_HTTPS_PORT needs SE_TLS_CERT and SE_TLS_KEY/),
      expect.stringMatching(/^SE_CONNECT_RATE_PER_ADDRESS: 'fast' must be a whole number/),
      expect.stringMatching(/^--limits-exempt: '10\.0\.0\.0\/8' is not an IP address/),
      expect.stringMatching(/^SE_SESSION_IDLE_MINUTES: '-5' must be a positive number/),
      expect.stringMatching(/^--frame-ancestors: 'wall\.example\.com' is not an origin/),
    ]);
  });
});
