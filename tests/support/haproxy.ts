// A real, private haproxy (Debian's /usr/sbin/haproxy) for integration tests: TCP mode on a free
// port on loopback, in front of the given MQTT listeners, each connection to a node opened with a
// PROXY header (`send-proxy-v2` by default, as a site would configure it). Its own temp dir and
// config file, in the foreground (-db), watched like redis-server and influxd. Never a mock.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './influxd.ts';
import { accepts, awaitDaemon, retryPortClash } from './process.ts';

export const HAPROXY_BIN = process.env.SE_HAPROXY_BIN ?? '/usr/sbin/haproxy';

export interface HaproxyOptions {
  /** the header haproxy sends each node: v2 binary (send-proxy-v2), v1 text (send-proxy), or none */
  sendProxy?: 'v2' | 'v1' | 'none';
}

export interface HaproxyHandle {
  /** the frontend port devices connect to */
  port: number;
  dir: string;
  /** haproxy's output so far (warnings, alerts) */
  output(): string;
  /** SIGTERM (SIGKILL after 10 s), wait for the exit, remove the temp dir */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;

/** The configuration: round robin over the nodes; a node that refuses the connection is skipped (redispatch). */
export function haproxyConfig(port: number, probePort: number, backends: number[], sendProxy: HaproxyOptions['sendProxy'] = 'v2'): string {
  const option = sendProxy === 'v2' ? ' send-proxy-v2' : sendProxy === 'v1' ? ' send-proxy' : '';
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    // a node that is down refuses the connection: try again, on another node
    '  retries 2',
    '  option redispatch 1',
    'frontend mqtt',
    `  bind 127.0.0.1:${port}`,
    '  default_backend nodes',
    // up = this port accepts (haproxy binds every listener before it serves any); a probe of the
    // frontend itself would open a connection to a node, which the tests count
    'frontend probe',
    `  bind 127.0.0.1:${probePort}`,
    '  tcp-request connection reject',
    'backend nodes',
    '  balance roundrobin',
    ...backends.map((p, i) => `  server node${i + 1} 127.0.0.1:${p}${option}`),
    '',
  ].join('\n');
}


export async function startHaproxy(backends: number[], options: HaproxyOptions = {}): Promise<HaproxyHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'se-haproxy-'));
  const configFile = join(dir, 'haproxy.cfg');
  let output = '';
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;
  let probePort = 0;

  const spawnOnce = async (): Promise<void> => {
    output = '';
    writeFileSync(configFile, haproxyConfig(port, probePort, backends, options.sendProxy));
    const proc = spawn(HAPROXY_BIN, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    ({ gone: exited } = await awaitDaemon(proc, {
      what: `haproxy (${HAPROXY_BIN}, config ${configFile})`,
      ready: () => accepts(probePort),
      notReady: `did not accept connections on ${port} within ${START_TIMEOUT_MS} ms`,
      timeoutMs: START_TIMEOUT_MS,
      onGone: () => {
        if (child === proc) child = null;
      },
      onOutput: (tail) => (output = tail),
    }));
  };

  await retryPortClash(
    async () => {
      port = await freePort();
      probePort = await freePort();
      await spawnOnce();
    },
    { clash: /cannot bind|address already in use/i, output: () => output, dir },
  );

  return {
    port,
    dir,
    output: () => output,
    async stop() {
      const proc = child as ChildProcess | null;
      if (proc) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
