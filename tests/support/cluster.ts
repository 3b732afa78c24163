// Cluster nodes as real `smart-estate serve --cluster` processes for tests: each its own data dir,
// free ports, the given Redis and InfluxDB; configuration is per node (devices shared with SE_CONFIG_DB in extraEnv; docs/scale-out.md),
// so each gets the same estate `test`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './influxd.ts';
import { runCli, startCli, until, type Child } from './process.ts';

export const NODE_ADMIN_PASSWORD = 'cluster-admin-pass-1';

export interface ClusterNode {
  id: string;
  dir: string;
  http: number;
  mqtt: number;
  child: Child;
  /** one value of /metrics, null when absent */
  metric(name: string): Promise<number | null>;
  /** a one-shot command on this node's data dir; its stdout (throws on failure) */
  cli(args: string[]): string;
  /** SIGTERM and wait (if still running), remove the data dir */
  stop(): Promise<void>;
  /** SIGTERM and wait, keeping the data dir (start again with startClusterNode(…, { dir })) */
  halt(): Promise<void>;
}

/** `options.dir`: a data dir made already (no estate `test` is added), e.g. the same one again after a kill; `options.args`: more `serve` flags; `options.prepare`: CLI commands on the data dir before the node starts. */
export async function startClusterNode(id: string, redisUrl: string, influxUrl: string, extraEnv: Record<string, string> = {}, options: { dir?: string; args?: string[]; prepare?: (cli: (args: string[]) => string) => void } = {}): Promise<ClusterNode> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `se-node-${id}-`));
  const cli = (args: string[]) => {
    const r = runCli([...args, '--data-dir', dir], {});
    if (r.status !== 0) throw new Error(`smart-estate ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  if (!options.dir) cli(['estate', 'add', '--id', 'test', '--name', 'Test', '--lat', '30.27', '--lon', '120.15']);
  // configuration the test wants in place before the server starts (an estate file, devices)
  options.prepare?.(cli);
  const http = await freePort();
  const mqtt = await freePort();
  const child = startCli(
    ['serve', '--cluster', redisUrl, '--node-id', id, '--influx-url', influxUrl, '--data-dir', dir, '--host', '127.0.0.1', '--http-port', String(http), '--mqtt-port', String(mqtt), ...(options.args ?? [])],
    { SE_ADMIN_PASSWORD: NODE_ADMIN_PASSWORD, ...extraEnv },
  );
  let exited = false;
  void child.exited.then(() => (exited = true));
  const metric = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const node: ClusterNode = {
    id, dir, http, mqtt, child, metric, cli,
    async halt() {
      if (!exited) {
        child.proc.kill('SIGTERM');
        await child.exited;
      }
    },
    async stop() {
      await node.halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await until(`node ${id} up with its Redis link`, async () => {
      if (exited) throw new Error(`node ${id} exited: ${child.output()}`);
      return (await metric('se_cluster_link_up')) === 1;
    }, 60_000, 200);
  } catch (err) {
    await node.stop();
    throw err;
  }
  return node;
}

/** Adds an operator of `estate` on the node (its CLI, its data dir) and logs in over REST: the session token. */
export async function operatorOn(node: ClusterNode, estate: string, password = 'cluster-op-pass-1'): Promise<string> {
  node.cli(['user', 'add', '--name', 'op', '--role', 'operator', '--password', password, '--estate', estate]);
  const res = await fetch(`http://127.0.0.1:${node.http}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'op', password }) });
  if (res.status !== 200) throw new Error(`operator login on ${node.id}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
