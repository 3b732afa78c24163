// One line of text per event for the side panel: who/what/where, in the operator's language.
import type { PanelEvent } from '../live/live-store.ts';
import { isMessageKey, type Lang, type Translate } from '../app/i18n.ts';

/** Names the estate knows for ids that appear in events (checkpoints, devices). */
export interface EstateNames {
  checkpoints: ReadonlyMap<string, string>;
  devices: ReadonlyMap<string, string>;
}

function str(value: unknown, fallback = '?'): string {
  return value === undefined || value === null || value === '' ? fallback : String(value);
}

/** A translated label for a wire value (e.g. `camera.fire`), or the value itself when unknown. */
function label(t: Translate, prefix: string, value: unknown): string {
  const key = `${prefix}.${str(value)}`;
  return isMessageKey(key) ? t(key) : str(value);
}

export function summarize(event: PanelEvent, t: Translate, names: EstateNames, lang: Lang = 'zh-CN'): string {
  const d = event.data;
  switch (event.kind) {
    case 'checkin': {
      const checkpoint = str(d.checkpoint);
      return t('summary.checkin', { guard: str(d.guard), checkpoint: names.checkpoints.get(checkpoint) ?? checkpoint });
    }
    case 'camera': {
      const score = typeof d.score === 'number' ? d.score.toFixed(2) : str(d.score);
      const phase = d.phase && d.phase !== 'start' ? ` · ${label(t, 'phase', d.phase)}` : '';
      return t('summary.camera', { type: label(t, 'camera', d.type), score }) + phase;
    }
    case 'vehicle':
      return t('summary.vehicle', { plate: str(d.plate), direction: label(t, 'direction', d.direction) });
    case 'position':
      return t('summary.position', { guard: str(d.guard, event.device) });
    case 'status': {
      const online = t(d.online === false ? 'status.offline' : 'status.online');
      const battery = typeof d.battery === 'number' ? t('summary.battery', { battery: Math.round(d.battery) }) : '';
      return t('summary.status', { online }) + battery;
    }
    case 'alert': {
      // the server writes both languages; a camera type is translated here when that is all there is
      const own = lang === 'en' ? d.title ?? d.titleZh : d.titleZh ?? d.title;
      const title = own !== undefined && own !== '' ? String(own) : label(t, 'camera', d.type);
      return t('summary.alert', { title, severity: label(t, 'severity', d.severity), status: label(t, 'alertStatus', d.status) });
    }
    default:
      return '';
  }
}

export function deviceLabel(device: string, names: EstateNames): string {
  return names.devices.get(device) ?? device;
}
