// A binary min-heap of (time, order id, version): the clock's index by next due time. Entries are
// never removed when an order changes; a newer version is pushed and the old entry is skipped when
// popped (lazy deletion), so a change costs O(log n) and a tick O(k log n) for k due entries.
export interface DueEntry {
  at: number;
  id: number;
  version: number;
}

export class DueQueue {
  private heap: DueEntry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(at: number, id: number, version: number): void {
    const h = this.heap;
    h.push({ at, id, version });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= h[i].at) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  /** The earliest entry if it is due by `now`, removed; else null. */
  popDue(now: number): DueEntry | null {
    const h = this.heap;
    if (!h.length || h[0].at > now) return null;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l].at < h[m].at) m = l;
        if (r < h.length && h[r].at < h[m].at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }

  /** Starts over from the current entries (drops the stale ones). */
  rebuild(entries: Array<{ at: number | null; id: number; version: number }>): void {
    this.heap = [];
    for (const e of entries) if (e.at !== null) this.push(e.at, e.id, e.version);
  }
}
