// REST for the vehicle lists. Viewers read; operators register visitors; admins manage every list.
//   /estates/:estate/vehicles/residents[/:id]   GET · POST · PUT · DELETE      (+ POST …/residents/import, CSV)
//   /estates/:estate/vehicles/visitors[/:id]    GET · POST · PUT · DELETE
//   /estates/:estate/vehicles/blacklist[/:id]   GET · POST · PUT · DELETE
import express, { type Request, type Router } from 'express';
import type { ResidentImportResult } from '../../protocol/vehicles.ts';
import { assertEstateVisible, requireRole } from '../api/auth.ts';
import { HttpError } from '../api/errors.ts';
import type { Db } from '../store/db.ts';
import { getEstate, listBuildings } from '../store/estates.ts';
import { listCarParks } from '../estate/gates.ts';
import type { ModuleContext } from '../modules.ts';
import {
  addBlacklisted, addResident, addVisitor, deleteBlacklisted, deleteResident, deleteVisitor, listBlacklist, listResidents, listVisitors,
  ListConflict, updateBlacklisted, updateResident, updateVisitor, upsertResident,
} from './lists.ts';
import { residentsFromCsv } from './resident-import.ts';
import { validateBlacklist, validateResident, validateVisitor, validPlate, type EstateVocabulary, type Valid } from './validate.ts';

/** The estate named in the path, if the user may see it and it exists. */
export function estateParam(db: Db, req: Request): string {
  const estate = String(req.params.estate);
  assertEstateVisible(req.user, estate);
  if (!getEstate(db, estate)) throw new HttpError(404, `estate '${estate}' not found`);
  return estate;
}

export function idParam(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(400, `id must be a positive integer, got '${String(req.params.id)}'`);
  return id;
}

/** `?plate=` normalised, or undefined; a bad plate is a 400. */
export function plateQuery(req: Request): string | undefined {
  const raw = req.query.plate;
  if (raw === undefined || raw === '') return undefined;
  const p = validPlate(raw);
  if (!p.ok) throw new HttpError(400, p.error);
  return p.value;
}

function valid<T>(v: Valid<T>): T {
  if (!v.ok) throw new HttpError(400, v.error);
  return v.value;
}

function vocabulary(db: Db, estate: string): EstateVocabulary {
  return { buildings: listBuildings(db, estate).map((b) => ({ id: b.id, name: b.name })), carParks: listCarParks(db, estate) };
}

function conflicts<T>(write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (err instanceof ListConflict) throw new HttpError(409, err.message);
    throw err;
  }
}

const found = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new HttpError(404, `${what} not found`);
  return value;
};

export function listRoutes(router: Router, ctx: ModuleContext): void {
  const { db } = ctx;
  const admin = requireRole('admin');
  const operator = requireRole('admin', 'operator');
  const base = '/estates/:estate/vehicles';

  // ---- residents ----
  router.get(`${base}/residents`, (req, res) => {
    res.json(listResidents(db, estateParam(db, req), plateQuery(req)));
  });
  router.post(`${base}/residents`, admin, async (req, res) => {
    const estate = estateParam(db, req);
    const input = valid(validateResident(req.body, vocabulary(db, estate)));
    res.status(201).json(await ctx.configChange(() => conflicts(() => addResident(db, estate, input, ctx.now()))));
  });
  router.put(`${base}/residents/:id`, admin, async (req, res) => {
    const estate = estateParam(db, req);
    const id = idParam(req);
    const input = valid(validateResident(req.body, vocabulary(db, estate)));
    res.json(found(await ctx.configChange(() => conflicts(() => updateResident(db, estate, id, input, ctx.now()))), `resident ${id}`));
  });
  router.delete(`${base}/residents/:id`, admin, async (req, res) => {
    const estate = estateParam(db, req);
    const id = idParam(req);
    if (!(await ctx.configChange(() => deleteResident(db, estate, id)))) throw new HttpError(404, `resident ${id} not found`);
    res.status(204).end();
  });
  // CSV as the body (text/csv), or JSON {csv: "…"}; all rows or none.
  router.post(`${base}/residents/import`, admin, express.text({ type: () => true, limit: '5mb' }), async (req, res) => {
    const estate = estateParam(db, req);
    const body: unknown = req.body;
    const text = typeof body === 'string' ? body : typeof body === 'object' && body !== null && typeof (body as { csv?: unknown }).csv === 'string' ? (body as { csv: string }).csv : null;
    if (text === null || !text.trim()) throw new HttpError(400, 'send the CSV as the body (Content-Type: text/csv), or JSON {"csv": "…"}');
    const parsed = residentsFromCsv(text, vocabulary(db, estate));
    if (!parsed.ok) throw new HttpError(400, parsed.error, { errors: parsed.errors, badRows: parsed.badRows });
    const now = ctx.now();
    // one transaction (one shared change with --config-db): all rows or none
    const result = await ctx.configChange(() => {
      const r: ResidentImportResult = { imported: 0, updated: 0 };
      for (const row of parsed.rows) {
        if (upsertResident(db, estate, row.resident, now)) r.imported++;
        else r.updated++;
      }
      return r;
    });
    ctx.log.info(`vehicles: ${req.user!.name} imported residents for ${estate}: ${result.imported} new, ${result.updated} updated`);
    res.json(result);
  });

  // ---- visitors ----
  router.get(`${base}/visitors`, (req, res) => {
    const estate = estateParam(db, req);
    const active = req.query.active === 'true' || req.query.active === '1';
    res.json(listVisitors(db, estate, { plate: plateQuery(req), ...(active ? { activeAt: ctx.now() } : {}) }));
  });
  router.post(`${base}/visitors`, operator, async (req, res) => {
    const estate = estateParam(db, req);
    const input = valid(validateVisitor(req.body, ctx.now()));
    res.status(201).json(await ctx.configChange(() => addVisitor(db, estate, input, req.user!.name, ctx.now())));
  });
  router.put(`${base}/visitors/:id`, operator, async (req, res) => {
    const estate = estateParam(db, req);
    const id = idParam(req);
    const input = valid(validateVisitor(req.body, ctx.now()));
    res.json(found(await ctx.configChange(() => updateVisitor(db, estate, id, input, ctx.now())), `visitor ${id}`));
  });
  router.delete(`${base}/visitors/:id`, operator, async (req, res) => {
    const estate = estateParam(db, req);
    const id = idParam(req);
    if (!(await ctx.configChange(() => deleteVisitor(db, estate, id)))) throw new HttpError(404, `visitor ${id} not found`);
    res.status(204).end();
  });

  // ---- blacklist ----
  router.get(`${base}/blacklist`, (req, res) => {
    res.json(listBlacklist(db, estateParam(db, req), plateQuery(req)));
  });
  router.post(`${base}/blacklist`, admin, async (req, res) => {
    const estate = estateParam(db, req);
    const input = valid(validateBlacklist(req.body));
    res.status(201).json(await ctx.configChange(() => conflicts(() => addBlacklisted(db, estate, input, req.user!.name, ctx.now()))));
  });
  router.put(`${base}/blacklist/:id`, admin, async (req, res) => {
    const estate = estateParam(db, req);
    const id = idParam(req);
    const input = valid(validateBlacklist(req.body));
    res.json(found(await ctx.configChange(() => conflicts(() => updateBlacklisted(db, estate, id, input, ctx.now()))), `blacklist entry ${id}`));
  });
  router.delete(`${base}/blacklist/:id`, admin, async (req, res) => {
    const estate = estateParam(db, req);
    const id = idParam(req);
    if (!(await ctx.configChange(() => deleteBlacklisted(db, estate, id)))) throw new HttpError(404, `blacklist entry ${id} not found`);
    res.status(204).end();
  });
}
