// HTTP ingest (devices that can only POST) and the REST API's auth, against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let token: string;
const count = (sql: string) => (server.db.prepare(sql).get() as { n: number }).n;

beforeAll(async () => {
  server = await startTestServer();
  token = server.addDevice('gate', 'gate-n');
});
afterAll(() => server.stop());

describe('POST /api/v1/devices/{device}/{kind}', () => {
  const post = (body: unknown, opts: { token?: string; device?: string; kind?: string; raw?: string } = {}) =>
    server.api(`/api/v1/devices/${opts.device ?? 'gate-n'}/${opts.kind ?? 'vehicle'}`, { token: opts.token ?? token, ...(opts.raw !== undefined ? { raw: opts.raw } : { body }) });

  it('answers 202 only after the event is in the journal', async () => {
    const res = await post({ id: 'h-1', plate: '浙AD12345', direction: 'in', confidence: 0.91 });
    expect(res).toEqual({ status: 202, body: { accepted: true, duplicate: false, id: 'h-1' } });
    expect(count("SELECT count(*) AS n FROM events WHERE event_id = 'h-1' AND kind = 'vehicle'")).toBe(1);
  });

  it('reports a retry as a duplicate and stores it once', async () => {
    const res = await post({ id: 'h-1', plate: '浙AD12345', direction: 'in', confidence: 0.91 });
    expect(res.body.duplicate).toBe(true);
    expect(count("SELECT count(*) AS n FROM events WHERE event_id = 'h-1'")).toBe(1);
  });

  it('accepts JSON sent without a Content-Type', async () => {
    const res = await server.api('/api/v1/devices/gate-n/vehicle', { token, raw: JSON.stringify({ id: 'h-2', plate: '浙B88888', direction: 'out', confidence: 0.8 }) });
    expect(res.status).toBe(202);
  });

  it('rejects bad input with a JSON reason and stores nothing', async () => {
    const missing = await post({ id: 'h-bad', plate: '浙A1', direction: 'sideways', confidence: 0.9 });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ reason: 'invalid_payload', id: 'h-bad' });
    expect(missing.body.error).toMatch(/direction/);

    const malformed = await post(undefined, { raw: '{"id": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.reason).toBe('malformed_json');

    const huge = await post({ id: 'h-huge', plate: 'x', direction: 'in', confidence: 1, pad: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);

    const kind = await post({ id: 'h-k' }, { kind: 'weather' });
    expect(kind.status).toBe(404);
    expect(kind.body.error).toMatch(/unknown event kind/);
    expect(count("SELECT count(*) AS n FROM events WHERE event_id LIKE 'h-%' AND event_id NOT IN ('h-1','h-2')")).toBe(0);
  });

  it('refuses a missing or wrong token', async () => {
    expect((await server.api('/api/v1/devices/gate-n/vehicle', { body: { id: 'x' } })).status).toBe(401);
    const wrong = await post({ id: 'h-3', plate: '浙A00001', direction: 'in', confidence: 0.9 }, { token: 'sed_wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/token/);
  });
});

describe('/metrics', () => {
  it('counts events per kind and transport, rejections per reason, and shows event-loop lag and journal state', async () => {
    const text = (await server.api('/metrics')).body as string;
    expect(text).toMatch(/se_events_in_total\{kind="vehicle",transport="http"\} [1-9]/);
    expect(text).toMatch(/se_events_duplicate_total\{kind="vehicle"\} [1-9]/);
    expect(text).toMatch(/se_events_rejected_total\{reason="malformed_json",transport="http"\} 1/);
    expect(text).toMatch(/se_process_nodejs_eventloop_lag_seconds \d/);
    expect(text).toMatch(/se_journal_pending 0/);
    expect(text).toMatch(/se_disk_free_bytes \d/);
  });
});

describe('REST auth', () => {
  it('logs in, refuses wrong passwords, and guards every other call', async () => {
    expect((await server.api('/api/v1/auth/login', { body: { username: 'admin', password: 'nope-nope' } })).status).toBe(401);
    expect((await server.api('/api/v1/estates')).status).toBe(401);
    const session = await server.login(server.admin.username, server.admin.password);
    const estates = await server.api('/api/v1/estates', { token: session });
    expect(estates.status).toBe(200);
    expect(estates.body.map((e: { id: string }) => e.id)).toContain('test');
  });

  it('lets an admin provision a device over REST that can connect at once', async () => {
    const session = await server.login(server.admin.username, server.admin.password);
    const res = await server.api('/api/v1/devices', { token: session, body: { estate: 'test', id: 'rest-cam', kind: 'camera' } });
    expect(res.status).toBe(201);
    const again = await server.api('/api/v1/devices', { token: session, body: { estate: 'test', id: 'rest-cam', kind: 'camera' } });
    expect(again.status).toBe(409);
    const ingest = await server.api('/api/v1/devices/rest-cam/camera', { token: res.body.token, body: { id: 'c-1', type: 'person', phase: 'start', score: 0.7 } });
    expect(ingest.status).toBe(202);
  });

  it('keeps viewers and other estates out', async () => {
    const viewer = server.addUser('viewer-1', 'viewer', 'test');
    const session = await server.login(viewer.username, viewer.password);
    expect((await server.api('/api/v1/devices', { token: session, body: { estate: 'test', id: 'v-cam', kind: 'camera' } })).status).toBe(403);
    expect((await server.api('/api/v1/estates/elsewhere', { token: session })).status).toBe(403);
    expect((await server.api('/api/v1/estates/test/events?kind=weather', { token: session })).status).toBe(400);
    expect((await server.api('/api/v1/nothing-here', { token: session })).body).toEqual({ error: 'no such API endpoint' });
  });
});

describe('server clock header', () => {
  it("stamps every API answer with the server's clock, also errors and unauthenticated ones", async () => {
    const fixed = Date.parse('2026-11-27T22:02:00+08:00');
    const other = await startTestServer({ now: () => fixed });
    try {
      for (const path of ['/api/v1/health', '/api/v1/estates', '/api/v1/no-such-route']) {
        const res = await fetch(`${other.url}${path}`);
        expect(res.headers.get('x-server-time'), path).toBe(String(fixed));
      }
    } finally {
      await other.stop();
    }
  });
});
