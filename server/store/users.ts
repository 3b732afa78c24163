// Operators and their login sessions. A session token is both the REST bearer token and the
// dashboard's MQTT password.
import { ROLES, isId, type Role, type UserInfo } from '../../protocol/index.ts';
import type { Db } from './db.ts';
import { SESSION_TOKEN_PREFIX, hashPassword, hashToken, newToken, verifyPassword } from './secrets.ts';
import { getEstate } from './estates.ts';
import { MIN_PASSWORD_LENGTH, passwordProblem } from '../security/password-policy.ts';
import { prepared } from './statements.ts';
import { parseScopeRef } from '../../protocol/org.ts';
import { bindScope, userSeesEstate } from '../org/scope.ts';

export { MIN_PASSWORD_LENGTH };
/** A session ends this long after it began, used or not (a kiosk renews itself before: server/wallscreen). */
export const SESSION_TTL_MS = 12 * 3600 * 1000;
/**
 * …and earlier when nobody used it this long (sliding): no API request and no live MQTT connection.
 * A wall screen showing the live map is in use; a tab closed on a shared PC is not.
 */
export const SESSION_IDLE_MS = 60 * 60_000;
/** Last-use times are written at most this often per session (not a write per request). */
const TOUCH_EVERY_MS = 60_000;

export class UserError extends Error {}

/** Sessions whose last use was written here since the last take (the shared configuration sends them: cluster/config-db.ts). */
const touched = new WeakMap<Db, Set<string>>();

/** Starts (and then drains) the record of this db's session touches; without a shared configuration nothing is kept. */
export function takeSessionTouches(db: Db): string[] {
  const set = touched.get(db);
  touched.set(db, new Set());
  return set ? [...set] : [];
}

export function addUser(db: Db, u: { name: string; role: Role; password: string; estate?: string | null }, options: { update?: boolean } = {}): UserInfo {
  if (!isId(u.name)) throw new UserError(`invalid user name '${u.name}': use letters, digits, '_', '-', '.' (max 64)`);
  if (!ROLES.includes(u.role)) throw new UserError(`invalid role '${u.role}': one of ${ROLES.join(', ')}`);
  const weak = passwordProblem(u.password, u.name);
  if (weak) throw new UserError(weak);
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

export interface SessionGrant {
  token: string;
  expiresAt: number;
  user: UserInfo;
}

/** A new session for a known user (login, kiosk renewal). */
export function createSession(db: Db, user: UserInfo, now = Date.now()): SessionGrant {
  const token = newToken(SESSION_TOKEN_PREFIX);
  const expiresAt = now + SESSION_TTL_MS;
  db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
  db.prepare('INSERT INTO sessions (token_hash, user, expires_at, last_used_at) VALUES (?, ?, ?, ?)').run(hashToken(token), user.name, expiresAt, now);
  return { token, expiresAt, user: { name: user.name, role: user.role, estate: user.estate } };
}

function checkPassword(db: Db, name: string, password: string): UserInfo | undefined {
  const row = db.prepare('SELECT name, role, estate, password_hash FROM users WHERE name = ?').get(name) as
    | (UserInfo & { password_hash: string })
    | undefined;
  if (!row || !verifyPassword(password, row.password_hash)) return undefined;
  return { name: row.name, role: row.role, estate: row.estate };
}

export function login(db: Db, name: string, password: string, now = Date.now()): SessionGrant | undefined {
  const user = checkPassword(db, name, password);
  return user && createSession(db, user, now);
}

/**
 * The session's user, or undefined when it is unknown, past its end or idle longer than `idleMs`.
 * Using it slides the idle window (written at most once a minute).
 */
export function userForSession(db: Db, token: string, now = Date.now(), idleMs = SESSION_IDLE_MS): UserInfo | undefined {
  return userForSessionHash(db, hashToken(token), now, idleMs);
}

export function userForSessionHash(db: Db, tokenHash: string, now = Date.now(), idleMs = SESSION_IDLE_MS): UserInfo | undefined {
  const row = prepared(
    db,
    'SELECT u.name, u.role, u.estate, s.last_used_at AS lastUsed FROM sessions s JOIN users u ON u.name = s.user WHERE s.token_hash = ? AND s.expires_at > ?',
  ).get(tokenHash, now) as (UserInfo & { lastUsed: number | null }) | undefined;
  if (!row) return undefined;
  if (row.lastUsed !== null && now - row.lastUsed > idleMs) return undefined;
  if (row.lastUsed === null || now - row.lastUsed >= TOUCH_EVERY_MS) {
    prepared(db, 'UPDATE sessions SET last_used_at = ? WHERE token_hash = ?').run(now, tokenHash);
    touched.get(db)?.add(tokenHash);
  }
  // a unit or company scope is resolved against this database at each check (org/scope.ts)
  return bindScope(db, { name: row.name, role: row.role, estate: row.estate });
}

/** Ends one session (logout); true if it existed. */
export function endSession(db: Db, token: string): boolean {
  return db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token)).changes > 0;
}

/** Ends every session of a user except `keepToken`'s; returns how many ended. */
export function revokeSessions(db: Db, user: string, keepToken?: string): number {
  const keep = keepToken ? hashToken(keepToken) : '';
  return db.prepare('DELETE FROM sessions WHERE user = ? AND token_hash <> ?').run(user, keep).changes;
}

export class PasswordChangeError extends UserError {
  constructor(message: string, public readonly reason: 'wrong_password' | 'weak_password') {
    super(message);
  }
}

/**
 * A user changes their own password: the old one is required, the new one must pass the policy, and
 * every other session of the user ends (the one making the change stays). Returns sessions ended.
 */
export function changePassword(db: Db, name: string, oldPassword: string, newPassword: string, keepToken?: string): number {
  if (!checkPassword(db, name, oldPassword)) throw new PasswordChangeError('the current password is wrong', 'wrong_password');
  const weak = passwordProblem(newPassword, name) ?? (newPassword === oldPassword ? 'the new password is the same as the current one' : null);
  if (weak) throw new PasswordChangeError(weak, 'weak_password');
  db.prepare('UPDATE users SET password_hash = ? WHERE name = ?').run(hashPassword(newPassword), name);
  return revokeSessions(db, name, keepToken);
}

/** Whether the user may see this estate: its scope (all, the estate, a unit or a company) covers it now. */
export function canSeeEstate(user: UserInfo, estate: string): boolean {
  return userSeesEstate(user, estate);
}
