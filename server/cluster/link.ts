// The cluster link: is this node talking to Redis right now, and since when. Pure bookkeeping over
// the connections' ready/close events, so the rules are tested without Redis. While the link is down,
// ingest and acknowledgements go on (they never wait on Redis); what stops is the cross-node part:
// live events from other nodes, hand-over of ownership.
export type LinkState = 'up' | 'down';

export interface LinkStatus {
  state: LinkState;
  /** when it entered this state (ms since epoch) */
  since: number;
  /** the last connection error while down, for logs and the status */
  error: string | null;
}

export class ClusterLink {
  private readonly ready = new Map<string, boolean>();
  private status: LinkStatus;
  private readonly listeners = new Set<(status: LinkStatus) => void>();

  constructor(connections: string[], private readonly now: () => number = Date.now) {
    for (const c of connections) this.ready.set(c, false);
    this.status = { state: 'down', since: now(), error: null };
  }

  get current(): LinkStatus {
    return this.status;
  }

  /** A connection is ready (connected and answering) or not. The link is up when all are. */
  set(connection: string, ready: boolean, error?: string): void {
    if (!this.ready.has(connection)) throw new Error(`unknown cluster connection '${connection}'`);
    this.ready.set(connection, ready);
    const up = [...this.ready.values()].every(Boolean);
    const next: LinkState = up ? 'up' : 'down';
    if (!up && error) this.status = { ...this.status, error };
    if (next === this.status.state) return;
    this.status = { state: next, since: this.now(), error: up ? null : error ?? this.status.error };
    for (const l of this.listeners) l(this.status);
  }

  onChange(listener: (status: LinkStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
