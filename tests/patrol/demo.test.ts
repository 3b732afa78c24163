// The demo estate gets its patrol route once, when it appears: all twelve checkpoints, night rounds
// every 2 h from 22:00 and day rounds every 4 h — and an admin who deletes it is not overruled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatrolRoute, TourView } from '../../protocol/patrol.ts';
import { createPatrolModule, type PatrolModule } from '../../server/patrol/module.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const now = Date.parse('2026-11-27T22:10:00+08:00');
let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({ demo: true, now: () => now, modules: [createPatrolModule] });
  admin = await server.login(server.admin.username, server.admin.password);
});
afterAll(() => server?.stop());

describe('demo patrol route', () => {
  it('is seeded with the demo estate and plans tonight\'s tours', async () => {
    const routes = (await server.api('/api/v1/estates/garden/patrol/routes', { token: admin })).body as PatrolRoute[];
    expect(routes.map((r) => r.id)).toEqual(['garden-round']);
    expect(routes[0].stops.map((s) => s.checkpoint)).toEqual(Array.from({ length: 12 }, (_, i) => `CP-${String(i + 1).padStart(2, '0')}`));
    const tours = (await server.api('/api/v1/estates/garden/patrol/tours', { token: admin })).body as TourView[];
    expect(tours.find((t) => t.id === 'garden-round@2026-11-27T22:00')).toMatchObject({ state: 'active', guard: null, schedule: 'night' });
    expect(tours.map((t) => t.id)).toContain('garden-round@2026-11-28T00:00');
  });

  it('is not seeded again once an admin removed it', async () => {
    expect((await server.api('/api/v1/estates/garden/patrol/routes/garden-round', { method: 'DELETE', token: admin })).status).toBe(204);
    (server.modules.find((m) => m.name === 'patrol') as PatrolModule).tick();
    expect((await server.api('/api/v1/estates/garden/patrol/routes', { token: admin })).body).toEqual([]);
    // tours already open keep their plan; the ones to come are gone
    const tours = (await server.api('/api/v1/estates/garden/patrol/tours', { token: admin })).body as TourView[];
    expect(tours.map((t) => t.id)).toEqual(['garden-round@2026-11-27T22:00']);
  });
});
