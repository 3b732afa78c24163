// The house registry (楼栋分层分户): building → unit → floor → room. docs/wallscreen.md § Floors and rooms.
import type { EstateModule, ModuleContext } from '../modules.ts';
import { ensureHouseTables } from './registry.ts';
import { houseRoutes } from './routes.ts';

export function createHousesModule(ctx: ModuleContext): EstateModule {
  ensureHouseTables(ctx.db);
  return { name: 'houses', routes: (router) => houseRoutes(ctx.db, router, (work, after) => ctx.configChange(work, after)) };
}
