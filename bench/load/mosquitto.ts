// The peer broker: Debian's Mosquitto 2.0 (a C broker) on a free loopback port, its defaults kept —
// in-memory persistence (it promises less than a journal commit before the PUBACK), anonymous
// clients allowed on this private listener, no queue limit for an online subscriber so a count
// that falls short is a real loss, not a configured drop. A child of the benchmark, killed by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../tests/support/influxd.ts';
import { accepts } from '../../tests/support/process.ts';
import { removeOnExit, track } from './children.ts';
import { sleep } from './stats.ts';

export const MOSQUITTO_BIN = process.env.SE_MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const START_TIMEOUT_MS = 10_000;

export interface MosquittoHandle {
  port: number;
  pid: number;
  /** its stderr so far (errors only) */
  output(): string;
  exited(): string | null;
  stop(): Promise<void>;
}

export async function startMosquitto(): Promise<MosquittoHandle> {
  const dir = removeOnExit(mkdtempSync(join(tmpdir(), 'se-bench-mosquitto-')));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = track(spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let out = '';
  let ended: string | null = null;
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  proc.once('exit', (code, signal) => (ended = signal ?? `code ${code}`));
  proc.once('error', (err) => (ended = `could not start ${MOSQUITTO_BIN}: ${err.message} (apt-get install mosquitto, or set SE_MOSQUITTO_BIN)`));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (ended) throw new Error(`mosquitto exited at start (${ended}):\n${out}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${START_TIMEOUT_MS} ms:\n${out}`);
    await sleep(20);
  }
  return {
    port,
    pid: proc.pid!,
    output: () => out,
    exited: () => ended,
    async stop() {
      if (!ended) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
