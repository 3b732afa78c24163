// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at /open311/v2, JSON only (.xml
// answers 400 with a pointer to .json). jurisdiction_id = estate id; service_code = category code;
// expected_datetime = the 54321 fix deadline. POST takes the spec's form-encoded arguments (JSON
// too). Errors are the spec's `[{code, description}]`. Reporters' names and phones are never returned.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { isWorkOrderDone, type WorkOrder } from '../../protocol/index.ts';
import { HttpError } from '../api/errors.ts';
import { getEstate, listEstates } from '../store/estates.ts';
import { categories, category } from './config.ts';
import { admit, type PublicDeps } from './public-routes.ts';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function fail(res: Response, status: number, description: string): void {
  res.status(status).json([{ code: status, description }]);
}

export function open311Router(deps: PublicDeps): Router {
  const { db, service } = deps;
  const r = Router();
  r.use('/open311', express.urlencoded({ extended: false, limit: '64kb' }), express.json({ limit: '64kb' }));

  const estateOf = (req: Request): string => {
    const q = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown>) ?? {}) };
    const j = typeof q.jurisdiction_id === 'string' && q.jurisdiction_id ? q.jurisdiction_id : undefined;
    if (!j) {
      const all = listEstates(db);
      if (all.length === 1) return all[0].id;
      throw new HttpError(400, 'jurisdiction_id is required (the estate id)');
    }
    if (!getEstate(db, j)) throw new HttpError(404, `jurisdiction_id '${j}' not found`);
    return j;
  };

  const view = (o: WorkOrder) => {
    const cat = category(service.config(o.estate), o.category);
    const done = isWorkOrderDone(o.status);
    const log = service.store.log(o.id);
    const notes = log.filter((e) => e.action === 'note' && !e.detail?.internal && e.text).map((e) => e.text);
    const statusNotes = o.status === 'paused' ? `paused: ${o.pauseReason}` : o.status === 'cancelled' ? `cancelled: ${o.cancelReason ?? ''}` : (notes.at(-1) ?? o.status);
    return {
      service_request_id: String(o.id),
      status: done ? 'closed' : 'open',
      status_notes: statusNotes,
      service_name: cat ? `${cat.nameZh} ${cat.name}` : o.category,
      service_code: o.category,
      description: o.description,
      agency_responsible: o.department,
      service_notice: `54321: ${o.tier}`,
      requested_datetime: iso(o.openedAt),
      updated_datetime: iso(o.updatedAt),
      expected_datetime: iso(o.fixDue),
      address: o.address ?? o.building ?? null,
      address_id: o.building ?? null,
      zipcode: null,
      lat: o.lat ?? null,
      long: o.lon ?? null,
      media_url: o.mediaUrls?.[0] ?? null,
    };
  };

  r.get('/open311/v2/discovery.json', (_req, res) => {
    res.json({ changeset: '2026-12-01T00:00:00Z', contact: 'the estate office', key_service: 'none', endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', url: '/open311/v2', changeset: '2026-12-01T00:00:00Z', type: 'production', formats: ['application/json'] }] });
  });

  r.get('/open311/v2/services.json', (req, res) => {
    const estate = estateOf(req);
    res.json(
      categories(service.config(estate)).map((c) => ({ service_code: c.code, service_name: `${c.nameZh} ${c.name}`, description: `${c.nameZh} / ${c.name} (54321: ${c.tier})`, metadata: false, type: 'realtime', keywords: `${c.code},${c.tier}`, group: c.group })),
    );
  });

  r.post('/open311/v2/requests.json', (req, res) => {
    const estate = estateOf(req);
    admit(deps, req, res, estate);
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.service_code !== 'string' || !b.service_code) throw new HttpError(400, 'service_code is required');
    if (b.lat === undefined && b.address_string === undefined && b.address_id === undefined) throw new HttpError(400, 'a location is required: lat & long, address_string or address_id');
    let media: string[] | undefined;
    if (b.media_url !== undefined && b.media_url !== '') {
      if (typeof b.media_url !== 'string' || !/^https?:\/\/\S{1,500}$/.test(b.media_url)) throw new HttpError(400, 'media_url: an http(s) URL');
      media = [b.media_url];
    }
    // not in GeoReport v2's core: floor, unit and room as plain fields or as attribute[floor] etc.
    const nested = (b.attribute ?? {}) as Record<string, unknown>;
    const attr = (k: string) => nested[k] ?? b[`attribute[${k}]`]; // JSON nests them; a form sends 'attribute[floor]'
    const name = [b.first_name, b.last_name].filter((s) => typeof s === 'string' && s).join(' ') || undefined;
    const { order, token } = deps.intake.create(
      estate,
      { source: 'open311', category: b.service_code, description: b.description, lat: b.lat, lon: b.long, address: b.address_string, building: b.address_id, floor: b.floor ?? attr('floor'), unit: b.unit ?? attr('unit'), room: b.room ?? attr('room'), name, phone: b.phone, mediaUrls: media },
      { name: 'open311', source: req.ip ?? null },
      deps.now(),
      { token: true },
    );
    res.status(201).json([{ service_request_id: String(order.id), service_notice: `54321: ${order.tier}, expected by ${iso(order.fixDue)}`, account_id: null, token }]);
  });

  r.get('/open311/v2/requests.json', (req, res) => {
    const estate = estateOf(req);
    const q = req.query as Record<string, unknown>;
    const ids = typeof q.service_request_id === 'string' && q.service_request_id ? q.service_request_id.split(',').map((s) => Number(s.trim())) : null;
    if (ids) {
      return void res.json(ids.map((id) => (Number.isSafeInteger(id) ? service.get(id) : undefined)).filter((o): o is WorkOrder => !!o && o.estate === estate && !o.spam).map(view));
    }
    const t = (v: unknown, n: string) => {
      if (v === undefined || v === '') return undefined;
      const ms = Date.parse(String(v));
      if (!Number.isFinite(ms)) throw new HttpError(400, `${n}: expected a w3 datetime, e.g. 2026-12-01T00:00:00Z`);
      return ms;
    };
    const end = t(q.end_date, 'end_date') ?? deps.now() + 1;
    const start = t(q.start_date, 'start_date') ?? end - 90 * 86_400_000;
    const status = typeof q.status === 'string' && q.status ? q.status.split(',') : ['open', 'closed'];
    if (status.some((s) => s !== 'open' && s !== 'closed')) throw new HttpError(400, 'status: open, closed or open,closed');
    const codes = typeof q.service_code === 'string' && q.service_code ? q.service_code.split(',') : undefined;
    const { orders } = service.store.list(estate, { since: start, until: end, category: codes, spam: false, ...(status.length === 1 ? (status[0] === 'open' ? { active: true } : { status: ['resolved', 'closed', 'cancelled'] }) : {}), sort: 'newest' }, 1000, 0);
    res.json(orders.map((o) => view(service.get(o.id) ?? o)));
  });

  r.get('/open311/v2/requests/:id.json', (req, res) => {
    const estate = estateOf(req);
    const id = Number(req.params.id);
    const o = Number.isSafeInteger(id) ? service.get(id) : undefined;
    if (!o || o.estate !== estate || o.spam) throw new HttpError(404, `service_request_id ${req.params.id} not found`);
    res.json([view(o)]);
  });

  r.all(/^\/open311\/v2\/.*\.xml$/, () => {
    throw new HttpError(400, 'this endpoint answers JSON only: use .json');
  });
  r.all(/^\/open311\//, () => {
    throw new HttpError(404, 'no such Open311 endpoint (see /open311/v2/discovery.json)');
  });
  // the spec's error shape
  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof HttpError) return fail(res, err.status, err.message);
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') return fail(res, 413, 'request too large');
    if (e.type === 'entity.parse.failed') return fail(res, 400, `malformed body: ${e.message}`);
    next(err);
  });
  return r;
}
