// Online backup and restore of the SQLite database (the journal, configuration, alerts, audit).
// The backup uses SQLite's online backup API (better-sqlite3's db.backup) from a separate read-only
// connection, so it runs beside a live server: in WAL mode a reader never blocks the server's
// writers, so acknowledgements go on (measured: docs/operations.md). The copy is consistent: SQLite
// restarts a backup whose source another connection changed between steps, and after the first
// restart we copy all remaining pages in one step (one read transaction), so a busy server cannot
// keep the backup from finishing. The copy is written beside the target and renamed into place.
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DB_FILE, dbPath } from '../store/db.ts';
import { liveServer } from './lock.ts';

export class BackupError extends Error {}

export interface BackupProgress {
  totalPages: number;
  remainingPages: number;
}

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  ms: number;
  /** times SQLite restarted the copy because the server wrote in between */
  restarts: number;
}

/** Pages per step while nobody writes between steps: 8 MiB with 4 KiB pages. */
const STEP_PAGES = 2048;

export async function backupDatabase(
  dataDir: string,
  to: string,
  options: { force?: boolean; onProgress?: (p: BackupProgress) => void } = {},
): Promise<BackupResult> {
  const source = dbPath(dataDir);
  if (!existsSync(source)) throw new BackupError(`no database at ${source}: is --data-dir right?`);
  const target = resolve(to);
  if (existsSync(target) && !options.force) throw new BackupError(`${target} already exists: choose another --to, or add --force to overwrite it`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const started = performance.now();
  let restarts = 0;
  let last = Infinity;
  let oneStep = false;
  let pages = 0;
  try {
    await db.backup(partial, {
      progress({ totalPages, remainingPages }) {
        if (remainingPages > last) {
          restarts++;
          oneStep = true;
        }
        last = remainingPages;
        pages = totalPages;
        options.onProgress?.({ totalPages, remainingPages });
        return oneStep ? Math.max(totalPages, 1) * 2 : STEP_PAGES;
      },
    });
  } catch (err) {
    rmSync(partial, { force: true });
    throw new BackupError(`backup to ${target} failed: ${(err as Error).message}`);
  } finally {
    db.close();
  }
  verify(partial);
  renameSync(partial, target);
  return { file: target, bytes: statSync(target).size, pages, ms: performance.now() - started, restarts };
}

/** A readable Smart Estate database, or a BackupError saying what is wrong with it. */
function verify(file: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${file} is damaged: ${String(check)}`);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'devices', 'events')").pluck().all();
    if (tables.length < 3) throw new BackupError(`${file} is not a Smart Estate database (no meta/devices/events tables)`);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} is not a readable SQLite database: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
}

export interface RestoreResult {
  file: string;
  replaced: boolean;
}

/** Puts a backup in place as `<dataDir>/smart-estate.db`; never while a server runs on dataDir. */
export function restoreDatabase(from: string, dataDir: string, options: { force?: boolean } = {}): RestoreResult {
  const source = resolve(from);
  if (!existsSync(source)) throw new BackupError(`${source}: no such backup file`);
  const live = liveServer(dataDir);
  if (live) {
    throw new BackupError(
      `a server is running on ${dataDir} (pid ${live.pid}, HTTP port ${live.httpPort}): stop it first (a restore under a live server would be overwritten or corrupt it)`,
    );
  }
  verify(source);
  mkdirSync(dataDir, { recursive: true });
  const target = join(dataDir, DB_FILE);
  const replaced = existsSync(target);
  if (replaced && !options.force) throw new BackupError(`${target} already exists: add --force to replace it with the backup (or restore into a new --data-dir)`);
  const partial = `${target}.restoring`;
  copyFileSync(source, partial);
  // A write-ahead log left by the old database must never be applied to the restored one.
  for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true });
  renameSync(partial, target);
  return { file: target, replaced };
}
