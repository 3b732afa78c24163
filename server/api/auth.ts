// Operator login and the bearer-token guard for every other call.
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { LoginResponse, Role, UserInfo } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { canSeeEstate, login, userForSession } from '../store/users.ts';
import type { Metrics } from '../metrics.ts';
import { HttpError } from './errors.ts';

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

export function authRoutes(db: Db, metrics: Metrics): Router {
  const router = Router();
  router.post('/auth/login', (req, res) => {
    const { username, password } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
      throw new HttpError(400, 'username and password (strings) are required');
    }
    const session = login(db, username, password);
    if (!session) {
      metrics.authFailures.inc({ who: 'login' });
      throw new HttpError(401, 'wrong username or password');
    }
    res.json(session satisfies LoginResponse);
  });
  return router;
}

/** Requires a valid operator session; sets req.user. */
export function requireUser(db: Db) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const token = bearer(req);
    if (!token) throw new HttpError(401, 'missing Authorization: Bearer <token> (POST /api/v1/auth/login)');
    const user = userForSession(db, token);
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
