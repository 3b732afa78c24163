// Staff REST under /api/v1 (operator session; app.ts mounts it behind requireUser), scoped like
// alerts: another estate → 403, unknown → 404, viewers read only, an illegal transition → 409
// {error, reason, status}. Every change records req.user and the client address (audit log).
import type { Request, Response, Router } from 'express';
import {
  WORKORDER_LIMITS,
  isSlaTier,
  isWorkOrderStatus,
  type WorkOrder,
  type WorkOrderDetailResponse,
  type WorkOrderListResponse,
  type WorkOrderStatus,
  type WorkOrderSummary,
} from '../../protocol/index.ts';
import { assertEstateVisible, requireRole } from '../api/auth.ts';
import { HttpError } from '../api/errors.ts';
import type { Db } from '../store/db.ts';
import { getEstate, listCheckpoints } from '../store/estates.ts';
import type { AlertSink } from '../alerts/sink.ts';
import { localMonth } from '../alerts/hours.ts';
import { MONTH_PATTERN } from '../alerts/report.ts';
import { ConfigError, mergeConfig, validateConfigPatch } from './config.ts';
import type { Intake } from './intake.ts';
import { optionalText, requiredText } from './intake.ts';
import { parseFloor } from '../houses/registry.ts';
import { getDevice } from '../store/devices.ts';
import type { Alert } from '../../protocol/index.ts';
import { REPORT_COLUMNS, exportTable, monthlyReport, problemColumns, problemRow, rectificationColumns, rectificationRow, type ExportFormat } from './ledgers.ts';
import * as life from './lifecycle.ts';
import { asHttp, isMultipart, readMultipart } from './multipart.ts';
import type { PhotoStore } from './photos.ts';
import type { Actor, WorkOrderService } from './service.ts';
import { buildingAt } from '../ingest/estate-context.ts';
import type { Presence } from '../alerts/on-site.ts';
import type { OrderFilter } from './store.ts';

export interface RouteDeps {
  db: Db;
  service: WorkOrderService;
  intake: Intake;
  photos: PhotoStore;
  alerts: AlertSink;
  now(): number;
  /** a configuration change: one truth for all nodes with --config-db (ctx.configChange); absent: this SQLite */
  change?<T>(work: () => T): Promise<T>;
}

const MAX_LIMIT = 500;
const MAX_EXPORT = 100_000;

export function estateOf(req: Request, db: Db): { id: string; timezone: string } {
  const estate = String(req.params.estate);
  assertEstateVisible(req.user, estate);
  const e = getEstate(db, estate);
  if (!e) throw new HttpError(404, `estate '${estate}' not found`);
  return { id: estate, timezone: e.timezone };
}

const list = (v: unknown) => (v === undefined || v === '' ? undefined : String(v).split(',').map((s) => s.trim()).filter(Boolean));
function time(v: unknown, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const s = String(v);
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t)) throw new HttpError(400, `${name}: expected ISO 8601 or epoch milliseconds, got '${s}'`);
  return t;
}
function int(v: unknown, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name}: expected an integer from ${min} to ${max}, got '${String(v)}'`);
  return n;
}

export function parseOrderFilter(q: Record<string, unknown>, now: number): OrderFilter {
  const f: OrderFilter = {};
  const status = list(q.status);
  if (status) {
    if (status.includes('active')) f.active = true;
    const rest = status.filter((s) => s !== 'active');
    const badOne = rest.find((s) => !isWorkOrderStatus(s));
    if (badOne) throw new HttpError(400, `status: unknown '${badOne}'`);
    if (rest.length) f.status = rest as WorkOrderStatus[];
  }
  f.category = list(q.category);
  f.tier = list(q.tier);
  f.source = list(q.source);
  for (const k of ['building', 'team', 'assignee', 'department'] as const) if (q[k] !== undefined && q[k] !== '') f[k] = String(q[k]);
  if (q.floor !== undefined && q.floor !== '') {
    const floor = parseFloor(q.floor);
    if (floor === undefined) throw new HttpError(400, `floor: expected a storey (1 = ground floor, -1 or B1 = first basement), got '${String(q.floor)}'`, { reason: 'bad_floor' });
    f.floor = floor;
  }
  if (q.overdue === '1' || q.overdue === 'true') f.dueBefore = now;
  f.spam = q.spam === '1' || q.spam === 'true' ? true : q.spam === 'all' ? undefined : false;
  f.since = time(q.since ?? q.from, 'since');
  f.until = time(q.until ?? q.to, 'until');
  if (q.sort !== undefined && q.sort !== 'due' && q.sort !== 'newest') throw new HttpError(400, `sort: 'due' or 'newest', got '${String(q.sort)}'`);
  f.sort = (q.sort as OrderFilter['sort']) ?? 'newest';
  return f;
}

/** The storey an alert happened on: its own floor (a rule may set one), else its device's. */
function alertFloor(db: Db, alert: Alert): number | undefined {
  const own = (alert as { floor?: unknown }).floor;
  if (typeof own === 'number') return own;
  const floor = alert.device ? getDevice(db, alert.device)?.floor : undefined;
  return typeof floor === 'number' ? floor : undefined;
}

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
export const actorOf = (req: Request): Actor => ({ name: req.user!.name, source: req.ip ?? null });

/** An answer for a step: the order, 409 for a refusal, 404 for nothing. */
export function answer(res: Response, service: WorkOrderService, id: number, result: ReturnType<WorkOrderService['act']>, status = 200): void {
  if (!result) throw new HttpError(404, `work order '${id}' not found`);
  if ('refused' in result) throw new HttpError(409, result.error, { reason: result.reason, status: service.get(id)?.status });
  res.status(status).json(result.order);
}

/** An on-site claim from a phone: a position (lat/lon) or a scanned checkpoint code, as a presence. */
export function claimedPresence(deps: RouteDeps, estate: string, by: string, b: Record<string, unknown>): { who: Presence | null; error?: string } {
  const ctx = deps.intake.places.get(estate);
  if (!ctx) return { who: null, error: 'estate has no map' };
  if (typeof b.code === 'string' && b.code) {
    const cp = listCheckpoints(deps.db, estate).find((c) => c.code === b.code || c.id === b.code);
    if (!cp) return { who: null, error: `unknown checkpoint code '${b.code}'` };
    return { who: { by, x: cp.x, y: cp.y, ...(buildingAt(ctx, cp.x, cp.y) ? { building: buildingAt(ctx, cp.x, cp.y) } : {}) } };
  }
  const lat = Number(b.lat);
  const lon = Number(b.lon);
  if (b.lat === undefined || b.lon === undefined || !Number.isFinite(lat) || !Number.isFinite(lon)) return { who: null, error: 'send a position {lat, lon, accuracy?} or a scanned checkpoint {code}' };
  const radius = deps.service.radius(estate);
  if (typeof b.accuracy === 'number' && b.accuracy > radius) return { who: null, error: `position too vague: accuracy ${b.accuracy} m, the geofence is ${radius} m` };
  const [x, y] = ctx.frame.toLocal(lon, lat);
  const building = buildingAt(ctx, x, y);
  return { who: { by, x, y, ...(building ? { building } : {}) } };
}

async function sendExport<Row>(res: Response, format: ExportFormat, name: string, columns: Parameters<typeof exportTable<Row>>[0], rows: Row[]) {
  const file = await exportTable(columns, rows, format, name.slice(0, 31));
  res.type(file.type).attachment(`${name}.${file.ext}`).send(file.body);
}

function formatOf(req: Request): 'json' | ExportFormat {
  const f = req.query.format === undefined ? 'json' : String(req.query.format);
  if (f !== 'json' && f !== 'csv' && f !== 'xlsx') throw new HttpError(400, `format: json, csv or xlsx, got '${f}'`);
  return f;
}

export function staffRoutes(router: Router, deps: RouteDeps): void {
  const { db, service } = deps;
  const act = requireRole('admin', 'operator');
  const admin = requireRole('admin');

  const orderIn = (req: Request, estate: string): WorkOrder => {
    const raw = String(req.params.id);
    const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
    const o = Number.isSafeInteger(id) ? service.get(id) : undefined;
    if (!o || o.estate !== estate) throw new HttpError(404, `work order '${raw}' not found in estate '${estate}'`);
    return o;
  };

  router.get('/estates/:estate/workorders', (req, res) => {
    const e = estateOf(req, db);
    const q = req.query as Record<string, unknown>;
    const limit = int(q.limit, 'limit', 50, 1, MAX_LIMIT);
    const offset = int(q.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const { orders, total } = service.store.list(e.id, parseOrderFilter(q, deps.now()), limit, offset);
    res.json({ orders, total, limit, offset } satisfies WorkOrderListResponse);
  });

  router.get('/estates/:estate/workorders/summary', (req, res) => {
    const e = estateOf(req, db);
    const now = deps.now();
    const byStatus: WorkOrderSummary['byStatus'] = {};
    let open = 0;
    let overdue = 0;
    for (const o of service.openOrders(e.id)) {
      open++;
      byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
      if (life.isOverdue(o, now)) overdue++;
    }
    res.json({ estate: e.id, open, overdue, paused: byStatus.paused ?? 0, byStatus } satisfies WorkOrderSummary);
  });

  router.get('/estates/:estate/workorders/report', async (req, res) => {
    const e = estateOf(req, db);
    const q = req.query as Record<string, unknown>;
    const to = q.to === undefined ? localMonth(deps.now(), e.timezone) : String(q.to);
    const from = q.from === undefined ? to : String(q.from);
    if (!MONTH_PATTERN.test(from) || !MONTH_PATTERN.test(to)) throw new HttpError(400, `from and to: months as YYYY-MM, got '${from}' and '${to}'`);
    if (from > to) throw new HttpError(400, `from (${from}) is after to (${to})`);
    const format = formatOf(req);
    const [fy, fm] = from.split('-').map(Number);
    const [ty, tm] = to.split('-').map(Number);
    const day = 86_400_000;
    const report = monthlyReport(service.store.reportRows(e.id, Date.UTC(fy, fm - 1, 1) - day, Date.UTC(ty, tm, 1) + day), e.id, e.timezone, from, to);
    if (format === 'json') return void res.json(report);
    await sendExport(res, format, `workorders-${e.id}-${from}-${to}`, REPORT_COLUMNS, report.rows);
  });

  router.get('/estates/:estate/workorders/photos/:hash', (req, res) => {
    const e = estateOf(req, db);
    const hash = String(req.params.hash);
    const row = db.prepare("SELECT body FROM workorders WHERE estate = ? AND body LIKE ? LIMIT 1").pluck().get(e.id, `%${hash.replace(/[^0-9a-f]/g, '')}%`) as string | undefined;
    const ref = row ? (JSON.parse(row) as WorkOrder).photos.find((p) => p.hash === hash) : undefined;
    if (!ref || !deps.photos.send(res, ref)) throw new HttpError(404, 'photo not found');
  });

  router.post('/estates/:estate/workorders', act, (req, res) => {
    const e = estateOf(req, db);
    const b = body(req);
    if (b.source !== undefined && b.source !== 'inspection') throw new HttpError(400, "source: staff enter 'inspection' findings (residents use /report or Open311)", { reason: 'bad_field' });
    const { order } = deps.intake.create(e.id, { ...b, category: b.category, description: b.description, source: 'inspection' }, actorOf(req), deps.now());
    res.status(201).json(order);
  });

  router.post('/estates/:estate/alerts/:id/workorder', act, (req, res) => {
    const e = estateOf(req, db);
    const raw = String(req.params.id);
    const alert = /^\d+$/.test(raw) ? deps.alerts.get?.(Number(raw)) : undefined;
    if (!alert || alert.estate !== e.id) throw new HttpError(404, `alert '${raw}' not found in estate '${e.id}'`);
    const existing = alert.workOrder !== undefined ? service.get(alert.workOrder) : service.store.byAlert(alert.id);
    if (existing) {
      deps.alerts.linkWorkOrder?.(alert.id, existing.id, req.user!.name);
      return void res.status(200).json(existing);
    }
    const b = body(req);
    const code = b.category ?? ALERT_CATEGORY[alert.type] ?? 'other';
    const note = optionalText(b.note, 'note', WORKORDER_LIMITS.noteChars);
    const { order } = deps.intake.create(
      e.id,
      { source: 'alert', category: code, description: note ?? `${alert.titleZh} / ${alert.title}`, building: alert.building, floor: alertFloor(db, alert), x: alert.x, y: alert.y, alert: alert.id, tier: alert.tier },
      actorOf(req),
      deps.now(),
    );
    deps.alerts.linkWorkOrder?.(alert.id, order.id, req.user!.name);
    res.status(201).json(order);
  });

  router.get('/estates/:estate/workorders/:id', (req, res) => {
    const e = estateOf(req, db);
    const order = orderIn(req, e.id);
    res.json({ order, log: service.store.log(order.id) } satisfies WorkOrderDetailResponse);
  });

  const step = (path: string, build: (req: Request, actor: string, now: number) => (o: WorkOrder) => life.Outcome) => {
    router.post(`/estates/:estate/workorders/:id/${path}`, act, (req, res) => {
      const e = estateOf(req, db);
      const o = orderIn(req, e.id);
      const now = deps.now();
      answer(res, service, o.id, service.act(o.id, build(req, req.user!.name, now), actorOf(req)));
    });
  };
  const reason = (req: Request) => requiredText(body(req).reason, 'reason', WORKORDER_LIMITS.reasonChars);
  const note = (req: Request) => optionalText(body(req).note, 'note', WORKORDER_LIMITS.noteChars);

  step('dispatch', (req, actor, now) => {
    const b = body(req);
    const team = optionalText(b.team, 'team', 64);
    const assignee = optionalText(b.assignee, 'assignee', 64);
    if (!team && !assignee) throw new HttpError(400, 'dispatch to a team and/or an assignee', { reason: 'missing_field' });
    if (team && !service.config(req.params.estate as string).teams.some((t) => t.id === team)) throw new HttpError(400, `unknown team '${team}'`, { reason: 'unknown_team' });
    return (o) => life.dispatch(o, actor, { team, assignee }, now, note(req));
  });
  step('accept', (req, actor, now) => (o) => life.accept(o, actor, now, note(req)));
  step('notes', (req, actor, now) => {
    const text = requiredText(body(req).text, 'text', WORKORDER_LIMITS.noteChars);
    return (o) => life.addNote(o, actor, text, now, body(req).internal === true);
  });
  step('pause', (req, actor, now) => {
    const r = reason(req);
    return (o) => life.pause(o, actor, r, now);
  });
  step('resume', (req, actor, now) => (o) => life.resume(o, actor, now, note(req)));
  step('resolve', (req, actor, now) => (o) => life.resolve(o, actor, now, note(req)));
  step('close', (req, actor, now) => (o) => life.close(o, actor, now, note(req)));
  step('cancel', (req, actor, now) => {
    const r = reason(req);
    return (o) => life.cancel(o, actor, r, now);
  });
  step('reopen', (req, actor, now) => {
    const r = reason(req);
    return (o) => life.reopen(o, actor, r, now);
  });
  step('tier', (req, actor, now) => {
    const tier = body(req).tier;
    if (!isSlaTier(tier)) throw new HttpError(400, `tier: small, serious, complex or special, got ${JSON.stringify(tier)}`, { reason: 'bad_field' });
    const r = reason(req);
    return (o) => life.retier(o, actor, tier, r, now);
  });
  step('spam', (req, actor, now) => {
    const r = optionalText(body(req).reason, 'reason', WORKORDER_LIMITS.reasonChars);
    return (o) => life.markSpam(o, actor, r, now);
  });
  step('plan', (req, actor, now) => {
    const b = body(req);
    const department = requiredText(b.department, 'department', 64);
    const measures = requiredText(b.measures, 'measures', WORKORDER_LIMITS.noteChars);
    const deadline = time(b.deadline, 'deadline');
    if (deadline === undefined) throw new HttpError(400, 'deadline is required (ISO 8601 or epoch ms)', { reason: 'missing_field' });
    return (o) => life.plan(o, actor, { department, measures, deadline }, now);
  });
  step('check', (req, actor, now) => {
    const result = body(req).result;
    if (result !== 'passed' && result !== 'failed') throw new HttpError(400, "result: 'passed' or 'failed'", { reason: 'bad_field' });
    return (o) => life.check(o, actor, result, note(req), now);
  });
  step('on-site', (req, actor, now) => {
    const b = body(req);
    const by = optionalText(b.by, 'by', 64) ?? actor;
    const claim = claimedPresence(deps, req.params.estate as string, by, b);
    if (!claim.who) throw new HttpError(400, claim.error!, { reason: 'no_proof' });
    return (o) => service.proofFor(o, claim.who!, now, now, { via: 'rest', code: b.code ?? null, accuracy: b.accuracy ?? null });
  });

  router.post('/estates/:estate/workorders/:id/photos', act, async (req, res) => {
    const e = estateOf(req, db);
    const o = orderIn(req, e.id);
    if (!isMultipart(req)) throw new HttpError(415, 'send photos as multipart/form-data (field photos)', { reason: 'bad_type' });
    let form;
    try {
      form = await readMultipart(req);
    } catch (err) {
      throw asHttp(err);
    }
    if (!form.photos.length) throw new HttpError(400, 'no photos in the form (field photos)', { reason: 'missing_field' });
    const now = deps.now();
    const refs = form.photos.map((p) => deps.photos.put(p.data, p.mime, req.user!.name, now));
    answer(res, service, o.id, service.act(o.id, (x) => life.addPhotos(x, req.user!.name, refs, now), actorOf(req)));
  });

  // ---- configuration ----

  router.get('/estates/:estate/workorder-config', (req, res) => {
    res.json(service.config(estateOf(req, db).id));
  });

  router.put('/estates/:estate/workorder-config', admin, async (req, res) => {
    const e = estateOf(req, db);
    let patch;
    try {
      patch = validateConfigPatch(req.body);
    } catch (err) {
      if (err instanceof ConfigError) throw new HttpError(400, err.message, { reason: 'bad_config' });
      throw err;
    }
    const next = mergeConfig(service.config(e.id), patch);
    const bad = next.rules.find((r) => r.team && !next.teams.some((t) => t.id === r.team));
    if (bad) throw new HttpError(400, `rules: team '${bad.team}' is not among the teams`, { reason: 'bad_config' });
    const save = () => service.store.setConfig(next, req.user!.name, deps.now(), { actor: req.user!.name, source: req.ip ?? null, action: 'workorder.config', estate: e.id, summary: { fields: Object.keys(patch) } });
    await (deps.change ? deps.change(save) : save());
    service.setConfig(next);
    res.json(next);
  });

  // ---- ledgers ----

  const ledger = <Row>(path: string, needsPlan: boolean, toRow: (o: WorkOrder) => Row, columns: (tz: string) => Parameters<typeof exportTable<Row>>[0], name: string) => {
    router.get(`/estates/:estate/ledgers/${path}`, async (req, res) => {
      const e = estateOf(req, db);
      const q = req.query as Record<string, unknown>;
      const f = { ...parseOrderFilter(q, deps.now()), ...(needsPlan ? { needsPlan: true } : {}), sort: 'newest' as const };
      const format = formatOf(req);
      if (format === 'json') {
        const limit = int(q.limit, 'limit', 50, 1, MAX_LIMIT);
        const offset = int(q.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
        const page = service.store.list(e.id, f, limit, offset);
        return void res.json({ rows: page.orders.map(toRow), total: page.total, limit, offset });
      }
      const all = service.store.list(e.id, f, MAX_EXPORT, 0);
      if (all.total > MAX_EXPORT) throw new HttpError(413, `${all.total} rows: export at most ${MAX_EXPORT} (narrow from/to)`, { reason: 'too_many_rows' });
      await sendExport(res, format, `${name}-${e.id}`, columns(e.timezone), all.orders.map(toRow));
    });
  };
  ledger('problems', false, problemRow, problemColumns, 'problem-ledger');
  ledger('rectifications', true, rectificationRow, rectificationColumns, 'rectification-ledger');
}

/** The category an alert's order gets by default. */
const ALERT_CATEGORY: Record<string, string> = {
  fire: 'fire_safety',
  smoke: 'fire_safety',
  fire_lane_blocked: 'fire_safety',
  falling_object: 'facade',
  intrusion: 'other',
  tamper: 'door_access',
  device_offline: 'electrical',
};
