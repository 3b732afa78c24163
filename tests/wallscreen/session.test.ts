// Kiosk session renewal against a real server: a signed-in wall screen trades its session for a
// fresh one of the same user and scope; without a valid session it gets nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../protocol/api.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('POST /api/v1/wallscreen/session', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives a viewer a new session of its own, later than the old one; both work', async () => {
    const viewer = server.addUser('wall-1', 'viewer', 'test');
    const old = await server.api('/api/v1/auth/login', { body: viewer });
    const before = old.body as LoginResponse;
    const res = await server.api('/api/v1/wallscreen/session', { method: 'POST', token: before.token, body: {} });
    expect(res.status).toBe(200);
    const fresh = res.body as LoginResponse;
    expect(fresh.token).toMatch(/^ses_/);
    expect(fresh.token).not.toBe(before.token);
    expect(fresh.user).toEqual({ name: 'wall-1', role: 'viewer', estate: 'test' });
    expect(fresh.expiresAt).toBeGreaterThanOrEqual(before.expiresAt);
    for (const token of [fresh.token, before.token]) {
      const estates = await server.api('/api/v1/estates', { token });
      expect(estates.status).toBe(200);
      expect((estates.body as Array<{ id: string }>).map((e) => e.id)).toEqual(['test']);
    }
  });

  it('refuses without a valid session', async () => {
    expect((await server.api('/api/v1/wallscreen/session', { method: 'POST', body: {} })).status).toBe(401);
    const forged = await server.api('/api/v1/wallscreen/session', { method: 'POST', token: 'ses_forged', body: {} });
    expect(forged.status).toBe(401);
    expect(forged.body).toHaveProperty('error');
  });
});
