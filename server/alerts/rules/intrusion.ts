// Perimeter intrusion (周界入侵) and restricted-zone intrusion (禁区闯入): a camera's `intrusion` or
// `person` detection in an armed zone during its active hours (the estate's time zone). One open alert
// per camera: a detection's `update` phase only refreshes it, a new `start` folds into it.
import type { EstateEvent } from '../../../protocol/index.ts';
import { isActive } from '../hours.ts';
import { zonesAt } from '../zones.ts';
import { placeOf, type AlertChange, type RuleContext } from './types.ts';

export const INTRUSION = 'intrusion';

export function intrusionRule(event: EstateEvent, ctx: RuleContext): AlertChange[] {
  if (event.kind !== 'camera') return [];
  const { type, phase, score } = event.data;
  if ((type !== 'intrusion' && type !== 'person') || phase === 'end') return [];
  if (typeof score === 'number' && score < ctx.params.minScore) return [];
  const zone = zonesAt(ctx.zones, { x: event.x, y: event.y, zone: event.data.zone }, ctx.params.perimeterBandM).find(
    (z) => z.params.enabled && z.params.types.includes(type) && isActive(z.params.hours, event.ts, ctx.timeZone),
  );
  if (!zone) return [];
  if (phase === 'update') return [{ op: 'touch', estate: event.estate, source: event.device, type: INTRUSION, at: event.ts }];
  const camera = ctx.deviceName(event.device);
  const restricted = zone.kind === 'restricted';
  return [
    {
      op: 'raise',
      alert: {
        estate: event.estate,
        source: event.device,
        type: INTRUSION,
        severity: 'major',
        title: `${restricted ? 'Restricted zone intrusion' : 'Perimeter intrusion'}: ${zone.name} (${camera})`,
        titleZh: `${restricted ? '禁区闯入' : '周界入侵'}：${zone.name}（${camera}）`,
        ...placeOf(event),
        device: event.device,
        zone: zone.id,
        detail: {
          zone: zone.id,
          zoneKind: zone.kind,
          detection: type,
          score: event.data.score,
          ...(event.data.label !== undefined ? { label: event.data.label } : {}),
          ...(event.data.snapshot !== undefined ? { snapshot: event.data.snapshot } : {}),
          event: event.id,
        },
        at: event.ts,
      },
    },
  ];
}
