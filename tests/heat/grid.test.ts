// The heat grid: counts per cell from any (x, y, t) source, the time window, a source plugged in
// by another capability, and the REST route over the alerts of a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateGrid } from '../../server/heat/grid.ts';
import { registerHeatSource } from '../../server/heat/sources.ts';
import type { AlertSink } from '../../server/alerts/sink.ts';
import { heatTexels } from '../../web/src/map/heat-texture.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('heat grid', () => {
  it('counts points per cell inside the window, on cell-aligned edges', () => {
    const g = aggregateGrid([
      { x: 1, y: 1, t: 10 }, { x: 9, y: 9, t: 11 }, { x: -1, y: 25, t: 12 },
      { x: 5, y: 5, t: 100 }, // outside the window
      { x: NaN, y: 0, t: 10 }, { x: 1e9, y: 0, t: 10 }, // not counted
    ], { cell: 10, from: 0, to: 50 });
    expect(g).toMatchObject({ x0: -10, y0: 0, cols: 2, rows: 3, max: 2, total: 3 });
    // row 0 (south) column 1 holds two; row 2 column 0 one
    expect(g.counts).toEqual([0, 2, 0, 0, 1, 0]);
    const texels = heatTexels(g);
    expect(texels[1 * 4 + 3]).toBeGreaterThan(texels[4 * 4 + 3]); // busier = more opaque
    expect(texels[0 * 4 + 3]).toBe(0); // empty cells are clear
  });

  describe('over REST', () => {
    let server: TestServer;
    let token: string;
    let now = 1_800_000_000_000;
    beforeAll(async () => {
      server = await startTestServer({ now: () => now });
      token = await server.login(server.admin.username, server.admin.password);
    });
    afterAll(() => server?.stop());

    it('serves alerts per cell over 24 h / 7 d / 30 d, and any registered source', async () => {
      const sink = server.modules.find((m) => m.alertSink)!.alertSink as AlertSink;
      const raise = (i: number, x: number, y: number) => sink.raise({ estate: 'test', source: `s${i}`, type: 'loitering', severity: 'warning', title: 't', titleZh: 't', x, y, at: now });
      raise(1, 5, 5);
      now += 3 * 86_400_000;
      raise(2, 6, 6);
      raise(3, 45, 5);
      now += 1000;
      const day = await server.api('/api/v1/estates/test/heat?window=24h&cell=20', { token });
      expect(day.status).toBe(200);
      expect(day.body).toMatchObject({ source: 'alerts', window: '24h', total: 2, cols: 3, rows: 1, counts: [1, 0, 1] });
      expect((await server.api('/api/v1/estates/test/heat?window=7d&cell=20', { token })).body.total).toBe(3);
      expect((await server.api('/api/v1/estates/test/heat?window=1y', { token })).body.reason).toBe('bad_window');
      expect((await server.api('/api/v1/estates/test/heat?source=nope', { token })).body.reason).toBe('bad_source');
      // a work-order layer plugs in its own points: same grid, no change to the heat module
      registerHeatSource({ name: 'test-orders', *points(_db, estate, from, to) {
        if (estate === 'test') for (const t of [from, to - 1, to]) yield { x: 100, y: 100, t };
      } });
      expect((await server.api('/api/v1/estates/test/heat?source=test-orders', { token })).body).toMatchObject({ total: 2, x0: 100, y0: 100, counts: [2] });
    });

    it('serves work orders with a position by when they opened; spam and orders without a place stay off', async () => {
      const create = (x?: number, y?: number) => server.api('/api/v1/estates/test/workorders', { token, method: 'POST', body: { category: 'plumbing', description: '管道堵塞', x, y } });
      const old = await create(500, 500); // 8 days before the others: outside 7 d
      expect(old.status).toBe(201);
      now += 8 * 86_400_000;
      for (const [x, y] of [[505, 505], [510, 508], [545, 505]]) expect((await create(x, y)).status).toBe(201);
      expect((await create()).status).toBe(201); // no position: not on the map
      const spam = await create(505, 505);
      expect((await server.api(`/api/v1/estates/test/workorders/${spam.body.id}/spam`, { token, method: 'POST', body: {} })).status).toBe(200);
      now += 1000;
      const week = await server.api('/api/v1/estates/test/heat?source=workorders&window=7d&cell=20', { token });
      expect(week.status).toBe(200);
      expect(week.body).toMatchObject({ source: 'workorders', total: 3, x0: 500, y0: 500, cols: 3, rows: 1, counts: [2, 0, 1] });
      expect((await server.api('/api/v1/estates/test/heat?source=workorders&window=30d&cell=20', { token })).body.total).toBe(4);
      // the alerts layer is not changed by them
      expect((await server.api('/api/v1/estates/test/heat?source=alerts&window=30d&cell=20', { token })).body.total).toBe(3);
    });
  });
});
