import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import {
  CORGI,
  ORIGIN,
  ageEntry,
  corgi,
  deleteUpstreamDoc,
  fetchWorker,
  putUpstreamDoc,
  putUpstreamPackage,
  readMeta,
  setFault,
  uniqueName,
  upstream,
  settle,
  upstreamHits,
  waitForHits,
  waitForMeta,
} from './helpers';
import { forgetInIsolate } from '../../src/cache/packument-cache';

const MIN = 60_000;

describe('cache hits', () => {
  // What a hit may read: one KV value with its metadata, or for a 304 the name's entry alone; no D1.
  it('answers a matching If-None-Match from the entry alone, without the stored document', async () => {
    const name = uniqueName('hit304');
    await putUpstreamPackage(name, ['1.0.0']);
    const first = await corgi(`/${name}`);
    await first.arrayBuffer();
    await waitForMeta(name);
    await settle();
    await env.METADATA.delete(`doc2:abbreviated:${ORIGIN}:${name}`);
    const hits = await upstreamHits(name);
    const r = await corgi(`/${name}`, { 'if-none-match': first.headers.get('etag')! });
    expect(r.status).toBe(304);
    expect(r.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await upstreamHits(name)).toBe(hits);
  });

  it('sends a stored document gzip-compressed as stored, with its own ETag, and decompressed to others', async () => {
    const name = uniqueName('gz');
    await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    const miss = await corgi(`/${name}`);
    const plain = await miss.text();
    await waitForMeta(name);
    await settle();
    const gz = await corgi(`/${name}`, { 'accept-encoding': 'br, gzip;q=0.8' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('Accept, Accept-Encoding');
    expect(gz.headers.get('etag')).toBe(miss.headers.get('etag')!.replace(/"$/, '-gz"'));
    const packed = new Uint8Array(await gz.arrayBuffer());
    expect(packed.length).toBe(Number(gz.headers.get('content-length')));
    expect(packed.length).toBeLessThan(plain.length);
    const unpacked = await new Response(new Response(packed).body!.pipeThrough(new DecompressionStream('gzip'))).text();
    expect(unpacked).toBe(plain);
    const refused = await corgi(`/${name}`, { 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers.get('content-encoding')).toBeNull();
    expect(refused.headers.get('etag')).toBe(miss.headers.get('etag'));
    expect(refused.headers.get('content-length')).toBe(String(plain.length));
    expect(await refused.text()).toBe(plain);
    const cond = { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.get('etag')! };
    expect((await corgi(`/${name}`, cond)).status).toBe(304);
    // the other encoding's validator does not match
    const other = await corgi(`/${name}`, { 'if-none-match': gz.headers.get('etag')! });
    expect(other.status).toBe(200);
    expect(await other.text()).toBe(plain);
    const manifest = await fetchWorker(`/${name}/1.1.0`, { headers: { 'accept-encoding': 'gzip' } });
    expect((await manifest.json<any>()).version).toBe('1.1.0');
  });

  it('a miss sends a client that takes gzip the bytes it stores, under the ETag its hits send', async () => {
    const name = uniqueName('gz-miss');
    await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    const gzip = { 'accept-encoding': 'gzip' };
    const miss = await corgi(`/${name}`, gzip);
    expect(miss.headers.get('content-encoding')).toBe('gzip');
    const packed = new Uint8Array(await miss.arrayBuffer());
    expect(packed.length).toBe(Number(miss.headers.get('content-length')));
    await waitForMeta(name);
    await settle();
    const stored = await env.METADATA.get(`doc2:abbreviated:${ORIGIN}:${name}`, 'arrayBuffer');
    expect(new Uint8Array(stored!)).toEqual(packed);
    const hit = await corgi(`/${name}`, gzip);
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(packed);
    // so the client's copy from the miss revalidates as it is
    expect((await corgi(`/${name}`, { ...gzip, 'if-none-match': miss.headers.get('etag')! })).status).toBe(304);
    // a full-document miss for another name, asked as npm asks, alike
    const other = uniqueName('gz-miss-full');
    await putUpstreamPackage(other, ['2.0.0']);
    const full = await fetchWorker(`/${other}`, { headers: { accept: 'application/json', ...gzip } });
    const unpacked = await new Response(full.body!.pipeThrough(new DecompressionStream('gzip'))).json<any>();
    expect(unpacked.versions['2.0.0'].dist.tarball).toBe(`${ORIGIN}/${other}/-/${other}-2.0.0.tgz`);
    expect(full.headers.get('etag')).toMatch(/-f\d+-gz"$/);
  });

  it('keeps a hot document in the location’s Cache API and in the isolate while it is fresh', async () => {
    const name = uniqueName('doc-edge');
    await putUpstreamPackage(name, ['1.0.0']);
    const miss = await corgi(`/${name}`);
    const plain = await miss.text();
    await waitForMeta(name);
    await settle();
    await (await corgi(`/${name}`)).arrayBuffer(); // a KV hit, which keeps it at this location
    await settle();
    const key = `${ORIGIN}/-/edge/doc/${encodeURIComponent(name)}/abbreviated`;
    await vi.waitFor(async () => expect(await caches.default.match(key)).toBeDefined(), { interval: 50 });
    for (const k of [`doc2:abbreviated:${ORIGIN}:${name}`, `meta:${ORIGIN}:${name}`]) await env.METADATA.delete(k);
    const hits = await upstreamHits(name);
    const answers = async () => {
      const hot = await corgi(`/${name}`);
      expect(hot.headers.get('etag')).toBe(miss.headers.get('etag'));
      expect(await hot.text()).toBe(plain);
      const cond = await corgi(`/${name}`, { 'if-none-match': miss.headers.get('etag')! });
      expect(cond.status).toBe(304);
    };
    forgetInIsolate(ORIGIN, name);
    await answers(); // from the Cache API, which puts it in the isolate again
    await caches.default.delete(key);
    await answers(); // from the isolate's memory
    expect(await upstreamHits(name)).toBe(hits);
  });

  it('serves a cached copy without asking D1 (entries exist only for names that were not local)', async () => {
    const name = uniqueName('hitd1');
    await putUpstreamPackage(name, ['1.0.0']);
    await (await fetchWorker(`/${name}`)).arrayBuffer();
    await waitForMeta(name);
    await settle();
    // A row written behind the registry's back (a publish would have removed the cache entries first):
    // a hit that asked D1 would now answer from it, or 404 for its unpublished state.
    await env.DB.prepare(
      'INSERT INTO local_packages (name, rev, doc, files, unpublished, summary, updated)' +
        " VALUES (?, 1, '{}', '{}', 1, NULL, 0)",
    )
      .bind(name)
      .run();
    try {
      for (const r of [await fetchWorker(`/${name}`), await corgi(`/${name}`), await fetchWorker(`/${name}/1.0.0`)]) {
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
    } finally {
      await env.DB.prepare('DELETE FROM local_packages WHERE name = ?').bind(name).run();
    }
  });
});

describe('packuments', () => {
  it('serves full and abbreviated documents with their own validators', async () => {
    const name = uniqueName('meta');
    const { doc } = await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    const full = await fetchWorker(`/${name}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('application/json');
    const fullDoc = await full.json<any>();
    const want = structuredClone(doc);
    for (const v of Object.values<any>(want.versions)) v.dist.tarball = v.dist.tarball.replace(upstream, `${ORIGIN}/`);
    expect(fullDoc).toEqual(want);

    const abbr = await corgi(`/${name}`);
    expect(abbr.headers.get('content-type')).toBe(CORGI);
    const a = await abbr.json<any>();
    expect(Object.keys(a)).toEqual(['name', 'dist-tags', 'versions', 'modified']);
    expect(a.versions['1.1.0']).toEqual({ name, version: '1.1.0', dist: want.versions['1.1.0'].dist });

    for (const r of [full, abbr]) {
      expect(r.headers.get('vary')).toBe('Accept');
      expect(r.headers.get('cache-control')).toBe('public, max-age=300');
      expect(r.headers.get('last-modified')).toBe('Wed, 03 Feb 2021 04:05:06 GMT');
      expect(r.headers.get('etag')).toMatch(/^"[0-9a-f]{32}-[af]\d+"$/);
    }
    expect(full.headers.get('etag')).not.toBe(abbr.headers.get('etag'));

    // the same ETags again from the cache, and 304 for a matching If-None-Match
    const again = await corgi(`/${name}`);
    expect(again.headers.get('etag')).toBe(abbr.headers.get('etag'));
    await again.arrayBuffer();
    const notModified = await corgi(`/${name}`, { 'if-none-match': abbr.headers.get('etag')! });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(abbr.headers.get('etag'));
    const other = await fetchWorker(`/${name}`, { headers: { 'if-none-match': abbr.headers.get('etag')! } });
    expect(other.status).toBe(200); // the full document has another validator
    await other.arrayBuffer();
  });

  it('answers HEAD with headers only', async () => {
    const name = uniqueName('head');
    await putUpstreamPackage(name, ['1.0.0']);
    const h = await fetchWorker(`/${name}`, { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(await h.text()).toBe('');
    const g = await fetchWorker(`/${name}`);
    const body = await g.arrayBuffer();
    expect(h.headers.get('content-length')).toBe(String(body.byteLength));
    expect(h.headers.get('etag')).toBe(g.headers.get('etag'));
  });

  it('serves scoped packages under all three encodings', async () => {
    const name = `@scope-${uniqueName('s')}/pkg`;
    await putUpstreamPackage(name, ['2.0.0']);
    const [scope, base] = name.split('/');
    for (const path of [`/${scope}/${base}`, `/${scope}%2f${base}`, `/${scope}%2F${base}`]) {
      const r = await corgi(path);
      expect(r.status).toBe(200);
      const d = await r.json<any>();
      expect(d.name).toBe(name);
      expect(d.versions['2.0.0'].dist.tarball).toBe(`${ORIGIN}/${name}/-/pkg-2.0.0.tgz`);
    }
  });

  it('serves fixture packuments as the upstream has them', async () => {
    const r = await fetchWorker('/abbrev');
    const up = await (await fetch(`${upstream}abbrev`)).json<any>();
    const d = await r.json<any>();
    for (const v of Object.values<any>(up.versions)) v.dist.tarball = v.dist.tarball.replace(upstream, `${ORIGIN}/`);
    expect(d).toEqual(up);
  });
});

describe('version manifests', () => {
  it('resolves versions, dist-tags and ranges', async () => {
    const name = uniqueName('man');
    await putUpstreamPackage(name, ['1.0.0', '1.2.0', '2.0.0-beta.1']);
    await putUpstreamDoc(name, {
      ...(await (await fetch(`${upstream}${name}`)).json<any>()),
      'dist-tags': { latest: '1.0.0', next: '2.0.0-beta.1' },
    });
    const cases: [string, string | undefined][] = [
      ['1.2.0', '1.2.0'],
      ['latest', '1.0.0'],
      ['next', '2.0.0-beta.1'],
      ['%5E1.0.0', '1.2.0'],
      ['~1.0', '1.0.0'],
      ['*', '1.2.0'],
      ['3.0.0', undefined],
      ['%5E5', undefined],
      ['nope', undefined],
    ];
    for (const [spec, want] of cases) {
      const r = await fetchWorker(`/${name}/${spec}`);
      if (want === undefined) {
        expect([spec, r.status]).toEqual([spec, 404]);
        expect(await r.json()).toEqual({ error: expect.stringContaining('version not found') });
      } else {
        expect([spec, r.status]).toEqual([spec, 200]);
        const m = await r.json<any>();
        expect(m.version).toBe(want);
        expect(m.description).toBe('x'); // the whole manifest, not the abbreviated one
        expect(m.dist.tarball).toBe(`${ORIGIN}/${name}/-/${name}-${want}.tgz`);
      }
    }
    const h = await fetchWorker(`/${name}/latest`, { method: 'HEAD' });
    expect(h.status).toBe(200);
    const e = h.headers.get('etag')!;
    expect((await fetchWorker(`/${name}/latest`, { headers: { 'if-none-match': e } })).status).toBe(304);
    expect(e).not.toBe((await fetchWorker(`/${name}/1.2.0`, { method: 'HEAD' })).headers.get('etag'));
  });

  it('404s for a version of an unknown package', async () => {
    const r = await fetchWorker(`/${uniqueName('nothing')}/1.0.0`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: 'Not found' });
  });
});

describe('the KV cache', () => {
  it('answers from KV while fresh', async () => {
    const name = uniqueName('fresh');
    await putUpstreamPackage(name, ['1.0.0']);
    await (await corgi(`/${name}`)).arrayBuffer();
    await waitForMeta(name);
    await (await corgi(`/${name}`)).arrayBuffer();
    await (await fetchWorker(`/${name}`)).arrayBuffer();
    expect(await upstreamHits(name)).toBe(1);
  });

  it('shares one upstream fetch among concurrent misses, full and abbreviated alike', async () => {
    const name = uniqueName('herd');
    await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? fetchWorker(`/${name}`) : corgi(`/${name}`))),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(await upstreamHits(name)).toBe(1);
    // every request got the whole document of its kind
    for (let i = 0; i < 12; i++) {
      expect(bodies[i]).toBe(bodies[i % 2]);
      expect(Object.keys(JSON.parse(bodies[i]).versions)).toEqual(['1.0.0', '1.1.0']);
    }
    expect(JSON.parse(bodies[1])).toHaveProperty('readme');
    expect(JSON.parse(bodies[0])).not.toHaveProperty('readme');
    await settle();
  });

  it('serves a stale copy and revalidates in the background with a conditional request', async () => {
    const name = uniqueName('swr');
    const { doc } = await putUpstreamPackage(name, ['1.0.0']);
    await (await corgi(`/${name}`)).arrayBuffer();
    const first = await waitForMeta(name);
    expect(first.etag).toMatch(/^"/); // the upstream's validator is kept for the conditional request

    // past the fresh TTL, unchanged upstream: stale copy now, 304 upstream, entry refreshed
    await ageEntry(name, 6 * MIN);
    const stale = await corgi(`/${name}`);
    expect(stale.status).toBe(200);
    expect((await stale.json<any>()).versions['1.0.0']).toBeDefined();
    await waitForHits(name, 2);
    const refreshed = await waitForMeta(name, (m) => m.fetchedAt > first.fetchedAt - 6 * MIN);
    expect(refreshed.etag).toBe(first.etag);

    // past it again, changed upstream: stale copy now, new version on the next request
    await putUpstreamDoc(name, {
      ...doc,
      versions: { ...doc.versions, '1.1.0': { ...doc.versions['1.0.0'], version: '1.1.0' } },
    });
    await ageEntry(name, 6 * MIN);
    const old = await corgi(`/${name}`);
    expect(Object.keys((await old.json<any>()).versions)).toEqual(['1.0.0']);
    await waitForHits(name, 3);
    await waitForMeta(name, (m) => m.etag !== first.etag);
    const fresh = await corgi(`/${name}`);
    expect(Object.keys((await fresh.json<any>()).versions)).toEqual(['1.0.0', '1.1.0']);
  });

  it.each(['500', 'badjson', 'wrongname', 'hang'])(
    'serves stale when the upstream fails (%s) and never caches the failure',
    async (mode) => {
      const name = uniqueName(`sie-${mode}`);
      await putUpstreamPackage(name, ['1.0.0']);
      const ok = await corgi(`/${name}`);
      const etag = ok.headers.get('etag');
      await ok.arrayBuffer();
      const before = await waitForMeta(name);
      await setFault(name, mode);
      await ageEntry(name, 10 * 86400_000); // 10 days: stale, within MAX_STALE
      const aged = (await readMeta(name))!;
      const r = await corgi(`/${name}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('etag')).toBe(etag);
      await r.arrayBuffer();
      if (mode !== 'hang') await waitForHits(name, 2);
      else await new Promise((res) => setTimeout(res, 2500)); // the 2 s test timeout passes
      // the failed revalidation left the entry as it was
      expect(await readMeta(name)).toEqual(aged);
      expect(before.etag).toBe(aged.etag);
      await setFault(name, 'none');
    },
  );

  it('gives up on a copy older than MAX_STALE when the upstream fails', async () => {
    const name = uniqueName('toostale');
    await putUpstreamPackage(name, ['1.0.0']);
    await (await corgi(`/${name}`)).arrayBuffer();
    await waitForMeta(name);
    await setFault(name, '500');
    await ageEntry(name, 31 * 86400_000);
    const r = await corgi(`/${name}`);
    expect(r.status).toBe(502);
    expect(await r.json()).toEqual({ error: expect.stringContaining('upstream answered 500') });
    await setFault(name, 'none');
  });

  it.each([
    ['500', 502, 'upstream answered 500'],
    ['badjson', 502, 'unusable document'],
    ['wrongname', 502, 'unusable document'],
    ['hang', 504, 'timed out'],
  ])('with nothing cached, upstream fault %s → %i JSON, and nothing is cached', async (mode, status, text) => {
    const name = uniqueName(`miss-${mode}`);
    await putUpstreamPackage(name, ['1.0.0']);
    await setFault(name, mode);
    const t0 = Date.now();
    const r = await corgi(`/${name}`);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.status).toBe(status);
    expect(await r.json()).toEqual({ error: expect.stringContaining(text) });
    expect(await readMeta(name)).toBeNull();
    await setFault(name, 'none');
    expect((await corgi(`/${name}`)).status).toBe(200);
  });

  it('remembers a 404 for NOT_FOUND_TTL', async () => {
    const name = uniqueName('neg');
    const r = await fetchWorker(`/${name}`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: 'Not found' });
    await waitForMeta(name, (m) => m.status === 404);
    await putUpstreamPackage(name, ['1.0.0']);
    expect((await fetchWorker(`/${name}`)).status).toBe(404); // still remembered
    expect(await upstreamHits(name)).toBe(1);
    await ageEntry(name, MIN + 1000);
    expect((await fetchWorker(`/${name}`)).status).toBe(200);
  });

  // KV takes values up to 25 MiB: documents are stored gzip-compressed, so a 40 MB one fits; one that
  // hardly compresses (random text) goes to R2.
  it.each([
    ['big-40mb', 'kv', 40e6],
    ['random-44mb', 'r2', 44e6],
  ])(
    'stores %s compressed, in %s',
    async (name, loc, size) => {
      const r = await corgi(`/${name}`);
      expect(r.status).toBe(200);
      const a = await r.json<any>();
      const count = Object.keys(a.versions).length;
      expect(count).toBeGreaterThan(1000);
      // the first request's background write lands before the next request reads (a 40 MB upstream
      // fetch may exceed the tests' 2 s timeout on a busy machine, so the cache must answer)
      await settle();
      const meta = await waitForMeta(name);
      expect(meta.loc).toBe(loc);
      const full = await fetchWorker(`/${name}`);
      expect(full.status).toBe(200);
      const fullBytes = await full.arrayBuffer();
      expect(fullBytes.byteLength).toBeGreaterThan(size);
      // from the cache now: same bytes, no new upstream request
      const hits = await upstreamHits(name);
      const again = await fetchWorker(`/${name}`);
      expect((await again.arrayBuffer()).byteLength).toBe(fullBytes.byteLength);
      expect(again.headers.get('etag')).toBe(full.headers.get('etag'));
      const m = await fetchWorker(`/${name}/1.0.3`);
      expect((await m.json<any>()).version).toBe('1.0.3');
      expect(await upstreamHits(name)).toBe(hits);
      const abbr = await corgi(`/${name}`);
      expect(Object.keys((await abbr.json<any>()).versions).length).toBe(count);
    },
    120_000,
  );
});

describe('bad input', () => {
  it.each([
    [`/${'a'.repeat(215)}`, 400],
    ['/UpperCase', 400],
    ['/..%2f..%2fetc', 400],
    ['/.npmrc', 400],
    ['/a%2e%2e%2fb', 400],
    ['/a%00b', 400],
    ['/bad%zz', 400],
    ['/@scope%2f', 400],
    ['/a/b/c/d', 404],
    ['/-/nope', 404],
  ])('%s → %i JSON', async (path, status) => {
    const r = await fetchWorker(path);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.json()).toEqual({ error: expect.any(String) });
  });

  it('405 for methods the path does not take', async () => {
    for (const method of ['POST', 'PATCH']) {
      const r = await fetchWorker('/abbrev', { method, body: '{}' });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD, PUT');
      expect(await r.json()).toEqual({ error: expect.stringContaining(method) });
    }
  });

  it('refuses its own requests coming back (an upstream pointing at itself)', async () => {
    const r = await fetchWorker('/abbrev', { headers: { 'x-edge-registry-hop': '1' } });
    expect(r.status).toBe(508);
    expect(await r.json()).toEqual({ error: expect.stringContaining('loop') });
  });
});

describe('other endpoints', () => {
  it('pings', async () => {
    const r = await fetchWorker('/-/ping');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({});
  });

  it('forwards search and audits to the upstream', async () => {
    const s = await fetchWorker('/-/v1/search?text=abc&size=1');
    expect(s.status).toBe(200);
    expect((await s.json<any>()).objects[0].package.name).toBe('upstream-abc');
    const bulk = await fetchWorker('/-/npm/v1/security/advisories/bulk', {
      method: 'POST',
      body: '{"abbrev":["1.1.1"]}',
      headers: { 'content-type': 'application/json' },
    });
    expect(bulk.status).toBe(200);
    expect(await bulk.json()).toEqual({});
    const quick = await fetchWorker('/-/npm/v1/security/audits/quick', { method: 'POST', body: '{}' });
    expect((await quick.json<any>()).advisories).toEqual({});
  });
});

void env;
void deleteUpstreamDoc;
