// This node's registration in Redis: `se:node:<id>` holds the running incarnation under a TTL,
// renewed with the leases. Two running processes with the same --node-id would each take the other's
// live messages for their own (and drop them) and muddle every log line: the second one is refused at
// start. A node restarted after a crash finds its old registration and waits for it to lapse (at most
// its TTL) instead of being refused.
import type { Redis } from 'ioredis';
import { ClusterError } from './redis.ts';

export const nodeKey = (nodeId: string) => `se:node:${nodeId}`;

/** KEYS: node. ARGV: incarnation, ttlMs. 1 = registered or renewed, 0 = another incarnation holds it. */
const REGISTER = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** KEYS: node. ARGV: incarnation. */
const UNREGISTER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

type WithRegister = Redis & {
  seRegisterNode(key: string, incarnation: string, ttlMs: number): Promise<number>;
  seUnregisterNode(key: string, incarnation: string): Promise<number>;
};

export class NodeRegistry {
  private readonly redis: WithRegister;

  constructor(redis: Redis, readonly nodeId: string, readonly incarnation: string, readonly ttlMs: number) {
    if (typeof (redis as unknown as Partial<WithRegister>).seRegisterNode !== 'function') {
      redis.defineCommand('seRegisterNode', { numberOfKeys: 1, lua: REGISTER });
      redis.defineCommand('seUnregisterNode', { numberOfKeys: 1, lua: UNREGISTER });
    }
    this.redis = redis as unknown as WithRegister;
  }

  /** At start: registers, waiting up to one TTL for a crashed predecessor's registration to lapse. */
  async register(now: () => number = Date.now): Promise<void> {
    const deadline = now() + this.ttlMs + 500;
    for (;;) {
      if ((await this.redis.seRegisterNode(nodeKey(this.nodeId), this.incarnation, this.ttlMs)) === 1) return;
      if (now() > deadline) {
        throw new ClusterError(`node id '${this.nodeId}' is in use by another running node (its registration in Redis is being renewed): give each node its own --node-id / SE_NODE_ID`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The heartbeat: false when another incarnation took the id (ours had lapsed); throws when Redis does not answer. */
  async renew(): Promise<boolean> {
    return (await this.redis.seRegisterNode(nodeKey(this.nodeId), this.incarnation, this.ttlMs)) === 1;
  }

  async unregister(): Promise<void> {
    try {
      await this.redis.seUnregisterNode(nodeKey(this.nodeId), this.incarnation);
    } catch {
      /* it lapses by itself */
    }
  }
}
