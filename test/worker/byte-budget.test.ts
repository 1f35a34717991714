import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../../src/cache/byte-budget';

describe('ByteBudget', () => {
  it('lets work in while it fits, queues the rest in order, and a big one alone', async () => {
    const b = new ByteBudget(100, 10_000);
    const order: string[] = [];
    const r1 = await b.acquire(60);
    const r2 = await b.acquire(40);
    expect(b.state).toEqual({ used: 100, waiting: 0 });
    const noted = (what: string) => (r: () => void) => {
      order.push(what);
      return r;
    };
    const p3 = b.acquire(500).then(noted('big')); // over the budget: waits until alone
    const p4 = b.acquire(10).then(noted('small')); // behind it, in order
    await Promise.resolve();
    expect(b.state.waiting).toBe(2);
    r1();
    r1(); // once only
    await Promise.resolve();
    expect(order).toEqual([]);
    r2();
    const r3 = await p3;
    expect(order).toEqual(['big']);
    expect(b.state.used).toBe(100);
    r3();
    const r4 = await p4;
    expect(order).toEqual(['big', 'small']);
    r4();
    expect(b.state).toEqual({ used: 0, waiting: 0 });
  });

  it('never stalls a waiter beyond its patience', async () => {
    const b = new ByteBudget(10, 30);
    await b.acquire(10); // never given back
    const t = Date.now();
    const release = await b.acquire(5);
    expect(Date.now() - t).toBeGreaterThanOrEqual(25);
    release();
    expect(b.state.waiting).toBe(0);
  });
});
