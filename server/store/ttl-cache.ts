// A per-estate cache of what is derived from SQLite rows that another process may change (an estate
// import, `device add`): entries are looked at again after ttlMs, and whoever changes the rows in
// this process invalidates at once. Shared by the ingest enrichment context and the alert rules'
// context.
//
// With `version` (SQLite's data_version, store/db.ts), an expired entry is loaded again only when
// another connection committed since it was loaded; otherwise it is kept for another ttlMs. Loading an
// estate's rule context reads every device: with 10,000 devices that stalled the event loop ~40 ms
// every 10 s for rows that had not changed.
export interface TtlCacheOptions<T> {
  ttlMs: number;
  load: (key: string) => T;
  /** changes whenever the rows behind the values may have changed (checked at most once per ttlMs) */
  version?: () => number;
  /** the caller's own reason to load again, given the `hint` it passed to get() */
  stale?: (value: T, ageMs: number, hint: string | undefined) => boolean;
}

export class TtlCache<T> {
  private entries = new Map<string, { at: number; version: number; value: T }>();

  constructor(private readonly options: TtlCacheOptions<T>) {}

  /** The cached value, or a fresh load when there is none, it expired with changes, or `stale` says so. */
  get(key: string, now = Date.now(), hint?: string): T {
    const { ttlMs, load, version, stale } = this.options;
    const hit = this.entries.get(key);
    const usable = hit !== undefined && !stale?.(hit.value, now - hit.at, hint);
    if (usable && now - hit.at < ttlMs) return hit.value;
    const current = version ? version() : 0;
    if (usable && version && current === hit.version) {
      hit.at = now;
      return hit.value;
    }
    const value = load(key);
    this.entries.set(key, { at: now, version: current, value });
    return value;
  }

  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}
