// What every rule sees and returns. Rules are pure: (state, event, context, now) → (state, changes);
// the alerts service applies the changes (de-duplication, lifecycle, persistence, live upserts).
import type { AlertInput } from '../sink.ts';
import type { EstateParams, DeviceParams } from '../params.ts';
import type { ZoneRule } from '../zones.ts';

export type AlertChange =
  /** open an alert, or fold the observation into the open one with the same (source, type) */
  | { op: 'raise'; alert: AlertInput }
  /** refresh an open alert's last-seen time; never opens one (e.g. a detection's `update` phase) */
  | { op: 'touch'; estate: string; source: string; type: string; at: number }
  /** the condition ended: auto-clear the open alert */
  | { op: 'clear'; estate: string; source: string; type: string; at: number };

export interface RuleContext {
  estate: string;
  timeZone: string;
  params: EstateParams;
  zones: readonly ZoneRule[];
  /** a device's display name (its id when unknown) */
  deviceName(id: string): string;
  /** what the registry knows about a device, with its alert parameters */
  device(id: string): DeviceFacts | undefined;
}

export interface DeviceFacts {
  id: string;
  name: string;
  /** camera, gate, patrol, sensor */
  kind: string;
  x: number | null;
  y: number | null;
  params: DeviceParams;
}

export interface RuleResult<S> {
  state: S;
  changes: AlertChange[];
}

/** The place fields of an event, copied onto its alert (for the map and the on-site geofence). */
export function placeOf(event: { x?: number; y?: number; building?: string }): Pick<AlertInput, 'x' | 'y' | 'building'> {
  const out: Pick<AlertInput, 'x' | 'y' | 'building'> = {};
  if (typeof event.x === 'number') out.x = event.x;
  if (typeof event.y === 'number') out.y = event.y;
  if (event.building) out.building = event.building;
  return out;
}
