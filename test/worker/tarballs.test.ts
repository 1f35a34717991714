import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../src/config';
import { MirrorSource } from '../../src/mirror/mirror-source';
import {
  ORIGIN,
  ageEntry,
  corgi,
  fetchWorker,
  putUpstreamPackage,
  setFault,
  settle,
  uniqueName,
  upstream,
  upstreamHits,
  waitForMeta,
} from './helpers';

const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());

describe('tarballs', () => {
  it('fetches on a miss, verifies, keeps in R2 and serves hits while the upstream is down', async () => {
    const name = uniqueName('tgz');
    const { tarballs } = await putUpstreamPackage(name, ['1.0.0']);
    const file = `${name}-1.0.0.tgz`;
    const r = await fetchWorker(`/${name}/-/${file}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(await bytes(r)).toEqual(tarballs[file]);
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);

    await waitForObject(`tarballs/${name}/${file}`);
    await setFault(name, 'down');
    const hit = await fetchWorker(`/${name}/-/${file}`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(hit.headers.get('etag')).toBe(etag);
    expect(hit.headers.get('content-length')).toBe(String(tarballs[file].length));
    expect(await bytes(hit)).toEqual(tarballs[file]);
    const nm = await fetchWorker(`/${name}/-/${file}`, { headers: { 'if-none-match': etag } });
    expect(nm.status).toBe(304);
    const head = await fetchWorker(`/${name}/-/${file}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(tarballs[file].length));
    expect(await head.text()).toBe('');
    await setFault(name, 'none');
  });

  it('keeps a hot tarball in the location’s Cache API, and a first publish of the name forgets it', async () => {
    const name = uniqueName('tgz-edge');
    const { tarballs } = await putUpstreamPackage(name, ['1.0.0']);
    const file = `${name}-1.0.0.tgz`;
    await (await fetchWorker(`/${name}/-/${file}`)).arrayBuffer();
    await settle();
    const key = `${ORIGIN}/-/edge/tarball/${encodeURIComponent(name)}/${encodeURIComponent(file)}`;
    await vi.waitFor(async () => expect(await caches.default.match(key)).toBeDefined(), { interval: 50 });
    // Gone from R2 and from the upstream, it still answers here from the Cache API.
    await env.TARBALLS.delete(`tarballs/${name}/${file}`);
    await setFault(name, 'down');
    const hit = await fetchWorker(`/${name}/-/${file}`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('etag')).toMatch(/^"[0-9a-f]{40}"$/);
    expect(await bytes(hit)).toEqual(tarballs[file]);
    const head = await fetchWorker(`/${name}/-/${file}`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(tarballs[file].length));
    // The mirror's forget (what a first publish of a mirrored name runs) takes this location's copy too.
    await (await fetchWorker(`/${name}`)).arrayBuffer();
    await settle();
    await waitForMeta(name);
    await new MirrorSource({ env, cfg: readConfig(env), origin: ORIGIN, waitUntil: () => {} }).forget(name);
    expect(await caches.default.match(key)).toBeUndefined();
  });

  it('serves scoped tarballs at both paths clients use', async () => {
    const name = `@sc-${uniqueName('t')}/pkg`;
    const { tarballs } = await putUpstreamPackage(name, ['1.0.0']);
    const scope = name.split('/')[0];
    for (const path of [
      `/${scope}/pkg/-/pkg-1.0.0.tgz`,
      `/${scope}%2fpkg/-/pkg-1.0.0.tgz`,
      `/${scope}%2Fpkg/-/pkg-1.0.0.tgz`,
    ]) {
      const r = await fetchWorker(path);
      expect([path, r.status]).toEqual([path, 200]);
      expect(await bytes(r)).toEqual(tarballs['pkg-1.0.0.tgz']);
    }
  });

  it('finds tarballs of versions published after the packument was cached', async () => {
    const name = uniqueName('later');
    const first = await putUpstreamPackage(name, ['1.0.0']);
    await (await corgi(`/${name}`)).arrayBuffer();
    const second = await putUpstreamPackage(name, ['1.0.0', '2.0.0']);
    expect(first.doc.versions['2.0.0']).toBeUndefined();
    await waitForMeta(name);
    const early = await fetchWorker(`/${name}/-/${name}-2.0.0.tgz`);
    expect(early.status).toBe(404); // the listing is recent: no upstream trip for an unknown file
    const hits = await upstreamHits(name);
    await ageEntry(name, 61_000);
    const r = await fetchWorker(`/${name}/-/${name}-2.0.0.tgz`);
    expect(await upstreamHits(name)).toBe(hits + 1);
    expect(r.status).toBe(200);
    expect(await bytes(r)).toEqual(second.tarballs[`${name}-2.0.0.tgz`]);
  });

  it('serves fixture tarballs byte for byte', async () => {
    const r = await fetchWorker('/abbrev/-/abbrev-1.1.1.tgz');
    const want = new Uint8Array(await (await fetch(`${upstream}abbrev/-/abbrev-1.1.1.tgz`)).arrayBuffer());
    expect(await bytes(r)).toEqual(want);
  });

  it.each([
    ['truncated', 'upstream failed while sending|does not match'],
    ['badintegrity', 'does not match its integrity'],
    ['500', 'upstream'],
  ])('refuses a %s tarball with 502 JSON and stores nothing', async (mode, text) => {
    const name = uniqueName(`bad-${mode}`);
    const { tarballs } = await putUpstreamPackage(name, ['1.0.0']);
    const file = `${name}-1.0.0.tgz`;
    await (await corgi(`/${name}`)).arrayBuffer(); // the packument is cached before the fault
    await setFault(name, mode);
    const r = await fetchWorker(`/${name}/-/${file}`);
    expect(r.status).toBe(502);
    expect(await r.json()).toEqual({ error: expect.stringMatching(new RegExp(text)) });
    await settle(); // whatever the failed request left running is done
    expect(await env.TARBALLS.head(`tarballs/${name}/${file}`)).toBeNull();
    await setFault(name, 'none');
    const ok = await fetchWorker(`/${name}/-/${file}`);
    expect(ok.status).toBe(200);
    expect(await bytes(ok)).toEqual(tarballs[file]);
  });

  it('times out a hanging upstream with 504 JSON', async () => {
    const name = uniqueName('hang');
    await putUpstreamPackage(name, ['1.0.0']);
    await (await corgi(`/${name}`)).arrayBuffer();
    await setFault(name, 'hang');
    const r = await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`);
    expect(r.status).toBe(504);
    expect(await r.json()).toEqual({ error: expect.stringContaining('timed out') });
    await setFault(name, 'none');
  });

  it('404s unknown files and unknown packages', async () => {
    const name = uniqueName('nofile');
    await putUpstreamPackage(name, ['1.0.0']);
    for (const path of [`/${name}/-/${name}-9.9.9.tgz`, `/${uniqueName('nopkg')}/-/x-1.0.0.tgz`]) {
      const r = await fetchWorker(path);
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ error: expect.stringContaining('not found') });
    }
  });
});

async function waitForObject(key: string): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await env.TARBALLS.head(key))) throw new Error(`${key} never reached R2`);
    },
    { timeout: 2000, interval: 20 },
  );
}
