// The estate lease's Redis I/O: the Lua scripts of lease-scripts.ts, sent with EVALSHA (ioredis
// defineCommand loads them again after a Redis restart). Every call resolves to a result or an
// `{error}`, never throws: the ownership loop carries on while Redis is away.
import type { Redis } from 'ioredis';
import { ACQUIRE, FENCED_COMMANDS, FENCED_WRITE, RELEASE, RENEW, estatePrefix, fenceKey, ownerKey, type FencedCommand } from './lease-scripts.ts';
import type { AcquireResult, RenewResult } from './lease-machine.ts';

type Scripted = Redis & {
  seAcquire(owner: string, fence: string, holder: string, leaseMs: number, seen: string): Promise<[number, string, number]>;
  seRenew(owner: string, holder: string, token: string, leaseMs: number): Promise<number>;
  seRelease(owner: string, holder: string, token: string): Promise<number>;
  seFencedWrite(owner: string, target: string, token: string, command: string, ...args: Array<string | number | Buffer>): Promise<[number, unknown]>;
};

export type FencedWriteResult = { ok: true; reply: unknown } | { ok: false; reason: 'stale_token'; holder: string | null } | { ok: false; reason: 'unavailable'; error: string };

const message = (err: unknown) => (err as Error)?.message ?? String(err);

export class LeaseStore {
  private readonly redis: Scripted;

  constructor(redis: Redis) {
    const r = redis as unknown as Scripted;
    if (typeof (redis as unknown as Partial<Scripted>).seAcquire !== 'function') {
      redis.defineCommand('seAcquire', { numberOfKeys: 2, lua: ACQUIRE });
      redis.defineCommand('seRenew', { numberOfKeys: 1, lua: RENEW });
      redis.defineCommand('seRelease', { numberOfKeys: 1, lua: RELEASE });
      redis.defineCommand('seFencedWrite', { numberOfKeys: 2, lua: FENCED_WRITE });
    }
    this.redis = r;
  }

  /** `seen`: the highest token of the estate the caller has seen ('0': none) — see ACQUIRE's quarantine. */
  async acquire(estate: string, holder: string, leaseMs: number, seen = '0'): Promise<AcquireResult> {
    try {
      const [won, value] = await this.redis.seAcquire(ownerKey(estate), fenceKey(estate), holder, leaseMs, seen);
      if (won === 1) return { won: true, token: String(value) };
      const m = /^(.*)\|(\d+)$/.exec(String(value));
      return m ? { won: false, holder: m[1], token: m[2] } : { won: false, holder: String(value) };
    } catch (err) {
      return { error: message(err) };
    }
  }

  async renew(estate: string, holder: string, token: string, leaseMs: number): Promise<RenewResult> {
    try {
      return { renewed: (await this.redis.seRenew(ownerKey(estate), holder, token, leaseMs)) === 1 };
    } catch (err) {
      return { error: message(err) };
    }
  }

  async release(estate: string, holder: string, token: string): Promise<boolean> {
    try {
      return (await this.redis.seRelease(ownerKey(estate), holder, token)) === 1;
    } catch {
      return false; // it expires by itself
    }
  }

  /**
   * Runs `command key …args` on one of the estate's own keys, only while `token` is the estate's
   * current lease token. What keeps a stale owner (a paused process whose lease expired) from writing.
   */
  async fencedWrite(estate: string, token: string, command: FencedCommand, key: string, ...args: Array<string | number | Buffer>): Promise<FencedWriteResult> {
    if (!(FENCED_COMMANDS as readonly string[]).includes(command)) throw new Error(`fencedWrite: '${command}' is not one of ${FENCED_COMMANDS.join(', ')}`);
    if (!key.startsWith(estatePrefix(estate)) || key === ownerKey(estate) || key === fenceKey(estate)) throw new Error(`fencedWrite: key '${key}' is not one of estate ${estate}'s own keys (${estatePrefix(estate)}…)`);
    try {
      const [ok, reply] = await this.redis.seFencedWrite(ownerKey(estate), key, token, command, ...args);
      if (ok === 1) return { ok: true, reply };
      return { ok: false, reason: 'stale_token', holder: reply ? String(reply) : null };
    } catch (err) {
      return { ok: false, reason: 'unavailable', error: message(err) };
    }
  }
}
