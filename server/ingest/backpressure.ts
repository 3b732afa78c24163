// Backpressure: when the journal cannot take more (the disk is nearly full, or commits fail), stop
// reading from publishers instead of dropping or buffering in memory, say so once in the log and in
// /metrics (se_ingest_paused{reason}), and resume by itself when the condition clears.
//
// Per-connection memory is already bounded: Aedes reads a client's next chunk only after every
// packet of the previous one was handled, and our authorizePublish holds each packet until its
// commit. Pausing therefore only has to stop the reading.
import { statfs } from 'node:fs/promises';
import type { Log } from '../log.ts';
import type { Metrics } from '../metrics.ts';

export type PauseReason = 'disk_low' | 'journal_error';

export interface BackpressureOptions {
  dataDir: string;
  /** pause when the data dir's file system has less free space than this */
  minFreeBytes: number;
  /** how often to look at the disk and retry after a failed commit */
  checkEveryMs?: number;
  metrics: Metrics;
  log: Log;
  onPause(): void;
  onResume(): void;
}

export class Backpressure {
  private readonly reasons = new Set<PauseReason>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  minFreeBytes: number;

  constructor(private readonly o: BackpressureOptions) {
    this.minFreeBytes = o.minFreeBytes;
    for (const reason of ['disk_low', 'journal_error'] as const) o.metrics.ingestPaused.set({ reason }, 0);
  }

  get paused(): boolean {
    return this.reasons.size > 0;
  }

  /** why ingest is paused, for HTTP 503 answers */
  describe(): string {
    return [...this.reasons].map((r) => (r === 'disk_low' ? 'the disk is nearly full' : 'the journal cannot commit')).join(' and ');
  }

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.o.checkEveryMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The journal failed a commit: pause until the next check shows the disk is fine. */
  journalFailed(err: Error): void {
    this.set('journal_error', true, err.message);
  }

  /** Looks at free disk space now; also clears a journal error (the next commit will tell). */
  check(): Promise<void> {
    // One look at a time; a caller during a look waits for that look.
    this.checking ??= this.look().finally(() => (this.checking = null));
    return this.checking;
  }

  private async look(): Promise<void> {
    try {
      const fs = await statfs(this.o.dataDir);
      const free = fs.bavail * fs.bsize;
      this.o.metrics.diskFreeBytes.set(free);
      this.set('disk_low', free < this.minFreeBytes, `${(free / 2 ** 20).toFixed(0)} MiB free in ${this.o.dataDir}, need ${(this.minFreeBytes / 2 ** 20).toFixed(0)} MiB`);
      if (this.reasons.has('journal_error') && free >= this.minFreeBytes) this.set('journal_error', false, 'retrying');
    } catch (err) {
      this.o.log.warn(`backpressure: cannot read free space of ${this.o.dataDir}: ${(err as Error).message}`);
    }
  }

  private set(reason: PauseReason, on: boolean, detail: string): void {
    const was = this.paused;
    if (on === this.reasons.has(reason)) return;
    if (on) this.reasons.add(reason);
    else this.reasons.delete(reason);
    this.o.metrics.ingestPaused.set({ reason }, on ? 1 : 0);
    if (on) this.o.log.warn(`ingest paused (${reason}): ${detail}; devices are not read until it clears, nothing is dropped`);
    else this.o.log.info(`ingest condition cleared (${reason}): ${detail}`);
    if (!was && this.paused) this.o.onPause();
    if (was && !this.paused) {
      this.o.log.info('ingest resumed');
      this.o.onResume();
    }
  }
}
