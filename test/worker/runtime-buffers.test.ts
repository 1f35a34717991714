// What the cache's store relies on to keep one copy of a document for every use (src/cache/packument-cache.ts):
// KV, R2, the Cache API and Response copy the bytes they are given and leave the caller's buffer intact.
import { env } from 'cloudflare:test';
import { expect, it } from 'vitest';

it('KV, R2, the Cache API and Response leave the bytes they are given intact', async () => {
  const bytes = () => new Uint8Array(4096).map((_, i) => i % 251);
  const given = { kv: bytes(), r2: bytes(), cache: bytes(), response: bytes() };
  await env.METADATA.put('runtime-buffers', given.kv);
  await env.TARBALLS.put('runtime-buffers', given.r2);
  await caches.default.put(
    'https://runtime-buffers.test/x',
    new Response(given.cache, { headers: { 'cache-control': 'max-age=60' } }),
  );
  const r = new Response(given.response);
  for (const b of Object.values(given)) b[0] = 250; // a write after handing over does not reach what was kept
  expect(new Uint8Array(await r.arrayBuffer())).toEqual(bytes());
  expect(new Uint8Array((await env.METADATA.get('runtime-buffers', 'arrayBuffer'))!)).toEqual(bytes());
  expect(new Uint8Array(await (await env.TARBALLS.get('runtime-buffers'))!.arrayBuffer())).toEqual(bytes());
  const hit = await caches.default.match('https://runtime-buffers.test/x');
  expect(new Uint8Array(await hit!.arrayBuffer())).toEqual(bytes());
  for (const b of Object.values(given)) expect(b.byteLength).toBe(4096);
});
