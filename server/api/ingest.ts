// HTTP ingest for devices that can only POST (many plate cameras): the same pipeline as MQTT,
// answered 202 only after the journal commit.
import { Router } from 'express';
import type { Db } from '../store/db.ts';
import { authenticateDevice } from '../store/devices.ts';
import type { Ingest } from '../ingest/pipeline.ts';
import type { Metrics } from '../metrics.ts';
import { HttpError } from './errors.ts';
import { bearer } from './auth.ts';

export function ingestRoutes(db: Db, ingest: Ingest, metrics: Metrics): Router {
  const router = Router();
  router.post('/devices/:device/:kind', (req, res) => {
    const token = bearer(req);
    const device = token ? authenticateDevice(db, req.params.device, token) : undefined;
    if (!device) {
      metrics.authFailures.inc({ who: 'device' });
      throw new HttpError(401, token ? 'bad device id or token' : 'missing Authorization: Bearer <device token>');
    }
    return new Promise<void>((resolve) => {
      ingest.submit(device, req.params.kind, { json: req.body }, 'http', (outcome) => {
        if (outcome.ok) {
          res.status(202).json({ accepted: true, duplicate: outcome.duplicate, id: outcome.event.id });
        } else {
          const status = outcome.retryable ? 503 : outcome.reason === 'unknown_kind' ? 404 : outcome.reason === 'too_large' ? 413 : 400;
          if (status === 503) res.set('Retry-After', '5');
          res.status(status).json({ error: outcome.error, reason: outcome.reason, ...(outcome.id ? { id: outcome.id } : {}) });
        }
        resolve();
      });
    });
  });
  return router;
}
