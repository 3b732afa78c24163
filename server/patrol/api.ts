// REST for patrol. Operators (session): routes (admins configure), tours (operators cancel), the
// report (JSON / CSV), the ledger and photos. The guard app (device token): its current tour and
// photo uploads. Every answer for an estate checks that the user may see it.
import type { Request, Router } from 'express';
import { isId, type DeviceClass } from '../../protocol/index.ts';
import { MAX_PHOTO_BYTES, type PatrolMe, type TourView } from '../../protocol/patrol.ts';
import type { ModuleContext } from '../modules.ts';
import { HttpError } from '../api/errors.ts';
import { assertEstateVisible, bearer, requireRole } from '../api/auth.ts';
import { authenticateDevice, type DeviceRecord } from '../store/devices.ts';
import { getEstate, listCheckpoints } from '../store/estates.ts';
import { parseTime } from '../history/query.ts';
import type { PatrolEngine } from './engine.ts';
import { buildReport, reportCsv } from './report.ts';
import { addDays, localDate } from './schedule.ts';

const HOUR = 3_600_000;
const MAX_REPORT_DAYS = 93;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function one(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `${name}: expected a single value`);
  return v.trim();
}

function time(req: Request, name: string, fallback: number): number {
  const v = one(req, name);
  if (v === undefined || v === '') return fallback;
  const t = parseTime(name, v);
  if (!t.ok) throw new HttpError(400, t.error);
  return t.value;
}

function day(req: Request, name: string, fallback: string): string {
  const v = one(req, name);
  if (v === undefined || v === '') return fallback;
  const [y, m, d] = v.split('-').map(Number);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (!DAY_PATTERN.test(v) || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) throw new HttpError(400, `${name}: expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  return v;
}

function estateOf(req: Request, engine: PatrolEngine): { id: string; timeZone: string } {
  const id = req.params.estate as string;
  assertEstateVisible(req.user, id);
  const e = engine.estate(id);
  if (!e) throw new HttpError(404, `estate '${id}' not found`);
  return { id, timeZone: e.timeZone };
}

/** The guard app and other handhelds: Bearer device token, `?device=ID`. */
export function deviceRoutes(router: Router, engine: PatrolEngine, ctx: ModuleContext): void {
  const device = (req: Request): DeviceRecord => {
    const token = bearer(req);
    const id = one(req, 'device');
    const found = token && id ? authenticateDevice(ctx.db, id, token) : undefined;
    if (!found) {
      ctx.metrics.authFailures.inc({ who: 'device' });
      throw new HttpError(401, !token ? 'missing Authorization: Bearer <device token>' : !id ? 'missing ?device=<device id>' : 'bad device id or token');
    }
    if (found.kind !== ('patrol' satisfies DeviceClass)) throw new HttpError(403, `device '${found.id}' is a ${found.kind} device: only patrol devices walk tours`);
    return found;
  };

  router.get('/patrol/me', (req, res) => {
    const d = device(req);
    const guard = one(req, 'guard') || d.id;
    if (guard.length > 64) throw new HttpError(400, 'guard: at most 64 characters');
    const estate = getEstate(ctx.db, d.estate)!;
    const now = engine.now();
    const tours = engine.tours(d.estate, now, now + 24 * HOUR).filter((t) => t.state !== 'cancelled');
    const open = (t: TourView) => t.opens <= now && now <= t.closes;
    const tour =
      tours.find((t) => open(t) && t.state === 'active' && t.guard === guard) ??
      tours.find((t) => open(t) && t.state === 'active' && t.guard === null) ??
      tours.find((t) => t.opens > now && (t.guard === null || t.guard === guard)) ??
      tours.find((t) => open(t) && t.guard === guard) ??
      null;
    const body: PatrolMe = {
      device: d.id,
      estate: { id: estate.id, name: estate.name, nameZh: estate.nameZh, timezone: estate.timezone },
      guard,
      now,
      tour,
      next: tour && tour.state !== 'done' ? (tour.stops.find((s) => s.status === 'pending') ?? null) : null,
      checkpoints: listCheckpoints(ctx.db, d.estate).map((c) => ({ id: c.id, name: c.name, code: c.code })),
    };
    res.json(body);
  });

  // A photo for a check-in, sent before the check-in whose note says `[photo:{id}]`. Idempotent: a
  // retry after a lost answer stores nothing twice.
  router.put('/patrol/photos/:id', (req, res) => {
    const d = device(req);
    const id = req.params.id as string;
    if (!isId(id)) throw new HttpError(400, `invalid photo id '${id}': use letters, digits, '_', '-', '.' (max 64)`);
    const dataUrl = (req.body as { dataUrl?: unknown } | undefined)?.dataUrl;
    const m = typeof dataUrl === 'string' ? /^data:(image\/(?:jpeg|png|webp));base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl) : null;
    if (!m) throw new HttpError(400, 'dataUrl: expected data:image/jpeg|png|webp;base64,…');
    const data = Buffer.from(m[2], 'base64');
    if (data.length > MAX_PHOTO_BYTES) throw new HttpError(413, `photo too large: ${data.length} bytes, limit ${MAX_PHOTO_BYTES} (downscale it)`);
    const created = engine.store.putPhoto(d.estate, d.id, id, m[1], data, engine.now());
    res.status(created ? 201 : 200).json({ id, ref: `[photo:${id}]`, bytes: data.length });
  });
}

/** Operators: behind the session check (req.user is set). */
export function operatorRoutes(router: Router, engine: PatrolEngine, ctx: ModuleContext): void {
  router.get('/estates/:estate/patrol/routes', (req, res) => {
    const e = estateOf(req, engine);
    res.json(engine.routes(e.id));
  });

  // Routes are configuration: through ctx.configChange (one truth for all nodes with --config-db).
  router.put('/estates/:estate/patrol/routes/:route', requireRole('admin'), async (req, res) => {
    const e = estateOf(req, engine);
    const id = req.params.route as string;
    const existed = !!engine.store.route(e.id, id);
    const r = engine.checkRoute(e.id, id, req.body);
    if (!r.ok) throw new HttpError(400, r.error);
    await ctx.configChange(() => engine.store.putRoute(r.route));
    engine.routeChanged(e.id, id);
    res.status(existed ? 200 : 201).json(r.route);
  });

  router.delete('/estates/:estate/patrol/routes/:route', requireRole('admin'), async (req, res) => {
    const e = estateOf(req, engine);
    const id = req.params.route as string;
    if (!(await ctx.configChange(() => engine.store.deleteRoute(e.id, id)))) throw new HttpError(404, `route '${id}' not found`);
    engine.routeChanged(e.id, id);
    res.status(204).end();
  });

  router.get('/estates/:estate/patrol/tours', (req, res) => {
    const e = estateOf(req, engine);
    const now = engine.now();
    const from = time(req, 'from', now - 12 * HOUR);
    const to = time(req, 'to', now + 12 * HOUR);
    if (to < from) throw new HttpError(400, 'to is before from');
    if (to - from > 31 * 24 * HOUR) throw new HttpError(400, 'at most 31 days of tours per request (use the report for more)');
    res.json(engine.tours(e.id, from, to));
  });

  router.get('/estates/:estate/patrol/tours/:tour', (req, res) => {
    const e = estateOf(req, engine);
    const tour = engine.tour(e.id, req.params.tour as string);
    if (!tour) throw new HttpError(404, `tour '${req.params.tour}' not found`);
    res.json(tour);
  });

  router.post('/estates/:estate/patrol/tours/:tour/cancel', requireRole('admin', 'operator'), (req, res) => {
    const e = estateOf(req, engine);
    const reason = (req.body as { reason?: unknown } | undefined)?.reason;
    if (typeof reason !== 'string' || !reason.trim() || reason.length > 500) throw new HttpError(400, 'reason: a sentence (1–500 characters) for the ledger');
    const tour = engine.cancel(e.id, req.params.tour as string, `${reason.trim()} (${req.user!.name})`);
    if (!tour) throw new HttpError(404, `tour '${req.params.tour}' not found`);
    res.json(tour);
  });

  router.get('/estates/:estate/patrol/report', (req, res) => {
    const e = estateOf(req, engine);
    const today = localDate(engine.now(), e.timeZone);
    const from = day(req, 'from', today);
    const to = day(req, 'to', from);
    if (to < from) throw new HttpError(400, 'to is before from');
    if (addDays(from, MAX_REPORT_DAYS) <= to) throw new HttpError(400, `at most ${MAX_REPORT_DAYS} days per report`);
    const format = one(req, 'format') ?? 'json';
    const part = one(req, 'part') ?? 'summary';
    if (format !== 'json' && format !== 'csv') throw new HttpError(400, 'format: json or csv');
    if (part !== 'summary' && part !== 'exceptions') throw new HttpError(400, 'part: summary or exceptions');
    const route = one(req, 'route');
    const guard = one(req, 'guard');
    engine.refresh(e.id);
    const names = engine.names(e.id);
    const tours = engine.store
      .toursOfDays(e.id, from, to)
      .map((t) => engine.view(t, names))
      .filter((t) => (!route || t.route === route) && (!guard || t.guard === guard));
    const report = buildReport(e.id, from, to, e.timeZone, tours);
    if (format === 'json') return void res.json(report);
    res
      .type('text/csv; charset=utf-8')
      .attachment(`patrol-${e.id}-${from}_${to}-${part}.csv`)
      .send(reportCsv(report, part));
  });

  router.get('/estates/:estate/patrol/checkins', (req, res) => {
    const e = estateOf(req, engine);
    const now = engine.now();
    const from = time(req, 'from', now - 24 * HOUR);
    const to = time(req, 'to', now + HOUR);
    const limitText = one(req, 'limit') ?? '500';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new HttpError(400, 'limit: 1..5000');
    res.json(engine.store.ledger(e.id, from, to, limit));
  });

  router.get('/estates/:estate/patrol/photos/:device/:id', (req, res) => {
    const e = estateOf(req, engine);
    const photo = engine.store.photo(e.id, req.params.device as string, req.params.id as string);
    if (!photo) throw new HttpError(404, 'photo not found');
    res.set('Cache-Control', 'private, max-age=86400').type(photo.mime).send(photo.data);
  });
}
