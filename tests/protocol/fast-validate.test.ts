// The hot path's payload check must agree with the zod schemas: whenever it accepts, zod accepts and
// returns the very same value; whatever it leaves to zod, zod refuses (here: over generated payloads).
import { describe, expect, it } from 'vitest';
import { payloadSchemas, decodePayload } from '../../protocol/index.ts';
import { fastPayload } from '../../protocol/fast-validate.ts';
import type { EventKind } from '../../protocol/index.ts';
import { mulberry32 } from '../../simulators/scenario/random.ts';

const VALID: Record<EventKind, Record<string, unknown>> = {
  checkin: { id: 'k-1', ts: '2026-11-27T21:30:00+08:00', guard: 'G01', checkpoint: 'CP-03', method: 'nfc', lat: 30.1, lon: 120.2, note: '门未锁' },
  camera: { id: 'c-1', ts: 1_795_786_200_000, type: 'falling_object', phase: 'start', score: 0.93, zone: 'z1', label: '3号楼', snapshot: 'http://x/y.jpg' },
  vehicle: { id: 'v-1', plate: '浙AD12345', direction: 'out', confidence: 0.5, vehicleType: 'suv', color: 'green' },
  position: { id: 'p-1', ts: 0, lat: 30.27, lon: 120.15, accuracy: 5, guard: 'G02' },
  status: { online: false, battery: 87.5, rssi: -70, firmware: '1.2.3' },
};

/** Values that sit on or beside the schemas' edges. */
const ODD: unknown[] = [
  null, true, false, 0, -0, 1, -1, 0.5, 1.0000001, -90, 90, -90.0001, 180, -180.5, 100, 100.5, 100_000, 100_001, -200, 50, 51,
  8.64e15, 8.64e15 + 2, 1.5, 1e308, -1e-9, '', ' ', '  x  ', 'x', 'nfc', 'NFC', 'qr', 'in', 'out', 'start', 'end', 'fire', 'motion',
  'x'.repeat(16), 'x'.repeat(17), ` ${'y'.repeat(64)} `, 'y'.repeat(65), 'z'.repeat(128), 'z'.repeat(129), 'w'.repeat(1000), 'w'.repeat(1001),
  'v'.repeat(2048), 'v'.repeat(2049), '2026-11-27T21:30', '2026-11-27T21:30:00Z', '2026-13-45T99:99:00Z', '2026-11-27', 'yesterday',
  '2026-11-27T21:30:00.123456789+08:00 and more words to pass forty', '\u00a0x\u00a0', '\ufeffx', '\tG01\n', [], {}, [1], { a: 1 },
];

function mutate(base: Record<string, unknown>, rnd: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  const keys = [...Object.keys(base), 'id', 'ts', 'extra', 'guard', 'lat'];
  const n = Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    const key = keys[Math.floor(rnd() * keys.length)];
    const r = rnd();
    if (r < 0.2) delete out[key];
    else out[key] = ODD[Math.floor(rnd() * ODD.length)];
  }
  if (rnd() < 0.3) {
    // another key order: zod's output follows the schema, not the input
    return Object.fromEntries(Object.entries(out).reverse());
  }
  return out;
}

describe('fast payload check', () => {
  it('accepts exactly what zod accepts and returns exactly what zod returns', () => {
    const rnd = mulberry32(20261127);
    let accepted = 0;
    let refused = 0;
    for (const kind of Object.keys(VALID) as EventKind[]) {
      for (let i = 0; i < 4000; i++) {
        const payload = i === 0 ? VALID[kind] : mutate(VALID[kind], rnd);
        const fast = fastPayload(kind, payload);
        const zod = payloadSchemas[kind].safeParse(payload);
        const label = `${kind} ${JSON.stringify(payload)}`;
        if (fast !== null) {
          expect(zod.success, label).toBe(true);
          expect(fast, label).toStrictEqual(zod.data);
          expect(JSON.stringify(fast), label).toBe(JSON.stringify(zod.data)); // same key order in the journal body
          accepted++;
        } else {
          expect(zod.success, `zod accepts what the fast path left to it: ${label}`).toBe(false);
          refused++;
        }
      }
    }
    // both sides of the line were exercised
    expect(accepted).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(2000);
  });

  it('leaves the wording of errors to zod', () => {
    expect(decodePayload('vehicle', JSON.stringify({ id: 'v', plate: '  ', direction: 'in', confidence: 1 }))).toMatchObject({ ok: false, id: 'v', error: expect.stringMatching(/^invalid vehicle: plate/) });
    expect(fastPayload('status', { online: true, battery: undefined })).toBeNull(); // unusual: zod decides
    expect(decodePayload('checkin', JSON.stringify({ ...VALID.checkin, guard: '  G01 ', extra: 1 }))).toMatchObject({ ok: true, payload: { guard: 'G01' } });
  });
});
