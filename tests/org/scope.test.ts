// Scope is the security boundary of the district level: over real REST and real MQTT over
// WebSocket, a street officer reads and subscribes only to its street's estates, a company manager
// only to its company's, and wildcards never reach past a scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startTestServer, type TestServer } from '../support/server.ts';
import { collect, connect, subscribeCodes } from '../support/mqtt.ts';
import { seedDistrict } from './fixture.ts';

let server: TestServer;
let street: string;
let company: string;
let admin: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  seedDistrict(server.db);
  const s = server.addUser('officer1', 'viewer', 'unit:s1');
  const c = server.addUser('managerA', 'operator', 'company:A');
  street = await server.login(s.username, s.password);
  company = await server.login(c.username, c.password);
  admin = await server.login(server.admin.username, server.admin.password);
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  await server.stop();
});

const ws = async (user: string, token: string) => {
  const c = await connect(`ws://127.0.0.1:${server.httpPort}/mqtt`, user, token);
  clients.push(c);
  return c;
};

describe('REST', () => {
  it('a street officer lists and reads only its street’s estates', async () => {
    const list = await server.api('/api/v1/estates', { token: street });
    expect(list.body.map((e: { id: string }) => e.id).sort()).toEqual(['e1', 'e3']);
    expect((await server.api('/api/v1/estates/e1', { token: street })).status).toBe(200);
    for (const path of ['/api/v1/estates/e2', '/api/v1/estates/e2/events', '/api/v1/estates/e2/alerts', '/api/v1/estates/o1/patrol/report', '/api/v1/org/estates/e2/management']) {
      const res = await server.api(path, { token: street });
      expect(res.status, path).toBe(403);
    }
    expect((await server.api('/api/v1/org/units/s1/summary', { token: street })).body.estates.map((b: { estate: string }) => b.estate)).toEqual(['e1', 'e3']);
    expect((await server.api('/api/v1/org/units/c1/summary', { token: street })).status).toBe(200);
    expect((await server.api('/api/v1/org/units/s2/summary', { token: street })).status).toBe(403);
    expect((await server.api('/api/v1/org/units/d/summary', { token: street })).status).toBe(403);
    expect((await server.api('/api/v1/org/scorecard?scope=unit:s2', { token: street })).status).toBe(403);
    expect((await server.api('/api/v1/org/units', { token: street })).body.map((u: { id: string }) => u.id).sort()).toEqual(['c1', 's1']);
  });

  it('a company manager sees only its estates, wherever they lie', async () => {
    const list = await server.api('/api/v1/estates', { token: company });
    expect(list.body.map((e: { id: string }) => e.id)).toEqual(['e1']);
    expect((await server.api('/api/v1/estates/e3', { token: company })).status).toBe(403);
    expect((await server.api('/api/v1/org/companies/A/summary', { token: company })).status).toBe(200);
    expect((await server.api('/api/v1/org/companies/B/summary', { token: company })).status).toBe(403);
    expect((await server.api('/api/v1/org/units/c1/summary', { token: company })).status).toBe(403);
    const card = await server.api('/api/v1/org/scorecard?month=2026-02', { token: company });
    expect(card.status).toBe(200);
    expect(card.body.estates.map((r: { id: string }) => r.id)).toEqual(['e1']);
    expect(card.body.companies.map((r: { id: string }) => r.id)).toEqual(['A']);
  });

  it('unknown units are 404 for those who may see everything, 403 for the others; changes are admin-only and audited', async () => {
    expect((await server.api('/api/v1/org/units/nope/summary', { token: admin })).status).toBe(404);
    expect((await server.api('/api/v1/org/units/nope/summary', { token: street })).status).toBe(403);
    const denied = await server.api('/api/v1/org/units', { token: street, body: { id: 'x', kind: 'district', name: 'X' } });
    expect(denied.status).toBe(403);
    const bad = await server.api('/api/v1/org/units', { token: admin, body: { id: 'c9', kind: 'community', name: 'C9', parent: 'd' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/parent must be a street/);
    const audit = server.db.prepare("SELECT count(*) FROM audit_log WHERE action LIKE 'org.%'").pluck().get() as number;
    expect(audit).toBeGreaterThan(10);
  });

  it('a scoped admin cannot hand out a wider scope', async () => {
    const u = server.addUser('streetadmin', 'admin', 'unit:s1');
    const token = await server.login(u.username, u.password);
    expect((await server.api('/api/v1/users', { token, body: { name: 'x1', role: 'viewer', password: 'long-enough-1', scope: 'unit:c1' } })).status).toBe(201);
    expect((await server.api('/api/v1/users', { token, body: { name: 'x2', role: 'viewer', password: 'long-enough-1', scope: 'unit:s2' } })).status).toBe(403);
    expect((await server.api('/api/v1/users', { token, body: { name: 'x3', role: 'viewer', password: 'long-enough-1' } })).status).toBe(403);
    expect((await server.api('/api/v1/users', { token, body: { name: 'x4', role: 'viewer', password: 'long-enough-1', estate: 'e2' } })).status).toBe(403);
  });
});

describe('MQTT over WebSocket', () => {
  it('a street officer subscribes within its street only; wildcards past the scope get SUBACK 128', async () => {
    const c = await ws('officer1', street);
    expect(await subscribeCodes(c, ['estates/e1/alerts', 'estates/e3/live/camera', 'units/s1/summary', 'units/c1/summary'])).toEqual([0, 0, 0, 0]);
    expect(await subscribeCodes(c, ['estates/e2/alerts', 'estates/o1/live/camera', 'estates/+/alerts', 'estates/#', 'units/s2/summary', 'units/d/summary', 'units/+/summary', 'companies/A/summary'])).toEqual([128, 128, 128, 128, 128, 128, 128, 128]);
  });

  it('the summary channel is retained and carries only the unit’s estates; a company manager reads its company’s', async () => {
    const c = await ws('managerA', company);
    const got = collect(c);
    expect(await subscribeCodes(c, ['companies/A/summary', 'units/c1/summary', 'estates/e3/alerts'])).toEqual([0, 128, 128]);
    const m = await got.next((m) => m.topic === 'companies/A/summary');
    expect(m.json.estates.map((b: { estate: string }) => b.estate)).toEqual(['e1']);
    // nothing connected yet: unknown, never calm
    expect(m.json.estates[0].condition).toBe('unknown');
  });

  it('moving an estate to another street moves who may subscribe to it', async () => {
    const c = await ws('officer1', street);
    expect(await subscribeCodes(c, ['estates/e2/alerts'])).toEqual([128]);
    const moved = await server.api('/api/v1/org/estates/e2/community', { token: admin, method: 'PUT', body: { community: 'c1' } });
    expect(moved.status).toBe(200);
    expect(await subscribeCodes(c, ['estates/e2/alerts'])).toEqual([0]);
    expect((await server.api('/api/v1/estates/e2', { token: street })).status).toBe(200);
    await server.api('/api/v1/org/estates/e2/community', { token: admin, method: 'PUT', body: { community: 'c2' } });
    expect((await server.api('/api/v1/estates/e2', { token: street })).status).toBe(403);
  });
});
