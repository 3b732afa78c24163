// Starts a real Smart Estate server for a test: free ports on loopback, a temp data dir, real SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer, type ServerOptions } from '../../server/app.ts';
import { addDevice } from '../../server/store/devices.ts';
import { upsertEstate } from '../../server/store/estates.ts';
import { addUser } from '../../server/store/users.ts';
import type { DeviceClass, LoginResponse, Role } from '../../protocol/index.ts';

export interface TestServer extends RunningServer {
  dataDir: string;
  admin: { username: string; password: string };
  mqttUrl: string;
  /** registers a device in `estate` (default: the test estate) and returns its token */
  addDevice(kind: DeviceClass, id: string, estate?: string, place?: { x?: number; y?: number }): string;
  addUser(name: string, role: Role, estate: string | null): { username: string; password: string };
  /** REST login → session token */
  login(username: string, password: string): Promise<string>;
  /** fetch against the server with an optional bearer token, JSON in and out */
  api(path: string, init?: { method?: string; token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export interface TestServerOptions extends Partial<ServerOptions> {
  /** import the demo estate `garden` (with its devices); otherwise a bare estate `test` at Hangzhou */
  demo?: boolean;
  /** reuse a data dir (restart tests); it is then not removed on stop */
  dataDir?: string;
}

export const TEST_ESTATE = { id: 'test', name: 'Test Estate', nameZh: '测试小区', lat: 30.27, lon: 120.15, timezone: 'Asia/Shanghai' };

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'se-test-'));
  const password = randomBytes(12).toString('base64url');
  const server = await startServer({ httpPort: 0, mqttPort: 0, host: "127.0.0.1", quiet: true, adminPassword: password, ...options, dataDir });
  let defaultEstate = TEST_ESTATE.id;
  if (options.demo) {
    const { provisionDemo } = await import('../../server/estate/demo.ts');
    defaultEstate = provisionDemo(server.db).estate.id;
  } else {
    upsertEstate(server.db, TEST_ESTATE);
  }

  const api: TestServer['api'] = async (path, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined = init.raw;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(server.url + path, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed };
  };

  return {
    ...server,
    dataDir,
    admin: { username: 'admin', password },
    mqttUrl: `mqtt://127.0.0.1:${server.mqttPort}`,
    addDevice: (kind, id, estate = defaultEstate, place = {}) => addDevice(server.db, { estate, id, kind, x: place.x ?? null, y: place.y ?? null }),
    addUser(name, role, estate) {
      const pw = randomBytes(12).toString('base64url');
      addUser(server.db, { name, role, password: pw, estate });
      return { username: name, password: pw };
    },
    async login(username, pw) {
      const res = await api('/api/v1/auth/login', { body: { username, password: pw } });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as LoginResponse).token;
    },
    api,
    async stop() {
      await server.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
