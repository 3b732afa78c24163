// Density layers (热力图): GET /estates/{e}/heat?source=alerts&window=24h|7d|30d&cell=20 → a HeatGrid
// (grid.ts) of counts per estate grid cell, computed here so the wall screen draws one textured quad.
// Sources are pluggable (sources.ts). docs/wallscreen.md § Density layers.
import { HttpError } from '../api/errors.ts';
import { assertEstateVisible } from '../api/auth.ts';
import type { EstateModule, ModuleContext } from '../modules.ts';
import { getEstate } from '../store/estates.ts';
import { aggregateGrid, HEAT_WINDOWS, type HeatWindow } from './grid.ts';
import { heatSource, heatSourceNames } from './sources.ts';

export const DEFAULT_CELL_M = 20;

export function createHeatModule(ctx: ModuleContext): EstateModule {
  return {
    name: 'heat',
    routes(router) {
      router.get('/estates/:estate/heat', (req, res) => {
        const estate = String(req.params.estate);
        assertEstateVisible(req.user, estate);
        if (!getEstate(ctx.db, estate)) throw new HttpError(404, `estate '${estate}' not found`);
        const name = typeof req.query.source === 'string' ? req.query.source : 'alerts';
        const source = heatSource(name);
        if (!source) throw new HttpError(400, `unknown heat source '${name}' (one of ${heatSourceNames().join(', ')})`, { reason: 'bad_source' });
        const window = (typeof req.query.window === 'string' ? req.query.window : '24h') as HeatWindow;
        if (!(window in HEAT_WINDOWS)) throw new HttpError(400, `window must be one of ${Object.keys(HEAT_WINDOWS).join(', ')}`, { reason: 'bad_window' });
        const cell = req.query.cell === undefined ? DEFAULT_CELL_M : Number(req.query.cell);
        if (!Number.isFinite(cell) || cell < 5 || cell > 500) throw new HttpError(400, 'cell must be 5–500 metres', { reason: 'bad_cell' });
        const to = ctx.now();
        const from = to - HEAT_WINDOWS[window];
        res.json({ source: name, window, ...aggregateGrid(source.points(ctx.db, estate, from, to), { cell, from, to }) });
      });
    },
  };
}
