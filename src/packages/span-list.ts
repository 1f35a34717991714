// An output document recorded as byte ranges of the input plus a few bytes of its own, written out once
// at the end. A 40 MB packument of small versions yields hundreds of thousands of pieces; as
// Uint8Array views they cost ~100 bytes each of heap, as pairs of integers 8.

export class SpanList {
  /** Pairs [start, end): of the input when start >= 0, of `extra` at [-start - 1, end) otherwise. */
  private spans = new Int32Array(4096);
  private count = 0;
  private extra = new Uint8Array(4096);
  private extraLength = 0;
  length = 0;

  constructor(private readonly input: Uint8Array) {}

  /** Appends input[s, e); joins it to the previous range when that ends at s. */
  take(s: number, e: number): void {
    if (e <= s) return;
    this.length += e - s;
    const n = this.count;
    if (n > 0 && this.spans[n - 1] === s && this.spans[n - 2] >= 0) {
      this.spans[n - 1] = e;
      return;
    }
    this.pair(s, e);
  }

  /** Where the last range of the input ends, or -1 when the last bytes are not from the input. */
  get inputEnd(): number {
    const n = this.count;
    return n > 0 && this.spans[n - 2] >= 0 ? this.spans[n - 1] : -1;
  }

  /** Appends bytes of its own (copied). */
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const at = this.extraLength;
    if (at + bytes.length > this.extra.length) this.extra = grow(this.extra, at + bytes.length);
    this.extra.set(bytes, at);
    this.extraLength = at + bytes.length;
    this.length += bytes.length;
    const n = this.count;
    if (n > 0 && this.spans[n - 2] < 0 && this.spans[n - 1] === at) {
      this.spans[n - 1] = at + bytes.length;
      return;
    }
    this.pair(-at - 1, at + bytes.length);
  }

  /** Writes every range, in order, into `out` at `offset`; returns the offset after them. */
  writeTo(out: Uint8Array, offset: number): number {
    const { spans, input, extra } = this;
    let o = offset;
    for (let k = 0; k < this.count; k += 2) {
      let s = spans[k];
      const e = spans[k + 1];
      const from = s >= 0 ? input : extra;
      if (s < 0) s = -s - 1;
      // Most ranges are a few bytes: copying them by hand spares a view object per range.
      if (e - s < 64) for (let x = s; x < e; x++) out[o++] = from[x];
      else {
        out.set(from.subarray(s, e), o);
        o += e - s;
      }
    }
    return o;
  }

  private pair(s: number, e: number): void {
    if (this.count + 2 > this.spans.length) this.spans = grow(this.spans, this.count + 2);
    this.spans[this.count++] = s;
    this.spans[this.count++] = e;
  }
}

function grow<T extends Int32Array | Uint8Array>(a: T, atLeast: number): T {
  let size = a.length * 2;
  while (size < atLeast) size *= 2;
  const bigger = new (a.constructor as new (n: number) => T)(size);
  bigger.set(a);
  return bigger;
}
