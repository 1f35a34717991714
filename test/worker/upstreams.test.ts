// Several upstreams chosen by scope (UPSTREAMS), each with its own credential (UPSTREAM_TOKENS), sent
// only to that upstream's origin. vitest.config.mjs binds a second fake upstream that demands its token.
import { describe, expect, inject, it } from 'vitest';
import { credentialFor, parseUpstreams, upstreamFor } from '../../src/upstream/upstreams';
import {
  CORGI,
  corgi,
  fetchWorker,
  putUpstreamPackage,
  secondUpstream,
  settle,
  uniqueName,
  upstream,
  upstreamRequests,
} from './helpers';

const token = inject('secondUpstreamToken');
const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());

describe('parsing UPSTREAMS and UPSTREAM_TOKENS', () => {
  const dflt = new URL('https://default.example/');
  it('maps scopes to registries and tokens to them', () => {
    const u = parseUpstreams(dflt, ' @a=https://a.example/npm , @b=http://b.example', '{"@a":"ta","*":"td"}');
    expect(upstreamFor(u, '@a/x').url.href).toBe('https://a.example/npm/');
    expect(upstreamFor(u, '@b/x').url.href).toBe('http://b.example/');
    expect(upstreamFor(u, '@c/x')).toBe(u.fallback);
    expect(upstreamFor(u, 'plain')).toBe(u.fallback);
    expect(u.fallback.token).toBe('td');
    const a = upstreamFor(u, '@a/x');
    expect(credentialFor(a, 'https://a.example/npm/@a%2fx')).toEqual({ authorization: 'Bearer ta' });
    expect(credentialFor(a, 'https://a.example:8443/x.tgz')).toEqual({}); // another origin
    expect(credentialFor(a, 'https://cdn.example/a/-/x.tgz')).toEqual({});
    expect(credentialFor(upstreamFor(u, '@b/x'), 'http://b.example/x')).toEqual({});
  });

  it.each([
    ['acme=https://a.example/', undefined, /not @scope=/],
    ['@a=ftp://a.example/', undefined, /http\(s\)/],
    ['@a=https://a.example/,@a=https://b.example/', undefined, /twice/],
    ['', 'not json', /JSON object/],
    ['', '["x"]', /JSON object/],
    ['@a=https://a.example/', '{"@a": 5}', /token of @a/],
    ['', '{"@z":"t"}', /UPSTREAMS does not/],
  ])('refuses UPSTREAMS %j with UPSTREAM_TOKENS %j', (ups, tokens, why) => {
    expect(() => parseUpstreams(dflt, ups, tokens)).toThrow(why);
  });

  it('never puts a token into an error message', () => {
    expect(() => parseUpstreams(dflt, '', '{"@z":"very-secret-token"}')).toThrow(/^(?!.*very-secret-token)/);
  });
});

describe('a scope from a second upstream', () => {
  it('serves documents, manifests and tarballs from it, sending its token only there', async () => {
    const name = uniqueName('@second-up/pkg');
    const { tarballs } = await putUpstreamPackage(name, ['1.0.0', '1.1.0'], () => ({}), { at: secondUpstream });
    const full = await fetchWorker(`/${name.replace('/', '%2f')}`);
    expect(full.status).toBe(200);
    const doc = await full.json<any>();
    expect(Object.keys(doc.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(JSON.stringify(doc)).not.toContain(token);
    expect(doc.versions['1.1.0'].dist.tarball).not.toContain(secondUpstream);
    const abbr = await corgi(`/${name}`);
    expect(abbr.headers.get('content-type')).toBe(CORGI);
    await abbr.arrayBuffer();
    expect((await (await fetchWorker(`/${name}/1.0.0`)).json<any>()).version).toBe('1.0.0');
    const file = `${name.split('/')[1]}-1.1.0.tgz`;
    const t = await fetchWorker(`/${name}/-/${file}`);
    expect(t.status).toBe(200);
    expect(await bytes(t)).toEqual(tarballs[file]);
    await settle();

    const seen = await upstreamRequests(name, secondUpstream);
    expect(seen.length).toBeGreaterThanOrEqual(2); // the document and the tarball
    for (const r of seen) expect(r.authorization).toBe(`Bearer ${token}`);
    expect(await upstreamRequests(name, upstream)).toEqual([]); // the default upstream never hears of it
  });

  it('sends no credential to a tarball host other than the upstream’s own (a CDN)', async () => {
    const name = uniqueName('@second-up/cdn');
    const { tarballs } = await putUpstreamPackage(name, ['2.0.0'], () => ({}), {
      at: secondUpstream,
      tarballsAt: upstream, // the default fake upstream plays the CDN
    });
    const file = `${name.split('/')[1]}-2.0.0.tgz`;
    const t = await fetchWorker(`/${name}/-/${file}`);
    expect(t.status).toBe(200);
    expect(await bytes(t)).toEqual(tarballs[file]);
    const atCdn = await upstreamRequests(name, upstream);
    expect(atCdn.length).toBe(1);
    expect(atCdn[0].authorization).toBeNull();
    const atRegistry = await upstreamRequests(name, secondUpstream);
    expect(atRegistry.every((r) => r.authorization === `Bearer ${token}`)).toBe(true);
  });

  it('answers 502 (not 404) when the upstream refuses the credential, and never shows the token', async () => {
    const name = uniqueName('@second-up/denied');
    await putUpstreamPackage(name, ['1.0.0'], () => ({}), { at: secondUpstream });
    const r = await fetchWorker(`/${name}`, {}, { UPSTREAM_TOKENS: JSON.stringify({ '@second-up': 'wrong-token' }) });
    expect(r.status).toBe(502);
    const text = await r.text();
    expect(text).toMatch(/^\{"error":"upstream answered 401/);
    expect(text).not.toContain('wrong-token');
  });

  it('forwards dist-tag reads of the scope to its upstream, with its token', async () => {
    const name = uniqueName('@second-up/tags');
    await putUpstreamPackage(name, ['1.0.0'], () => ({}), { at: secondUpstream });
    await (await fetchWorker(`/-/package/${name.replace('/', '%2f')}/dist-tags`)).arrayBuffer();
    const seen = await upstreamRequests(name, secondUpstream);
    expect(seen.map((r) => r.path)).toContain(`/-/package/${name.replace('/', '%2f')}/dist-tags`);
    expect(seen.every((r) => r.authorization === `Bearer ${token}`)).toBe(true);
  });
});
