// Concurrent cache misses for one packument in an isolate share one upstream fetch and derivation:
// a big document derived twice at once could take the isolate past its memory limit.
//
// Workers cancel the continuations of a promise settled by a request that has already ended, so a
// waiter never depends on the first request alone: it also sets its own timer for what is left of the
// run's patience and, when that fires first, does the work itself, unless another waiter already
// started a newer run, which it then waits for. The first request keeps the shared work alive with waitUntil, and an
// entry older than the patience is ignored, so a lost cleanup cannot make every later request wait.

interface Flight<T> {
  promise: Promise<T>;
  started: number;
}

export class SingleFlight<T> {
  private flights = new Map<string, Flight<T>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Runs `work` unless a run for `key` is under way, in which case it waits up to `patienceMs` for
   * that run's result. `keepAlive` is the request's waitUntil.
   */
  async run(
    key: string,
    patienceMs: number,
    work: () => Promise<T>,
    keepAlive: (p: Promise<unknown>) => void,
  ): Promise<T> {
    let gaveUpOn: Flight<T> | undefined;
    for (;;) {
      const flight = this.flights.get(key);
      const age = flight ? this.now() - flight.started : Infinity;
      if (!flight || flight === gaveUpOn || age >= patienceMs) return this.start(key, work, keepAlive);
      const result = await wait(flight.promise, patienceMs - age);
      if (result.done) return result.value;
      // Gave up on that run: if another waiter has started a newer one meanwhile, wait for it instead.
      gaveUpOn = flight;
    }
  }

  /** How many runs are under way (for tests). */
  get size(): number {
    return this.flights.size;
  }

  private start(key: string, work: () => Promise<T>, keepAlive: (p: Promise<unknown>) => void): Promise<T> {
    const promise = work();
    const flight = { promise, started: this.now() };
    this.flights.set(key, flight);
    const land = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    keepAlive(promise.then(land, land));
    return promise;
  }
}

async function wait<T>(p: Promise<T>, patienceMs: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), patienceMs);
  });
  try {
    return await Promise.race([p.then((value) => ({ done: true as const, value })), gaveUp]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
