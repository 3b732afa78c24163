import { describe, expect, it } from 'vitest';
import { parseHistoryQuery } from '../../server/history/query.ts';

const ok = (params: Record<string, unknown>) => {
  const result = parseHistoryQuery('oak-garden', params);
  if (!result.ok) throw new Error(result.error);
  return result.query;
};
const error = (params: Record<string, unknown>, estate = 'oak-garden') => {
  const result = parseHistoryQuery(estate, params);
  if (result.ok) throw new Error(`accepted ${JSON.stringify(params)}`);
  return result.error;
};

describe('parseHistoryQuery', () => {
  it('defaults limit to 100 and leaves the rest open', () => {
    expect(ok({})).toEqual({ estate: 'oak-garden', limit: 100 });
    expect(ok({ kind: '', device: '' })).toEqual({ estate: 'oak-garden', limit: 100 });
  });

  it('reads kind, device, limit and times as ISO 8601 or epoch ms', () => {
    expect(ok({ kind: 'vehicle', device: 'gate-02', from: '2026-11-27T21:30:00+08:00', to: '1795786260000', limit: '10000' })).toEqual({
      estate: 'oak-garden', kind: 'vehicle', device: 'gate-02', from: 1_795_786_200_000, to: 1_795_786_260_000, limit: 10_000,
    });
    expect(ok({ from: '2026-11-27T13:30:00.250Z', limit: 1 })).toMatchObject({ from: 1_795_786_200_250, limit: 1 });
    expect(ok({ from: 0 })).toMatchObject({ from: 0 });
    expect(ok({ kind: ['camera'] })).toMatchObject({ kind: 'camera' });
  });

  it('says what is wrong', () => {
    expect(error({ kind: 'alarm' })).toMatch(/^kind: "alarm" is not an event kind \(expected one of checkin, camera, vehicle, position, status\)$/);
    expect(error({ limit: '0' })).toMatch(/^limit: expected an integer from 1 to 10000, got "0"$/);
    expect(error({ limit: '10001' })).toMatch(/^limit:/);
    expect(error({ limit: '5.5' })).toMatch(/^limit:/);
    expect(error({ limit: 'ten' })).toMatch(/^limit:/);
    expect(error({ from: 'yesterday' })).toMatch(/^from: expected ISO 8601 with a zone .* or epoch milliseconds, got "yesterday"$/);
    expect(error({ from: '2026-11-27T21:30:00' })).toMatch(/^from: expected ISO 8601 with a zone/);
    expect(error({ to: '2026-02-30T10:00:00Z' })).toMatch(/^to:/);
    expect(error({ to: '-5' })).toMatch(/^to:/);
    expect(error({ from: '2000', to: '1000' })).toMatch(/^from \(.*\) is after to \(.*\)$/);
    expect(error({ device: 'a/b' })).toMatch(/^device: "a\/b" is not a device id$/);
    expect(error({ kind: ['camera', 'vehicle'] })).toMatch(/^kind: given 2 times, expected once$/);
    expect(error({ kinds: 'camera' })).toMatch(/^unknown parameter "kinds" \(expected kind, device, from, to, limit\)$/);
    expect(error({}, 'bad estate')).toMatch(/^estate:/);
  });
});
