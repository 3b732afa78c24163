// POST /api/v1/devices/{device}/webhooks/plate-results[?direction=in|out][&inHeading=deg]
// Authorization: Bearer <device token> — a plate camera (or its cloud) pushing the common `results[]`
// webhook. Each result goes through the same ingest pipeline as `POST …/devices/{device}/vehicle`:
// validated, enriched with the gate decision, journaled, published. 200 after every result is
// committed (such webhooks expect a 200, and drop a hook that keeps failing); a bad result is reported
// in the answer without losing the others; 400 only when nothing in the post could be read.
import type { Router } from 'express';
import { bearer } from '../api/auth.ts';
import { HttpError } from '../api/errors.ts';
import { authenticateDevice } from '../store/devices.ts';
import type { ModuleContext } from '../modules.ts';
import { mapPlateResults, type WebhookOptions } from './plate-results.ts';

export const PLATE_RESULTS_PATH = '/devices/:device/webhooks/plate-results';

type ResultOutcome = { index: number; id: string; duplicate: boolean } | { index: number; error: string; reason: string };

function options(query: Record<string, unknown>): WebhookOptions {
  const o: WebhookOptions = {};
  if (query.direction !== undefined) {
    if (query.direction !== 'in' && query.direction !== 'out') throw new HttpError(400, '?direction must be in or out');
    o.direction = query.direction;
  }
  if (query.inHeading !== undefined) {
    const deg = Number(query.inHeading);
    if (!(deg >= 0 && deg <= 360)) throw new HttpError(400, '?inHeading must be degrees 0…360');
    o.inHeading = deg;
  }
  return o;
}

export function webhookRoutes(router: Router, ctx: ModuleContext): void {
  router.post(PLATE_RESULTS_PATH, async (req, res) => {
    const token = bearer(req);
    const device = token ? authenticateDevice(ctx.db, String(req.params.device), token) : undefined;
    if (!device) {
      ctx.metrics.authFailures.inc({ who: 'device' });
      throw new HttpError(401, token ? 'bad device id or token' : 'missing Authorization: Bearer <device token>');
    }
    const mapped = mapPlateResults(req.body, options(req.query as Record<string, unknown>));
    if (!mapped.ok) {
      ctx.metrics.rejected.inc({ reason: 'invalid_payload', transport: 'http' });
      throw new HttpError(400, mapped.error, { reason: 'invalid_payload' });
    }
    const outcomes: ResultOutcome[] = await Promise.all(
      mapped.results.map(async (r): Promise<ResultOutcome> => {
        if (!r.ok) {
          ctx.metrics.rejected.inc({ reason: 'invalid_payload', transport: 'http' });
          return { index: r.index, error: r.error, reason: 'invalid_payload' };
        }
        const o = await ctx.submit(device, 'vehicle', r.payload, 'http');
        return o.ok ? { index: r.index, id: o.event.id ?? '', duplicate: o.duplicate } : { index: r.index, error: o.error, reason: o.reason };
      }),
    );
    const accepted = outcomes.filter((o): o is Extract<ResultOutcome, { id: string }> => 'id' in o);
    const body = { accepted: accepted.length, duplicates: accepted.filter((o) => o.duplicate).length, results: outcomes };
    // retryable (journal error, paused): the camera posts again and what landed dedupes
    if (outcomes.some((o) => 'reason' in o && (o.reason === 'journal_error' || o.reason === 'paused'))) {
      res.set('Retry-After', '5');
      return void res.status(503).json({ error: 'not all results were stored: retry', ...body });
    }
    if (outcomes.length && !accepted.length) return void res.status(400).json({ error: 'no result could be read', ...body });
    res.status(200).json(body);
  });
}
