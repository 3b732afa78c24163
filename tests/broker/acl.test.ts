import { describe, expect, it } from 'vitest';
import { canSubscribe, devicePublishVerdict } from '../../server/broker/acl.ts';
import type { Identity } from '../../server/broker/identity.ts';

const device = { id: 'hh-01', estate: 'garden' };
const dev: Identity = { type: 'device', device: { ...device, kind: 'patrol', name: 'hh', x: null, y: null, heading: null, fov: null } };
const op = (estate: string | null): Identity => ({ type: 'operator', user: { name: 'op', role: 'operator', estate } });

describe('devicePublishVerdict', () => {
  it('allows the five kinds below the device root only', () => {
    expect(devicePublishVerdict(device, 'estates/garden/devices/hh-01/checkin')).toEqual({ ok: true, kind: 'checkin' });
    expect(devicePublishVerdict(device, 'estates/garden/devices/hh-02/checkin')).toMatchObject({ ok: false, reason: 'forbidden_topic' });
    expect(devicePublishVerdict(device, 'estates/other/devices/hh-01/checkin')).toMatchObject({ ok: false, reason: 'forbidden_topic' });
    expect(devicePublishVerdict(device, 'estates/garden/live/checkin')).toMatchObject({ ok: false, reason: 'forbidden_topic' });
    expect(devicePublishVerdict(device, 'estates/garden/devices/hh-01/errors')).toMatchObject({ ok: false, reason: 'unknown_topic' });
    expect(devicePublishVerdict(device, 'estates/garden/devices/hh-01/checkin/extra')).toMatchObject({ ok: false, reason: 'unknown_topic' });
  });
});

describe('canSubscribe', () => {
  it('keeps devices below their own root', () => {
    expect(canSubscribe(dev, 'estates/garden/devices/hh-01/errors')).toBe(true);
    expect(canSubscribe(dev, 'estates/garden/devices/hh-01/#')).toBe(true);
    expect(canSubscribe(dev, 'estates/garden/devices/hh-01')).toBe(false);
    expect(canSubscribe(dev, 'estates/garden/devices/+/errors')).toBe(false);
    expect(canSubscribe(dev, '#')).toBe(false);
  });

  it('keeps operators to live, alerts and status of their estates', () => {
    expect(canSubscribe(op('garden'), 'estates/garden/live/#')).toBe(true);
    expect(canSubscribe(op('garden'), 'estates/garden/live/checkin')).toBe(true);
    expect(canSubscribe(op('garden'), 'estates/garden/alerts')).toBe(true);
    expect(canSubscribe(op('garden'), 'estates/garden/patrol')).toBe(true);
    expect(canSubscribe(op('garden'), 'estates/garden/occupancy/#')).toBe(true);
    expect(canSubscribe(op('garden'), 'estates/garden/weather')).toBe(false);
    expect(canSubscribe(op('garden'), 'estates/garden/devices/+/status')).toBe(true);
    expect(canSubscribe(op('garden'), 'estates/garden/devices/+/checkin')).toBe(false);
    expect(canSubscribe(op('garden'), 'estates/garden/#')).toBe(false);
    expect(canSubscribe(op('garden'), 'estates/+/live/#')).toBe(false);
    expect(canSubscribe(op('garden'), 'estates/other/live/#')).toBe(false);
    expect(canSubscribe(op(null), 'estates/+/live/#')).toBe(true);
    expect(canSubscribe(op(null), 'estates/#')).toBe(false);
    expect(canSubscribe(op('garden'), '$SYS/#')).toBe(false);
  });

  it("lets every operator read its node's cluster link state, and no device; the exact topic only", () => {
    expect(canSubscribe(op('garden'), 'cluster/link')).toBe(true);
    expect(canSubscribe(op(null), 'cluster/link')).toBe(true);
    expect(canSubscribe(dev, 'cluster/link')).toBe(false);
    expect(canSubscribe(op('garden'), 'cluster/#')).toBe(false);
    expect(canSubscribe(op('garden'), 'cluster/+')).toBe(false);
  });
});
