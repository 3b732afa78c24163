// The residents' page and the work-order layer, their pure parts: photo checks by magic bytes and
// size, how failed answers are told apart (429 with Retry-After, network, photo), the QR sheet's
// path (it must draw exactly the code's dark modules), and where/in what colour orders are drawn.
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import type { BuildingInfo } from '../../protocol/api.ts';
import { checkPhoto, formatBytes, MAX_PHOTO_BYTES, sniffImageType } from '../../web/src/report/photo-check.ts';
import { classify, retryAtFrom } from '../../web/src/report/report-http.ts';
import { isBlank, placeFields } from '../../web/src/report/draft.ts';
import { QUIET, qrPath, reportLink } from '../../web/src/panels/workorders/qr-path.ts';
import { buildingIndex, layoutSpots, ROOF_CLEARANCE, spotLevel, STACK_STEP } from '../../web/src/map/work-order-layout.ts';

const JPEG = [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d];
const WEBP = [...'RIFF'].map((c) => c.charCodeAt(0)).concat([0x24, 0, 0, 0], [...'WEBP'].map((c) => c.charCodeAt(0)));

describe('photo checks', () => {
  it('knows JPEG, PNG and WebP by their first bytes, and nothing else', () => {
    expect(sniffImageType(new Uint8Array(JPEG))).toBe('image/jpeg');
    expect(sniffImageType(new Uint8Array(PNG))).toBe('image/png');
    expect(sniffImageType(new Uint8Array(WEBP))).toBe('image/webp');
    expect(sniffImageType(new TextEncoder().encode('<svg onload=alert(1)>'))).toBeNull();
    expect(sniffImageType(new TextEncoder().encode('GIF89a......'))).toBeNull();
    expect(sniffImageType(new Uint8Array([0xff, 0xd8]))).toBeNull();
  });

  it('refuses a renamed text file and an oversize photo with the reason, takes a good one', async () => {
    const fake = new File(['just text, named like a photo'], 'leak.jpg', { type: 'image/jpeg' });
    expect(await checkPhoto(fake)).toEqual({ ok: false, problem: { kind: 'type', name: 'leak.jpg' } });
    const big = new File([new Uint8Array(JPEG), new Uint8Array(MAX_PHOTO_BYTES)], 'big.jpg', { type: 'image/jpeg' });
    expect(await checkPhoto(big)).toEqual({ ok: false, problem: { kind: 'size', name: 'big.jpg', bytes: MAX_PHOTO_BYTES + JPEG.length } });
    const good = new File([new Uint8Array(PNG), new Uint8Array(1000)], 'ok.png', { type: 'application/octet-stream' });
    expect(await checkPhoto(good)).toEqual({ ok: true, type: 'image/png' });
    expect(formatBytes(5.5 * 1024 * 1024)).toBe('5.5 MB');
    expect(formatBytes(300)).toBe('1 KB');
  });
});

describe('failed answers', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  it('reads Retry-After as seconds or a date, a minute when missing', () => {
    expect(retryAtFrom('30', now)).toBe(now + 30_000);
    expect(retryAtFrom('Tue, 01 Dec 2026 10:05:00 GMT', now)).toBe(now + 5 * 60_000);
    expect(retryAtFrom(null, now)).toBe(now + 60_000);
    expect(retryAtFrom('soon', now)).toBe(now + 60_000);
  });
  it('tells rate limits, lost connections, refused photos and other errors apart, keeping the reason', () => {
    expect(classify(429, { error: 'too many requests', reason: 'rate_limited' }, '120', now)).toEqual({ kind: 'rate', retryAt: now + 120_000, message: 'too many requests: rate_limited' });
    expect(classify(0, null, null, now).kind).toBe('network');
    expect(classify(415, { error: 'photo 1 is not a JPEG, PNG or WebP image' }, null, now, true)).toMatchObject({ kind: 'photo', message: 'photo 1 is not a JPEG, PNG or WebP image' });
    expect(classify(400, { error: 'unknown category', reason: 'bad_category' }, null, now, true)).toEqual({ kind: 'server', status: 400, message: 'unknown category: bad_category' });
    expect(classify(404, { error: 'no such request' }, null, now).kind).toBe('not_found');
  });
});

describe('floor, unit and room of a report', () => {
  it('sends only those filled in, trimmed, and only with a building', () => {
    expect(placeFields({ building: 'b3', floor: ' 5 ', unit: '', room: '502' })).toEqual({ floor: '5', room: '502' });
    expect(placeFields({ building: 'b3', floor: 'B1', unit: '2', room: ' ' })).toEqual({ floor: 'B1', unit: '2' });
    expect(placeFields({ building: '', floor: '5', unit: '2', room: '502' })).toEqual({});
    // drafts kept before these fields existed have none
    expect(placeFields({ building: 'b3' })).toEqual({});
    expect(isBlank({ description: '', photos: [], name: '', phone: '', floor: '12' })).toBe(false);
    expect(isBlank({ description: '', photos: [], name: '', phone: '' })).toBe(true);
  });
  it('tells a place off the building apart, with its reason, from other refusals', () => {
    const now = 0;
    expect(classify(400, { error: "building 'b3' has floors 1–18: no floor 40", reason: 'unknown_floor' }, null, now, true)).toEqual({ kind: 'place', reason: 'unknown_floor', message: "building 'b3' has floors 1–18: no floor 40" });
    expect(classify(400, { error: 'x', reason: 'ambiguous_room' }, null, now).kind).toBe('place');
    expect(classify(400, { error: 'unknown category', reason: 'bad_category' }, null, now).kind).toBe('server');
    expect(classify(409, { error: 'x', reason: 'unknown_floor' }, null, now).kind).toBe('server');
  });
});

describe('QR sheet', () => {
  it('draws exactly the dark modules of the code, inside a 4-module quiet zone', () => {
    const link = reportLink('http://estate.example/', 'garden', 'B 3/1');
    expect(link).toBe('http://estate.example/report?e=garden&b=B%203%2F1');
    const { size, d } = qrPath(link);
    const { modules } = QRCode.create(link, { errorCorrectionLevel: 'M' });
    expect(size).toBe(modules.size);
    const drawn = new Uint8Array(size * size);
    for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
      const [x, y, w, back] = m.slice(1).map(Number);
      expect(back).toBe(w);
      expect(x).toBeGreaterThanOrEqual(QUIET);
      for (let i = 0; i < w; i++) drawn[(y - QUIET) * size + (x - QUIET + i)]++;
    }
    expect(Array.from(drawn)).toEqual(Array.from(modules.data, (v) => (v ? 1 : 0)));
  });
});

describe('work-order layer layout', () => {
  const building = (id: string, x: number, y: number, height: number): BuildingInfo => ({ id, name: id, use: 'residential', floors: null, height, minHeight: 0, polygons: [], center: [x, y] });
  const index = buildingIndex([building('b1', 10, 20, 30), building('b2', -50, 5, 12)]);
  const now = 1_000_000;
  it('stacks one building’s orders over its roof, nearest deadline lowest, paused last; places loose ones; drops the unplaceable', () => {
    const placed = layoutSpots(
      [
        { id: 'late', building: 'b1', due: now + 60 * 60_000, opened: now - 60_000, paused: false },
        { id: 'paused', building: 'b1', due: now + 1_000, opened: now - 60_000, paused: true },
        { id: 'soon', building: 'b1', due: now + 30_000, opened: now - 10 * 60_000, paused: false },
        { id: 'over', building: 'b2', due: now - 1, opened: now - 60_000, paused: false },
        { id: 'loose', x: 3, y: 4, due: now + 1e6, opened: now, paused: false },
        { id: 'nowhere', building: 'b9', due: now, opened: now, paused: false },
      ],
      index,
      now,
    );
    expect(placed.map((p) => [p.id, p.level])).toEqual([
      ['soon', 'soon'],
      ['late', 'calm'],
      ['paused', 'paused'],
      ['over', 'overdue'],
      ['loose', 'calm'],
    ]);
    expect(placed.slice(0, 3).map((p) => p.h)).toEqual([30 + ROOF_CLEARANCE, 30 + ROOF_CLEARANCE + STACK_STEP, 30 + ROOF_CLEARANCE + 2 * STACK_STEP]);
    expect(placed[0]).toMatchObject({ x: 10, y: 20 });
    expect(placed[4]).toMatchObject({ x: 3, y: 4, h: ROOF_CLEARANCE });
  });
  it('colours by the countdown’s urgency: the last fifth of the window is soon', () => {
    expect(spotLevel({ due: 100, opened: 0, paused: false }, 79)).toBe('calm');
    expect(spotLevel({ due: 100, opened: 0, paused: false }, 80)).toBe('soon');
    expect(spotLevel({ due: 100, opened: 0, paused: false }, 100)).toBe('overdue');
    expect(spotLevel({ due: 100, opened: 0, paused: true }, 200)).toBe('paused');
  });
});
