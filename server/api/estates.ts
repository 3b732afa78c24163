// Estate configuration for the map, and the event history.
import { Router } from 'express';
import type { EstateDetail, EventsResponse } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { getEstate, listBuildings, listCheckpoints, listEstates, listZones } from '../store/estates.ts';
import { listDevices } from '../store/devices.ts';
import { canSeeEstate } from '../store/users.ts';
import type { HistoryBackend } from '../history/index.ts';
import { parseHistoryQuery } from '../history/query.ts';
import { HttpError } from './errors.ts';
import { assertEstateVisible } from './auth.ts';

export function estateRoutes(db: Db, history: HistoryBackend): Router {
  const router = Router();

  router.get('/estates', (req, res) => {
    res.json(listEstates(db).filter((e) => canSeeEstate(req.user!, e.id)));
  });

  router.get('/estates/:estate', (req, res) => {
    const id = req.params.estate;
    assertEstateVisible(req.user, id);
    const estate = getEstate(db, id);
    if (!estate) throw new HttpError(404, `estate '${id}' not found`);
    const detail: EstateDetail = {
      estate,
      buildings: listBuildings(db, id),
      zones: listZones(db, id),
      checkpoints: listCheckpoints(db, id),
      devices: listDevices(db, id),
    };
    res.json(detail);
  });

  router.get('/estates/:estate/events', async (req, res) => {
    const id = req.params.estate;
    assertEstateVisible(req.user, id);
    if (!getEstate(db, id)) throw new HttpError(404, `estate '${id}' not found`);
    const parsed = parseHistoryQuery(id, req.query as Record<string, unknown>);
    if (!parsed.ok) throw new HttpError(400, parsed.error);
    const events = await history.query(parsed.query);
    res.json({ events, backend: history.backend } satisfies EventsResponse);
  });

  return router;
}
