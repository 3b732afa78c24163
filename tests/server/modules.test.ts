// The module extension points: enrich before the commit, react after it, add routes, publish on channels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstateEvent } from '../../protocol/index.ts';
import type { ModuleFactory } from '../../server/modules.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { collect, connect } from '../support/mqtt.ts';

let server: TestServer;
const committed: EstateEvent[] = [];
const probe: ModuleFactory = (ctx) => ({
  name: 'probe',
  enrich(event) {
    if (event.kind === 'vehicle') event.data.decision = String(event.data.plate).startsWith('浙') ? 'allow' : 'review';
    if (event.id === 'boom') throw new Error('enricher bug');
  },
  onCommitted(events) {
    committed.push(...events);
    for (const e of events) ctx.publish(`estates/${e.estate}/occupancy`, { seen: e.id });
  },
  routes(router) {
    router.get('/probe', (req, res) => res.json({ user: req.user!.name, committed: committed.length }));
  },
  publicRoutes(router) {
    router.get('/probe-public', (_req, res) => res.json({ ok: true }));
  },
});

beforeAll(async () => {
  server = await startTestServer({ modules: [probe] });
});
afterAll(() => server.stop());

describe('estate modules', () => {
  it('enrich before the commit, see committed events once, and publish on estate channels', async () => {
    const token = server.addDevice('gate', 'gate-1');
    const op = server.addUser('op', 'operator', 'test');
    const dash = await connect(server.mqttUrl, op.username, await server.login(op.username, op.password));
    const inbox = collect(dash);
    await dash.subscribeAsync(['estates/test/occupancy', 'estates/test/live/vehicle']);

    const res = await server.api('/api/v1/devices/gate-1/vehicle', { token, body: { id: 'p1', plate: '浙A12345', direction: 'in', confidence: 0.9 } });
    expect(res.status).toBe(202);
    await server.api('/api/v1/devices/gate-1/vehicle', { token, body: { id: 'p1', plate: '浙A12345', direction: 'in', confidence: 0.9 } });
    const stored = server.db.prepare("SELECT body FROM events WHERE event_id = 'p1'").get() as { body: string };
    expect(JSON.parse(stored.body).data.decision).toBe('allow');
    expect((await inbox.next((m) => m.topic.endsWith('/live/vehicle'))).json.data.decision).toBe('allow');
    expect((await inbox.next((m) => m.topic === 'estates/test/occupancy')).json).toEqual({ seen: 'p1' });
    expect(committed.filter((e) => e.id === 'p1')).toHaveLength(1);
    dash.end(true);
  });

  it('keep storing the event when an enricher throws', async () => {
    const token = server.addDevice('gate', 'gate-2');
    const res = await server.api('/api/v1/devices/gate-2/vehicle', { token, body: { id: 'boom', plate: 'X1', direction: 'out', confidence: 0.5 } });
    expect(res.status).toBe(202);
  });

  it('add routes behind operator auth and public ones before it', async () => {
    expect((await server.api('/api/v1/probe')).status).toBe(401);
    const session = await server.login(server.admin.username, server.admin.password);
    expect((await server.api('/api/v1/probe', { token: session })).body).toMatchObject({ user: 'admin' });
    expect((await server.api('/api/v1/probe-public')).body).toEqual({ ok: true });
  });
});
