// Streams over documents built as lists of chunks (derivation emits many small views).

/**
 * Streams chunks in blocks of about `block` bytes: small views are copied into one block at a time
 * (thousands of tiny stream chunks are slow in workerd), big ones pass as they are.
 */
export function chunkStream(chunks: Uint8Array[], block = 256 * 1024): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i >= chunks.length) return c.close();
      if (chunks[i].length >= block) return c.enqueue(chunks[i++]);
      let size = 0;
      let j = i;
      while (j < chunks.length && size + chunks[j].length <= block) size += chunks[j++].length;
      if (j === i) return c.enqueue(chunks[i++]);
      const out = new Uint8Array(size);
      for (let o = 0; i < j; i++) {
        out.set(chunks[i], o);
        o += chunks[i].length;
      }
      c.enqueue(out);
    },
  });
}
