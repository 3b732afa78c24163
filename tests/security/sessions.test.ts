// Sessions against a real server: logout, revoking all of a user's sessions (admin and self), a
// password change (old password required, the policy applies, other sessions end), live dashboards
// on an ended session disconnected, the audit trail without secrets, and idle expiry on a real
// SQLite file with an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoginResponse } from '../../protocol/api.ts';
import { queryAudit } from '../../server/audit/log.ts';
import { openDb } from '../../server/store/db.ts';
import { addUser, createSession, userForSession, SESSION_IDLE_MS } from '../../server/store/users.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { closed, connect } from '../support/mqtt.ts';

describe('sessions over REST and MQTT', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());

  const wsUrl = () => `ws://127.0.0.1:${server.httpPort}/mqtt`;

  it('logout ends that session only, and its live dashboard is dropped', async () => {
    const op = server.addUser('op-sun', 'operator', 'test');
    const a = await server.login(op.username, op.password);
    const b = await server.login(op.username, op.password);
    const dashboard = await connect(wsUrl(), op.username, a);
    expect((await server.api('/api/v1/auth/logout', { method: 'POST', token: a, body: {} })).status).toBe(204);
    await closed(dashboard);
    expect((await server.api('/api/v1/estates', { token: a })).status).toBe(401);
    expect((await server.api('/api/v1/estates', { token: b })).status).toBe(200);
    expect(queryAudit(server.db, { action: 'session.logout' })).toMatchObject([{ actor: 'op-sun', target: 'op-sun', source: '127.0.0.1' }]);
  });

  it('an admin ends every session of a user; their dashboards are disconnected', async () => {
    const op = server.addUser('op-zhou', 'operator', 'test');
    const tokens = [await server.login(op.username, op.password), await server.login(op.username, op.password)];
    const dashboards = await Promise.all(tokens.map((t) => connect(wsUrl(), op.username, t)));
    const adminToken = await server.login(server.admin.username, server.admin.password);
    const res = await server.api('/api/v1/users/op-zhou/sessions', { method: 'DELETE', token: adminToken });
    expect(res).toMatchObject({ status: 200, body: { revoked: 2 } });
    await Promise.all(dashboards.map(closed));
    for (const t of tokens) expect((await server.api('/api/v1/estates', { token: t })).status).toBe(401);
    expect((await server.api('/api/v1/estates', { token: adminToken })).status).toBe(200);
    const [entry] = queryAudit(server.db, { action: 'user.sessions.revoke' });
    expect(entry).toMatchObject({ actor: 'admin', target: 'op-zhou', summary: { sessionsEnded: 2 } });
    // and a dashboard cannot reconnect with an ended session
    await expect(connect(wsUrl(), op.username, tokens[0])).rejects.toThrow(/bad username or password/i);
  });

  it('a user may end their own sessions but not someone else\'s', async () => {
    const me = server.addUser('op-wu', 'operator', 'test');
    const other = server.addUser('op-zheng', 'operator', 'test');
    const mine = await server.login(me.username, me.password);
    const theirs = await server.login(other.username, other.password);
    expect((await server.api('/api/v1/users/op-zheng/sessions', { method: 'DELETE', token: mine })).status).toBe(403);
    expect((await server.api('/api/v1/estates', { token: theirs })).status).toBe(200);
    expect((await server.api('/api/v1/users/op-wu/sessions', { method: 'DELETE', token: mine })).body).toEqual({ revoked: 1 });
    expect((await server.api('/api/v1/estates', { token: mine })).status).toBe(401);
  });

  it('a password change needs the old password, follows the policy, and ends the other sessions', async () => {
    const op = server.addUser('op-feng', 'operator', 'test');
    const current = await server.login(op.username, op.password);
    const other = await server.login(op.username, op.password);
    const otherDashboard = await connect(wsUrl(), op.username, other);
    const change = (body: unknown) => server.api('/api/v1/auth/password', { method: 'POST', token: current, body });
    expect(await change({ oldPassword: 'not-it-at-all', newPassword: 'blue-lantern-42' })).toMatchObject({ status: 403, body: { reason: 'wrong_password' } });
    expect(await change({ oldPassword: op.password, newPassword: 'short' })).toMatchObject({ status: 400, body: { reason: 'weak_password', error: expect.stringMatching(/at least 8/) } });
    expect(await change({ oldPassword: op.password, newPassword: 'password123' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/too common/) } });
    expect(await change({ oldPassword: op.password })).toMatchObject({ status: 400, body: { reason: 'missing_field' } });
    expect(await change({ oldPassword: op.password, newPassword: 'blue-lantern-42' })).toMatchObject({ status: 200, body: { revoked: 1 } });
    await closed(otherDashboard);
    expect((await server.api('/api/v1/estates', { token: current })).status).toBe(200);
    expect((await server.api('/api/v1/estates', { token: other })).status).toBe(401);
    expect((await server.api('/api/v1/auth/login', { body: op })).status).toBe(401);
    expect((await server.api('/api/v1/auth/login', { body: { username: op.username, password: 'blue-lantern-42' } })).status).toBe(200);
    const entries = queryAudit(server.db, { action: 'user.password' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'op-feng', target: 'op-feng', summary: { otherSessionsEnded: 1 } });
    // never the secret
    const all = JSON.stringify(queryAudit(server.db, {}));
    for (const secret of [op.password, 'blue-lantern-42', current, other]) expect(all).not.toContain(secret);
  });

  it('the kiosk still renews its session, and the renewed one works for REST and MQTT', async () => {
    const wall = server.addUser('wall-9', 'viewer', 'test');
    const first = (await server.api('/api/v1/auth/login', { body: wall })).body as LoginResponse;
    const renewed = await server.api('/api/v1/wallscreen/session', { method: 'POST', token: first.token, body: {} });
    expect(renewed.status).toBe(200);
    const fresh = renewed.body as LoginResponse;
    expect((await server.api('/api/v1/estates', { token: fresh.token })).status).toBe(200);
    const feed = await connect(wsUrl(), wall.username, fresh.token);
    expect(feed.connected).toBe(true);
    feed.end(true);
  });

  it('user add refuses a weak password with the policy\'s reason', () => {
    expect(() => addUser(server.db, { name: 'op-weak', role: 'operator', password: 'qwertyuiop' })).toThrow(/too simple|too common/);
  });
});

describe('idle expiry (sliding)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'se-idle-'));
  const db = openDb(join(dir, 'idle.db'));
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends a session unused for longer than the idle time; use slides the window; the absolute end still holds', () => {
    const user = addUser(db, { name: 'op-he', role: 'operator', password: 'maple-syrup-7' });
    const t0 = Date.UTC(2026, 11, 1, 8);
    const { token } = createSession(db, user, t0);
    expect(userForSession(db, token, t0 + SESSION_IDLE_MS - 1)).toMatchObject({ name: 'op-he' });
    // used just now: a further idle period from here is fine, though more than one has passed since t0
    expect(userForSession(db, token, t0 + 2 * SESSION_IDLE_MS - 2)).toMatchObject({ name: 'op-he' });
    expect(userForSession(db, token, t0 + 3 * SESSION_IDLE_MS)).toBeUndefined();
    // a shorter idle time from the settings
    const { token: t2 } = createSession(db, user, t0);
    expect(userForSession(db, t2, t0 + 5 * 60_000 + 1, 5 * 60_000)).toBeUndefined();
    // kept in use, a session still ends 12 h after it began
    const { token: t3, expiresAt } = createSession(db, user, t0);
    for (let t = t0; t < expiresAt; t += SESSION_IDLE_MS / 2) expect(userForSession(db, t3, t)).toBeDefined();
    expect(userForSession(db, t3, expiresAt)).toBeUndefined();
  });
});
