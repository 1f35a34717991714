import { describe, expect, it } from 'vitest';
import { IsolateCache } from '../../src/cache/isolate-cache';

describe('IsolateCache', () => {
  it('evicts the least recently used entries beyond its byte budget', () => {
    const c = new IsolateCache<string>(100);
    c.set('a', 'A', 10, 1000);
    c.set('b', 'B', 10, 1000);
    c.set('c', 'C', 10, 1000);
    expect(c.get('a')).toBe('A'); // a is now the most recent
    for (let i = 0; i < 8; i++) c.set(`x${i}`, 'X', 10, 1000); // 110 bytes: the oldest (b) goes
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe('A');
    expect(c.size).toBeLessThanOrEqual(100);
  });

  it('forgets entries when their time is up, and refuses ones over an eighth of the budget', () => {
    let t = 0;
    const c = new IsolateCache<string>(800, () => t);
    c.set('a', 'A', 10, 50);
    t = 49;
    expect(c.get('a')).toBe('A');
    t = 50;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
    c.set('big', 'B', 101, 1000);
    expect(c.get('big')).toBeUndefined();
    c.set('z', 'Z', 10, 0);
    expect(c.get('z')).toBeUndefined();
    c.set('y', 'Y', 10, 100);
    c.delete('y');
    expect(c.get('y')).toBeUndefined();
    expect(c.size).toBe(0);
  });
});
