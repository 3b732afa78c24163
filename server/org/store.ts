// Units, companies, where each estate sits and who manages it. Every change a person or the CLI
// makes goes through here with its audit entry in the same transaction.
import { ESTATE_KINDS, PARENT_KIND, UNIT_KINDS, isId, type EstateKind, type EstatePlacement, type ManagementPeriod, type OrgUnit, type PropertyCompany, type UnitKind } from '../../protocol/index.ts';
import { recordAudit } from '../audit/log.ts';
import type { Db } from '../store/db.ts';
import { getEstate } from '../store/estates.ts';
import { prepared } from '../store/statements.ts';

export class OrgError extends Error {
  constructor(
    message: string,
    /** the HTTP status it maps to: 400 bad input, 404 unknown, 409 conflict */
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

/** Who made a change: the audit entry's actor and source. */
export interface Actor {
  actor: string;
  source?: string | null;
}

const NAME_MAX = 100;

function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new OrgError(`${field} is required (a non-empty string)`);
  if (value.length > NAME_MAX) throw new OrgError(`${field}: at most ${NAME_MAX} characters`);
  return value.trim();
}

function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isId(value)) throw new OrgError(`${field}: letters, digits, '_', '-', '.' (max 64), got ${JSON.stringify(value)}`);
  return value;
}

type UnitRow = { id: string; kind: UnitKind; name: string; name_zh: string; parent: string | null };
const unitOf = (r: UnitRow): OrgUnit => ({ id: r.id, kind: r.kind, name: r.name, nameZh: r.name_zh, parent: r.parent });

export function getUnit(db: Db, id: string): OrgUnit | undefined {
  const r = prepared(db, 'SELECT id, kind, name, name_zh, parent FROM org_units WHERE id = ?').get(id) as UnitRow | undefined;
  return r && unitOf(r);
}

export function listUnits(db: Db): OrgUnit[] {
  return (prepared(db, 'SELECT id, kind, name, name_zh, parent FROM org_units ORDER BY id').all() as UnitRow[]).map(unitOf);
}

export function upsertUnit(db: Db, input: { id: unknown; kind: unknown; name: unknown; nameZh?: unknown; parent?: unknown }, who: Actor): OrgUnit {
  const id = checkId(input.id, 'id');
  if (!UNIT_KINDS.includes(input.kind as UnitKind)) throw new OrgError(`kind must be one of ${UNIT_KINDS.join(', ')}`);
  const kind = input.kind as UnitKind;
  const name = checkName(input.name, 'name');
  const nameZh = input.nameZh === undefined || input.nameZh === null ? name : checkName(input.nameZh, 'nameZh');
  const parentKind = PARENT_KIND[kind];
  const parent = input.parent === undefined || input.parent === null || input.parent === '' ? null : checkId(input.parent, 'parent');
  if (parentKind && !parent) throw new OrgError(`a ${kind} needs a parent ${parentKind}`);
  if (!parentKind && parent) throw new OrgError(`a ${kind} has no parent`);
  if (parent) {
    const p = getUnit(db, parent);
    if (!p) throw new OrgError(`parent unit '${parent}' not found`, 404);
    if (p.kind !== parentKind) throw new OrgError(`a ${kind}'s parent must be a ${parentKind}, '${parent}' is a ${p.kind}`);
  }
  const existing = getUnit(db, id);
  if (existing && existing.kind !== kind) throw new OrgError(`unit '${id}' is a ${existing.kind}; its kind cannot change`, 409);
  const unit: OrgUnit = { id, kind, name, nameZh, parent };
  db.transaction(() => {
    prepared(
      db,
      `INSERT INTO org_units (id, kind, name, name_zh, parent, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh, parent = excluded.parent`,
    ).run(id, kind, name, nameZh, parent, Date.now());
    recordAudit(db, { ...who, action: existing ? 'org.unit.update' : 'org.unit.add', target: id, summary: { kind, name, nameZh, parent, before: existing ?? null } });
  })();
  return unit;
}

type CompanyRow = { id: string; name: string; name_zh: string; fallback: number };
const companyOf = (r: CompanyRow): PropertyCompany => ({ id: r.id, name: r.name, nameZh: r.name_zh, fallback: r.fallback === 1 });

export function getCompany(db: Db, id: string): PropertyCompany | undefined {
  const r = prepared(db, 'SELECT id, name, name_zh, fallback FROM org_companies WHERE id = ?').get(id) as CompanyRow | undefined;
  return r && companyOf(r);
}

export function listCompanies(db: Db): PropertyCompany[] {
  return (prepared(db, 'SELECT id, name, name_zh, fallback FROM org_companies ORDER BY id').all() as CompanyRow[]).map(companyOf);
}

export function fallbackCompany(db: Db): PropertyCompany | undefined {
  const r = prepared(db, 'SELECT id, name, name_zh, fallback FROM org_companies WHERE fallback = 1').get() as CompanyRow | undefined;
  return r && companyOf(r);
}

export function upsertCompany(db: Db, input: { id: unknown; name: unknown; nameZh?: unknown; fallback?: unknown }, who: Actor): PropertyCompany {
  const id = checkId(input.id, 'id');
  const name = checkName(input.name, 'name');
  const nameZh = input.nameZh === undefined || input.nameZh === null ? name : checkName(input.nameZh, 'nameZh');
  if (input.fallback !== undefined && typeof input.fallback !== 'boolean') throw new OrgError('fallback must be true or false');
  const fallback = input.fallback === true;
  const other = fallbackCompany(db);
  if (fallback && other && other.id !== id) throw new OrgError(`'${other.id}' is already the fallback company (兜底管理); there is one`, 409);
  const existing = getCompany(db, id);
  db.transaction(() => {
    prepared(
      db,
      `INSERT INTO org_companies (id, name, name_zh, fallback, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh, fallback = excluded.fallback`,
    ).run(id, name, nameZh, fallback ? 1 : 0, Date.now());
    recordAudit(db, { ...who, action: existing ? 'org.company.update' : 'org.company.add', target: id, summary: { name, nameZh, fallback } });
  })();
  return { id, name, nameZh, fallback };
}

export function getPlacement(db: Db, estate: string): EstatePlacement | undefined {
  const r = prepared(
    db,
    `SELECT o.estate, o.community, o.kind, m.company FROM org_estates o
     LEFT JOIN org_management m ON m.estate = o.estate AND m.until IS NULL WHERE o.estate = ?`,
  ).get(estate) as EstatePlacement | undefined;
  return r;
}

export function listPlacements(db: Db): EstatePlacement[] {
  return prepared(
    db,
    `SELECT e.id AS estate, o.community, COALESCE(o.kind, 'estate') AS kind, m.company FROM estates e
     LEFT JOIN org_estates o ON o.estate = e.id
     LEFT JOIN org_management m ON m.estate = e.id AND m.until IS NULL ORDER BY e.id`,
  ).all() as EstatePlacement[];
}

/** Puts an estate in a community (a move keeps its company and history). */
export function placeEstate(db: Db, estate: string, input: { community: unknown; kind?: unknown }, who: Actor): EstatePlacement {
  if (!getEstate(db, estate)) throw new OrgError(`estate '${estate}' not found`, 404);
  const community = checkId(input.community, 'community');
  const unit = getUnit(db, community);
  if (!unit) throw new OrgError(`community '${community}' not found`, 404);
  if (unit.kind !== 'community') throw new OrgError(`an estate belongs to a community; '${community}' is a ${unit.kind}`);
  const before = getPlacement(db, estate);
  if (input.kind !== undefined && !ESTATE_KINDS.includes(input.kind as EstateKind)) throw new OrgError(`kind must be one of ${ESTATE_KINDS.join(', ')}`);
  const kind = (input.kind as EstateKind | undefined) ?? before?.kind ?? 'estate';
  db.transaction(() => {
    prepared(db, 'INSERT INTO org_estates (estate, community, kind) VALUES (?, ?, ?) ON CONFLICT(estate) DO UPDATE SET community = excluded.community, kind = excluded.kind').run(
      estate, community, kind,
    );
    recordAudit(db, { ...who, action: 'org.estate.move', estate, target: estate, summary: { community, kind, before: before ? { community: before.community, kind: before.kind } : null } });
  })();
  return { estate, community, kind, company: before?.company ?? null };
}

/**
 * Hands an estate to a company from `at` (default now): the current period ends at `at` and a new
 * one begins. Past months keep their company; `at` may not lie before the current period began.
 */
export function assignCompany(db: Db, estate: string, company: string, who: Actor, at = Date.now()): ManagementPeriod {
  if (!getEstate(db, estate)) throw new OrgError(`estate '${estate}' not found`, 404);
  if (!getCompany(db, company)) throw new OrgError(`company '${company}' not found`, 404);
  if (!Number.isSafeInteger(at) || at < 0) throw new OrgError('at must be epoch milliseconds');
  const current = prepared(db, 'SELECT company, since FROM org_management WHERE estate = ? AND until IS NULL').get(estate) as { company: string; since: number } | undefined;
  if (current?.company === company) return { estate, company, since: current.since, until: null };
  if (current && at <= current.since) throw new OrgError(`'${estate}' is managed by '${current.company}' since ${new Date(current.since).toISOString()}: a new company can take over only after that`, 409);
  db.transaction(() => {
    if (current) prepared(db, 'UPDATE org_management SET until = ? WHERE estate = ? AND until IS NULL').run(at, estate);
    prepared(db, 'INSERT INTO org_management (estate, company, since, until) VALUES (?, ?, ?, NULL)').run(estate, company, at);
    recordAudit(db, { ...who, action: 'org.estate.company', estate, target: estate, summary: { company, since: at, before: current?.company ?? null } });
  })();
  return { estate, company, since: at, until: null };
}

export function managementHistory(db: Db, estate?: string): ManagementPeriod[] {
  const rows = estate
    ? prepared(db, 'SELECT estate, company, since, until FROM org_management WHERE estate = ? ORDER BY since').all(estate)
    : prepared(db, 'SELECT estate, company, since, until FROM org_management ORDER BY estate, since').all();
  return rows as ManagementPeriod[];
}
