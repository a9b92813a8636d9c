/**
 * Answers kept for a short time, keyed by a string: when an entry has expired under load, the
 * requests that arrive meanwhile wait for the one lookup in flight rather than each running their
 * own. A failed lookup is passed to everyone waiting for it and not kept.
 */
export class ExpiringCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly lookups = new Map<string, Promise<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, lookUp: () => Promise<T>): T | Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.now()) return entry.value;
    let lookup = this.lookups.get(key);
    if (!lookup) {
      // Counted from before the lookup: no answer is trusted longer than ttlMs after it was read.
      const expires = this.now() + this.ttlMs;
      lookup = lookUp()
        .then((value) => {
          if (this.entries.size >= this.maxEntries) this.entries.clear();
          this.entries.set(key, { value, expires });
          return value;
        })
        .finally(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    return lookup;
  }
}
