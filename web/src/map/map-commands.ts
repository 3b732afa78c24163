// Requests from panels to the 3D view: fly to a place, pulse a place. A plain mutable object with a
// version counter, read in the frame loop (never through React state), so any panel can point at the
// map without knowing how the map is built. One map per page: a module-level store.

export interface FlyToRequest {
  /** local metres (x east, y north) */
  x: number;
  y: number;
  /** bumps with every request so a repeat to the same place flies again */
  seq: number;
}

export interface MapPulse {
  x: number;
  y: number;
  /** epoch ms when the pulse started and when it stops */
  from: number;
  until: number;
  /** CSS colour */
  color: string;
}

export const mapCommands = {
  /** bumped on every change */
  version: 0,
  flyTo: null as FlyToRequest | null,
  pulses: new Map<string, MapPulse>(),
};

/** How long a place pulses unless told otherwise. */
export const PULSE_MS = 12_000;

export function requestFlyTo(x: number, y: number): void {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return;
  mapCommands.flyTo = { x, y, seq: (mapCommands.flyTo?.seq ?? 0) + 1 };
  mapCommands.version++;
}

export function pulseAt(id: string, x: number, y: number, color = '#ff2d55', ms = PULSE_MS, now = Date.now()): void {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return;
  mapCommands.pulses.set(id, { x, y, from: now, until: now + ms, color });
  mapCommands.version++;
}

export function stopPulse(id: string): void {
  if (mapCommands.pulses.delete(id)) mapCommands.version++;
}

/** Drops finished pulses; returns whether any is still running. */
export function expirePulses(now = Date.now()): boolean {
  for (const [id, p] of mapCommands.pulses) if (p.until <= now) stopPulse(id);
  return mapCommands.pulses.size > 0;
}
