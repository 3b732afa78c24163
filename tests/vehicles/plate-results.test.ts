// The third-party `results[]` webhook → device-contract vehicle payloads (pure).
import { describe, expect, it } from 'vitest';
import { validatePayload } from '../../protocol/index.ts';
import { mapPlateResults, webhookTime } from '../../server/vehicles/plate-results.ts';

// A Stream webhook as such cameras send it (`hook` + `data`), two plates in one frame.
const stream = {
  hook: { target: 'https://estate.example/api/v1/devices/lpr-1/webhooks/plate-results', id: 'camera-1', event: 'recognition', filename: 'camera-1_screenshots/26-11-27/14-00-01.123.jpg' },
  data: {
    camera_id: 'camera-1',
    filename: 'camera-1_screenshots/26-11-27/14-00-01.123.jpg',
    timestamp: '2026-11-27T06:00:01.123456Z',
    timestamp_local: '2026-11-27 14:00:01.123456+08:00',
    results: [
      { box: { xmin: 460, ymin: 57, xmax: 557, ymax: 82 }, plate: '浙a12345', region: { code: 'cn', score: 0.91 }, score: 0.904, dscore: 0.99, vehicle: { type: 'Sedan', score: 0.8 }, direction: 'in', color: [{ color: 'white', score: 0.7 }] },
      { box: { xmin: 900, ymin: 60, xmax: 990, ymax: 85 }, plate: '沪b54321', region: { code: 'cn', score: 0.8 }, score: 0.71, vehicle: { type: 'Big Truck', score: 0.6 }, direction: 'out' },
    ],
  },
};

describe('mapPlateResults', () => {
  it('maps each result to a valid vehicle payload: plate, score as confidence, direction, vehicle type, colour, time', () => {
    const r = mapPlateResults(stream);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [a, b] = r.results;
    expect(a).toMatchObject({ ok: true, payload: { plate: '浙a12345', direction: 'in', confidence: 0.904, vehicleType: 'Sedan', color: 'white', ts: Date.UTC(2026, 10, 27, 6, 0, 1, 123) } });
    expect(b).toMatchObject({ ok: true, payload: { plate: '沪b54321', direction: 'out', confidence: 0.71, vehicleType: 'Big Truck' } });
    for (const x of r.results) if (x.ok) expect(validatePayload('vehicle', x.payload).ok).toBe(true);
  });

  it('gives a retried post the same ids, and different reads different ones', () => {
    const once = mapPlateResults(stream);
    const again = mapPlateResults(JSON.parse(JSON.stringify(stream)));
    const ids = (r: ReturnType<typeof mapPlateResults>) => (r.ok ? r.results.map((x) => (x.ok ? x.payload.id : null)) : []);
    expect(ids(again)).toEqual(ids(once));
    expect(new Set(ids(once)).size).toBe(2);
    const nextFrame = { ...stream, data: { ...stream.data, timestamp: '2026-11-27T06:00:05.000000Z' } };
    expect(ids(mapPlateResults(nextFrame))).not.toEqual(ids(once));
    // a result that carries its own id keeps it
    const own = mapPlateResults({ results: [{ plate: '浙A12345', score: 0.9, direction: 'in', uuid: 'ab-12' }] });
    expect(own.ok && own.results[0].ok && own.results[0].payload.id).toBe('wh-ab-12');
  });

  it('reads the bare shape too (results at the top)', () => {
    const r = mapPlateResults({ timestamp: '2026-11-27 06:00:01.5', results: [{ plate: '浙A12345', score: 0.9, direction: 'exit' }] });
    expect(r).toMatchObject({ ok: true, results: [{ ok: true, payload: { direction: 'out', ts: Date.UTC(2026, 10, 27, 6, 0, 1, 500) } }] });
  });

  it('takes the direction from the URL for one-lane cameras, or from an angle', () => {
    const noDirection = { results: [{ plate: '浙A12345', score: 0.9 }] };
    expect(mapPlateResults(noDirection)).toMatchObject({ ok: true, results: [{ ok: false, error: expect.stringMatching(/\?direction=in\|out/) }] });
    expect(mapPlateResults(noDirection, { direction: 'out' })).toMatchObject({ ok: true, results: [{ ok: true, payload: { direction: 'out' } }] });
    const angled = (deg: number) => mapPlateResults({ results: [{ plate: '浙A12345', score: 0.9, direction: deg }] }, { inHeading: 350 });
    expect(angled(20)).toMatchObject({ results: [{ payload: { direction: 'in' } }] }); // 30° off: in
    expect(angled(170)).toMatchObject({ results: [{ payload: { direction: 'out' } }] });
    // an empty direction (as Stream sends when unsure) falls back to the URL's
    expect(mapPlateResults({ results: [{ plate: '浙A12345', score: 0.9, direction: '' }] }, { direction: 'in' })).toMatchObject({ results: [{ payload: { direction: 'in' } }] });
  });

  it('reports a bad result by index and keeps the others', () => {
    const r = mapPlateResults({ results: [{ plate: '浙A12345', score: 0.9, direction: 'in' }, { score: 0.9, direction: 'in' }, { plate: '浙A1', score: 7, direction: 'in' }, 'x'] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.results.map((x) => x.ok)).toEqual([true, false, false, false]);
    expect(r.results.filter((x) => !x.ok).map((x) => (x.ok ? '' : x.error))).toEqual([
      'results[1].plate: missing',
      'results[2].score: a confidence 0…1 is required',
      'results[3] is not an object',
    ]);
  });

  it('refuses a body without results, or with too many', () => {
    expect(mapPlateResults([])).toMatchObject({ ok: false });
    expect(mapPlateResults({ plates: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/no results array/) });
    expect(mapPlateResults({ results: Array.from({ length: 51 }, () => ({})) })).toMatchObject({ ok: false, error: expect.stringMatching(/at most 50/) });
    expect(mapPlateResults({ results: [] })).toEqual({ ok: true, results: [] }); // a frame without plates is fine
  });
});

describe('webhookTime', () => {
  it('reads ISO, space-separated UTC, microseconds, offsets and epoch seconds or ms', () => {
    expect(webhookTime('2026-11-27T06:00:01Z')).toBe(Date.UTC(2026, 10, 27, 6, 0, 1));
    expect(webhookTime('2026-11-27 06:00:01.123456')).toBe(Date.UTC(2026, 10, 27, 6, 0, 1, 123));
    expect(webhookTime('2026-11-27 14:00:01.123456+08:00')).toBe(Date.UTC(2026, 10, 27, 6, 0, 1, 123));
    expect(webhookTime('2026-11-27T14:00+0800')).toBe(Date.UTC(2026, 10, 27, 6, 0));
    expect(webhookTime(1_795_500_000)).toBe(1_795_500_000_000);
    expect(webhookTime(1_795_500_000_123)).toBe(1_795_500_000_123);
    expect(webhookTime(undefined)).toBeUndefined();
    expect(webhookTime('yesterday')).toBeNull();
  });
});
