// The Express application: REST API under /api/v1, /metrics, and the built web app.
import express, { Router, type Express } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_TIME_HEADER, API_PREFIX, MAX_PAYLOAD_BYTES } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import type { Ingest } from '../ingest/pipeline.ts';
import type { HistoryBackend } from '../history/index.ts';
import type { Metrics } from '../metrics.ts';
import type { Log } from '../log.ts';
import type { EstateModule } from '../modules.ts';
import { HttpError, errorHandler } from './errors.ts';
import { authRoutes, requireUser } from './auth.ts';
import { estateRoutes } from './estates.ts';
import { ingestRoutes } from './ingest.ts';
import { adminRoutes } from './admin.ts';
import type { ConfigFeed } from '../cluster/config-db.ts';
import { sessionRoutes } from './sessions.ts';
import type { SecurityLimits } from '../security/limits.ts';
import { securityHeaders } from '../security/headers.ts';
import { auditRoutes } from '../audit/routes.ts';

export interface ApiDeps {
  db: Db;
  ingest: Ingest;
  history: HistoryBackend;
  metrics: Metrics;
  log: Log;
  webDir: string;
  modules?: EstateModule[];
  /** the server's clock (injectable in tests) */
  now?: () => number;
  /** guessing limits for login (server/security/limits.ts) */
  limits?: SecurityLimits;
  /** sessions unused this long end (default store/users.ts SESSION_IDLE_MS) */
  sessionIdleMs?: number;
  /** called after sessions were ended (logout, revocation, password change): the broker drops their dashboards */
  onSessionsEnded?: () => void;
  /** origins allowed to frame the app besides itself (CSP frame-ancestors) */
  frameAncestors?: string[];
  /** the shared configuration (--config-db): device changes go to PostgreSQL first */
  configFeed?: ConfigFeed | null;
}

export function createApp({ db, ingest, history, metrics, log, webDir, modules = [], now = Date.now, limits, sessionIdleMs, onSessionsEnded, frameAncestors, configFeed = null }: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders({ frameAncestors }));
  app.use(API_PREFIX, (_req, res, next) => {
    res.setHeader(SERVER_TIME_HEADER, String(now()));
    next();
  });
  app.set('query parser', 'simple');

  // Devices often send JSON without a proper Content-Type: parse any body as JSON on ingest routes.
  app.use(`${API_PREFIX}/devices/:device/:kind`, express.json({ limit: MAX_PAYLOAD_BYTES, type: () => true, strict: false }));
  app.use(API_PREFIX, express.json({ limit: '1mb' }));

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get(`${API_PREFIX}/health`, (_req, res) => {
    res.json({ ok: true, history: history.backend });
  });

  app.use(API_PREFIX, authRoutes(db, metrics, limits, configFeed));
  app.use(API_PREFIX, ingestRoutes(db, ingest, metrics));
  for (const m of modules) {
    if (!m.publicRoutes) continue;
    const router = Router();
    m.publicRoutes(router);
    app.use(API_PREFIX, router);
  }
  app.use(API_PREFIX, requireUser(db, sessionIdleMs));
  app.use(API_PREFIX, sessionRoutes(db, metrics, onSessionsEnded, configFeed));
  app.use(API_PREFIX, estateRoutes(db, history));
  app.use(API_PREFIX, adminRoutes(db, configFeed));
  app.use(API_PREFIX, auditRoutes(db));
  for (const m of modules) {
    if (!m.routes) continue;
    const router = Router();
    m.routes(router);
    app.use(API_PREFIX, router);
  }
  app.use(API_PREFIX, () => {
    throw new HttpError(404, 'no such API endpoint');
  });

  for (const m of modules) {
    if (!m.rootRoutes) continue;
    const router = Router();
    m.rootRoutes(router);
    app.use(router);
  }

  const index = join(webDir, 'index.html');
  if (existsSync(index)) {
    app.use(express.static(webDir, { index: false, maxAge: '1h' }));
    // Client-side routes (/, /guard, …) all load the app.
    app.get(/^\/(?!api\/|mqtt$|metrics$).*/, (_req, res) => res.sendFile(index));
  } else {
    log.warn(`web app not built (${index} missing): run \`npm run build\`; the API still works`);
    app.get('/', (_req, res) => {
      res.status(503).type('text/plain').send('Smart Estate: the web app is not built. Run `npm run build`, then restart.\n');
    });
  }
  app.use(errorHandler(log, metrics));
  return app;
}
