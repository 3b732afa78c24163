// REST for alerts under /api/v1 (operator session required; app.ts mounts it behind requireUser):
// list with filters and paging, one alert with its audit trail, the operator actions, the
// response-time report (JSON, CSV), the rule configuration and device health.
// Every action records req.user as the actor. Viewers read only (403); another estate → 403;
// unknown → 404; an illegal transition → 409 {error, reason, status}.
import type { Request, Router } from 'express';
import {
  ALERT_STATUSES,
  isAlertTier,
  type AlertDetailResponse,
  type AlertListResponse,
  type AlertStatus,
} from '../../protocol/index.ts';
import { assertEstateVisible, requireRole } from '../api/auth.ts';
import { HttpError } from '../api/errors.ts';
import type { Db } from '../store/db.ts';
import { getEstate } from '../store/estates.ts';
import type { RuleContexts } from './contexts.ts';
import { formatHours, localMonth } from './hours.ts';
import { ParamsError, validateDeviceParams, validateEstateParams, validateZoneOverride } from './params.ts';
import { MONTH_PATTERN, reportCsv, responseReport } from './report.ts';
import type { DeviceHealth } from './rules/device-health.ts';
import type { AlertService, OperatorAction } from './service.ts';
import type { AlertFilter, AlertStore } from './store.ts';

export interface RouteDeps {
  db: Db;
  service: AlertService;
  store: AlertStore;
  contexts: RuleContexts;
  /** current health of a device (undefined = never heard) */
  health(device: string): DeviceHealth | undefined;
  now(): number;
  /** a cluster: whether this node acts for the estate now (absent: always) */
  owns?(estate: string): boolean;
  /** a configuration change (the rules' overrides): one truth for all nodes with --config-db (ctx.configChange); absent: this SQLite */
  change?<T>(work: () => T): Promise<T>;
}

const MAX_LIMIT = 500;
const MAX_TEXT = 2000;

function estateOf(req: Request, db: Db): string {
  const estate = String(req.params.estate);
  assertEstateVisible(req.user, estate);
  if (!getEstate(db, estate)) throw new HttpError(404, `estate '${estate}' not found`);
  return estate;
}

function list(value: unknown): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function time(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const s = String(value);
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t)) throw new HttpError(400, `${name}: expected ISO 8601 or epoch milliseconds, got '${s}'`);
  return t;
}

function int(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name}: expected an integer from ${min} to ${max}, got '${String(value)}'`);
  return n;
}

function text(body: unknown, field: string, required: boolean): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw new HttpError(400, `${field} is required (a non-empty string)`);
    return undefined;
  }
  if (typeof value !== 'string' || !value.trim()) throw new HttpError(400, `${field} must be a non-empty string`);
  if (value.length > MAX_TEXT) throw new HttpError(400, `${field} is too long: at most ${MAX_TEXT} characters`);
  return value.trim();
}

export function parseFilter(q: Record<string, unknown>): AlertFilter {
  const f: AlertFilter = {};
  const status = list(q.status);
  if (status) {
    const expanded = status.flatMap((s) => (s === 'active' ? ['open', 'acknowledged'] : [s]));
    const bad = expanded.find((s) => !(ALERT_STATUSES as readonly string[]).includes(s));
    if (bad) throw new HttpError(400, `status: unknown '${bad}': open, acknowledged, resolved or active`);
    f.status = expanded as AlertStatus[];
  }
  f.severity = list(q.severity);
  f.type = list(q.type);
  f.tier = list(q.tier);
  if (q.source !== undefined && q.source !== '') f.source = String(q.source);
  f.since = time(q.since, 'since');
  f.until = time(q.until, 'until');
  if (q.incident !== undefined && q.incident !== '') f.incident = int(q.incident, 'incident', 0, 1, Number.MAX_SAFE_INTEGER);
  if (q.top === 'true' || q.top === '1') f.topLevel = true;
  if (q.sort !== undefined && q.sort !== 'priority' && q.sort !== 'newest') throw new HttpError(400, `sort: 'priority' or 'newest', got '${String(q.sort)}'`);
  f.sort = (q.sort as AlertFilter['sort']) ?? 'priority';
  return f;
}

/** Month bounds wide enough for any time zone; the report itself buckets by the estate's local month. */
function monthRange(from: string, to: string): [number, number] {
  const [fy, fm] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  const day = 86_400_000;
  return [Date.UTC(fy, fm - 1, 1) - day, Date.UTC(ty, tm, 1) + day];
}

export function alertRoutes(router: Router, deps: RouteDeps): void {
  const { db, service, store, contexts } = deps;
  const act = requireRole('admin', 'operator');
  const admin = requireRole('admin');

  const alertIn = (req: Request, estate: string) => {
    const raw = String(req.params.id);
    const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
    const alert = Number.isSafeInteger(id) ? service.get(id) : undefined;
    // another estate's alert is as unknown as a missing one: ids must not leak across estates
    if (!alert || alert.estate !== estate) throw new HttpError(404, `alert '${raw}' not found in estate '${estate}'`);
    return alert;
  };

  router.get('/estates/:estate/alerts', (req, res) => {
    const estate = estateOf(req, db);
    const q = req.query as Record<string, unknown>;
    const filter = parseFilter(q);
    const limit = int(q.limit, 'limit', 50, 1, MAX_LIMIT);
    const offset = int(q.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    service.flush();
    const { alerts, total } = store.list(estate, filter, limit, offset);
    res.json({ alerts, total, limit, offset } satisfies AlertListResponse);
  });

  router.get('/estates/:estate/alerts/report', (req, res) => {
    const estate = estateOf(req, db);
    const tz = contexts.get(estate)?.timeZone ?? 'UTC';
    const q = req.query as Record<string, unknown>;
    const to = q.to === undefined ? localMonth(deps.now(), tz) : String(q.to);
    const from = q.from === undefined ? to : String(q.from);
    if (!MONTH_PATTERN.test(from) || !MONTH_PATTERN.test(to)) throw new HttpError(400, `from and to: months as YYYY-MM, got '${from}' and '${to}'`);
    if (from > to) throw new HttpError(400, `from (${from}) is after to (${to})`);
    const format = q.format === undefined ? (req.accepts(['json', 'csv']) === 'csv' ? 'csv' : 'json') : String(q.format);
    if (format !== 'json' && format !== 'csv') throw new HttpError(400, `format: json or csv, got '${format}'`);
    service.flush();
    const report = responseReport(store.opened(estate, ...monthRange(from, to)), estate, tz, from, to);
    if (format === 'csv') {
      res.type('text/csv; charset=utf-8').attachment(`alerts-${estate}-${from}-${to}.csv`).send(reportCsv(report));
    } else res.json(report);
  });

  router.get('/estates/:estate/alerts/:id', (req, res) => {
    const estate = estateOf(req, db);
    const alert = alertIn(req, estate);
    const body: AlertDetailResponse = { alert, log: store.log(alert.id) };
    if (alert.type === 'incident') {
      service.flush();
      body.members = store.members(alert.id);
    }
    res.json(body);
  });

  const action = (path: string, build: (req: Request) => OperatorAction) => {
    router.post(`/estates/:estate/alerts/:id/${path}`, act, (req, res) => {
      const estate = estateOf(req, db);
      const alert = alertIn(req, estate);
      // a cluster: the estate's alerts change on its owner only; here they are a copy, and a change
      // made here would be refused when shipped (docs/scale-out.md) — said now, not lost later
      if (deps.owns && !deps.owns(estate)) throw new HttpError(409, `estate '${estate}' is evaluated on another node of the cluster now (or its state is still being read here): act on its alerts there, or retry in a few seconds / 该小区当前由集群中的另一节点处理，请在该节点操作或稍后重试`, { reason: 'not_owner' });
      const result = service.act(alert.id, build(req), req.user!.name, deps.now(), req.ip);
      if (!result) throw new HttpError(404, `alert '${alert.id}' not found`);
      if ('refused' in result) throw new HttpError(409, result.error, { reason: result.reason, status: service.get(alert.id)?.status });
      res.json(result.alert);
    });
  };
  action('acknowledge', (req) => ({ kind: 'acknowledge', note: text(req.body, 'note', false) }));
  action('assign', (req) => ({ kind: 'assign', assignee: text(req.body, 'assignee', true)! }));
  action('notes', (req) => ({ kind: 'note', text: text(req.body, 'text', true)! }));
  action('resolve', (req) => ({ kind: 'resolve', note: text(req.body, 'note', false) }));
  action('tier', (req) => {
    const tier = (req.body as Record<string, unknown> | undefined)?.tier;
    if (!isAlertTier(tier)) throw new HttpError(400, `tier: small, serious, complex or special, got ${JSON.stringify(tier)}`);
    return { kind: 'tier', tier };
  });

  // ---- configuration (read: anyone who sees the estate; change: admins) ----

  const setConfig = async (work: () => void) => (deps.change ? deps.change(work) : work());
  const effectiveConfig = (estate: string) => {
    contexts.invalidate(estate);
    const ctx = contexts.get(estate)!;
    const overrides = store.config(estate);
    return {
      estate,
      timezone: ctx.timeZone,
      params: ctx.params,
      zones: ctx.zones.map((z) => ({ id: z.id, name: z.name, kind: z.kind, enabled: z.params.enabled, types: z.params.types, hours: formatHours(z.params.hours) })),
      problems: ctx.problems,
      overrides,
    };
  };

  router.get('/estates/:estate/alert-config', (req, res) => {
    res.json(effectiveConfig(estateOf(req, db)));
  });

  const configError = (err: unknown): never => {
    if (err instanceof ParamsError) throw new HttpError(400, err.message);
    throw err;
  };

  router.put('/estates/:estate/alert-config', admin, async (req, res) => {
    const estate = estateOf(req, db);
    let patch;
    try {
      patch = validateEstateParams(req.body);
    } catch (err) {
      configError(err);
    }
    const current = (store.config(estate).find((c) => c.scope === 'estate')?.params ?? {}) as Record<string, unknown>;
    const merged = { ...current, ...patch, ...(patch?.tiers ? { tiers: { ...((current.tiers as object) ?? {}), ...patch.tiers } } : {}) };
    await setConfig(() => store.setConfig(estate, 'estate', '', merged, req.user!.name, deps.now()));
    res.json(effectiveConfig(estate));
  });

  router.put('/estates/:estate/alert-config/zones/:zone', admin, async (req, res) => {
    const estate = estateOf(req, db);
    const zone = String(req.params.zone);
    if (!db.prepare('SELECT 1 FROM zones WHERE estate = ? AND id = ?').get(estate, zone)) throw new HttpError(404, `zone '${zone}' not found in estate '${estate}'`);
    let override;
    try {
      override = validateZoneOverride(req.body);
    } catch (err) {
      configError(err);
    }
    const zoneParams = override as Record<string, unknown>;
    await setConfig(() => store.setConfig(estate, 'zone', zone, zoneParams, req.user!.name, deps.now()));
    res.json(effectiveConfig(estate));
  });

  router.put('/estates/:estate/alert-config/devices/:device', admin, async (req, res) => {
    const estate = estateOf(req, db);
    const device = String(req.params.device);
    if (!contexts.get(estate)?.devices.has(device)) {
      contexts.invalidate(estate);
      if (!contexts.get(estate)?.devices.has(device)) throw new HttpError(404, `device '${device}' not found in estate '${estate}'`);
    }
    let params;
    try {
      params = validateDeviceParams(req.body);
    } catch (err) {
      configError(err);
    }
    const deviceParams = params as Record<string, unknown>;
    await setConfig(() => store.setConfig(estate, 'device', device, deviceParams, req.user!.name, deps.now()));
    res.json(effectiveConfig(estate));
  });

  // ---- device health: unknown is reported as unknown, never as online ----

  router.get('/estates/:estate/device-health', (req, res) => {
    const estate = estateOf(req, db);
    contexts.invalidate(estate);
    const ctx = contexts.get(estate)!;
    const counts = { online: 0, offline: 0, unknown: 0 };
    const devices = [...ctx.devices.values()].map((d) => {
      const h = deps.health(d.id);
      const state = h?.state ?? 'unknown';
      counts[state]++;
      return {
        id: d.id,
        name: d.name,
        kind: d.kind,
        state,
        lastSeen: h?.lastSeen ?? null,
        ...(h?.offlineSince !== undefined && state === 'offline' ? { offlineSince: h.offlineSince, reason: h.reason } : {}),
      };
    });
    res.json({ estate, counts, devices });
  });
}
