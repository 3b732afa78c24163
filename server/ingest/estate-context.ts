// What enrichment needs to know about an estate: its local frame, buildings and checkpoints.
// Cached per estate and reloaded after a short time, because `import buildings` may run in another
// process while the server is up.
import { localFrame, pointInPolygon, type BuildingInfo, type LocalFrame } from '../../protocol/index.ts';
import { dataVersion, type Db } from '../store/db.ts';
import { getEstate, listBuildings, listCheckpoints } from '../store/estates.ts';
import { TtlCache } from '../store/ttl-cache.ts';

export interface EstateContext {
  frame: LocalFrame;
  buildings: Array<Pick<BuildingInfo, 'id' | 'polygons'> & { box: [number, number, number, number] }>;
  checkpoints: Map<string, { x: number; y: number }>;
}

const TTL_MS = 10_000;

export class EstateContexts {
  private readonly cache: TtlCache<EstateContext | null>;

  constructor(private readonly db: Db) {
    this.cache = new TtlCache({ ttlMs: TTL_MS, load: (e) => this.load(e), version: () => dataVersion(db) });
  }

  get(estate: string, now = Date.now()): EstateContext | null {
    return this.cache.get(estate, now);
  }

  invalidate(estate?: string): void {
    this.cache.invalidate(estate);
  }

  private load(estate: string): EstateContext | null {
    const e = getEstate(this.db, estate);
    if (!e) return null;
    const buildings = listBuildings(this.db, estate).map((b) => {
      let box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const poly of b.polygons)
        for (const [x, y] of poly[0] ?? []) box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)];
      return { id: b.id, polygons: b.polygons, box };
    });
    const checkpoints = new Map<string, { x: number; y: number }>();
    for (const c of listCheckpoints(this.db, estate)) {
      checkpoints.set(c.id, { x: c.x, y: c.y });
      checkpoints.set(c.code, { x: c.x, y: c.y });
    }
    return { frame: localFrame(e), buildings, checkpoints };
  }
}

export function buildingAt(ctx: EstateContext, x: number, y: number): string | undefined {
  for (const b of ctx.buildings) {
    if (x < b.box[0] || y < b.box[1] || x > b.box[2] || y > b.box[3]) continue;
    if (b.polygons.some((p) => pointInPolygon(x, y, p))) return b.id;
  }
  return undefined;
}
