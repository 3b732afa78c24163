// EstateEvent ⇄ point mapping (pure; the real-influxd round trip is in tests/history/contract.test.ts).
import { describe, expect, it } from 'vitest';
import type { EstateEvent } from '../../protocol/index.ts';
import { eventToPoint, identitySlot, parseRfc3339Nano, pointTime, rowToEvent, toLineProtocol } from '../../server/influx/points.ts';

const base: EstateEvent = {
  estate: 'oak-garden', device: 'hh-01', kind: 'checkin', id: 'c-1', ts: 1_795_786_200_123, rx: 1_795_786_200_160,
  data: { guard: 'g-li', checkpoint: 'cp-03', method: 'nfc', note: '巡更' }, x: 1.5, y: -2,
};

/** What SELECT * would hand back for a point: tags and fields as columns, time as RFC 3339. */
function asRow(point: NonNullable<ReturnType<typeof eventToPoint> & { ok: true }>['point']): Record<string, unknown> {
  const ns = BigInt(point.timestamp as string);
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`);
  return { time: iso, ...point.tags, ...point.fields };
}

function roundTrip(event: EstateEvent, seq: number) {
  const result = eventToPoint(event, seq);
  if (!result.ok) throw new Error(result.reason);
  return rowToEvent(event.kind, asRow(result.point));
}

describe('points', () => {
  it('tags only estate, device and the kind enums; everything else is a field, seq included', () => {
    const result = eventToPoint(base, 42);
    expect(result).toEqual({
      ok: true,
      point: {
        measurement: 'checkin',
        tags: { estate: 'oak-garden', device: 'hh-01', method: 'nfc' },
        fields: { seq: 42, guard: 'g-li', checkpoint: 'cp-03', note: '巡更', id: 'c-1', rx: 1_795_786_200_160, x: 1.5, y: -2 },
        timestamp: '1795786200123000042',
      },
    });
    const camera = eventToPoint({ ...base, kind: 'camera', data: { type: 'fire', phase: 'start', score: 0.7, zone: 'z1' } }, 1);
    expect(camera.ok && camera.point.tags).toEqual({ estate: 'oak-garden', device: 'hh-01', type: 'fire', phase: 'start' });
    const vehicle = eventToPoint({ ...base, kind: 'vehicle', data: { plate: '浙A12345', direction: 'in', confidence: 1 } }, 1);
    expect(vehicle.ok && vehicle.point.tags).toEqual({ estate: 'oak-garden', device: 'hh-01', direction: 'in' });
    expect(vehicle.ok && vehicle.point.fields!.plate).toBe('浙A12345');
  });

  it('folds seq mod 1e6 into the sub-millisecond digits: deterministic, distinct within a ms', () => {
    expect(pointTime(1_795_786_200_123, 7)).toBe('1795786200123000007');
    expect(pointTime(1_795_786_200_123, 1_000_007)).toBe('1795786200123000007');
    expect(pointTime(1_795_786_200_123, 999_999)).toBe('1795786200123999999');
    expect(pointTime(0, 5)).toBe('5');
    expect(pointTime(1, 5)).toBe('1000005');
    // The string shortcut agrees with the exact BigInt arithmetic over the whole range.
    for (const ts of [1, 9, 10, 999_999, 1_000_000, 1_795_786_200_123, 9_223_372_036_853]) {
      for (const seq of [0, 1, 9, 10, 99_999, 100_000, 999_999, 1_000_000, 123_456_789]) {
        expect(pointTime(ts, seq)).toBe((BigInt(ts) * 1_000_000n + BigInt(seq % 1_000_000)).toString());
      }
    }
    expect(parseRfc3339Nano('2026-11-27T13:30:00.123000042Z')).toBe(1_795_786_200_123_000_042n);
    expect(parseRfc3339Nano('2026-11-27T13:30:00Z')).toBe(1_795_786_200_000_000_000n);
    expect(parseRfc3339Nano('2026-11-27T13:30:00.5Z')).toBe(1_795_786_200_500_000_000n);
  });

  it("in a cluster (slot 'id') one event journaled by two nodes under different seqs is one point", () => {
    // a device whose PUBACK died with node A resends to node B: same event, B's own seq and rx
    const onA = eventToPoint(base, 17, 'id');
    const onB = eventToPoint({ ...base, rx: base.rx + 900 }, 52_001, 'id');
    if (!onA.ok || !onB.ok) throw new Error('not a point');
    expect(onB.point.timestamp).toBe(onA.point.timestamp);
    expect(onB.point.tags).toEqual(onA.point.tags);
    // the seq fold would have made two points of it
    const seqA = eventToPoint(base, 17);
    const seqB = eventToPoint(base, 52_001);
    if (!seqA.ok || !seqB.ok) throw new Error('not a point');
    expect(seqB.point.timestamp).not.toBe(seqA.point.timestamp);
    // the slot is the event's identity: another id or device in the same ms lands elsewhere, ts reads back
    const other = eventToPoint({ ...base, id: 'c-2' }, 17, 'id');
    const otherDevice = eventToPoint({ ...base, device: 'hh-02' }, 17, 'id');
    if (!other.ok || !otherDevice.ok) throw new Error('not a point');
    expect(other.point.timestamp).not.toBe(onA.point.timestamp);
    expect(otherDevice.point.timestamp).not.toBe(onA.point.timestamp);
    expect(BigInt(onA.point.timestamp as string) / 1_000_000n).toBe(BigInt(base.ts));
    expect(identitySlot('hh-01', 'c-1')).toBe(identitySlot('hh-01', 'c-1'));
    expect(identitySlot('hh-0', '1c-1')).not.toBe(identitySlot('hh-01', 'c-1'));
    // 10,000 ids of one device spread over the slots (a collision overwrites, so they must be rare)
    const slots = new Set(Array.from({ length: 10_000 }, (_, i) => identitySlot('cam-1', `e-${i}`)));
    expect(slots.size).toBeGreaterThan(9_900);
    // without an id there is no identity: the seq fold stays
    const noId = eventToPoint({ ...base, id: null }, 17, 'id');
    if (!noId.ok) throw new Error('not a point');
    expect(noId.point.timestamp).toBe(pointTime(base.ts, 17));
  });

  it('reads back the same event and seq', () => {
    expect(roundTrip(base, 1_000_042)).toStrictEqual({ seq: 1_000_042, event: base });
    const noOptionals: EstateEvent = { estate: 'e', device: 'd', kind: 'status', id: null, ts: 5, rx: 6, data: { online: false } };
    expect(roundTrip(noOptionals, 3)).toStrictEqual({ seq: 3, event: noOptionals });
  });

  it('keeps data keys that collide with envelope names, and unknown top-level keys', () => {
    const odd = {
      ...base,
      kind: 'status',
      data: { id: 'inner', time: 't', seq: 1, estate: 'x', 'data.x': true, 'env.y': 2, online: true, method: 'nfc' },
      extra: { nested: [1, 'two'] },
    } as unknown as EstateEvent;
    const result = eventToPoint(odd, 9);
    expect(result.ok && Object.keys(result.point.fields!)).toEqual(
      expect.arrayContaining(['data.id', 'data.time', 'data.seq', 'data.estate', 'data.data.x', 'data.env.y', 'online', 'method', 'env.extra']),
    );
    expect(roundTrip(odd, 9)).toStrictEqual({ seq: 9, event: odd });
  });

  it('writes an enum that cannot be a tag value as a field, and reads it back', () => {
    const event = { ...base, data: { ...base.data, method: 'ends\\' } };
    const result = eventToPoint(event, 1);
    expect(result.ok && result.point.tags).toEqual({ estate: 'oak-garden', device: 'hh-01' });
    expect(result.ok && result.point.fields!['data.method']).toBe('ends\\');
    expect(roundTrip(event, 1).event).toStrictEqual(event);
  });

  it('refuses events that cannot become a point, with a reason', () => {
    const bad = (patch: Record<string, unknown>) => eventToPoint({ ...base, ...patch } as EstateEvent, 1);
    expect(bad({ device: '' })).toMatchObject({ ok: false, reason: expect.stringMatching(/device.*tag value/) });
    expect(bad({ device: 'x\\' })).toMatchObject({ ok: false });
    expect(bad({ estate: 'a\nb' })).toMatchObject({ ok: false });
    expect(bad({ kind: 'alarm' })).toMatchObject({ ok: false, reason: expect.stringMatching(/kind/) });
    expect(bad({ ts: 1.5 })).toMatchObject({ ok: false, reason: expect.stringMatching(/ts/) });
    expect(bad({ ts: 9_300_000_000_000 })).toMatchObject({ ok: false, reason: expect.stringMatching(/2262/) });
    // The last ms whose every slot fits below InfluxDB's 9223372036854775806 ns, and the first that does not.
    expect(bad({ ts: 9_223_372_036_853 }).ok).toBe(true);
    expect(bad({ ts: 9_223_372_036_854 })).toMatchObject({ ok: false, reason: expect.stringMatching(/2262/) });
    expect(bad({ data: { guard: { a: 1 } } })).toMatchObject({ ok: false, reason: expect.stringMatching(/data\.guard/) });
  });

  it('serialises line protocol with floats only and correct escaping', () => {
    const result = eventToPoint({ ...base, data: { note: 'a "q" \\\' b', 'k ey': 80, ok: true } }, 1);
    expect(result.ok && toLineProtocol(result.point)).toBe(
      'checkin,estate=oak-garden,device=hh-01 seq=1,note="a \\"q\\" \\\\\' b",k\\ ey=80,ok=true,id="c-1",rx=1795786200160,x=1.5,y=-2 1795786200123000001',
    );
  });
});
