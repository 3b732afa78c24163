// Operators and their login sessions. A session token is both the REST bearer token and the
// dashboard's MQTT password.
import { ROLES, isId, type Role, type UserInfo } from '../../protocol/index.ts';
import type { Db } from './db.ts';
import { SESSION_TOKEN_PREFIX, hashPassword, hashToken, newToken, verifyPassword } from './secrets.ts';
import { getEstate } from './estates.ts';
import { parseScopeRef } from '../../protocol/org.ts';
import { bindScope, userSeesEstate } from '../org/scope.ts';

export const SESSION_TTL_MS = 12 * 3600 * 1000;
export const MIN_PASSWORD_LENGTH = 8;

export class UserError extends Error {}

export function addUser(db: Db, u: { name: string; role: Role; password: string; estate?: string | null }, options: { update?: boolean } = {}): UserInfo {
  if (!isId(u.name)) throw new UserError(`invalid user name '${u.name}': use letters, digits, '_', '-', '.' (max 64)`);
  if (!ROLES.includes(u.role)) throw new UserError(`invalid role '${u.role}': one of ${ROLES.join(', ')}`);
  if (u.password.length < MIN_PASSWORD_LENGTH) throw new UserError(`password too short: at least ${MIN_PASSWORD_LENGTH} characters`);
  // `estate` is the user's scope: null = all, an estate id, or `unit:{id}` / `company:{id}`
  const estate = u.estate ?? null;
  const scope = parseScopeRef(estate);
  if (scope.kind === 'estate' && !getEstate(db, scope.id)) throw new UserError(`estate '${scope.id}' not found`);
  if (scope.kind === 'unit' && !db.prepare('SELECT 1 FROM org_units WHERE id = ?').get(scope.id)) throw new UserError(`unit '${scope.id}' not found`);
  if (scope.kind === 'company' && !db.prepare('SELECT 1 FROM org_companies WHERE id = ?').get(scope.id)) throw new UserError(`company '${scope.id}' not found`);
  const exists = db.prepare('SELECT 1 FROM users WHERE name = ?').get(u.name);
  if (exists && !options.update) throw new UserError(`user '${u.name}' already exists`);
  db.prepare(
    `INSERT INTO users (name, role, estate, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET role = excluded.role, estate = excluded.estate, password_hash = excluded.password_hash`,
  ).run(u.name, u.role, estate, hashPassword(u.password), Date.now());
  if (exists) db.prepare('DELETE FROM sessions WHERE user = ?').run(u.name);
  return { name: u.name, role: u.role, estate };
}

export function getUser(db: Db, name: string): UserInfo | undefined {
  return db.prepare('SELECT name, role, estate FROM users WHERE name = ?').get(name) as UserInfo | undefined;
}

export function countUsers(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

export function login(db: Db, name: string, password: string, now = Date.now()): { token: string; expiresAt: number; user: UserInfo } | undefined {
  const row = db.prepare('SELECT name, role, estate, password_hash FROM users WHERE name = ?').get(name) as
    | (UserInfo & { password_hash: string })
    | undefined;
  if (!row || !verifyPassword(password, row.password_hash)) return undefined;
  const token = newToken(SESSION_TOKEN_PREFIX);
  const expiresAt = now + SESSION_TTL_MS;
  db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
  db.prepare('INSERT INTO sessions (token_hash, user, expires_at) VALUES (?, ?, ?)').run(hashToken(token), row.name, expiresAt);
  return { token, expiresAt, user: { name: row.name, role: row.role, estate: row.estate } };
}

export function userForSession(db: Db, token: string, now = Date.now()): UserInfo | undefined {
  const row = db
    .prepare('SELECT u.name, u.role, u.estate FROM sessions s JOIN users u ON u.name = s.user WHERE s.token_hash = ? AND s.expires_at > ?')
    .get(hashToken(token), now) as UserInfo | undefined;
  // a unit or company scope is resolved against this database at each check (org/scope.ts)
  return row && bindScope(db, row);
}

/** Whether the user may see this estate: its scope (all, the estate, a unit or a company) covers it now. */
export function canSeeEstate(user: UserInfo, estate: string): boolean {
  return userSeesEstate(user, estate);
}
