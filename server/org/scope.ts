// The scope check — the security boundary of the district level. One place decides which estates
// (and which units' / companies' summaries) a user may see; REST (canSeeEstate / assertEstateVisible),
// the broker's ACL and the web's estate list all ask here. It fails closed: a unit or company scope
// with no database bound to it sees nothing.
import { parseScopeRef, type ScopeRef, type UserInfo } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { prepared } from '../store/statements.ts';

/** Estate ids a unit holds (its communities' estates, any depth). */
const UNIT_ESTATES = `
WITH RECURSIVE down(id) AS (SELECT ? UNION SELECT u.id FROM org_units u JOIN down ON u.parent = down.id)
SELECT o.estate FROM org_estates o JOIN down ON o.community = down.id ORDER BY o.estate`;

/** 1 when the estate lies in the unit (walks up from its community). */
const ESTATE_IN_UNIT = `
WITH RECURSIVE up(id) AS (SELECT community FROM org_estates WHERE estate = ?
  UNION SELECT u.parent FROM org_units u JOIN up ON u.id = up.id WHERE u.parent IS NOT NULL)
SELECT 1 FROM up WHERE id = ? LIMIT 1`;

/** 1 when unit `inner` is `outer` or lies below it. */
const UNIT_IN_UNIT = `
WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT u.parent FROM org_units u JOIN up ON u.id = up.id WHERE u.parent IS NOT NULL)
SELECT 1 FROM up WHERE id = ? LIMIT 1`;

export function estateInUnit(db: Db, estate: string, unit: string): boolean {
  return prepared(db, ESTATE_IN_UNIT).get(estate, unit) !== undefined;
}

export function unitInUnit(db: Db, inner: string, outer: string): boolean {
  return prepared(db, UNIT_IN_UNIT).get(inner, outer) !== undefined;
}

export function estatesOfUnit(db: Db, unit: string): string[] {
  return prepared(db, UNIT_ESTATES).pluck().all(unit) as string[];
}

/** Estates a company manages now. */
export function estatesOfCompany(db: Db, company: string): string[] {
  return prepared(db, 'SELECT estate FROM org_management WHERE company = ? AND until IS NULL ORDER BY estate').pluck().all(company) as string[];
}

export function currentCompany(db: Db, estate: string): string | null {
  return (prepared(db, 'SELECT company FROM org_management WHERE estate = ? AND until IS NULL').pluck().get(estate) as string | undefined) ?? null;
}

/** Whether the scope covers the estate, now. */
export function scopeSeesEstate(db: Db, scope: ScopeRef, estate: string): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'estate':
      return scope.id === estate;
    case 'unit':
      return estateInUnit(db, estate, scope.id);
    case 'company':
      return currentCompany(db, estate) === scope.id;
  }
}

/**
 * Whether the scope covers a whole summary group (`unit:{id}` or `company:{id}`): a unit scope
 * covers its own unit and those below it, a company scope its own company; an estate scope none.
 */
export function scopeSeesGroup(db: Db, scope: ScopeRef, group: { kind: 'unit' | 'company'; id: string }): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'unit') return group.kind === 'unit' && unitInUnit(db, group.id, scope.id);
  if (scope.kind === 'company') return group.kind === 'company' && group.id === scope.id;
  return false;
}

/** Whether `inner` lies within `outer` (who may hand out which scope). */
export function scopeWithin(db: Db, inner: ScopeRef, outer: ScopeRef): boolean {
  if (outer.kind === 'all') return true;
  if (inner.kind === 'all') return false;
  if (inner.kind === 'estate') return scopeSeesEstate(db, outer, inner.id);
  return scopeSeesGroup(db, outer, inner);
}

/** The estates a scope sees now (null = every estate). */
export function visibleEstates(db: Db, scope: ScopeRef): string[] | null {
  switch (scope.kind) {
    case 'all':
      return null;
    case 'estate':
      return [scope.id];
    case 'unit':
      return estatesOfUnit(db, scope.id);
    case 'company':
      return estatesOfCompany(db, scope.id);
  }
}

// A user read from a session carries its database here (not on the object: it must not serialise
// into /me, and a user object built anywhere else simply has none and sees no wider scope).
const bound = new WeakMap<UserInfo, Db>();

export function bindScope<U extends UserInfo>(db: Db, user: U): U {
  bound.set(user, db);
  return user;
}

export function scopeOf(user: UserInfo): ScopeRef {
  return parseScopeRef(user.estate);
}

/** The one check every estate route and the broker use. */
export function userSeesEstate(user: UserInfo, estate: string): boolean {
  const scope = scopeOf(user);
  if (scope.kind === 'all' || scope.kind === 'estate') return scopeSeesEstate(undefined as never, scope, estate);
  const db = bound.get(user);
  return db ? scopeSeesEstate(db, scope, estate) : false;
}

export function userSeesGroup(user: UserInfo, group: { kind: 'unit' | 'company'; id: string }): boolean {
  const scope = scopeOf(user);
  if (scope.kind === 'all') return true;
  if (scope.kind === 'estate') return false;
  const db = bound.get(user);
  return db ? scopeSeesGroup(db, scope, group) : false;
}

export function userVisibleEstates(user: UserInfo): string[] | null {
  const scope = scopeOf(user);
  if (scope.kind === 'all' || scope.kind === 'estate') return visibleEstates(undefined as never, scope);
  const db = bound.get(user);
  return db ? visibleEstates(db, scope) : [];
}
