// Live fan-out across nodes: what this node publishes to its dashboards (live events after the journal
// commit, and the estate channels: alerts, patrol, occupancy, work orders) goes to the other nodes
// through ONE Redis PUBLISH per batch, and what they publish is injected into the local Aedes.
// Device publishes themselves never go through Redis (docs/scale-out.md has the measurement that
// chose this over mqemitter-redis as Aedes' emitter).
//
// Best effort, by design: history is the record, dashboards refetch on reconnect. While the Redis
// link is down nothing is queued (no memory grows, nothing waits): messages for other nodes are
// counted as dropped and the link state goes to the dashboards (CLUSTER_LINK_TOPIC). Redis pub/sub
// resumes by itself when the connections come back (ioredis resubscribes).
//
// Redis is trusted: whoever may PUBLISH on it can put messages on dashboards' estate topics (only
// those: anything else in a batch makes it refused). Protect it like the database (docs/scale-out.md).
//
// Wire format, one message per batch, lines split by '\n' (JSON and topics never hold a raw
// newline): `se1 <node>` then per message `<topic> <qos> <retain>` and its payload line.
import type { Redis } from 'ioredis';
import type { ClusterLink } from './link.ts';
import type { ClusterMetrics } from './metrics.ts';

export const LIVE_CHANNEL = 'se:live';
const VERSION = 'se1';

export interface LiveMessage {
  topic: string;
  /** JSON text (no raw newline) */
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export function encodeBatch(node: string, messages: LiveMessage[]): string {
  let out = `${VERSION} ${node}`;
  for (const m of messages) out += `\n${m.topic} ${m.qos} ${m.retain ? 1 : 0}\n${m.payload}`;
  return out;
}

/** null for anything that is not a well-formed batch (another version, a stray publish on the channel). */
export function decodeBatch(text: string): { node: string; messages: LiveMessage[] } | null {
  const lines = text.split('\n');
  const head = /^se1 (\S+)$/.exec(lines[0]);
  if (!head || lines.length % 2 !== 1) return null;
  const messages: LiveMessage[] = [];
  for (let i = 1; i < lines.length; i += 2) {
    const m = /^(estates\/[^\s+#]+) ([01]) ([01])$/.exec(lines[i]);
    if (!m) return null; // only estate topics cross (never $SYS, devices' or district topics), no wildcards
    messages.push({ topic: m[1], qos: m[2] === '1' ? 1 : 0, retain: m[3] === '1', payload: lines[i + 1] });
  }
  return { node: head[1], messages };
}

export interface LiveBridgeOptions {
  nodeId: string;
  /** publishes (the cluster's command connection) */
  pub: Redis;
  /** a connection of its own in subscriber mode */
  sub: Redis;
  link: ClusterLink;
  metrics: ClusterMetrics;
  /** delivers another node's messages to this node's dashboards */
  inject(messages: LiveMessage[]): void;
  onError?(err: Error): void;
}

export class LiveBridge {
  private pending: LiveMessage[] = [];
  private scheduled = false;

  constructor(private readonly o: LiveBridgeOptions) {
    o.sub.on('message', (channel: string, text: string) => {
      if (channel !== LIVE_CHANNEL) return;
      const batch = decodeBatch(text);
      if (!batch || batch.node === o.nodeId) return; // our own, already delivered locally
      o.metrics.liveIn.inc(batch.messages.length);
      try {
        o.inject(batch.messages);
      } catch (err) {
        o.onError?.(err as Error);
      }
    });
  }

  /** Subscribes (ioredis subscribes again after every reconnect by itself). */
  async start(): Promise<void> {
    await this.o.sub.subscribe(LIVE_CHANNEL);
  }

  /**
   * Queues messages for the other nodes; everything queued in one event-loop turn (one journal group
   * commit and what the modules published after it) leaves as one PUBLISH.
   */
  send(messages: LiveMessage[]): void {
    if (!messages.length) return;
    if (this.o.link.current.state !== 'up') {
      this.o.metrics.liveDropped.inc(messages.length);
      return;
    }
    for (const m of messages) {
      // a raw newline would break the framing (JSON.stringify never writes one; a hand-made payload might)
      if (m.payload.includes('\n')) this.o.metrics.liveDropped.inc();
      else this.pending.push(m);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (!batch.length) return;
    this.pending = [];
    this.o.pub.publish(LIVE_CHANNEL, encodeBatch(this.o.nodeId, batch)).then(
      () => this.o.metrics.liveOut.inc(batch.length),
      () => this.o.metrics.liveDropped.inc(batch.length), // not sent: the link went down meanwhile
    );
  }
}
