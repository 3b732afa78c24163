// Every API error is JSON `{error}` with the right status; nothing leaks a stack trace.
import type { ErrorRequestHandler } from 'express';
import type { Log } from '../log.ts';
import type { Metrics } from '../metrics.ts';

export class HttpError extends Error {
  constructor(public readonly status: number, message: string, public readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

export function errorHandler(log: Log, metrics?: Metrics): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof HttpError) return res.status(err.status).json({ error: err.message, ...err.extra });
    const e = err as { type?: string; status?: number; message?: string; limit?: number };
    // Body-parser refusals happen before the ingest pipeline: count them here like the pipeline would.
    const reason = e.type === 'entity.too.large' ? 'too_large' : e.type === 'entity.parse.failed' ? 'malformed_json' : null;
    if (reason && /\/devices\/[^/]+\/[^/]+/.test(req.path)) metrics?.rejected.inc({ reason, transport: 'http' });
    if (e.type === 'entity.too.large') return res.status(413).json({ error: `payload too large: limit ${e.limit} bytes`, reason: 'too_large' });
    if (e.type === 'entity.parse.failed') return res.status(400).json({ error: `malformed JSON: ${e.message}`, reason: 'malformed_json' });
    if (e.status && e.status >= 400 && e.status < 500) return res.status(e.status).json({ error: e.message ?? 'bad request' });
    log.error(`api: ${(err as Error)?.stack ?? err}`);
    res.status(500).json({ error: 'internal error' });
  };
}
