// Falling objects (高空抛物), fire (火情) and smoke (烟雾): critical at once. They never clear by
// themselves: a detection ending does not mean the danger is over, a person has to look.
// A later `update` of the same detection folds into the open alert (or opens a new one if it was
// already resolved: the camera still sees it).
import type { EstateEvent } from '../../../protocol/index.ts';
import { placeOf, type AlertChange, type RuleContext } from './types.ts';

const HAZARDS: Record<string, { en: string; zh: string }> = {
  falling_object: { en: 'Falling object', zh: '高空抛物' },
  fire: { en: 'Fire detected', zh: '火情' },
  smoke: { en: 'Smoke detected', zh: '烟雾' },
};

export function hazardRule(event: EstateEvent, ctx: RuleContext): AlertChange[] {
  if (event.kind !== 'camera') return [];
  const { type, phase, score } = event.data;
  const hazard = typeof type === 'string' ? HAZARDS[type] : undefined;
  if (!hazard || phase === 'end') return [];
  if (typeof score === 'number' && score < ctx.params.minScore) return [];
  const camera = ctx.deviceName(event.device);
  return [
    {
      op: 'raise',
      alert: {
        estate: event.estate,
        source: event.device,
        type: type as string,
        severity: 'critical',
        title: `${hazard.en}: ${camera}`,
        titleZh: `${hazard.zh}：${camera}`,
        ...placeOf(event),
        device: event.device,
        ...(typeof event.data.zone === 'string' ? { zone: event.data.zone } : {}),
        detail: {
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
