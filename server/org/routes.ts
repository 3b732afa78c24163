// REST for the district level under /api/v1/org (operator session; app.ts mounts it behind requireUser):
//   GET  /org/units · POST /org/units (admin, all estates)           units the user's scope covers
//   GET  /org/companies · POST /org/companies (admin, all estates)
//   GET  /org/estates                                                 placements of the visible estates
//   PUT  /org/estates/:estate/community {community, kind?}            admin within scope, audited
//   PUT  /org/estates/:estate/company {company, at?}                  admin within scope, audited
//   GET  /org/estates/:estate/management                              who managed it when
//   POST /org/import  (text/csv or GeoJSON)                           admin, all or nothing
//   GET  /org/units/:unit/summary · /org/companies/:company/summary  the district screen's badges
//   GET  /org/scorecard?month=YYYY-MM[&scope=unit:X|company:X][&format=csv|xlsx]
//   GET  /org/scorecard/items?month=&metric=&estate=|company=
//   GET|PUT /org/scorecard/weights
import express, { type Request, type Router } from 'express';
import { METRIC_KEYS, parseScopeRef, type MetricKey, type ScopeRef, type UserInfo } from '../../protocol/index.ts';
import { assertEstateVisible, requireRole } from '../api/auth.ts';
import { HttpError } from '../api/errors.ts';
import { recordAudit } from '../audit/log.ts';
import type { Db } from '../store/db.ts';
import { getEstate } from '../store/estates.ts';
import { localMonth } from '../alerts/hours.ts';
import { ImportError, importDistrict, rowsFromCsv, rowsFromGeoJson } from './import.ts';
import type { MetricSource } from './metric-source.ts';
import { MONTH_PATTERN, buildScorecard, loadWeights, saveWeights, scorecardItems, validateWeights } from './scorecard.ts';
import { scorecardCsv, scorecardXlsx } from './scorecard-export.ts';
import { estatesOfCompany, estatesOfUnit, scopeOf, userSeesEstate, userSeesGroup } from './scope.ts';
import { OrgError, assignCompany, getCompany, getUnit, listCompanies, listPlacements, listUnits, managementHistory, placeEstate, upsertCompany, upsertUnit, type Actor } from './store.ts';
import { groupSummary, type DistrictSnapshot } from './summary.ts';

export interface OrgRouteDeps {
  db: Db;
  sources: readonly MetricSource[];
  now(): number;
  /** the latest snapshot (the module keeps one at most a second old) */
  summary(): DistrictSnapshot;
  /** a configuration change: one truth for all nodes with --config-db (ctx.configChange); default: this node's SQLite */
  change?<T>(work: () => T): Promise<T>;
}

const actor = (req: Request): Actor => ({ actor: req.user!.name, source: req.ip ?? null });

/** A change of the organisation through the shared configuration, its OrgError as the HTTP error it names. */
async function orgChange<T>(deps: OrgRouteDeps, work: () => T): Promise<T> {
  try {
    return deps.change ? await deps.change(work) : work();
  } catch (err) {
    if (err instanceof OrgError) throw new HttpError(err.status, err.message);
    throw err;
  }
}

function requireAllScope(user: UserInfo | undefined): void {
  if (!user || user.estate !== null) throw new HttpError(403, 'only an admin for every estate may change units and companies');
}

function group(req: Request, kind: 'unit' | 'company'): { kind: 'unit' | 'company'; id: string } {
  const id = String(req.params.id);
  const g = { kind, id };
  // outside the scope: 403 whether or not it exists (nothing to learn by probing)
  if (!userSeesGroup(req.user!, g)) throw new HttpError(403, `no access to ${kind} '${id}'`);
  return g;
}

export function orgRoutes(router: Router, deps: OrgRouteDeps): void {
  const { db } = deps;

  router.get('/org/units', (req, res) => {
    res.json(listUnits(db).filter((u) => userSeesGroup(req.user!, { kind: 'unit', id: u.id })));
  });
  router.post('/org/units', requireRole('admin'), async (req, res) => {
    requireAllScope(req.user);
    const b = (req.body ?? {}) as Record<string, unknown>;
    res.status(201).json(await orgChange(deps, () => upsertUnit(db, { id: b.id, kind: b.kind, name: b.name, nameZh: b.nameZh, parent: b.parent }, actor(req))));
  });
  router.get('/org/companies', (req, res) => {
    const scope = scopeOf(req.user!);
    res.json(listCompanies(db).filter((c) => scope.kind === 'all' || (scope.kind === 'company' && scope.id === c.id) || estatesOfCompany(db, c.id).some((e) => userSeesEstate(req.user!, e))));
  });
  router.post('/org/companies', requireRole('admin'), async (req, res) => {
    requireAllScope(req.user);
    const b = (req.body ?? {}) as Record<string, unknown>;
    res.status(201).json(await orgChange(deps, () => upsertCompany(db, { id: b.id, name: b.name, nameZh: b.nameZh, fallback: b.fallback }, actor(req))));
  });
  router.get('/org/estates', (req, res) => {
    res.json(listPlacements(db).filter((p) => userSeesEstate(req.user!, p.estate)));
  });
  const estateParam = (req: Request) => {
    const id = String(req.params.estate);
    assertEstateVisible(req.user, id);
    if (!getEstate(db, id)) throw new HttpError(404, `estate '${id}' not found`);
    return id;
  };
  router.put('/org/estates/:estate/community', requireRole('admin'), async (req, res) => {
    const estate = estateParam(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    // a scoped admin moves estates only between communities it covers
    if (typeof b.community === 'string' && !userSeesGroup(req.user!, { kind: 'unit', id: b.community })) throw new HttpError(403, `no access to unit '${b.community}'`);
    res.json(await orgChange(deps, () => placeEstate(db, estate, { community: b.community, kind: b.kind }, actor(req))));
  });
  router.put('/org/estates/:estate/company', requireRole('admin'), async (req, res) => {
    const estate = estateParam(req);
    requireAllScope(req.user);
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.company !== 'string') throw new HttpError(400, 'company (a string) is required');
    if (b.at !== undefined && (typeof b.at !== 'number' || !Number.isSafeInteger(b.at))) throw new HttpError(400, 'at must be epoch milliseconds');
    res.json(await orgChange(deps, () => assignCompany(db, estate, b.company as string, actor(req), (b.at as number | undefined) ?? deps.now())));
  });
  router.get('/org/estates/:estate/management', (req, res) => {
    res.json(managementHistory(db, estateParam(req)));
  });
  router.post('/org/import', requireRole('admin'), express.text({ type: ['text/csv', 'text/plain'], limit: '20mb' }), async (req, res) => {
    requireAllScope(req.user);
    const parsed = typeof req.body === 'string' ? rowsFromCsv(req.body) : rowsFromGeoJson(req.body);
    try {
      res.status(201).json(await orgChange(deps, () => importDistrict(db, parsed, actor(req))));
    } catch (err) {
      if (err instanceof ImportError) return void res.status(400).json({ error: err.message, reason: 'bad_rows', rows: err.errors });
      throw err;
    }
  });

  router.get('/org/units/:id/summary', (req, res) => {
    const g = group(req, 'unit');
    const s = groupSummary(deps.summary(), g);
    if (!s) throw new HttpError(404, `unit '${g.id}' not found`);
    res.json(s);
  });
  router.get('/org/companies/:id/summary', (req, res) => {
    const g = group(req, 'company');
    const s = groupSummary(deps.summary(), g);
    if (!s) throw new HttpError(404, `company '${g.id}' not found`);
    res.json(s);
  });

  const month = (req: Request): string => {
    const m = req.query.month === undefined || req.query.month === '' ? localMonth(deps.now(), 'Asia/Shanghai') : String(req.query.month);
    if (!MONTH_PATTERN.test(m)) throw new HttpError(400, `month: expected YYYY-MM, got '${m}'`);
    return m;
  };
  /** the scope asked for (default: the user's own), which must lie within the user's */
  const askedScope = (req: Request): ScopeRef => {
    const own = scopeOf(req.user!);
    if (req.query.scope === undefined || req.query.scope === '') return own;
    const s = parseScopeRef(String(req.query.scope));
    if (s.kind === 'all') return own;
    const ok = s.kind === 'estate' ? userSeesEstate(req.user!, s.id) : userSeesGroup(req.user!, s);
    if (!ok) throw new HttpError(403, `no access to scope '${String(req.query.scope)}'`);
    if (s.kind === 'unit' && !getUnit(db, s.id)) throw new HttpError(404, `unit '${s.id}' not found`);
    if (s.kind === 'company' && !getCompany(db, s.id)) throw new HttpError(404, `company '${s.id}' not found`);
    return s;
  };

  router.get('/org/scorecard', async (req, res) => {
    const m = month(req);
    const scope = askedScope(req);
    // a company is scored over the estates it ran that month, a unit over the estates in it now
    const estates = scope.kind === 'unit' ? estatesOfUnit(db, scope.id) : scope.kind === 'estate' ? [scope.id] : null;
    const card = buildScorecard(db, deps.sources, {
      month: m,
      estates,
      companies: scope.kind === 'company' ? [scope.id] : null,
      scope: scope.kind === 'all' ? null : `${scope.kind}:${scope.id}`,
      now: deps.now(),
    });
    if (scope.kind === 'company') card.estates = card.estates.filter((r) => r.companies?.includes(scope.id));
    const format = String(req.query.format ?? 'json');
    const name = `scorecard-${m}${card.scope ? '-' + card.scope.replace(':', '-') : ''}`;
    if (format === 'csv') return void res.type('text/csv; charset=utf-8').attachment(`${name}.csv`).send(scorecardCsv(card));
    if (format === 'xlsx') return void res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment(`${name}.xlsx`).send(await scorecardXlsx(card));
    if (format !== 'json') throw new HttpError(400, `format: json, csv or xlsx, got '${format}'`);
    res.json(card);
  });
  router.get('/org/scorecard/items', (req, res) => {
    const m = month(req);
    const metric = String(req.query.metric ?? '') as MetricKey;
    if (!METRIC_KEYS.includes(metric)) throw new HttpError(400, `metric: one of ${METRIC_KEYS.join(', ')}`);
    const estate = req.query.estate ? String(req.query.estate) : undefined;
    const company = req.query.company ? String(req.query.company) : undefined;
    if (!estate && !company) throw new HttpError(400, 'estate or company is required');
    if (estate) assertEstateVisible(req.user, estate);
    if (company && !userSeesGroup(req.user!, { kind: 'company', id: company })) throw new HttpError(403, `no access to company '${company}'`);
    const items = scorecardItems(db, deps.sources, { month: m, metric, estate, company, now: deps.now() });
    res.json({ month: m, metric, estate: estate ?? null, company: company ?? null, items });
  });
  router.get('/org/scorecard/weights', (_req, res) => {
    res.json(loadWeights(db));
  });
  router.put('/org/scorecard/weights', requireRole('admin'), async (req, res) => {
    requireAllScope(req.user);
    const w = validateWeights(req.body);
    if (typeof w === 'string') throw new HttpError(400, w);
    // configuration: every node scores the month with the same weights (--config-db)
    await orgChange(deps, () => {
      const before = loadWeights(db);
      saveWeights(db, w);
      recordAudit(db, { ...actor(req), action: 'org.scorecard.weights', summary: { weights: w, before } });
    });
    res.json(w);
  });
}
