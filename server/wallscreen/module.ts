// Wall-screen support on the server: session renewal for kiosks. A wall screen runs for weeks and
// nobody stands at it to type a password, but operator sessions last SESSION_TTL_MS (12 h). So a
// signed-in screen trades its still-valid session for a fresh one before it ends:
//   POST /api/v1/wallscreen/session  (Bearer <session>)  →  200 {token, expiresAt, user}
// The new session belongs to the same user with the same role and estate scope (no escalation);
// the old one stays valid until its own expiry, so requests in flight never fail. A screen that was
// off longer than a session lasts signs in again, like anyone else.
import type { Router } from 'express';
import type { LoginResponse } from '../../protocol/index.ts';
import { HttpError } from '../api/errors.ts';
import type { EstateModule, ModuleContext } from '../modules.ts';
import { createSession } from '../store/users.ts';

export function createWallscreenModule(ctx: ModuleContext): EstateModule {
  return {
    name: 'wallscreen',
    routes(router: Router) {
      router.post('/wallscreen/session', async (req, res) => {
        const user = req.user;
        if (!user) throw new HttpError(401, 'session expired or invalid: log in again');
        // a session like a login's: with --config-db every node knows it, so a screen the load
        // balancer moves to another node (its node died) stays signed in
        res.json((await ctx.configChange(() => createSession(ctx.db, user, ctx.now()))) satisfies LoginResponse);
      });
    },
  };
}
