// The running server's lock file, `<data dir>/server.lock`: {pid, httpPort, mqttPort, startedAt}.
// Written when the server listens, removed when it closes. `restore` refuses to run while the pid in
// it is alive (a server killed with -9 leaves the file behind: a dead pid is a stale lock, ignored).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'server.lock';

export interface ServerLock {
  pid: number;
  httpPort: number;
  mqttPort: number;
  startedAt: number;
}

export function writeServerLock(dataDir: string, lock: Omit<ServerLock, 'pid' | 'startedAt'>): void {
  writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, startedAt: Date.now(), ...lock }) + '\n');
}

export function removeServerLock(dataDir: string): void {
  try {
    const lock = readLock(dataDir);
    // only our own: two servers on one data dir must not remove each other's
    if (lock?.pid === process.pid) rmSync(join(dataDir, LOCK_FILE), { force: true });
  } catch {
    /* nothing to remove */
  }
}

function readLock(dataDir: string): ServerLock | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as ServerLock;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user — still alive
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live server on this data dir, if any. */
export function liveServer(dataDir: string): ServerLock | undefined {
  const lock = readLock(dataDir);
  return lock && Number.isInteger(lock.pid) && alive(lock.pid) ? lock : undefined;
}
