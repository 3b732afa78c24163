// Estate ownership for this node: one LeaseMachine per estate, driven every `renewMs` against Redis
// through the LeaseStore. An estate has at most one owner at a time (lease + fencing token); the owner
// is where the estate's stateful modules will run (docs/scale-out.md — not wired to the modules yet).
import { randomBytes } from 'node:crypto';
import { LeaseMachine, DEFAULT_TIMINGS, type LeaseChange, type LeaseState, type LeaseTimings } from './lease-machine.ts';
import type { LeaseStore } from './lease-store.ts';
import type { FencedCommand } from './lease-scripts.ts';
import type { FencedWriteResult } from './lease-store.ts';

export interface OwnershipOptions {
  store: LeaseStore;
  nodeId: string;
  /** this process's random incarnation (default: a new one) */
  incarnation?: string;
  /** the estates to hold leases for (read again at every tick) */
  estates: () => string[];
  timings?: LeaseTimings;
  /** the clock leases are timed by (default: monotonic ms, epoch-aligned at start — a wall clock
   * stepped back by an NTP step or a resumed VM must not stretch a belief past Redis' lease) */
  now?: () => number;
  onChange?: (estate: string, change: NonNullable<LeaseChange>) => void;
}

/** Milliseconds that never step: the process's start on the wall clock plus monotonic time since. */
export const monotonicNow = (): number => performance.timeOrigin + performance.now();

export class Ownership {
  /** `<nodeId>/<incarnation>`: a restarted node is a new holder and never mistakes the old lease for its own */
  readonly holder: string;
  readonly timings: LeaseTimings;
  private readonly machines = new Map<string, LeaseMachine>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private running: Promise<void> | null = null;

  constructor(private readonly options: OwnershipOptions) {
    this.holder = `${options.nodeId}/${options.incarnation ?? randomBytes(4).toString('hex')}`;
    this.timings = options.timings ?? DEFAULT_TIMINGS;
    this.now = options.now ?? monotonicNow;
    new LeaseMachine(this.timings); // checks the timings at once
  }

  /** Ticks now and every renewMs. */
  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.timings.renewMs);
    this.timer.unref();
  }

  /** No more ticks (what a SIGSTOP does to the timers; tests use it to play a paused owner). */
  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The estate's fencing token while this node owns it, else null. */
  tokenFor(estate: string): string | null {
    return this.machines.get(estate)?.tokenAt(this.now()) ?? null;
  }

  owned(): string[] {
    const now = this.now();
    return [...this.machines].filter(([, m]) => m.tokenAt(now) !== null).map(([e]) => e);
  }

  state(estate: string): LeaseState | null {
    return this.machines.get(estate)?.state ?? null;
  }

  /** A write on one of the estate's keys with this node's current token (refused when not owner). */
  async fencedWrite(estate: string, command: FencedCommand, key: string, ...args: Array<string | number | Buffer>): Promise<FencedWriteResult> {
    const token = this.tokenFor(estate);
    if (token === null) return { ok: false, reason: 'stale_token', holder: null };
    return this.options.store.fencedWrite(estate, token, command, key, ...args);
  }

  /** One round: renew what is owned, try to acquire the rest. Resolves when every answer is in. */
  tick(): Promise<void> {
    const wanted = new Set(this.options.estates());
    for (const estate of wanted) if (!this.machines.has(estate)) this.machines.set(estate, new LeaseMachine(this.timings));
    const rounds: Array<Promise<void>> = [];
    for (const [estate, machine] of this.machines) {
      if (!wanted.has(estate)) {
        this.machines.delete(estate);
        const token = machine.tokenAt(this.now());
        if (token) rounds.push(this.options.store.release(estate, this.holder, token).then(() => {}));
        continue;
      }
      if (this.inFlight.has(estate)) {
        this.report(estate, machine.expire(this.now()));
        continue;
      }
      rounds.push(this.step(estate, machine));
    }
    this.running = Promise.all(rounds).then(() => {});
    return this.running;
  }

  private async step(estate: string, machine: LeaseMachine): Promise<void> {
    this.inFlight.add(estate);
    try {
      const sentAt = this.now();
      if (machine.next(sentAt) === 'renew') {
        const token = (machine.state as { token: string }).token;
        const result = await this.options.store.renew(estate, this.holder, token, this.timings.leaseMs);
        this.report(estate, machine.onRenew(result, sentAt, this.now()));
      } else {
        const result = await this.options.store.acquire(estate, this.holder, this.timings.leaseMs, machine.seenToken ?? '0');
        this.report(estate, machine.onAcquire(result, sentAt, this.now()));
      }
    } finally {
      this.inFlight.delete(estate);
    }
  }

  private report(estate: string, change: LeaseChange): void {
    if (change) this.options.onChange?.(estate, change);
  }

  /** Stops ticking and releases every lease it holds, so another node takes over at once. */
  async stop(): Promise<void> {
    this.pause();
    await this.running;
    const now = this.now();
    await Promise.all(
      [...this.machines].map(([estate, m]) => {
        const token = m.tokenAt(now);
        return token ? this.options.store.release(estate, this.holder, token) : false;
      }),
    );
    this.machines.clear();
  }
}
