// Server-only estate channels (`estates/{e}/alerts`, `patrol`, `occupancy` — protocol/topics.ts
// ESTATE_CHANNELS) fanned out to whichever panel listens. The MQTT feed subscribes to all of them and
// dispatches here; a panel registers a handler and keeps its own small state.
import type { EstateChannel } from '../../../protocol/topics.ts';

export type ChannelHandler = (payload: unknown) => void;

export class ChannelHub {
  private handlers = new Map<EstateChannel, Set<ChannelHandler>>();
  /** messages dispatched per channel (for tests and the legend) */
  readonly counts = new Map<EstateChannel, number>();

  /** Registers a handler; returns the function that removes it. */
  on(channel: EstateChannel, handler: ChannelHandler): () => void {
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  private connectHandlers = new Set<() => void>();
  /** (re)subscriptions so far: a panel that keeps state from a channel refetches after each one but the first */
  connects = 0;

  /** Called after every (re)subscription of the feed: what was published while it was down is lost, so refetch. */
  onConnect(handler: () => void): () => void {
    this.connectHandlers.add(handler);
    return () => this.connectHandlers.delete(handler);
  }

  connected(): void {
    this.connects++;
    for (const handler of this.connectHandlers) {
      try {
        handler();
      } catch (err) {
        console.error('channel reconnect handler:', err);
      }
    }
  }

  dispatch(channel: EstateChannel, payload: unknown): void {
    this.counts.set(channel, (this.counts.get(channel) ?? 0) + 1);
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload);
      } catch (err) {
        console.error(`channel ${channel}:`, err);
      }
    }
  }
}
