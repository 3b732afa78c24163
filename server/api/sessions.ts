// Operators' own sessions, behind requireUser:
//   POST   /auth/logout                 ends the bearer's session                          → 204
//   POST   /auth/password {oldPassword, newPassword}
//                                      changes the bearer's own password (the old one is required,
//                                      the policy applies); every *other* session of the user ends → 200 {revoked}
//   DELETE /users/{name}/sessions       ends every session of a user: admins for anyone, others
//                                      only for themselves ("sign me out everywhere")          → 200 {revoked}
// Live dashboards (MQTT over WebSocket) on an ended session are disconnected at once
// (`onSessionsEnded` → broker) — and within 15 s when the CLI ends them from another process.
// Password changes and revocations go to the audit log, never the secret.
import { Router } from 'express';
import { recordAudit } from '../audit/log.ts';
import type { Db } from '../store/db.ts';
import { PasswordChangeError, changePassword, endSession, getUser, revokeSessions } from '../store/users.ts';
import type { Metrics } from '../metrics.ts';
import { bearer, clientAddress } from './auth.ts';
import { HttpError } from './errors.ts';
import { ConfigDbError, configChange, type ConfigFeed } from '../cluster/config-db.ts';

/**
 * With a shared configuration (`feed`) sessions and passwords change in PostgreSQL (every node drops
 * the ended sessions' dashboards when it applies the change); PostgreSQL away: 503, nothing changed.
 */
export function sessionRoutes(db: Db, metrics: Metrics, onSessionsEnded: () => void = () => {}, feed: ConfigFeed | null = null): Router {
  const router = Router();
  const change = async <T>(work: () => T, after: (v: T) => void): Promise<T> => {
    try {
      return await configChange(db, feed && { url: feed.url, feed }, work, after);
    } catch (err) {
      if (err instanceof ConfigDbError) throw new HttpError(503, err.message);
      throw err;
    }
  };

  router.post('/auth/logout', async (req, res) => {
    const user = req.user!;
    const ended = await change(() => endSession(db, bearer(req)!), (ok) => {
      if (ok) recordAudit(db, { actor: user.name, source: clientAddress(req), action: 'session.logout', target: user.name, estate: user.estate });
    });
    if (ended) metrics.sessionsRevoked.inc({ why: 'logout' });
    onSessionsEnded();
    res.status(204).end();
  });

  router.post('/auth/password', async (req, res) => {
    const user = req.user!;
    const { oldPassword, newPassword } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof oldPassword !== 'string' || typeof newPassword !== 'string' || !oldPassword || !newPassword) {
      throw new HttpError(400, 'oldPassword and newPassword (strings) are required', { reason: 'missing_field' });
    }
    let revoked: number;
    try {
      revoked = await change(() => changePassword(db, user.name, oldPassword, newPassword, bearer(req)), (n) => {
        recordAudit(db, { actor: user.name, source: clientAddress(req), action: 'user.password', target: user.name, estate: user.estate, summary: { otherSessionsEnded: n } });
      });
    } catch (err) {
      if (err instanceof PasswordChangeError) throw new HttpError(err.reason === 'wrong_password' ? 403 : 400, err.message, { reason: err.reason });
      throw err;
    }
    if (revoked) metrics.sessionsRevoked.inc({ why: 'password_change' }, revoked);
    onSessionsEnded();
    res.json({ revoked });
  });

  router.delete('/users/:name/sessions', async (req, res) => {
    const user = req.user!;
    const name = req.params.name;
    if (user.role !== 'admin' && user.name !== name) throw new HttpError(403, 'only admins may end another user\'s sessions', { reason: 'forbidden' });
    if (!getUser(db, name)) throw new HttpError(404, `user '${name}' not found`, { reason: 'not_found' });
    const revoked = await change(() => revokeSessions(db, name), (n) => {
      recordAudit(db, { actor: user.name, source: clientAddress(req), action: 'user.sessions.revoke', target: name, summary: { sessionsEnded: n } });
    });
    if (revoked) metrics.sessionsRevoked.inc({ why: 'revoked' }, revoked);
    onSessionsEnded();
    res.json({ revoked });
  });

  return router;
}
