import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, decodePayload, eventTime, parseDeviceTopic, parseLiveTopic, deviceTopic, liveTopic } from '../../protocol/index.ts';

describe('device contract v1 payloads', () => {
  it('accepts each kind as DESIGN.md describes it', () => {
    const ok = {
      checkin: { id: 'a', ts: '2026-11-27T21:30:00+08:00', guard: 'g', checkpoint: 'CP-1', method: 'nfc', lat: 30.1, lon: 120.1, note: '门未锁' },
      camera: { id: 'b', ts: 1764250000000, type: 'falling_object', phase: 'start', score: 0.93, zone: 'z1', label: '3号楼', snapshot: 'http://x/y.jpg' },
      vehicle: { id: 'c', plate: '浙AD12345', direction: 'out', confidence: 0.5, vehicleType: 'suv', color: 'green' },
      position: { lat: 30.27, lon: 120.15, accuracy: 5, guard: 'g' },
      status: { online: false, battery: 87.5, rssi: -70, firmware: '1.2.3' },
    } as const;
    for (const [kind, payload] of Object.entries(ok)) {
      const r = decodePayload(kind as keyof typeof ok, JSON.stringify(payload));
      expect(r.ok, `${kind}: ${JSON.stringify(r)}`).toBe(true);
    }
  });

  it('says what is wrong, with a stable reason', () => {
    expect(decodePayload('checkin', '{')).toMatchObject({ ok: false, reason: 'malformed_json' });
    expect(decodePayload('checkin', '[1]')).toMatchObject({ ok: false, reason: 'invalid_payload', error: expect.stringMatching(/JSON object, got array/) });
    expect(decodePayload('camera', JSON.stringify({ id: 'x', type: 'fire', phase: 'start', score: 1.5 }))).toMatchObject({ ok: false, id: 'x', error: expect.stringMatching(/^invalid camera: score/) });
    expect(decodePayload('checkin', JSON.stringify({ id: 'x', guard: 'g', checkpoint: 'c', method: 'qr', ts: 'yesterday' }))).toMatchObject({ ok: false, error: expect.stringMatching(/ts: .*ISO 8601/) });
    expect(decodePayload('position', JSON.stringify({ lat: 91, lon: 0 }))).toMatchObject({ ok: false, error: expect.stringMatching(/lat/) });
    expect(decodePayload('vehicle', JSON.stringify({ id: 'v', plate: '', direction: 'in', confidence: 1 }))).toMatchObject({ ok: false, error: expect.stringMatching(/plate/) });
    expect(decodePayload('status', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 32))).toMatchObject({ ok: false, reason: 'too_large' });
  });

  it('reads ISO and epoch-ms times, defaulting to the receive time', () => {
    expect(eventTime('2026-11-27T21:30:00+08:00', 0)).toBe(Date.UTC(2026, 10, 27, 13, 30));
    expect(eventTime(1234, 0)).toBe(1234);
    expect(eventTime(undefined, 99)).toBe(99);
  });
});

describe('topics', () => {
  it('build and parse the same layout', () => {
    expect(deviceTopic('garden', 'cam-1', 'camera')).toBe('estates/garden/devices/cam-1/camera');
    expect(parseDeviceTopic('estates/garden/devices/cam-1/camera')).toEqual({ estate: 'garden', device: 'cam-1', suffix: 'camera' });
    expect(parseDeviceTopic('estates/garden/devices/+/camera')).toBeNull();
    expect(parseDeviceTopic('estates/garden/live/camera')).toBeNull();
    expect(parseLiveTopic(liveTopic('garden', 'vehicle'))).toEqual({ estate: 'garden', kind: 'vehicle' });
    expect(parseLiveTopic('estates/garden/live/weather')).toBeNull();
  });
});
