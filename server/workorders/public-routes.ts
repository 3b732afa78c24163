// Routes without an operator session: residents (no login at all; a secret tracking token per
// request, only its hash stored) and the guard app's work tab (device token, like patrol), whose
// actions are queued offline and applied exactly once by the client's action id.
import type { Request, Response, Router } from 'express';
import {
  HANDHELD_ACTIONS,
  WORKORDER_LIMITS,
  isRating,
  isId,
  type HandheldActionResponse,
  type HandheldWorkResponse,
  type ReportFormResponse,
  type ResidentCreateResponse,
  type ResidentTrackResponse,
  type WorkOrder,
} from '../../protocol/index.ts';
import { MAX_PHOTO_BYTES } from '../../protocol/patrol.ts';
import { bearer } from '../api/auth.ts';
import { HttpError } from '../api/errors.ts';
import type { Metrics } from '../metrics.ts';
import { authenticateDevice, type DeviceRecord } from '../store/devices.ts';
import { getEstate, listBuildings } from '../store/estates.ts';
import { categories, category, teamsOf } from './config.ts';
import { hashToken, optionalText, requiredText, type IntakeInput } from './intake.ts';
import * as life from './lifecycle.ts';
import { asHttp, isMultipart, readMultipart } from './multipart.ts';
import { checkPhoto, PhotoError } from './photos.ts';
import { RateLimiter } from './rate-limit.ts';
import { claimedPresence, type RouteDeps } from './routes.ts';
import { clientIdOf } from './resend.ts';

export interface PublicDeps extends RouteDeps {
  metrics: Metrics;
  limiter: RateLimiter;
}

/** Takes the rate-limit tokens for a resident's new request, or answers 429 with Retry-After. */
export function admit(deps: PublicDeps, req: Request, res: Response, estate: string): void {
  const limits = deps.service.config(estate).limits;
  const ip = req.ip ?? 'unknown';
  const v = deps.limiter.take([{ key: `ip\u0000${estate}\u0000${ip}`, perHour: limits.perIpPerHour }, { key: `estate\u0000${estate}`, perHour: limits.perEstatePerHour }], deps.now());
  if (!v.ok) {
    req.resume(); // read and drop what the client is still sending, so it sees the answer
    res.set('Retry-After', String(v.retryAfterSec));
    throw new HttpError(429, `too many requests: try again in ${v.retryAfterSec} s (limits: ${limits.perIpPerHour} per hour from one address, ${limits.perEstatePerHour} per hour per estate)`, { reason: 'rate_limited', retryAfter: v.retryAfterSec });
  }
}

export function trackView(o: WorkOrder, log: ReturnType<RouteDeps['service']['store']['log']>): ResidentTrackResponse {
  const cat = category({ estate: o.estate, tiers: {}, departments: {}, teams: [], rules: [], limits: { perIpPerHour: 1, perEstatePerHour: 1 } }, o.category);
  return {
    id: o.id,
    estate: o.estate,
    category: o.category,
    categoryName: cat?.name ?? o.category,
    categoryZh: cat?.nameZh ?? o.category,
    description: o.description,
    ...(o.building ? { building: o.building } : {}),
    ...(o.floor !== undefined ? { floor: o.floor } : {}),
    ...(o.unit ? { unit: o.unit } : {}),
    ...(o.room ? { room: o.room } : {}),
    status: o.spam ? 'cancelled' : o.status,
    tier: o.tier,
    openedAt: o.openedAt,
    updatedAt: o.updatedAt,
    onSiteDue: o.onSiteDue,
    fixDue: o.fixDue,
    ...(o.pauseReason ? { pauseReason: o.pauseReason } : {}),
    photos: o.photos.filter((p) => p.by === 'resident').map((p) => ({ hash: p.hash, mime: p.mime, bytes: p.bytes })),
    // staff names stay inside: the resident sees what happened and the notes meant for them
    timeline: log
      .filter((e) => !(e.action === 'note' && e.detail?.internal) && e.action !== 'warned' && e.action !== 'escalated' && e.action !== 'photo')
      .map((e) => ({ at: e.at, action: e.action, ...(e.text && (e.action === 'note' || e.action === 'paused' || e.action === 'reopened' || e.action === 'resolved' || e.action === 'rated') ? { text: e.text } : {}) })),
    ...(o.rating ? { rating: o.rating } : {}),
    canConfirm: (o.status === 'resolved' || o.status === 'closed') && !o.rating && !o.spam,
    canReopen: (o.status === 'resolved' || o.status === 'closed') && !o.spam,
  };
}

export function residentRoutes(router: Router, deps: PublicDeps): void {
  const { db, service } = deps;

  router.get('/public/estates/:estate/report-form', (req, res) => {
    const e = getEstate(db, String(req.params.estate));
    if (!e) throw new HttpError(404, `estate '${req.params.estate}' not found`, { reason: 'unknown_estate' });
    const buildings = listBuildings(db, e.id).map((b) => ({ id: b.id, name: b.name }));
    const b = typeof req.query.b === 'string' ? buildings.find((x) => x.id === req.query.b) ?? null : null;
    const body: ReportFormResponse = {
      estate: { id: e.id, name: e.name, nameZh: e.nameZh },
      building: b,
      buildings,
      categories: categories(service.config(e.id)).map((c) => ({ code: c.code, name: c.name, nameZh: c.nameZh, tier: c.tier })),
      limits: WORKORDER_LIMITS,
    };
    res.json(body);
  });

  router.post('/public/estates/:estate/requests', async (req, res) => {
    const estate = String(req.params.estate);
    if (!isId(estate) || !getEstate(db, estate)) {
      req.resume();
      throw new HttpError(404, `estate '${estate}' not found`, { reason: 'unknown_estate' });
    }
    admit(deps, req, res, estate);
    let fields: Record<string, unknown>;
    let uploads: Awaited<ReturnType<typeof readMultipart>>['photos'] = [];
    if (isMultipart(req)) {
      try {
        const form = await readMultipart(req);
        fields = form.fields;
        uploads = form.photos;
      } catch (err) {
        deps.metrics.rejected.inc({ reason: 'workorder_request', transport: 'http' });
        throw asHttp(err);
      }
    } else fields = (req.body ?? {}) as Record<string, unknown>;
    const now = deps.now();
    try {
      const input: IntakeInput = { source: 'resident', category: fields.category, description: fields.description, building: fields.building, floor: fields.floor, unit: fields.unit, room: fields.room, name: fields.name, phone: fields.phone, lat: fields.lat, lon: fields.lon };
      // photos reach the disk only once everything else is checked
      const photos = () => uploads.map((u) => deps.photos.put(u.data, u.mime, 'resident', now));
      const clientId = clientIdOf(fields.clientId, req.get('idempotency-key'));
      const { order, token, resent } = deps.intake.create(estate, input, { name: 'resident', source: req.ip ?? null }, now, { token: true, photos, clientId });
      const out: ResidentCreateResponse = { id: order.id, token: token!, trackUrl: `/report/track?t=${token}`, tier: order.tier, onSiteDue: order.onSiteDue, fixDue: order.fixDue };
      // 200 with the same receipt for a resend; 201 when this request made the order
      res.status(resent ? 200 : 201).json(out);
    } catch (err) {
      deps.metrics.rejected.inc({ reason: 'workorder_request', transport: 'http' });
      throw err;
    }
  });

  const byToken = (req: Request): WorkOrder => {
    const token = String(req.params.token);
    const o = /^[A-Za-z0-9_-]{20,64}$/.test(token) ? service.store.getByTokenHash(hashToken(token)) : undefined;
    if (!o) throw new HttpError(404, 'no request with this tracking link', { reason: 'unknown_token' });
    return service.get(o.id) ?? o;
  };

  router.get('/public/requests/:token', (req, res) => {
    const o = byToken(req);
    res.json(trackView(o, service.store.log(o.id)));
  });

  router.get('/public/requests/:token/photos/:hash', (req, res) => {
    const o = byToken(req);
    const ref = o.photos.find((p) => p.hash === req.params.hash && p.by === 'resident');
    if (!ref || !deps.photos.send(res, ref)) throw new HttpError(404, 'photo not found');
  });

  const residentStep = (path: string, build: (req: Request, now: number) => (o: WorkOrder) => life.Outcome) => {
    router.post(`/public/requests/:token/${path}`, (req, res) => {
      const o = byToken(req);
      const r = service.act(o.id, build(req, deps.now()), { name: 'resident', source: req.ip ?? null });
      if (!r) throw new HttpError(404, 'no request with this tracking link');
      if ('refused' in r) throw new HttpError(409, r.error, { reason: r.reason, status: service.get(o.id)?.status });
      res.json(trackView(r.order, service.store.log(o.id)));
    });
  };
  residentStep('confirm', (req, now) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (!isRating(b.rating)) throw new HttpError(400, "rating: 'satisfied' (满意), 'basic' (基本满意) or 'unsatisfied' (不满意)", { reason: 'bad_field' });
    const comment = optionalText(b.comment, 'comment', WORKORDER_LIMITS.noteChars);
    return (o) => life.confirm(o, 'resident', b.rating as 'satisfied', comment, now);
  });
  residentStep('reopen', (req, now) => {
    const reason = requiredText((req.body as Record<string, unknown> | undefined)?.reason, 'reason', WORKORDER_LIMITS.reasonChars);
    return (o) => life.reopen(o, 'resident', reason, now);
  });
}

/** The guard app's work tab: Bearer device token, `?device=ID` (patrol devices). */
export function handheldRoutes(router: Router, deps: PublicDeps): void {
  const { db, service } = deps;
  const device = (req: Request): DeviceRecord => {
    const token = bearer(req);
    const id = typeof req.query.device === 'string' ? req.query.device : undefined;
    const found = token && id ? authenticateDevice(db, id, token) : undefined;
    if (!found) {
      deps.metrics.authFailures.inc({ who: 'device' });
      throw new HttpError(401, !token ? 'missing Authorization: Bearer <device token>' : !id ? 'missing ?device=<device id>' : 'bad device id or token');
    }
    if (found.kind !== 'patrol') throw new HttpError(403, `device '${found.id}' is a ${found.kind} device: only patrol handhelds take work orders`);
    return found;
  };

  router.get('/workorders/me', (req, res) => {
    const d = device(req);
    const guard = (typeof req.query.guard === 'string' && req.query.guard.trim()) || d.id;
    if (guard.length > 64) throw new HttpError(400, 'guard: at most 64 characters');
    const e = getEstate(db, d.estate)!;
    const teams = new Set(teamsOf(service.config(d.estate), guard));
    const orders = service
      .openOrders(d.estate)
      .filter((o) => o.assignee === guard || o.acceptedBy === guard || (!o.assignee && o.team !== undefined && teams.has(o.team)))
      .sort((a, b) => (life.dueOf(a) ?? Infinity) - (life.dueOf(b) ?? Infinity));
    const body: HandheldWorkResponse = {
      device: d.id,
      estate: { id: e.id, name: e.name, nameZh: e.nameZh, timezone: e.timezone },
      guard,
      now: deps.now(),
      orders,
      buildings: listBuildings(db, d.estate).map((b) => ({ id: b.id, name: b.name, x: b.center[0], y: b.center[1] })),
    };
    res.json(body);
  });

  router.post('/workorders/actions', (req, res) => {
    const d = device(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const actionId = b.actionId;
    if (typeof actionId !== 'string' || !/^[A-Za-z0-9_.:-]{8,80}$/.test(actionId)) throw new HttpError(400, 'actionId: a client-generated id (8–80 letters, digits, _ . : -), the same for every retry', { reason: 'bad_field' });
    const seen = service.store.action(d.id, actionId) as HandheldActionResponse | undefined;
    if (seen) return void res.status(seen.status).json({ ...seen, applied: false });
    if (!(HANDHELD_ACTIONS as readonly unknown[]).includes(b.kind)) throw new HttpError(400, `kind: one of ${HANDHELD_ACTIONS.join(', ')}`, { reason: 'bad_field' });
    const guard = requiredText(b.guard, 'guard', 64);
    const id = Number(b.order);
    const o = Number.isSafeInteger(id) ? service.get(id) : undefined;
    if (!o || o.estate !== d.estate) throw new HttpError(404, `work order '${String(b.order)}' not found in estate '${d.estate}'`);
    const now = deps.now();
    // the device's own time for when it happened (queued offline), never in the future
    const at = typeof b.at === 'number' && Number.isFinite(b.at) ? Math.min(now, Math.max(o.openedAt, b.at)) : now;
    let stepFn: (x: WorkOrder) => life.Outcome;
    switch (b.kind) {
      case 'accept':
        stepFn = (x) => (x.assignee && x.assignee !== guard && !(x.team && teamsOf(service.config(d.estate), guard).includes(x.team))
          ? { refused: true, reason: 'not_assignee', error: `work order ${x.id} is assigned to ${x.assignee}` }
          : life.accept(x, guard, now, optionalText(b.text, 'text', WORKORDER_LIMITS.noteChars)));
        break;
      case 'on_site': {
        const claim = claimedPresence(deps, d.estate, guard, b);
        if (!claim.who) throw new HttpError(400, claim.error!, { reason: 'no_proof' });
        stepFn = (x) => service.proofFor(x, claim.who!, at, now, { via: 'handheld', device: d.id, code: b.code ?? null, accuracy: b.accuracy ?? null });
        break;
      }
      case 'note': {
        const text = requiredText(b.text, 'text', WORKORDER_LIMITS.noteChars);
        stepFn = (x) => life.addNote(x, guard, text, now);
        break;
      }
      case 'photo': {
        const m = typeof b.dataUrl === 'string' ? /^data:image\/[a-z]+;base64,([A-Za-z0-9+/=]+)$/.exec(b.dataUrl) : null;
        if (!m) throw new HttpError(400, 'dataUrl: expected data:image/jpeg|png|webp;base64,…', { reason: 'bad_field' });
        const data = Buffer.from(m[1], 'base64');
        if (data.length > Math.max(MAX_PHOTO_BYTES, WORKORDER_LIMITS.photoBytes)) throw new HttpError(413, `photo too large: ${data.length} bytes`, { reason: 'photo_too_large' });
        let mime;
        try {
          mime = checkPhoto(data);
        } catch (err) {
          throw asHttp(err as PhotoError);
        }
        const ref = deps.photos.put(data, mime, guard, now);
        stepFn = (x) => life.addPhotos(x, guard, [ref], now);
        break;
      }
      case 'pause': {
        const reason = requiredText(b.reason, 'reason', WORKORDER_LIMITS.reasonChars);
        stepFn = (x) => life.pause(x, guard, reason, at);
        break;
      }
      case 'resume':
        stepFn = (x) => life.resume(x, guard, at);
        break;
      default:
        stepFn = (x) => life.resolve(x, guard, at, optionalText(b.text, 'text', WORKORDER_LIMITS.noteChars));
    }
    const current = service.get(o.id)!;
    const outcome = stepFn(current);
    const actor = { name: guard, source: `device:${d.id}` };
    let body: HandheldActionResponse;
    if (life.isRefusal(outcome)) {
      // a refusal is an answer too: remembered, so a retry gets the same one
      body = { actionId, applied: true, status: 409, error: outcome.error, reason: outcome.reason, order: current };
      service.commit([], actor, () => service.store.rememberAction(d.id, actionId, now, 409, body));
    } else {
      body = { actionId, applied: true, status: 200, order: outcome.order };
      service.commit([outcome], actor, () => service.store.rememberAction(d.id, actionId, now, 200, body));
    }
    res.status(body.status).json(body);
  });
}
