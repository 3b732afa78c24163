// A per-estate cache of what is derived from SQLite rows that another process may change (an estate
// import, `device add`): entries are reloaded after ttlMs, and whoever changes the rows in this
// process invalidates at once. Shared by the ingest enrichment context and the alert rules' context.
export class TtlCache<T> {
  private entries = new Map<string, { at: number; value: T }>();

  constructor(private readonly ttlMs: number) {}

  /** The cached value, or `load(key)` when there is none, it is older than ttlMs, or `reload` says so. */
  get(key: string, load: (key: string) => T, now = Date.now(), reload?: (value: T, ageMs: number) => boolean): T {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs && !reload?.(hit.value, now - hit.at)) return hit.value;
    const value = load(key);
    this.entries.set(key, { at: now, value });
    return value;
  }

  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}
