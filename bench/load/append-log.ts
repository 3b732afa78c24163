// Rungs of the durable floor's ladder (bench ingest, the "(aj) ladder" note) — bench-only, not a
// product journal: what acknowledging after a group costs on this machine with less than our
// SQLite journal does.
//   kind 'none': the publish is parsed and serialised like a journal body and acknowledged with its
//                group on the next turn of the event loop, no disk at all;
//   kind 'log':  the same, and the group is appended to a plain file with one write and one
//                fdatasync before the acknowledgements (a dedupe by (device, id) in memory).
// Nothing reads either back: it measures the write side of the cheapest journal one could build.
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';

type Done = (err: Error | null) => void;

export class AppendLog {
  private queue: string[] = [];
  private callbacks: Done[] = [];
  private scheduled = false;
  private readonly seen = new Set<string>();
  private readonly fd: number | null;

  constructor(path: string | null) {
    this.fd = path === null ? null : openSync(path, 'a');
  }

  append(device: string, id: string, body: string, done: Done): void {
    const key = `${device}\u0000${id}`;
    if (this.seen.has(key)) return done(null);
    this.seen.add(key);
    this.queue.push(body);
    this.callbacks.push(done);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const lines = this.queue;
    const callbacks = this.callbacks;
    this.queue = [];
    this.callbacks = [];
    let err: Error | null = null;
    try {
      if (this.fd !== null) {
        writeSync(this.fd, lines.join('\n') + '\n');
        fdatasyncSync(this.fd);
      }
    } catch (e) {
      err = e as Error;
    }
    for (const done of callbacks) done(err);
  }

  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
  }
}
