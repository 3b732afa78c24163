// Resident memory and CPU time of processes, read from /proc (Linux): VmRSS from /proc/<pid>/status,
// utime + stime (all threads) from /proc/<pid>/stat. A monitor samples every process it watches
// twice a second; a span reports CPU use (% of one core) between its start and end, and the peak
// and final RSS in between.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcSample {
  at: number;
  rssKb: number;
  /** CPU seconds (user + system, every thread) since the process started */
  cpuSeconds: number;
}

export function readProc(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { at: performance.now(), rssKb: rss ? Number(rss[1]) : 0, cpuSeconds: (utime + stime) / CLK_TCK };
  } catch {
    return null; // the process is gone
  }
}

/** CPU seconds the whole machine spent busy (every core, every process) since boot, from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal …: busy = all − idle − iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - v[3] - v[4]) / CLK_TCK;
}

/** µs some task spent waiting for CPU / for I/O since boot (Linux pressure stall information), or null. */
function stallMicros(): { cpu: number; io: number } | null {
  try {
    const some = (file: string) => Number(/^some .*total=(\d+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? NaN);
    return { cpu: some('/proc/pressure/cpu'), io: some('/proc/pressure/io') };
  } catch {
    return null;
  }
}

export interface SpanStats {
  /** CPU used over the span, in % of one core (200% = both cores of the target machine) */
  cpuPct: number;
  rssMaxKb: number;
  rssEndKb: number;
  /** machine only: share of the span in which some runnable task waited for a CPU / for I/O (PSI) */
  cpuStallPct?: number;
  ioStallPct?: number;
}

export interface Span {
  /** per watched process; `machine` = every process on the box, `others` = machine − watched */
  end(): Record<string, SpanStats>;
}

export class ProcMonitor {
  private readonly pids = new Map<string, number>();
  private readonly open = new Set<{ max: Map<string, number> }>();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 500) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  watch(name: string, pid: number | undefined): void {
    if (pid) this.pids.set(name, pid);
  }

  unwatch(name: string): void {
    this.pids.delete(name);
  }

  /** Starts measuring now; end() gives CPU and RSS per watched process. */
  span(): Span {
    const start = new Map<string, ProcSample>();
    for (const [name, pid] of this.pids) {
      const s = readProc(pid);
      if (s) start.set(name, s);
    }
    const state = { max: new Map<string, number>() };
    const machineStart = { at: performance.now(), busy: machineBusySeconds(), stall: stallMicros() };
    this.open.add(state);
    this.sample();
    return {
      end: () => {
        this.open.delete(state);
        const out: Record<string, SpanStats> = {};
        let ours = 0;
        for (const [name, pid] of this.pids) {
          const a = start.get(name);
          const b = readProc(pid);
          if (!a || !b) continue;
          const rssMaxKb = Math.max(state.max.get(name) ?? 0, b.rssKb);
          out[name] = { cpuPct: ((b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000)) * 100, rssMaxKb, rssEndKb: b.rssKb };
          ours += out[name].cpuPct;
        }
        const wallSeconds = (performance.now() - machineStart.at) / 1000;
        const machine = ((machineBusySeconds() - machineStart.busy) / wallSeconds) * 100;
        const stall = stallMicros();
        const stallPct = (k: 'cpu' | 'io') => (stall && machineStart.stall ? ((stall[k] - machineStart.stall[k]) / 1e6 / wallSeconds) * 100 : NaN);
        out.machine = { cpuPct: machine, rssMaxKb: NaN, rssEndKb: NaN, cpuStallPct: stallPct('cpu'), ioStallPct: stallPct('io') };
        out.others = { cpuPct: Math.max(0, machine - ours), rssMaxKb: NaN, rssEndKb: NaN };
        return out;
      },
    };
  }

  rss(name: string): number {
    const pid = this.pids.get(name);
    return pid ? (readProc(pid)?.rssKb ?? NaN) : NaN;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    if (!this.open.size) return;
    for (const [name, pid] of this.pids) {
      const s = readProc(pid);
      if (!s) continue;
      for (const span of this.open) span.max.set(name, Math.max(span.max.get(name) ?? 0, s.rssKb));
    }
  }
}

/** "3.58 / 4.57 / 3.28" — the 1/5/15-minute load averages, for the notes. */
export function loadAverage(): string {
  return loadavg().map((v) => v.toFixed(2)).join(' / ');
}
