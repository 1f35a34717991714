import { describe, expect, it } from 'vitest';
import { SpanList } from '../../src/packages/span-list';

const enc = new TextEncoder();
const dec = new TextDecoder();

function written(list: SpanList): string {
  const out = new Uint8Array(list.length);
  expect(list.writeTo(out, 0)).toBe(list.length);
  return dec.decode(out);
}

describe('SpanList', () => {
  it('writes input ranges and its own bytes in order, short and long, joining neighbours', () => {
    const long = 'x'.repeat(100);
    const input = enc.encode(`abcdef${long}ghi`);
    const list = new SpanList(input);
    list.take(0, 2); // ab
    list.take(2, 3); // joins: abc
    expect(list.inputEnd).toBe(3);
    list.add(enc.encode('-'));
    list.add(enc.encode('+')); // joins the previous own bytes
    expect(list.inputEnd).toBe(-1);
    list.take(6, 106); // a range of 100 bytes
    list.take(5, 5); // empty: ignored
    list.add(new Uint8Array(0));
    list.take(106, 109);
    expect(list.length).toBe(3 + 2 + 100 + 3);
    expect(written(list)).toBe(`abc-+${long}ghi`);
  });

  it('grows past its first capacity', () => {
    const input = enc.encode('ab');
    const list = new SpanList(input);
    for (let k = 0; k < 5000; k++) {
      list.take(0, 1);
      list.add(enc.encode(String(k % 10).repeat(3)));
    }
    const out = written(list);
    expect(out.length).toBe(5000 * 4);
    expect(out.slice(0, 8)).toBe('a000a111');
    expect(out.slice(-4)).toBe('a999');
  });
});
