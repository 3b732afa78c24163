// Live camera video (实时视频): stream settings per camera and the server-side proxy that plays them
// with the operator's session (routes.ts). docs/wallscreen.md § Live camera video.
import type { EstateModule, ModuleContext } from '../modules.ts';
import { cameraRoutes } from './routes.ts';
import { ensureCameraTables } from './store.ts';

export function createCamerasModule(ctx: ModuleContext): EstateModule {
  ensureCameraTables(ctx.db);
  return {
    name: 'cameras',
    routes(router) {
      cameraRoutes(ctx.db, router, { now: ctx.now, metrics: ctx.metrics });
    },
  };
}
