// The cross-node live batch format (pure).
import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from '../../server/cluster/live-bridge.ts';

describe('live batches between nodes', () => {
  it('round-trips topics, QoS, retain and JSON payloads unchanged', () => {
    const messages = [
      { topic: 'estates/e1/live/checkin', payload: JSON.stringify({ a: 'line\nbreak', b: '中文 ' }), qos: 0 as const, retain: false },
      { topic: 'estates/e1/occupancy', payload: '{"n":3}', qos: 1 as const, retain: true },
    ];
    const text = encodeBatch('node-a', messages);
    expect(decodeBatch(text)).toEqual({ node: 'node-a', messages });
  });

  it('refuses what is not a batch', () => {
    expect(decodeBatch('hello')).toBeNull();
    expect(decodeBatch('se2 node-a')).toBeNull();
    expect(decodeBatch('se1 node-a\nestates/e1/live/checkin 0 0')).toBeNull();
    expect(decodeBatch('se1 node-a\nestates/e1/live/checkin 2 0\n{}')).toBeNull();
    expect(decodeBatch('se1 node-a')).toEqual({ node: 'node-a', messages: [] });
    // only estate topics, no wildcards
    expect(decodeBatch('se1 node-a\n$SYS/x 0 0\n{}')).toBeNull();
    expect(decodeBatch('se1 node-a\nunits/u1/summary 0 0\n{}')).toBeNull();
    expect(decodeBatch('se1 node-a\nestates/+/live/checkin 0 0\n{}')).toBeNull();
  });
});
