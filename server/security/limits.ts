// The guessing and flooding limits as the broker and the REST login use them: the pure policies
// (attempts.ts, flood.ts) plus the server's clock, the exempt addresses, logging and /metrics.
import type { Log } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { ADDRESS_POLICY, AttemptLimiter, USER_POLICY, type AttemptKey, type AttemptPolicy, type Verdict } from './attempts.ts';
import { ConnectRate, ConnectionCounter, DEFAULT_FLOOD_POLICY, FlapDetector, normalizeAddress, type FloodPolicy } from './flood.ts';

export type Transport = 'http' | 'mqtt';

export interface LimitsOptions {
  flood?: Partial<FloodPolicy>;
  /** addresses the per-address limits skip (default loopback: a local reverse proxy or the simulators would count as one address) */
  exempt?: string[];
  userPolicy?: AttemptPolicy;
  addressPolicy?: AttemptPolicy;
  now?: () => number;
}

export const DEFAULT_EXEMPT = ['127.0.0.1', '::1'];

export type ConnectVerdict = { ok: true } | { ok: false; reason: 'connect_rate' | 'flapping'; retryAfterMs: number };

export class SecurityLimits {
  readonly attempts: AttemptLimiter;
  readonly policy: FloodPolicy;
  readonly attemptPolicies: { user: AttemptPolicy; address: AttemptPolicy };
  private readonly exempt: Set<string>;
  private readonly connections: ConnectionCounter;
  private readonly rate: ConnectRate;
  private readonly flaps: FlapDetector;
  private readonly now: () => number;
  /** last warning per address and reason: a flood must not become a flood of log lines */
  private readonly warned = new Map<string, number>();
  private readonly sweepTimer: ReturnType<typeof setInterval>;

  constructor(private readonly metrics: Metrics, private readonly log: Log, options: LimitsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.policy = { ...DEFAULT_FLOOD_POLICY, ...options.flood };
    this.exempt = new Set((options.exempt ?? DEFAULT_EXEMPT).map(normalizeAddress));
    this.attemptPolicies = { user: options.userPolicy ?? USER_POLICY, address: options.addressPolicy ?? ADDRESS_POLICY };
    this.attempts = new AttemptLimiter(this.attemptPolicies);
    this.connections = new ConnectionCounter(this.policy.maxConnectionsPerAddress);
    this.rate = new ConnectRate(this.policy.connectRatePerAddress, this.policy.connectBurstPerAddress);
    this.flaps = new FlapDetector(this.policy.flapMaxConnects, this.policy.flapWindowMs, this.policy.flapHoldMs);
    this.sweepTimer = setInterval(() => {
      this.flaps.sweep(this.now());
      this.warned.clear();
    }, 60_000);
    this.sweepTimer.unref();
  }

  isExempt(address: string): boolean {
    return this.exempt.has(address);
  }

  private keys(user: string, address: string): AttemptKey[] {
    const keys: AttemptKey[] = [];
    if (user) keys.push({ kind: 'user', value: user });
    if (!this.isExempt(address)) keys.push({ kind: 'address', value: address });
    return keys;
  }

  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return this.log.debug(line);
    this.warned.set(key, this.now());
    this.log.warn(line);
  }

  /** Ask before looking at the password: a held-back user name or address is refused unread. */
  signInAllowed(transport: Transport, user: string, address: string): Verdict {
    const v = this.attempts.check(this.keys(user, address), this.now());
    if (!v.ok) {
      this.metrics.authHeldBack.inc({ transport, reason: v.reason });
      this.warnOnce(`held:${v.key.kind}:${v.key.value}`, `${transport}: sign-in as '${user}' from ${address} refused unread: ${v.key.kind} ${v.key.value} is ${v.reason} for ${Math.ceil(v.retryAfterMs / 1000)} s after failed attempts`);
    }
    return v;
  }

  signInFailed(transport: Transport, user: string, address: string): void {
    for (const key of this.attempts.fail(this.keys(user, address), this.now())) {
      this.metrics.authLocks.inc({ transport, by: key.kind });
      this.log.warn(`${transport}: ${key.kind} ${key.value} locked for ${Math.round(this.attemptPolicies[key.kind].lockMs / 60_000)} min after repeated failed sign-ins`);
    }
  }

  signInSucceeded(user: string): void {
    this.attempts.succeed(user);
  }

  /** A new connection from `address`: false = over the per-address cap (close it; do not release). */
  acquireConnection(address: string): boolean {
    if (this.isExempt(address) || this.connections.acquire(address)) return true;
    this.metrics.connectionsRefused.inc({ reason: 'per_address' });
    this.warnOnce(`conn:${address}`, `mqtt: ${address} has ${this.connections.count(address)} connections open (limit ${this.policy.maxConnectionsPerAddress}, --max-connections-per-address); refusing more`);
    return false;
  }

  releaseConnection(address: string): void {
    if (!this.isExempt(address)) this.connections.release(address);
  }

  /** A CONNECT packet: the address's rate, then the client id's flapping. */
  connectAllowed(address: string, clientId: string): ConnectVerdict {
    const now = this.now();
    if (!this.isExempt(address) && !this.rate.take(address, now)) {
      this.metrics.connectionsRefused.inc({ reason: 'connect_rate' });
      this.warnOnce(`rate:${address}`, `mqtt: ${address} sends CONNECTs faster than ${this.policy.connectRatePerAddress}/s (burst ${this.policy.connectBurstPerAddress}, --connect-rate-per-address); closing the extra connections`);
      return { ok: false, reason: 'connect_rate', retryAfterMs: 1000 };
    }
    const flap = this.flaps.connect(clientId, now);
    if (!flap.ok) {
      this.metrics.connectionsRefused.inc({ reason: 'flapping' });
      if (flap.newly) this.log.warn(`mqtt: client id '${clientId}' (from ${address}) connected more than ${this.policy.flapMaxConnects} times in ${this.policy.flapWindowMs / 1000} s (flapping): held off for ${Math.round(this.policy.flapHoldMs / 1000)} s`);
      return { ok: false, reason: 'flapping', retryAfterMs: flap.retryAfterMs };
    }
    return { ok: true };
  }

  stop(): void {
    clearInterval(this.sweepTimer);
  }
}
