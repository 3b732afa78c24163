// Camera tamper (遮挡 / 移位 / 破坏): a blind camera is as bad as an offline one. Clears when the
// camera reports the tamper ended (its view is back).
import type { EstateEvent } from '../../../protocol/index.ts';
import { placeOf, type AlertChange, type RuleContext } from './types.ts';

export const TAMPER = 'tamper';

export function tamperRule(event: EstateEvent, ctx: RuleContext): AlertChange[] {
  if (event.kind !== 'camera' || event.data.type !== TAMPER) return [];
  if (event.data.phase === 'end') return [{ op: 'clear', estate: event.estate, source: event.device, type: TAMPER, at: event.ts }];
  const camera = ctx.deviceName(event.device);
  return [
    {
      op: 'raise',
      alert: {
        estate: event.estate,
        source: event.device,
        type: TAMPER,
        severity: 'major',
        title: `Camera tampered: ${camera}`,
        titleZh: `摄像机遮挡/破坏：${camera}`,
        ...placeOf(event),
        device: event.device,
        detail: { score: event.data.score, event: event.id, ...(event.data.label !== undefined ? { label: event.data.label } : {}) },
        at: event.ts,
      },
    },
  ];
}
