// Operator login and the bearer-token guard for every other call. Login goes through the guessing
// limits (server/security/limits.ts): a held-back user name or address gets 429 + Retry-After before
// its password is even looked at.
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { LoginResponse, Role, UserInfo } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { canSeeEstate, login, userForSession } from '../store/users.ts';
import type { Metrics } from '../metrics.ts';
import type { SecurityLimits } from '../security/limits.ts';
import { normalizeAddress } from '../security/flood.ts';
import { HttpError } from './errors.ts';
import { ConfigDbError, configChange, type ConfigFeed } from '../cluster/config-db.ts';

declare module 'express-serve-static-core' {
  interface Request {
    user?: UserInfo;
  }
}

export function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header && /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : undefined;
}

/** The client's address as the socket sees it (no proxy headers are trusted). */
export function clientAddress(req: Request): string {
  return normalizeAddress(req.socket.remoteAddress);
}

/** With a shared configuration (`feed`) the session is made in PostgreSQL, so it is valid on every node. */
export function authRoutes(db: Db, metrics: Metrics, limits?: SecurityLimits, feed: ConfigFeed | null = null): Router {
  const router = Router();
  router.post('/auth/login', async (req, res) => {
    const { username, password } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
      throw new HttpError(400, 'username and password (strings) are required');
    }
    const address = clientAddress(req);
    const verdict = limits?.signInAllowed('http', username, address) ?? { ok: true };
    if (!verdict.ok) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      res.setHeader('Retry-After', String(seconds));
      const what = verdict.key.kind === 'user' ? `user '${username}'` : `address ${address}`;
      throw new HttpError(429, `too many failed sign-ins for ${what}: ${verdict.reason === 'locked' ? 'locked' : 'wait'} ${seconds} s before trying again`, { reason: verdict.reason, retryAfter: seconds });
    }
    let session: ReturnType<typeof login>;
    try {
      session = await configChange(db, feed && { url: feed.url, feed }, () => login(db, username, password));
    } catch (err) {
      if (err instanceof ConfigDbError) throw new HttpError(503, err.message);
      throw err;
    }
    if (!session) {
      metrics.authFailures.inc({ who: 'login' });
      limits?.signInFailed('http', username, address);
      throw new HttpError(401, 'wrong username or password', { reason: 'bad_credentials' });
    }
    limits?.signInSucceeded(username);
    res.json(session satisfies LoginResponse);
  });
  return router;
}

/** Requires a valid operator session; sets req.user. */
export function requireUser(db: Db, idleMs?: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const token = bearer(req);
    if (!token) throw new HttpError(401, 'missing Authorization: Bearer <token> (POST /api/v1/auth/login)');
    const user = userForSession(db, token, Date.now(), idleMs);
    if (!user) throw new HttpError(401, 'session expired or invalid: log in again');
    req.user = user;
    next();
  };
}

export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user || !roles.includes(req.user.role)) throw new HttpError(403, `requires role ${roles.join(' or ')}`);
    next();
  };
}

export function assertEstateVisible(user: UserInfo | undefined, estate: string): void {
  if (!user || !canSeeEstate(user, estate)) throw new HttpError(403, `no access to estate '${estate}'`);
}
