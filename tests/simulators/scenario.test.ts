import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localFrame, validatePayload, type EventKind } from '../../protocol/index.ts';
import { parseEstateGeoJson } from '../../server/estate/geojson.ts';
import { DEMO_ESTATE_FILE } from '../../server/estate/demo.ts';
import { createScenario, scenarioUntil, type ScenarioInput } from '../../simulators/index.ts';
import { createRng, mulberry32 } from '../../simulators/scenario/random.ts';
import { PLATE_PATTERN, localPrefix, newEnergyPlate, ordinaryPlate } from '../../simulators/scenario/plates.ts';
import { isoInZone } from '../../simulators/scenario/time.ts';
import { traffic } from '../../simulators/scenario/traffic.ts';
import { formatProgress, printProgress } from '../../simulators/progress.ts';
import type { ScheduledEvent, SimProgress } from '../../simulators/types.ts';

// The demo estate, placed in WGS84 the way simulationPlan does it.
const demo = parseEstateGeoJson(JSON.parse(readFileSync(DEMO_ESTATE_FILE, 'utf8')));
const frame = localFrame(demo.estate);
const wgs = (x: number, y: number) => {
  const [lon, lat] = frame.toLonLat(x, y);
  return { lat, lon };
};
function input(seed: number, run = 'r1'): ScenarioInput {
  return {
    seed,
    run,
    estate: { id: demo.estate.id, lat: demo.estate.lat, lon: demo.estate.lon, timezone: demo.estate.timezone },
    devices: demo.devices.map((d) => ({ id: d.id, kind: d.kind, estate: 'garden', ...wgs(d.x!, d.y!), heading: d.heading, fov: d.fov, guard: d.guard })),
    checkpoints: demo.checkpoints.map((c) => ({ id: c.id, code: c.code, ...wgs(c.x, c.y) })),
  };
}
const HOUR = 3600_000;
const hour = (seed: number, run?: string) => scenarioUntil(createScenario(input(seed, run)), HOUR);
const of = <K extends EventKind>(events: ScheduledEvent[], kind: K) => events.filter((e): e is Extract<ScheduledEvent, { kind: K }> => e.kind === kind);

describe('determinism', () => {
  it('the same seed gives the same messages: ids, routes, plates, detections', () => {
    const a = hour(42);
    const b = hour(42);
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(createScenario(input(42)).routes).toEqual(createScenario(input(42)).routes);
  });
  it('another seed gives another hour', () => {
    const a = hour(42);
    const c = hour(43);
    expect(of(c, 'vehicle').map((e) => e.payload.plate)).not.toEqual(of(a, 'vehicle').map((e) => e.payload.plate));
    expect(of(c, 'camera').map((e) => e.at)).not.toEqual(of(a, 'camera').map((e) => e.at));
  });
  it('the run id prefixes every event id and changes nothing else', () => {
    const a = hour(5, 'runA');
    const b = hour(5, 'runB');
    expect(b.map((e) => ({ ...e, payload: { ...e.payload, id: undefined } }))).toEqual(a.map((e) => ({ ...e, payload: { ...e.payload, id: undefined } })));
    for (const e of b) expect(e.payload.id?.startsWith('runB-')).toBe(true);
  });
  it('mulberry32 is a fixed sequence; streams are independent of each other', () => {
    const r = mulberry32(1);
    expect([r(), r(), r()].map((v) => v.toFixed(6))).toEqual(['0.627074', '0.002736', '0.527447']);
    const x = createRng(7, 'camera:a');
    const y = createRng(7, 'camera:b');
    expect(x.next()).not.toBe(y.next());
    expect(createRng(7, 'camera:a').next()).toBe(createRng(7, 'camera:a').next());
  });
});

describe('the messages', () => {
  const events = hour(1);

  it('every payload is valid under device contract v1, with either kind of timestamp', () => {
    const now = Date.UTC(2026, 10, 27, 13, 30);
    for (const e of events) {
      for (const ts of [now, isoInZone(now, 'Asia/Shanghai')]) {
        const r = validatePayload(e.kind, { ...e.payload, ts });
        expect(r.ok ? 'ok' : `${e.device} ${e.kind}: ${r.error}`).toBe('ok');
      }
    }
  });
  it('ids are unique per device (the server drops repeats as duplicates)', () => {
    const seen = new Set<string>();
    for (const e of events) {
      const key = `${e.device}/${e.payload.id}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });
  it('streams are in time order and every device is heard from', () => {
    const scenario = createScenario(input(1));
    for (const s of scenario.streams) {
      let last = -1;
      for (let i = 0; i < 300; i++) {
        const e = s.events.next().value as ScheduledEvent;
        expect(e.at).toBeGreaterThanOrEqual(last);
        last = e.at;
      }
    }
    expect(new Set(events.map((e) => e.device))).toEqual(new Set(demo.devices.map((d) => d.id)));
  });
  it('heartbeats: retained status every 30 s; handhelds report battery', () => {
    const beats = of(events, 'status').filter((e) => e.device === 'garden-guard-1');
    expect(beats.length).toBe(120);
    expect(beats.every((e) => e.retain && e.payload.online && typeof e.payload.battery === 'number')).toBe(true);
    expect(beats[1].at - beats[0].at).toBe(30_000);
  });
  it('guards walk their route at walking pace and check in at its checkpoints in order', () => {
    const { routes } = createScenario(input(1));
    expect(routes).toHaveLength(4);
    expect(new Set(routes.map((r) => r.stops[0].code)).size).toBe(4); // spread out
    for (const route of routes) {
      const codes = route.stops.map((s) => s.code);
      const checkins = of(events, 'checkin').filter((e) => e.device === route.device);
      expect(checkins.length).toBeGreaterThan(12);
      // every check-in is at the next stop of the loop, now and then a later one when a tag was missed
      let at = -1;
      let inOrder = 0;
      for (const c of checkins) {
        const i = codes.indexOf(c.payload.checkpoint);
        expect(i).toBeGreaterThanOrEqual(0);
        const step = (i - at + codes.length) % codes.length;
        expect(step).toBeGreaterThanOrEqual(1);
        expect(step).toBeLessThanOrEqual(3);
        if (step === 1) inOrder++;
        at = i;
        expect(c.payload.guard).toBe(route.guard);
      }
      expect(inOrder).toBeGreaterThan(checkins.length * 0.75);
      const positions = of(events, 'position').filter((e) => e.device === route.device);
      for (let i = 1; i < positions.length; i++) {
        const [x0, y0] = frame.toLocal(positions[i - 1].payload.lon, positions[i - 1].payload.lat);
        const [x1, y1] = frame.toLocal(positions[i].payload.lon, positions[i].payload.lat);
        const speed = Math.hypot(x1 - x0, y1 - y0) / ((positions[i].at - positions[i - 1].at) / 1000);
        expect(speed).toBeLessThan(6); // walking (1.1–1.5 m/s) plus GPS noise
        expect(Math.hypot(x1, y1)).toBeLessThan(220);
      }
    }
    expect(new Set(of(events, 'checkin').map((e) => e.payload.method))).toEqual(new Set(['nfc', 'qr']));
  });
  it('cameras: start, updates, end of one episode share type and label; intrusion is rare', () => {
    const cams = of(events, 'camera');
    expect(cams.length).toBeGreaterThan(40 * 10);
    const byDevice = new Map<string, typeof cams>();
    for (const e of cams) byDevice.set(e.device, [...(byDevice.get(e.device) ?? []), e]);
    for (const list of byDevice.values()) {
      let open: (typeof cams)[number] | null = null;
      for (const e of list) {
        if (e.payload.phase === 'start') {
          expect(open).toBeNull();
          open = e;
        } else {
          expect(open).not.toBeNull();
          expect(e.payload.type).toBe(open!.payload.type);
          expect(e.payload.label).toBe(open!.payload.label);
          if (e.payload.phase === 'end') open = null;
        }
      }
    }
    const starts = cams.filter((e) => e.payload.phase === 'start');
    const intrusions = starts.filter((e) => e.payload.type === 'intrusion').length;
    expect(intrusions).toBeLessThan(starts.length * 0.1);
    expect(new Set(starts.map((e) => e.payload.type))).toContain('person');
  });
  it('plate cameras: Chinese plates, in before out, both gates used', () => {
    const reads = of(events, 'vehicle');
    expect(reads.length).toBeGreaterThan(40);
    // a few reads are misreads (O/I for 0/1, which the server maps back; a swapped 8/B-like pair)
    for (const r of reads) expect(r.payload.plate.replace(/O/g, '0').replace(/I/g, '1')).toMatch(PLATE_PATTERN);
    // so the in/out order is checked on the cars the traffic drove, not on what the cameras read
    const passes = traffic(createRng(1, 'traffic'), { gates: ['garden-lpr-east', 'garden-lpr-north'], prefix: '浙A' });
    const state = new Map<string, 'in' | 'out'>();
    for (let p = passes.next().value; p && p.at < HOUR; p = passes.next().value) {
      expect(state.get(p.car.plate)).not.toBe(p.direction); // never in twice without out
      state.set(p.car.plate, p.direction);
    }
    expect(new Set(reads.map((r) => r.device))).toEqual(new Set(['garden-lpr-north', 'garden-lpr-east']));
    expect(reads.filter((r) => r.payload.plate.startsWith('浙A')).length).toBeGreaterThan(reads.length / 2);
  });
});

describe('plates, time, progress', () => {
  it('plates look like 浙A·12345 and 浙AD12345', () => {
    const rng = createRng(3, 'plates');
    for (let i = 0; i < 200; i++) {
      expect(ordinaryPlate(rng, '浙A')).toMatch(/^浙A·[A-HJ-NP-Z0-9]{5}$/);
      expect(newEnergyPlate(rng, '浙A')).toMatch(/^浙A[DF]\d{5}$/);
    }
    expect(localPrefix(30.288, 120.129)).toBe('浙A');
    expect(localPrefix(31.2, 121.5)).toBe('沪A');
  });
  it('ISO timestamps carry the estate offset and mean the same instant', () => {
    const ms = Date.UTC(2026, 10, 27, 13, 30, 0, 45);
    expect(isoInZone(ms, 'Asia/Shanghai')).toBe('2026-11-27T21:30:00.045+08:00');
    expect(isoInZone(ms, 'America/New_York')).toBe('2026-11-27T08:30:00.045-05:00');
    expect(isoInZone(ms, 'UTC')).toBe('2026-11-27T13:30:00.045+00:00');
    expect(Date.parse(isoInZone(ms, 'Asia/Kolkata'))).toBe(ms);
  });
  const progress: SimProgress = {
    devices: 46, connected: 45, published: { checkin: 3, camera: 20, vehicle: 0, position: 10, status: 46 },
    acked: 77, errors: 1, failed: 0, elapsedMs: 5_000, scenarioMs: 3_725_000,
  };
  it('formats one line', () => {
    expect(formatProgress(progress)).toBe('sim 1:02:05 | devices 45/46 | sent 79 (checkin 3 · camera 20 · position 10 · status 46) | acked 77 | rejected 1');
  });
  it('rewrites the line on a terminal, prints every 10 s otherwise', () => {
    const tty: string[] = [];
    const onTty = printProgress({ stream: { isTTY: true, write: (s: string) => tty.push(s) } });
    onTty(progress);
    onTty(progress);
    expect(tty).toHaveLength(2);
    expect(tty[0].startsWith('\r')).toBe(true);
    const file: string[] = [];
    const onFile = printProgress({ stream: { write: (s: string) => file.push(s) } });
    onFile(progress);
    onFile(progress); // within 10 s: skipped
    expect(file).toEqual([formatProgress(progress) + '\n']);
  });
});
