// Check-in → checkpoint: by tag code (NFC UID / QR, however the reader formats it), else by a GPS
// fix inside a checkpoint's geofence; SOS; photo references; the provisioning QR.
import { describe, expect, it } from 'vitest';
import { localFrame, parseProvisioning, type CheckpointInfo, type EstateEvent } from '../../protocol/index.ts';
import { GEOFENCE_M, indexCheckpoints, isSos, normalizeCode, photoOf, resolveCheckpoint } from '../../server/patrol/matching.ts';

const origin = { lat: 30.288, lon: 120.129 };
const frame = localFrame(origin);
const checkpoints: CheckpointInfo[] = [
  { id: 'CP-01', name: '北门岗亭', code: 'CP-01', x: 6, y: 112 },
  { id: 'CP-02', name: '幼儿园北门', code: '04:A2:3B:91:5C:80', x: 63, y: 103 },
  { id: 'CP-03', name: '东北角', code: 'QR-NE-CORNER', x: 137, y: 112 },
];
const index = indexCheckpoints(checkpoints);

/** What normalizeEvent makes of a check-in: x/y from the GPS fix when there is one. */
function checkin(data: Record<string, string | number>, fix?: [number, number]): EstateEvent {
  const event: EstateEvent = { estate: 'garden', device: 'h1', kind: 'checkin', id: 'k1', ts: 0, rx: 0, data: { guard: 'G01', method: 'nfc', ...data } };
  if (fix) {
    const [lon, lat] = frame.toLonLat(fix[0], fix[1]);
    Object.assign(event.data, { lat, lon });
    const [x, y] = frame.toLocal(lon, lat);
    Object.assign(event, { x, y });
  }
  return event;
}

describe('resolveCheckpoint', () => {
  it('matches the tag code whatever the case and separators, or the checkpoint id', () => {
    expect(normalizeCode(' 04-a2-3b-91-5c-80 ')).toBe('04A23B915C80');
    expect(resolveCheckpoint(checkin({ checkpoint: '04a23b915c80' }), index)).toEqual({ checkpoint: 'CP-02', via: 'code' });
    expect(resolveCheckpoint(checkin({ checkpoint: 'qr-ne-corner' }), index).checkpoint).toBe('CP-03');
    expect(resolveCheckpoint(checkin({ checkpoint: 'CP-03' }), index).checkpoint).toBe('CP-03');
  });

  it('falls back to the nearest checkpoint within the geofence for an unknown code with a GPS fix', () => {
    const near = resolveCheckpoint(checkin({ checkpoint: 'gps', method: 'gps' }, [70, 110]), index);
    expect(near.checkpoint).toBe('CP-02');
    expect(near.via).toBe('gps');
    expect(near.distanceM).toBeCloseTo(Math.hypot(7, 7), 0);
    // outside every geofence: unresolved
    expect(resolveCheckpoint(checkin({ checkpoint: 'gps', method: 'gps' }, [63 + GEOFENCE_M + 1, 103]), index)).toEqual({ checkpoint: null, via: null });
    // no fix of its own (x/y from the device's installed place do not count)
    const placed = { ...checkin({ checkpoint: 'unknown' }), x: 63, y: 103 };
    expect(resolveCheckpoint(placed, index).checkpoint).toBeNull();
  });

  it('keeps the code as proof but reports how far the GPS fix was', () => {
    const r = resolveCheckpoint(checkin({ checkpoint: 'CP-01' }, [6, 412]), index);
    expect(r.checkpoint).toBe('CP-01');
    expect(r.distanceM).toBeCloseTo(300, 0);
  });

  it('recognises an SOS and photo references in notes', () => {
    expect(isSos(checkin({ checkpoint: 'sos', method: 'manual' }))).toBe(true);
    expect(isSos(checkin({ checkpoint: 'CP-01' }))).toBe(false);
    expect(photoOf('路灯不亮 [photo:k1-ph]')).toBe('k1-ph');
    expect(photoOf('no photo')).toBeUndefined();
  });
});

describe('provisioning QR', () => {
  it('reads {server?, device, token, guard?} and says what is wrong otherwise', () => {
    expect(parseProvisioning('{"device":"garden-guard-1","token":"sed_abc","guard":"G01"}')).toEqual({ ok: true, value: { device: 'garden-guard-1', token: 'sed_abc', guard: 'G01' } });
    expect(parseProvisioning('{"server":"https://estate.example:8443","device":"g1","token":"t"}')).toMatchObject({ ok: true, value: { server: 'https://estate.example:8443' } });
    expect(parseProvisioning('https://example.com')).toEqual({ ok: false, error: expect.stringMatching(/not a provisioning code/) });
    expect(parseProvisioning('{"device":"a/b","token":"t"}')).toEqual({ ok: false, error: expect.stringMatching(/^provisioning code: device:/) });
    expect(parseProvisioning('{"device":"g1"}')).toEqual({ ok: false, error: expect.stringMatching(/token/) });
    expect(parseProvisioning('{"device":"g1","token":"t","server":"javascript:alert(1)"}')).toMatchObject({ ok: false });
  });
});
