// Rule parameters: defaults in code, overrides per estate, per zone and per device in the
// alert_config table (admins change them over REST). Pure: merging and validating plain values.
import { isAlertTier, type AlertTier, type ZoneKind } from '../../protocol/index.ts';
import { HoursError, parseHours, type ActiveHours } from './hours.ts';

export interface EstateParams {
  /** camera detections below this score are ignored */
  minScore: number;
  /** a fire lane blocked longer than this raises an alert */
  fireLaneMinutes: number;
  /** a device silent this long (no event of any kind) is offline; heartbeats come every 30 s */
  deviceTimeoutSec: number;
  /** a guard's check-in or position within this distance of an alert proves "on site" */
  onSiteRadiusM: number;
  /** this many new alerts of one type within the window are one incident */
  stormThreshold: number;
  stormWindowSec: number;
  /** a camera this close to a perimeter zone's fence line watches the perimeter */
  perimeterBandM: number;
  /** an auto-cleared alert that comes back within this time reopens instead of opening anew (flapping) */
  reopenWindowSec: number;
  /** the 54321 tier per alert type (AlertInput.tier wins when a module sets it) */
  tiers: Record<string, AlertTier>;
}

export interface ZoneParams {
  enabled: boolean;
  /** camera detection types that count as an intrusion here */
  types: string[];
  /** armed hours (布防时段); null = always */
  hours: ActiveHours;
}

export interface DeviceParams {
  /** overrides the estate's deviceTimeoutSec */
  timeoutSec?: number;
  /** no offline alerts for this device (e.g. a handheld that is switched off between shifts) */
  ignoreOffline?: boolean;
}

export const DEFAULT_TIERS: Record<string, AlertTier> = {
  intrusion: 'small',
  fire: 'serious',
  smoke: 'serious',
  falling_object: 'serious',
  fire_lane_blocked: 'small',
  tamper: 'small',
  device_offline: 'serious',
};

export const DEFAULT_ESTATE_PARAMS: EstateParams = {
  minScore: 0.5,
  fireLaneMinutes: 5,
  deviceTimeoutSec: 90,
  onSiteRadiusM: 30,
  stormThreshold: 5,
  stormWindowSec: 60,
  perimeterBandM: 20,
  reopenWindowSec: 600,
  tiers: DEFAULT_TIERS,
};

/**
 * Per zone kind. Perimeter zones are armed at night by default: by day the fence line is busy with
 * residents, deliveries and gardeners, and a person there is not an intruder. Restricted zones
 * (power room, pump room, rooftops) are armed around the clock.
 */
export function defaultZoneParams(kind: ZoneKind | string): ZoneParams | null {
  if (kind === 'restricted') return { enabled: true, types: ['intrusion', 'person'], hours: null };
  if (kind === 'perimeter') return { enabled: true, types: ['intrusion', 'person'], hours: [{ from: 22 * 60, to: 6 * 60, days: null }] };
  return null;
}

export class ParamsError extends Error {}

const NUMBER_LIMITS: Record<Exclude<keyof EstateParams, 'tiers'>, [number, number]> = {
  minScore: [0, 1],
  fireLaneMinutes: [0, 24 * 60],
  deviceTimeoutSec: [5, 7 * 86_400],
  onSiteRadiusM: [1, 5_000],
  stormThreshold: [2, 10_000],
  stormWindowSec: [1, 3_600],
  perimeterBandM: [0, 1_000],
  reopenWindowSec: [0, 86_400],
};

/** Checks a partial estate override (from a PUT body); returns only known, valid fields. */
export function validateEstateParams(body: unknown): Partial<EstateParams> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ParamsError('expected a JSON object of estate rule parameters');
  const out: Partial<EstateParams> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'tiers') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ParamsError('tiers: expected {alertType: small|serious|complex|special}');
      const tiers: Record<string, AlertTier> = {};
      for (const [type, tier] of Object.entries(value)) {
        if (!isAlertTier(tier)) throw new ParamsError(`tiers.${type}: expected small, serious, complex or special, got ${JSON.stringify(tier)}`);
        tiers[type] = tier;
      }
      out.tiers = tiers;
      continue;
    }
    const limits = NUMBER_LIMITS[key as keyof typeof NUMBER_LIMITS];
    if (!limits) throw new ParamsError(`unknown parameter '${key}': one of ${[...Object.keys(NUMBER_LIMITS), 'tiers'].join(', ')}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < limits[0] || value > limits[1]) {
      throw new ParamsError(`${key}: expected a number from ${limits[0]} to ${limits[1]}, got ${JSON.stringify(value)}`);
    }
    (out as Record<string, number>)[key] = value;
  }
  return out;
}

/** Stored zone overrides keep `hours` in its text/JSON form; this checks it parses. */
export interface ZoneOverride {
  enabled?: boolean;
  types?: string[];
  hours?: unknown;
}

export function validateZoneOverride(body: unknown): ZoneOverride {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ParamsError('expected a JSON object {enabled?, types?, hours?}');
  const out: ZoneOverride = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'enabled') {
      if (typeof value !== 'boolean') throw new ParamsError('enabled: expected true or false');
      out.enabled = value;
    } else if (key === 'types') {
      if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 32)) {
        throw new ParamsError('types: expected a list of camera detection types, e.g. ["intrusion","person"]');
      }
      out.types = value as string[];
    } else if (key === 'hours') {
      try {
        parseHours(value);
      } catch (err) {
        throw new ParamsError((err as Error).message);
      }
      out.hours = value;
    } else throw new ParamsError(`unknown zone parameter '${key}': one of enabled, types, hours`);
  }
  return out;
}

export function validateDeviceParams(body: unknown): DeviceParams {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ParamsError('expected a JSON object {timeoutSec?, ignoreOffline?}');
  const out: DeviceParams = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'timeoutSec') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 5 || value > 7 * 86_400) throw new ParamsError('timeoutSec: expected a number from 5 to 604800');
      out.timeoutSec = value;
    } else if (key === 'ignoreOffline') {
      if (typeof value !== 'boolean') throw new ParamsError('ignoreOffline: expected true or false');
      out.ignoreOffline = value;
    } else throw new ParamsError(`unknown device parameter '${key}': one of timeoutSec, ignoreOffline`);
  }
  return out;
}

export function mergeEstateParams(override: Partial<EstateParams> | undefined): EstateParams {
  return { ...DEFAULT_ESTATE_PARAMS, ...override, tiers: { ...DEFAULT_TIERS, ...(override?.tiers ?? {}) } };
}

/**
 * A zone's effective parameters: the kind's defaults, then the zone's own `hours` column (from the
 * estate file), then the configuration override. Unparseable hours arm the zone around the clock
 * (an alert too many beats a silent fence) and are reported in `problem`.
 */
export function mergeZoneParams(kind: string, zoneHours: unknown, override: ZoneOverride | undefined): { params: ZoneParams | null; problem?: string } {
  const base = defaultZoneParams(kind);
  if (!base) return { params: null };
  let problem: string | undefined;
  let hours = base.hours;
  const pick = (value: unknown, where: string) => {
    try {
      hours = parseHours(value, where);
    } catch (err) {
      if (!(err instanceof HoursError)) throw err;
      hours = null;
      problem = err.message;
    }
  };
  if (zoneHours !== undefined && zoneHours !== null) pick(zoneHours, 'zone hours');
  if (override?.hours !== undefined) pick(override.hours, 'configured hours');
  return { params: { enabled: override?.enabled ?? base.enabled, types: override?.types ?? base.types, hours }, problem };
}
