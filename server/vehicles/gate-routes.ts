// REST for gates, the ledger, car-park occupancy and the gate rules.
//   GET  /estates/:estate/gates                                  gates, their car park and plate cameras
//   GET  /estates/:estate/vehicles/sessions?status&plate&list&before&limit   the in/out ledger, newest first
//   GET  /estates/:estate/vehicles/check?plate&direction&confidence&device   the decision a read would get (dry run)
//   GET  /estates/:estate/car-parks                              occupancy of every car park
//   PUT  /estates/:estate/car-parks/:carPark/occupancy {parked, note}   operators: a counted correction (audited)
//   PUT  /estates/:estate/car-parks/:carPark/capacity {capacity}        admins
//   GET  /estates/:estate/car-parks/:carPark/corrections         the audit trail
//   GET|PUT /estates/:estate/vehicles/settings                   the gate rules (admins change them)
import type { Request, Router } from 'express';
import { SESSION_STATUSES, VEHICLE_LISTS, type SessionStatus, type VehicleList } from '../../protocol/vehicles.ts';
import { requireRole } from '../api/auth.ts';
import { HttpError } from '../api/errors.ts';
import { listCarParks, listGates, setCarParkCapacity } from '../estate/gates.ts';
import type { ModuleContext } from '../modules.ts';
import { evaluateRead, type GateReads } from './gate-reads.ts';
import type { GateMaps } from './gate-map.ts';
import { listSessions } from './ledger.ts';
import { estateParam, plateQuery } from './lists-routes.ts';
import { correctOccupancy, listCorrections, occupancySnapshot } from './occupancy.ts';
import { getSettings, putSettings, validateSettings } from './settings.ts';

export const MAX_SESSIONS = 1000;
/** A count above this is a typo, not a car park. */
const MAX_SPACES = 100_000;

function limitQuery(req: Request, fallback: number, max: number): number {
  const raw = req.query.limit;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new HttpError(400, `limit must be an integer 1…${max}`);
  return n;
}

function oneOf<T extends string>(req: Request, name: string, values: readonly T[]): T | undefined {
  const raw = req.query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) throw new HttpError(400, `${name} must be one of ${values.join(', ')}`);
  return raw as T;
}

function wholeNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_SPACES) {
    throw new HttpError(400, `${name} must be a whole number 0…${MAX_SPACES}`);
  }
  return value;
}

/**
 * In a cluster, writes to the estate's replicated vehicle state (docs/scale-out.md § the state
 * streams) are made on its owner only, like alert actions: elsewhere 409 `not_owner`.
 */
export function notOwner(ctx: Pick<ModuleContext, 'clustered' | 'owns'>, estate: string): void {
  if (ctx.clustered && ctx.owns && !ctx.owns(estate)) {
    throw new HttpError(409, `estate '${estate}' is evaluated on another node of the cluster now (or its state is still being read here): change its car-park counts there, or retry in a few seconds / 该小区当前由集群中的另一节点处理，请在该节点操作或稍后重试`, { reason: 'not_owner' });
  }
}

export function gateRoutes(router: Router, ctx: ModuleContext, reads: GateReads, gateMaps: GateMaps): void {
  const { db } = ctx;
  const admin = requireRole('admin');
  const operator = requireRole('admin', 'operator');

  const carParkParam = (req: Request, estate: string) => {
    const id = String(req.params.carPark);
    const carPark = listCarParks(db, estate).find((c) => c.id === id);
    if (!carPark) throw new HttpError(404, `no car park '${id}' in estate '${estate}' (zones of kind car_park)`);
    return carPark;
  };

  router.get('/estates/:estate/gates', (req, res) => {
    res.json(listGates(db, estateParam(db, req)));
  });

  router.get('/estates/:estate/vehicles/sessions', (req, res) => {
    const estate = estateParam(db, req);
    const before = req.query.before === undefined ? undefined : Number(req.query.before);
    if (before !== undefined && (!Number.isSafeInteger(before) || before < 1)) throw new HttpError(400, 'before must be a session id');
    res.json(
      listSessions(db, estate, {
        status: oneOf<SessionStatus>(req, 'status', SESSION_STATUSES),
        list: oneOf<VehicleList>(req, 'list', VEHICLE_LISTS),
        plate: plateQuery(req),
        before,
        limit: limitQuery(req, 100, MAX_SESSIONS),
      }),
    );
  });

  router.get('/estates/:estate/vehicles/check', (req, res) => {
    const estate = estateParam(db, req);
    const plate = req.query.plate;
    if (typeof plate !== 'string' || !plate) throw new HttpError(400, 'plate is required');
    const direction = oneOf(req, 'direction', ['in', 'out'] as const) ?? 'in';
    const confidence = req.query.confidence === undefined ? 1 : Number(req.query.confidence);
    if (!(confidence >= 0 && confidence <= 1)) throw new HttpError(400, 'confidence must be a number 0…1');
    const device = typeof req.query.device === 'string' ? req.query.device : '';
    const { fields } = evaluateRead(ctx, gateMaps, { estate, device, at: ctx.now(), plate, direction, confidence });
    res.json(fields);
  });

  router.get('/estates/:estate/car-parks', (req, res) => {
    res.json(occupancySnapshot(db, estateParam(db, req)));
  });

  router.put('/estates/:estate/car-parks/:carPark/occupancy', operator, (req, res) => {
    const estate = estateParam(db, req);
    const carPark = carParkParam(req, estate);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parked = wholeNumber(body.parked, 'parked');
    const note = body.note === undefined ? '' : typeof body.note === 'string' && body.note.length <= 500 ? body.note.trim() : null;
    if (note === null) throw new HttpError(400, 'note must be text of at most 500 characters');
    // the counts are the owner's (its gate reads move them): a correction made here would be overwritten by its next read
    notOwner(ctx, estate);
    const correction = correctOccupancy(db, estate, carPark.id, parked, req.user!.name, note, ctx.now(), ctx.allocateId?.('vehicles'));
    ctx.log.info(`vehicles: ${req.user!.name} set ${estate}/${carPark.id} from ${correction.before} to ${parked} cars${note ? ` (${note})` : ''}`);
    reads.publishOccupancy(estate, 'correction');
    res.json({ correction, carPark: occupancySnapshot(db, estate).find((c) => c.id === carPark.id) });
  });

  router.put('/estates/:estate/car-parks/:carPark/capacity', admin, (req, res) => {
    const estate = estateParam(db, req);
    const carPark = carParkParam(req, estate);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const capacity = body.capacity === null ? null : wholeNumber(body.capacity, 'capacity');
    setCarParkCapacity(db, estate, carPark.id, capacity);
    gateMaps.invalidate(estate);
    reads.publishOccupancy(estate, 'refresh');
    res.json(occupancySnapshot(db, estate).find((c) => c.id === carPark.id));
  });

  router.get('/estates/:estate/car-parks/:carPark/corrections', (req, res) => {
    const estate = estateParam(db, req);
    const carPark = carParkParam(req, estate);
    res.json(listCorrections(db, estate, carPark.id, limitQuery(req, 100, 1000)));
  });

  router.get('/estates/:estate/vehicles/settings', (req, res) => {
    res.json(getSettings(db, estateParam(db, req)));
  });

  router.put('/estates/:estate/vehicles/settings', admin, async (req, res) => {
    const estate = estateParam(db, req);
    const v = validateSettings(req.body, getSettings(db, estate));
    if (!v.ok) throw new HttpError(400, v.error);
    // configuration: one truth for all nodes with --config-db (every node's gates decide alike)
    await ctx.configChange(() => putSettings(db, estate, v.value));
    res.json(v.value);
  });
}
