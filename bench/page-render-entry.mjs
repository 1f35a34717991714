// What bench/pages.mjs runs on workerd to time the render alone: a Worker that keeps a document (PUT) and
// renders its package page `n` times per GET, with the real code of src/pages/package-render.ts.
import { renderPackagePage } from '../src/pages/package-render.ts';

let doc;

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
    for (let i = 0; i < n; i++) bytes += (await renderPackagePage({ name }, doc, false)).main.length;
    return new Response(String(bytes));
  },
};
