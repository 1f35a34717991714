import { describe, expect, it } from 'vitest';
import { memoize } from '../../src/memo';
import { checkName } from '../../src/packages/names';

describe('memoize', () => {
  it('calls once per key, remembers undefined too, and not a call that threw', () => {
    const calls: string[] = [];
    const f = memoize((k: string) => {
      calls.push(k);
      if (k === 'bad') throw new Error('bad');
      return k === 'none' ? undefined : k.length;
    });
    expect([f('ab'), f('ab'), f('none'), f('none')]).toEqual([2, 2, undefined, undefined]);
    expect(() => f('bad')).toThrow('bad');
    expect(() => f('bad')).toThrow('bad');
    expect(calls).toEqual(['ab', 'none', 'bad', 'bad']);
  });

  it('starts over when full, so it never holds more than its bound', () => {
    let calls = 0;
    const f = memoize((k: string) => ++calls && k, 3);
    for (const k of ['a', 'b', 'c', 'a']) f(k);
    expect(calls).toBe(3);
    f('d'); // full: forgets a, b and c
    f('a');
    expect(calls).toBe(5);
  });

  it('leaves checkName refusing the same bad name every time, strict and legacy apart', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => checkName('Bad Name')).toThrow(/invalid package name/);
      expect(() => checkName('UPPER')).toThrow(/invalid package name/);
      expect(() => checkName('UPPER', true)).not.toThrow();
    }
  });
});
