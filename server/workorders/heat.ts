// Work orders on the map's heat layer (GET /estates/{e}/heat?source=workorders): every order with a
// position (residents' requests, inspection findings, orders made from alerts), by when it opened.
// Spam is nobody's problem and stays off the map; a cancelled order was still a problem reported there.
import { registerHeatSource, type HeatSource } from '../heat/sources.ts';

export const workordersHeatSource: HeatSource = {
  name: 'workorders',
  *points(db, estate, from, to) {
    let rows: Iterable<{ t: number; x: number | null; y: number | null }>;
    try {
      rows = db
        .prepare("SELECT opened_at AS t, json_extract(body, '$.x') AS x, json_extract(body, '$.y') AS y FROM workorders WHERE estate = ? AND spam = 0 AND opened_at >= ? AND opened_at < ?")
        .iterate(estate, from, to) as Iterable<{ t: number; x: number | null; y: number | null }>;
    } catch {
      return; // no workorders table: no heat
    }
    for (const r of rows) if (typeof r.x === 'number' && typeof r.y === 'number') yield { x: r.x, y: r.y, t: r.t };
  },
};

registerHeatSource(workordersHeatSource);
