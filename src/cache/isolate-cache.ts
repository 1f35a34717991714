// What an isolate keeps in its own memory: the cheapest hit there is, no binding call at all. Bounded
// by bytes (least recently used entries go first) and by time (each entry lives no longer than the copy
// it came from stays fresh), so another isolate's entry outlives a first publish by at most CACHE_TTL,
// as the Cache API's does. Pure: no bindings.

interface Entry<V> {
  value: V;
  bytes: number;
  expires: number;
}

export class IsolateCache<V> {
  private entries = new Map<string, Entry<V>>();
  private total = 0;

  constructor(
    /** bytes all entries may hold together; one entry at most an eighth of it */
    private budget: number,
    private now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= this.now()) {
      this.total -= e.bytes;
      return undefined;
    }
    this.entries.set(key, e); // most recently used last
    return e.value;
  }

  set(key: string, value: V, bytes: number, ttlMs: number): void {
    this.delete(key);
    if (!(ttlMs > 0) || bytes > this.budget / 8) return; // NaN too
    this.entries.set(key, { value, bytes, expires: this.now() + ttlMs });
    this.total += bytes;
    for (const [k, e] of this.entries) {
      if (this.total <= this.budget) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.bytes;
  }

  /** Bytes held now. */
  get size(): number {
    return this.total;
  }
}
