// What the details panel says about a picked building or device: pure look-ups over the estate
// configuration, the live (or replay) store and fetched events, so the rules are unit-tested.
import type { BuildingInfo, DeviceInfo } from '../../../protocol/api.ts';
import { pointInPolygon } from '../../../protocol/geo.ts';
import type { EstateEvent } from '../../../protocol/schemas.ts';
import type { AlertMessage } from '../live/live-store.ts';

/** Cameras hang on façades: a device this close to a footprint counts as the building's. */
export const FACADE_MARGIN_M = 6;

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Is the point inside the building's footprint, or within `margin` metres of its outline? */
export function nearBuilding(building: BuildingInfo, x: number, y: number, margin = FACADE_MARGIN_M): boolean {
  for (const polygon of building.polygons) {
    if (pointInPolygon(x, y, polygon)) return true;
    const ring = polygon[0] ?? [];
    for (let i = 0; i + 1 < ring.length; i++) {
      if (distanceToSegment(x, y, ring[i][0], ring[i][1], ring[i + 1][0], ring[i + 1][1]) <= margin) return true;
    }
  }
  return false;
}

/** Devices installed in (or on) a building. */
export function devicesOfBuilding(building: BuildingInfo, devices: readonly DeviceInfo[]): DeviceInfo[] {
  return devices.filter((d) => d.x !== null && d.y !== null && nearBuilding(building, d.x, d.y));
}

/** The building a device is installed in, if any. */
export function buildingOfDevice(device: Pick<DeviceInfo, 'x' | 'y'>, buildings: readonly BuildingInfo[]): BuildingInfo | null {
  if (device.x === null || device.y === null) return null;
  return buildings.find((b) => nearBuilding(b, device.x!, device.y!, 0)) ?? buildings.find((b) => nearBuilding(b, device.x!, device.y!)) ?? null;
}

/** Events that belong to a building: tagged with it by the server, or from one of its devices. Newest first, at most `limit`. */
export function buildingEvents(events: readonly EstateEvent[], building: string, devices: ReadonlySet<string>, limit = 8): EstateEvent[] {
  return events.filter((e) => e.building === building || devices.has(e.device)).slice(0, limit);
}

/** Open alerts about a building: tagged with it, raised by one of its devices, or placed inside it. */
export function buildingAlerts(alerts: Iterable<AlertMessage>, building: BuildingInfo, devices: ReadonlySet<string>): AlertMessage[] {
  const out: AlertMessage[] = [];
  for (const a of alerts) {
    const source = typeof a.device === 'string' ? a.device : typeof a.source === 'string' ? a.source : '';
    const placed = typeof a.x === 'number' && typeof a.y === 'number' && nearBuilding(building, a.x, a.y, 0);
    if (a.building === building.id || devices.has(source) || placed) out.push(a);
  }
  return out;
}

/** Open alerts raised by (or about) one device. */
export function deviceAlerts(alerts: Iterable<AlertMessage>, device: string): AlertMessage[] {
  const out: AlertMessage[] = [];
  for (const a of alerts) if (a.device === device || a.source === device) out.push(a);
  return out;
}
