// GET /api/v1/audit — the audit log for admins, newest first. Filters: estate, actor, action (exact,
// or a prefix ending in '.', e.g. `device.`), target, from/to (ISO 8601 or epoch ms); paging with
// `cursor` (the `next` of the previous page); `?format=csv` for a spreadsheet. An admin scoped to
// one estate sees only that estate's entries (entries of no estate, e.g. a global user, are not
// theirs to see).
import { Router, type Request } from 'express';
import type { Db } from '../store/db.ts';
import { HttpError } from '../api/errors.ts';
import { requireRole } from '../api/auth.ts';
import { queryAudit, type AuditQuery } from './log.ts';
import { auditCsv } from './csv.ts';

const MAX_PAGE = 1000;
const MAX_CSV = 9_999; // queryAudit caps a query at 10,000 rows: one spare row tells whether there is more

function text(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `${name} must be a non-empty string`, { reason: 'bad_query' });
  return v;
}

/** ISO 8601 or epoch ms. */
export function parseInstant(raw: string, name: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(n)) throw new HttpError(400, `${name} must be an ISO 8601 time or epoch milliseconds, got '${raw}'`, { reason: 'bad_query' });
  return n;
}

function whole(raw: string | undefined, name: string, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new HttpError(400, `${name} must be a whole number ≥ 1, got '${raw}'`, { reason: 'bad_query' });
  return Math.min(Number(raw), max);
}

export function auditRoutes(db: Db): Router {
  const router = Router();
  router.get('/audit', requireRole('admin'), (req, res) => {
    const csv = req.query.format === 'csv';
    const q: AuditQuery = {
      estate: text(req, 'estate'),
      actor: text(req, 'actor'),
      action: text(req, 'action'),
      target: text(req, 'target'),
    };
    const from = text(req, 'from');
    const to = text(req, 'to');
    if (from !== undefined) q.from = parseInstant(from, 'from');
    if (to !== undefined) q.to = parseInstant(to, 'to');
    q.before = whole(text(req, 'cursor'), 'cursor', Number.MAX_SAFE_INTEGER);
    const limit = whole(text(req, 'limit'), 'limit', csv ? MAX_CSV : MAX_PAGE) ?? (csv ? MAX_CSV : 100);
    const scope = req.user!.estate;
    if (scope !== null) {
      if (q.estate !== undefined && q.estate !== scope) throw new HttpError(403, `no access to estate '${q.estate}'`);
      q.estates = [scope];
    }
    // one more than asked tells whether there is a next page
    const rows = queryAudit(db, { ...q, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? page[page.length - 1].seq : null;
    if (csv) {
      if (next !== null) res.setHeader('X-Next-Cursor', String(next));
      res.type('text/csv; charset=utf-8').attachment('audit.csv').send(auditCsv(page));
      return;
    }
    res.json({ entries: page, next });
  });
  return router;
}
