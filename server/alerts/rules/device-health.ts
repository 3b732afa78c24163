// Device health (设备在线): silence must never look like a quiet night. A device is online while it is
// heard from (any event: heartbeats are retained `status` every 30 s), offline when it stays silent
// past its timeout or its Last Will says `online:false`, and *unknown* when it has not been heard
// since the server started (or ever): unknown is shown as unknown, never as all clear.
// Pure per device: (health, event, context, now) → (health, changes); the sweep is the timer side.
import type { EstateEvent } from '../../../protocol/index.ts';
import type { AlertChange, DeviceFacts, RuleContext } from './types.ts';

export const DEVICE_OFFLINE = 'device_offline';

export type HealthState = 'online' | 'offline' | 'unknown';

export interface DeviceHealth {
  device: string;
  estate: string;
  state: HealthState;
  /** server time of the last sign of life (any event but a Last Will); null = never heard */
  lastSeen: number | null;
  /** the timeout runs from the later of lastSeen and this (a restart gives every device a full timeout) */
  watchFrom: number;
  offlineSince?: number;
  reason?: 'timeout' | 'last_will';
  /** where its events placed it (for a device the registry has no position for) */
  x?: number;
  y?: number;
}

/** Handhelds are switched off between shifts and charged: no offline alerts unless configured. */
const QUIET_BY_DEFAULT = new Set(['patrol']);

export function watched(facts: DeviceFacts | undefined): boolean {
  if (!facts) return true;
  return facts.params.ignoreOffline === undefined ? !QUIET_BY_DEFAULT.has(facts.kind) : !facts.params.ignoreOffline;
}

export function timeoutMs(facts: DeviceFacts | undefined, ctx: RuleContext): number {
  return (facts?.params.timeoutSec ?? ctx.params.deviceTimeoutSec) * 1000;
}

function offlineAlert(health: DeviceHealth, ctx: RuleContext, at: number, reason: 'timeout' | 'last_will', lastSeen: number | null): AlertChange {
  const facts = ctx.device(health.device);
  const name = ctx.deviceName(health.device);
  return {
    op: 'raise',
    alert: {
      estate: health.estate,
      source: health.device,
      type: DEVICE_OFFLINE,
      severity: 'major',
      title: `Device offline: ${name}`,
      titleZh: `设备离线：${name}`,
      ...(facts && facts.x !== null && facts.y !== null
        ? { x: facts.x, y: facts.y }
        : health.x !== undefined && health.y !== undefined
          ? { x: health.x, y: health.y }
          : {}),
      device: health.device,
      detail: { reason, lastSeen, kind: facts?.kind ?? null, timeoutSec: timeoutMs(facts, ctx) / 1000 },
      at,
    },
  };
}

export function deviceHealthEvent(health: DeviceHealth | undefined, event: EstateEvent, ctx: RuleContext, now: number): { health: DeviceHealth; changes: AlertChange[] } {
  const seen: DeviceHealth = health ?? { device: event.device, estate: event.estate, state: 'unknown', lastSeen: null, watchFrom: now };
  const base: DeviceHealth = typeof event.x === 'number' && typeof event.y === 'number' && event.kind === 'status' ? { ...seen, x: event.x, y: event.y } : seen;
  if (event.kind === 'status' && event.data.online === false) {
    // the Last Will (or a device saying it goes down): offline now, no need to wait for the timeout
    if (base.state === 'offline') return { health: base, changes: [] };
    const next: DeviceHealth = { ...base, state: 'offline', offlineSince: now, reason: 'last_will' };
    return { health: next, changes: watched(ctx.device(event.device)) ? [offlineAlert(next, ctx, event.ts, 'last_will', base.lastSeen)] : [] };
  }
  const next: DeviceHealth = {
    device: base.device,
    estate: base.estate,
    state: 'online',
    lastSeen: now,
    watchFrom: base.watchFrom,
    ...(base.x !== undefined ? { x: base.x, y: base.y } : {}),
  };
  const changes: AlertChange[] = base.state === 'offline' ? [{ op: 'clear', estate: event.estate, source: event.device, type: DEVICE_OFFLINE, at: event.ts }] : [];
  return { health: next, changes };
}

/**
 * The first time the sweep can find this device silent past its timeout (ms), or null when it never
 * will as things stand (offline already, or never heard). Later signs of life only move it later.
 */
export function healthDueAt(health: DeviceHealth, ctx: RuleContext): number | null {
  if (health.state === 'offline' || health.lastSeen === null) return null;
  return Math.max(health.lastSeen, health.watchFrom) + timeoutMs(ctx.device(health.device), ctx);
}

/** The timer side: a device silent past its timeout goes offline. Never-heard devices stay unknown. */
export function deviceHealthSweep(health: DeviceHealth, ctx: RuleContext, now: number): { health: DeviceHealth; changes: AlertChange[] } | null {
  if (health.state === 'offline' || health.lastSeen === null) return null;
  const facts = ctx.device(health.device);
  const silentSince = Math.max(health.lastSeen, health.watchFrom);
  const limit = timeoutMs(facts, ctx);
  if (now - silentSince <= limit) return null;
  const next: DeviceHealth = { ...health, state: 'offline', offlineSince: silentSince + limit, reason: 'timeout' };
  return { health: next, changes: watched(facts) ? [offlineAlert(next, ctx, silentSince + limit, 'timeout', health.lastSeen)] : [] };
}

/** After a restart nothing is known to be online: online devices become unknown until heard again. */
export function afterRestart(health: DeviceHealth, startedAt: number): DeviceHealth {
  if (health.state === 'offline') return health;
  return { ...health, state: 'unknown', watchFrom: startedAt };
}
