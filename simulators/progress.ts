// One progress line for a running simulation: rewritten in place (\r) on a terminal, a fresh line
// every 10 s when the output is a file or a pipe (logs stay readable).
import type { SimProgress } from './types.ts';

export function formatProgress(p: SimProgress): string {
  const kinds = Object.entries(p.published)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(' · ');
  const sent = Object.values(p.published).reduce((s, n) => s + n, 0);
  const clock = formatDuration(p.scenarioMs);
  return (
    `sim ${clock} | devices ${p.connected}/${p.devices} | sent ${sent} (${kinds || 'nothing yet'}) | acked ${p.acked}` +
    ` | rejected ${p.errors}${p.failed ? ` | failed ${p.failed}` : ''}`
  );
}

function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

export interface ProgressPrinterOptions {
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  /** seconds between lines when not a terminal */
  intervalMs?: number;
}

/** An `onProgress` for startSimulation. */
export function printProgress(options: ProgressPrinterOptions = {}): (p: SimProgress) => void {
  const stream = options.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const interval = options.intervalMs ?? 10_000;
  let last = -Infinity;
  return (p) => {
    const line = formatProgress(p);
    if (tty) {
      stream.write(`\r${line}\x1b[K`);
      return;
    }
    const now = Date.now();
    if (now - last >= interval) {
      last = now;
      stream.write(`${line}\n`);
    }
  };
}
