// What bench/pages.mjs runs on workerd to time the render alone: a Worker that keeps a document (PUT) and
// renders its package page `n` times per GET (`gz=1`: from the gzip bytes the mirror stores, decompressed
// each time), with the real code of src/pages/package-render.ts.
import { renderPackagePage } from '../src/pages/package-render.ts';

let doc;

async function inflate(bytes) {
  const stream = new Response(bytes).body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export default {
  async fetch(req) {
    if (req.method === 'PUT') {
      doc = new Uint8Array(await req.arrayBuffer());
      return new Response('kept');
    }
    const url = new URL(req.url);
    const n = Number(url.searchParams.get('n') ?? 1);
    const name = url.searchParams.get('name');
    let bytes = 0;
    // gz=1: the document is kept gzip-compressed, as the mirror stores it, and decompressed for each render.
    const gz = url.searchParams.get('gz') === '1';
    for (let i = 0; i < n; i++) {
      const input = gz ? await inflate(doc) : doc;
      bytes += (await renderPackagePage({ name }, input, false)).main.length;
    }
    return new Response(String(bytes));
  },
};
