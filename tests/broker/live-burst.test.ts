// Regression: with a dashboard subscribed to live events while devices publish at full rate, a group
// commit of thousands of events fans out in one burst. Aedes' default mqemitter (concurrency 100)
// queued the burst and released it recursively: "Maximum call stack size exceeded" killed the server
// (mcollina/mqemitter#204). The broker now runs mqemitter without a concurrency cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { collect, connect } from '../support/mqtt.ts';
import { provisionFleet, runFleet } from '../support/fleet.ts';
import { until } from '../support/process.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('a burst of live events', () => {
  it('reaches dashboards without overflowing the stack', { timeout: 120_000 }, async () => {
    const devices = provisionFleet(server.db, 100);
    const op = server.addUser('wall', 'viewer', 'fleet');
    const session = await server.login(op.username, op.password);
    const dashboards = await Promise.all([0, 1, 2].map((i) => connect(server.mqttUrl, op.username, session, { clientId: `wall-${i}` })));
    const inboxes = dashboards.map((d) => collect(d));
    await Promise.all(dashboards.map((d) => d.subscribeAsync('estates/fleet/live/+')));
    const total = 100 * 150;
    const fleet = await runFleet(server.mqttUrl, devices, { perDevice: 150, window: 50 });
    // one dashboard leaves in the middle of the burst: deliveries to it complete at once
    await until('half the events', () => fleet.acked.size >= total / 2, 60_000, 5);
    dashboards[2].end(true);
    await until('every event acknowledged', () => fleet.acked.size === total, 90_000, 20);
    fleet.stop();
    await until('the dashboards to have every event', () => inboxes[0].messages.length === total && inboxes[1].messages.length === total, 60_000, 50);
    expect((await server.api('/api/v1/health')).status).toBe(200);
    dashboards.forEach((d) => d.end(true));
  });
});
