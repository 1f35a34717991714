import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/cache/single-flight';

/** A promise with its resolve and reject in reach. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers of one key, and again once it has landed', async () => {
    const flights = new SingleFlight<string>();
    const kept: Promise<unknown>[] = [];
    let runs = 0;
    const gate = deferred<string>();
    const work = () => {
      runs++;
      return gate.promise;
    };
    const all = Promise.all([1, 2, 3].map(() => flights.run('k', 1000, work, (p) => kept.push(p))));
    const other = flights.run(
      'other',
      1000,
      async () => 'o',
      (p) => kept.push(p),
    );
    gate.resolve('v');
    expect(await all).toEqual(['v', 'v', 'v']);
    expect(await other).toBe('o');
    expect(runs).toBe(1); // 'other' has its own work
    await Promise.all(kept);
    expect(flights.size).toBe(0);
    await flights.run('k', 1000, work, (p) => kept.push(p));
    expect(runs).toBe(2);
  });

  it('passes a failure to every waiter, and forgets it', async () => {
    const flights = new SingleFlight<string>();
    const kept: Promise<unknown>[] = [];
    const gate = deferred<string>();
    const a = flights.run(
      'k',
      1000,
      () => gate.promise,
      (p) => kept.push(p),
    );
    const b = flights.run(
      'k',
      1000,
      async () => 'not run',
      (p) => kept.push(p),
    );
    gate.reject(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toThrow('boom');
    await Promise.all(kept);
    expect(
      await flights.run(
        'k',
        1000,
        async () => 'fresh',
        (p) => kept.push(p),
      ),
    ).toBe('fresh');
  });

  it('works alone when the run it waits for takes longer than its patience, or is too old to trust', async () => {
    let now = 0;
    const flights = new SingleFlight<string>(() => now);
    const stuck = deferred<string>(); // a run whose request was cancelled never lands
    void flights.run(
      'k',
      50,
      () => stuck.promise,
      () => {},
    );
    const started = Date.now();
    expect(
      await flights.run(
        'k',
        50,
        async () => 'own',
        () => {},
      ),
    ).toBe('own');
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);

    const stuck2 = deferred<string>();
    void flights.run(
      'j',
      50,
      () => stuck2.promise,
      () => {},
    );
    now = 60; // older than the patience: not waited for at all
    const t = Date.now();
    expect(
      await flights.run(
        'j',
        50,
        async () => 'own',
        () => {},
      ),
    ).toBe('own');
    expect(Date.now() - t).toBeLessThan(40);
  });

  it('starts one new run, not one per waiter, when the run they wait for never lands', async () => {
    const flights = new SingleFlight<string>();
    let runs = 0;
    const stuck = deferred<string>();
    void flights.run(
      'k',
      50,
      () => {
        runs += 1;
        return stuck.promise;
      },
      () => {},
    );
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        flights.run(
          'k',
          50,
          async () => {
            runs += 1;
            return new Promise<string>((r) => setTimeout(() => r('fresh'), 20));
          },
          () => {},
        ),
      ),
    );
    expect(answers).toEqual(Array(6).fill('fresh'));
    expect(runs).toBe(2);
  });
});
