import { describe, expect, it } from 'vitest';
import { chunkStream } from '../../src/streams';

async function collect(s: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of s) out.push(c);
  return out;
}

describe('chunkStream', () => {
  it('yields the same bytes in blocks no bigger than asked, big chunks untouched', async () => {
    let x = 0;
    const sizes = [1, 2, 3, 10, 0, 7, 40, 5, 5, 5, 100, 1, 1];
    const chunks = sizes.map((n) => Uint8Array.from({ length: n }, () => x++ & 0xff));
    const blocks = await collect(chunkStream(chunks, 16));
    const flat = (a: Uint8Array[]) => a.flatMap((c) => [...c]);
    expect(flat(blocks)).toEqual(flat(chunks));
    for (const b of blocks) expect(b.length <= 16 || sizes.includes(b.length)).toBe(true);
    expect(blocks.length).toBeLessThan(chunks.length);
    expect(blocks).toContain(chunks[10]); // the 100-byte chunk passes as it is
  });

  it('handles no chunks', async () => {
    expect(await collect(chunkStream([]))).toEqual([]);
  });
});
