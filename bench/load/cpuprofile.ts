// A small .cpuprofile summariser (V8's format, written by `node --cpu-prof`): self time per function,
// self time per area (a package, a folder of ours, a node core module, GC, idle), and the total
// (inclusive) time of our own functions — enough to see where the time goes without opening DevTools.
// From the command line: node bin/run-ts.js bench/load/summarise-profile.ts FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative, resolve } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  name: string;
  ms: number;
  /** share of the busy (non-idle) time */
  pct: number;
}

export interface ProfileSummary {
  /** profiled wall time */
  totalMs: number;
  /** wall time not idle */
  busyMs: number;
  selfByFunction: ProfileLine[];
  selfByArea: ProfileLine[];
  /** our code (server/, protocol/), inclusive of what it calls */
  totalOfOurs: ProfileLine[];
}

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/**
 * file:line; TypeScript run through tsx is profiled as esbuild's output, whose line numbers do not
 * match the source, so .ts files are named without one.
 */
function where(frame: CallFrame): string {
  const { url } = frame;
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const shown = path.startsWith(ROOT) ? relative(ROOT, path) : path;
  return /\.tsx?$/.test(shown) ? shown : `${shown}:${frame.lineNumber + 1}`;
}

function area(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return SPECIAL.has(functionName) ? functionName : '(native code and V8 builtins)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return `node:${parts[0] === 'internal' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(ROOT)) {
    const parts = relative(ROOT, path).split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return path;
}

const isOurs = (frame: CallFrame) => {
  if (!frame.url.startsWith('file://')) return false;
  const path = fileURLToPath(frame.url);
  return path.startsWith(ROOT) && !path.includes('/node_modules/') && /\/(server|protocol)\//.test(path.slice(ROOT.length));
};


export function summariseProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** An anonymous function is named after its nearest named caller: "(anonymous ← flush)". */
  const label = (id: number) => {
    const frame = byId.get(id)!.callFrame;
    const at = where(frame);
    let name = frame.functionName;
    if (!name) {
      let caller: number | undefined = parent.get(id);
      while (caller !== undefined && !byId.get(caller)!.callFrame.functionName) caller = parent.get(caller);
      name = caller === undefined ? '(anonymous)' : `(anonymous ← ${byId.get(caller)!.callFrame.functionName})`;
    }
    return `${name}${at ? ` ${at}` : ' (native)'}`;
  };

  const self = new Map<string, number>();
  const selfArea = new Map<string, number>();
  const total = new Map<string, number>();
  let idle = 0;
  let sum = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    if (us <= 0) continue;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    sum += us;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    add(self, label(node.id), us);
    add(selfArea, area(node.callFrame), us);
    // Inclusive time: once per distinct function of ours on the stack.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!isOurs(frame)) continue;
      const key = label(id);
      if (seen.has(key)) continue;
      seen.add(key);
      add(total, key, us);
    }
  }
  const busy = sum - idle;
  const lines = (m: Map<string, number>, n: number): ProfileLine[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: busy > 0 ? (us / busy) * 100 : 0 }));
  return {
    totalMs: sum / 1000,
    busyMs: busy / 1000,
    selfByFunction: lines(self, top),
    selfByArea: lines(selfArea, top),
    totalOfOurs: lines(total, top),
  };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

export function formatSummary(s: ProfileSummary): string[] {
  const row = (l: ProfileLine) => `  ${l.pct.toFixed(1).padStart(5)}%  ${l.ms.toFixed(0).padStart(7)} ms  ${l.name}`;
  return [
    `profiled ${(s.totalMs / 1000).toFixed(1)} s, main thread busy ${(s.busyMs / 1000).toFixed(1)} s (${((s.busyMs / s.totalMs) * 100).toFixed(0)}%; busy = running JS or native code, or blocked in a synchronous call such as SQLite's fsync). Shares are of busy time; a native addon's time (better-sqlite3's run, COMMIT) counts as self time of the JS function that called it`,
    'self time by area:',
    ...s.selfByArea.map(row),
    'self time by function:',
    ...s.selfByFunction.map(row),
    'total time of our functions (including what they call):',
    ...s.totalOfOurs.map(row),
  ];
}
