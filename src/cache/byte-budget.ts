// How many bytes of upstream documents an isolate works on at once (fetched, derived, compressed and
// stored): a herd of cold misses of large documents takes turns instead of holding them all, which would
// pass the isolate's 128 MB. A document larger than the whole budget still goes, alone. A turn that is
// not given back within `patience` (a stuck store) stops blocking the others. Pure: no bindings.

interface Waiter {
  bytes: number;
  /** called with the bytes counted for it: by `wake` when it fits, or on its patience running out */
  start: () => void;
}

export class ByteBudget {
  private used = 0;
  private queue: Waiter[] = [];

  constructor(
    private limit: number,
    private patienceMs: number,
  ) {}

  /** Waits for room for `bytes` (counted from then on); returns the function that gives it back (once). */
  async acquire(bytes: number): Promise<() => void> {
    const take = Math.min(Math.max(bytes, 0), this.limit);
    if (this.queue.length === 0 && (this.used === 0 || this.used + take <= this.limit)) this.used += take;
    else {
      await new Promise<void>((resolve) => {
        const w: Waiter = { bytes: take, start: resolve };
        const timer = setTimeout(() => {
          // Waited long enough: go regardless (the budget bounds memory; it must never stall a request).
          this.queue = this.queue.filter((x) => x !== w);
          this.used += take;
          resolve();
        }, this.patienceMs);
        w.start = () => {
          clearTimeout(timer);
          resolve();
        };
        this.queue.push(w);
      });
    }
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.used -= take;
      this.wake();
    };
  }

  /** Bytes counted now, and turns waiting. */
  get state(): { used: number; waiting: number } {
    return { used: this.used, waiting: this.queue.length };
  }

  private wake(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (this.used > 0 && this.used + next.bytes > this.limit) return;
      this.queue.shift();
      this.used += next.bytes;
      next.start();
    }
  }
}
