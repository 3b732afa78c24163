// Small hand-made estates and events for the pure rule tests.
import type { EstateEvent } from '../../protocol/index.ts';
import { mergeEstateParams, mergeZoneParams, type DeviceParams, type EstateParams, type ZoneOverride } from '../../server/alerts/params.ts';
import type { DeviceFacts, RuleContext } from '../../server/alerts/rules/types.ts';
import type { ZoneRule } from '../../server/alerts/zones.ts';

export const ESTATE = 'test';
export const SH = 'Asia/Shanghai';
/** Shanghai wall-clock time → epoch ms. 2026-11-27 is a Friday. */
export const sh = (iso: string) => Date.parse(`${iso}+08:00`);

const rect = (x0: number, y0: number, x1: number, y1: number): Array<[number, number]> => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];

/** A 300 × 250 m fenced estate, a power room (restricted) in the north-east, a car park. */
export function zone(id: string, kind: string, ring: Array<[number, number]>, hours: unknown = null, override?: ZoneOverride): ZoneRule {
  return { id, name: id, kind, polygon: [ring], params: mergeZoneParams(kind, hours, override).params! };
}

export const ZONES: ZoneRule[] = [
  zone('perimeter', 'perimeter', rect(-150, -125, 150, 125)),
  zone('power-room', 'restricted', rect(113, 79, 131, 97)),
];

export function ruleContext(options: { zones?: ZoneRule[]; params?: Partial<EstateParams>; devices?: Array<Partial<DeviceFacts> & { id: string }>; timeZone?: string } = {}): RuleContext {
  const devices = new Map<string, DeviceFacts>(
    (options.devices ?? []).map((d) => [d.id, { name: d.id, kind: 'camera', x: null, y: null, params: {} as DeviceParams, ...d }]),
  );
  return {
    estate: ESTATE,
    timeZone: options.timeZone ?? SH,
    params: mergeEstateParams(options.params),
    zones: options.zones ?? ZONES,
    deviceName: (id) => devices.get(id)?.name ?? id,
    device: (id) => devices.get(id),
  };
}

export function event(kind: EstateEvent['kind'], device: string, data: EstateEvent['data'], extra: Partial<EstateEvent> = {}): EstateEvent {
  const ts = extra.ts ?? sh('2026-11-27T23:00:00');
  return { estate: ESTATE, device, kind, id: `${device}-${ts}-${Math.random().toString(36).slice(2, 8)}`, ts, rx: ts, data, ...extra };
}

export const camera = (device: string, type: string, phase: string, where: { x?: number; y?: number; ts?: number; zone?: string; score?: number } = {}) =>
  event('camera', device, { type, phase, score: where.score ?? 0.9, ...(where.zone ? { zone: where.zone } : {}) }, { ts: where.ts, x: where.x, y: where.y });
