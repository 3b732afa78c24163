// The guard app's pure parts: check-ins as the phone builds them (id and time fixed at the tap,
// validated with the device contract's schema), SOS, queued check-ins shown on the tour, and
// provisioning codes for another server.
import { describe, expect, it } from 'vitest';
import { checkinSchema } from '../../protocol/schemas.ts';
import type { TourView } from '../../protocol/patrol.ts';
import { buildCheckin, buildSos, newEventId, sameCode } from '../../web/src/guard/checkin.ts';
import { elsewhere } from '../../web/src/guard/credentials.ts';
import type { OutboxItem } from '../../web/src/guard/outbox.ts';
import { overlayQueue } from '../../web/src/guard/tour-overlay.ts';

const NOW = Date.parse('2026-11-27T22:07:00+08:00');
const MIN = 60_000;

describe('buildCheckin', () => {
  it('fixes a unique id and the scan time at the tap, and passes the contract schema', () => {
    const a = buildCheckin({ device: 'phone-1', guard: 'G01', code: ' cp-02 ', method: 'manual', now: NOW });
    const b = buildCheckin({ device: 'phone-1', guard: 'G01', code: 'cp-02', method: 'manual', now: NOW });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.payload).toMatchObject({ ts: NOW, guard: 'G01', checkpoint: 'cp-02', method: 'manual' });
    expect(a.payload.id).toMatch(/^phone-1-[0-9a-z]+-[0-9a-f]{12}$/);
    expect(a.payload.id).not.toBe(b.payload.id);
    expect(checkinSchema.safeParse(a.payload).success).toBe(true);
    expect(newEventId('d'.repeat(64), NOW).length).toBeLessThanOrEqual(128);
  });

  it('puts a photo reference and the position in, and refuses what the server would refuse', () => {
    const r = buildCheckin({ device: 'p', guard: 'G01', code: 'CP-01', method: 'qr', note: ' 路灯不亮 ', photoId: 'ph-1', position: { lat: 30.288, lon: 120.129 }, now: NOW });
    expect(r.ok && r.payload).toMatchObject({ note: '路灯不亮 [photo:ph-1]', lat: 30.288, lon: 120.129 });
    expect(buildCheckin({ device: 'p', guard: 'G01', code: '   ', method: 'manual', now: NOW })).toEqual({ ok: false, error: expect.stringMatching(/^checkpoint:/) });
    expect(buildCheckin({ device: 'p', guard: 'G01', code: 'CP-01', method: 'manual', note: 'x'.repeat(1001), now: NOW })).toMatchObject({ ok: false });
  });

  it('makes an SOS a manual check-in at the reserved checkpoint', () => {
    const r = buildSos({ device: 'p', guard: 'G01', note: '东门有人翻墙', now: NOW });
    expect(r.ok && r.payload).toMatchObject({ checkpoint: 'SOS', method: 'manual', note: 'SOS 东门有人翻墙' });
    expect(sameCode('04:a2:3b', '04A23B')).toBe(true);
  });
});

describe('overlayQueue', () => {
  const start = NOW - 7 * MIN;
  const stop = (checkpoint: string, min: number, status: 'pending' | 'on_time' | 'missed', scanTs?: number) => ({
    checkpoint, name: checkpoint, code: checkpoint === 'CP-02' ? '04:A2:3B' : checkpoint, plannedAt: start + min * MIN, deadline: start + (min + 15) * MIN, status,
    ...(scanTs ? { scan: { device: 'h', id: 'x', guard: 'G01', ts: scanTs, method: 'nfc' } } : {}),
  });
  const tour = { opens: start - 5 * MIN, stops: [stop('CP-01', 0, 'on_time', start + MIN), stop('CP-02', 5, 'pending'), stop('CP-03', 10, 'missed'), stop('CP-04', 15, 'pending')] } as unknown as TourView;
  const item = (checkpoint: string, ts: number): OutboxItem => ({ id: `q-${checkpoint}`, queuedAt: ts, device: 'p', estate: 'garden', payload: { id: `q-${checkpoint}`, ts, guard: 'G01', checkpoint, method: 'manual' } });

  it('shows queued check-ins on the checkpoints they will fill, by code, within the window', () => {
    const shown = overlayQueue(tour, [item('04a23b', NOW), item('CP-03', start + 20 * MIN), item('CP-04', start - 10 * MIN), item('CP-01', NOW)]);
    expect(shown.map((s) => [s.checkpoint, s.shown, s.at])).toEqual([
      ['CP-01', 'on_time', start + MIN], // the server's scan stands
      ['CP-02', 'queued', NOW],
      ['CP-03', 'queued', start + 20 * MIN], // a late sync will turn missed into late
      ['CP-04', 'pending', null], // scanned before the tour opened: not this tour's
    ]);
  });
});

describe('elsewhere', () => {
  it('sends a provisioning code for another server there, in the URL fragment', () => {
    expect(elsewhere({ device: 'g1', token: 't' }, 'https://a.example')).toBeNull();
    expect(elsewhere({ server: 'https://a.example/', device: 'g1', token: 't' }, 'https://a.example')).toBeNull();
    const url = elsewhere({ server: 'https://b.example:8443', device: 'g1', token: 'sed_x', guard: 'G01' }, 'https://a.example')!;
    expect(url.startsWith('https://b.example:8443/guard#provision=')).toBe(true);
    expect(JSON.parse(decodeURIComponent(url.split('#provision=')[1]))).toEqual({ device: 'g1', token: 'sed_x', guard: 'G01' });
  });
});
