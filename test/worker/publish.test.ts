import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  CORGI,
  corgi,
  deleteUpstreamDoc,
  fetchWorker,
  putUpstreamPackage,
  settle,
  uniqueName,
  upstreamHits,
} from './helpers';
import { b64 } from './codec';
import { publish, publishBody, send, signup } from './local-helpers';

describe('publish', () => {
  it('takes over a name the upstream dropped: its cached mirror copies stop answering at once', async () => {
    const token = await signup(uniqueName('taker'));
    const { name } = await putUpstreamPackage(uniqueName('pub-dropped'), ['1.0.0']);
    expect((await fetchWorker(`/${name}`)).status).toBe(200);
    expect((await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`)).status).toBe(200);
    await settle(); // the cache entry and the tarball are stored
    expect((await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`)).status).toBe(200); // now from R2, without D1
    await deleteUpstreamDoc(name); // gone upstream, so the name may be published here
    expect((await publish(name, '2.0.0', token)).status).toBe(201);
    const doc = await (await fetchWorker(`/${name}`)).json<any>();
    expect(Object.keys(doc.versions)).toEqual(['2.0.0']);
    expect(Object.keys((await (await corgi(`/${name}`)).json<any>()).versions)).toEqual(['2.0.0']);
    expect((await fetchWorker(`/${name}/latest`)).status).toBe(200);
    expect((await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`)).status).toBe(404);
  });

  it('stores a first version and serves it full, abbreviated, as a manifest and as a tarball', async () => {
    const user = uniqueName('alice');
    const token = await signup(user);
    const name = uniqueName('pub-basic');
    const bytes = new TextEncoder().encode('the real bytes '.repeat(30));
    const r = await publish(name, '1.0.0', token, { bytes });
    expect(r.status).toBe(201);
    expect(await r.json()).toEqual({ ok: true, id: name, rev: expect.stringMatching(/^1-[0-9a-f]{16}$/) });

    const full = await fetchWorker(`/${name}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('cache-control')).toBe('no-cache');
    const doc = await full.json<any>();
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0' });
    expect(doc.maintainers).toEqual([{ name: user, email: `${user}@example.test` }]);
    expect(doc.readme).toBe(`# ${name} 1.0.0`);
    expect(doc.description).toBe(`the ${name} package`);
    expect(doc.versions['1.0.0'].readme).toBeUndefined();
    expect(doc.versions['1.0.0']._npmUser).toEqual({ name: user, email: `${user}@example.test` });
    expect(doc.versions['1.0.0'].dist.tarball).toBe(`http://reg.test/${name}/-/${name}-1.0.0.tgz`);
    expect(Object.keys(doc.time).sort()).toEqual(['1.0.0', 'created', 'modified']);
    expect(doc._rev).toMatch(/^1-/);

    const abbr = await corgi(`/${name}`);
    expect(abbr.headers.get('content-type')).toBe(CORGI);
    const a = await abbr.json<any>();
    expect(Object.keys(a).sort()).toEqual(['dist-tags', 'modified', 'name', 'versions']);
    expect(a.versions['1.0.0'].dist.tarball).toBe(doc.versions['1.0.0'].dist.tarball);

    const m = await fetchWorker(`/${name}/latest`);
    expect((await m.json<any>()).version).toBe('1.0.0');
    const t = await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`);
    expect(t.status).toBe(200);
    expect(new Uint8Array(await t.arrayBuffer())).toEqual(bytes);
    const etag = full.headers.get('etag')!;
    expect((await fetchWorker(`/${name}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it("refuses a version that exists, with npm's text", async () => {
    const token = await signup(uniqueName('bob'));
    const name = uniqueName('pub-dup');
    expect((await publish(name, '1.0.0', token)).status).toBe(201);
    const again = await publish(name, '1.0.0', token);
    expect(again.status).toBe(403);
    expect(await again.json()).toEqual({ error: 'You cannot publish over the previously published versions: 1.0.0.' });
  });

  it('lets 20 parallel publishes of distinct versions all land', async () => {
    const token = await signup(uniqueName('carol'));
    const name = uniqueName('pub-race');
    const versions = Array.from({ length: 20 }, (_, i) => `1.0.${i}`);
    const rs = await Promise.all(versions.map((v) => publish(name, v, token, { tag: `t${v.replace(/\./g, '-')}` })));
    expect(rs.map((r) => r.status)).toEqual(versions.map(() => 201));
    const doc = await (await fetchWorker(`/${name}`)).json<any>();
    expect(Object.keys(doc.versions).sort()).toEqual([...versions].sort());
    expect(doc._rev).toMatch(/^20-/);
    for (const v of versions) expect((await fetchWorker(`/${name}/-/${name}-${v}.tgz`)).status).toBe(200);
  });

  it('lets exactly one of parallel publishes of one version win, and keeps only its bytes', async () => {
    const token = await signup(uniqueName('dave'));
    const name = uniqueName('pub-same');
    const bodies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        publishBody(name, '2.0.0', { bytes: new TextEncoder().encode(`variant ${i} `.repeat(10)) }),
      ),
    );
    const rs = await Promise.all(bodies.map((b) => fetchWorker(`/${name}`, send('PUT', b, token))));
    const statuses = rs.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(403)]);
    const winner = bodies[rs.findIndex((r) => r.status === 201)];
    const t = await fetchWorker(`/${name}/-/${name}-2.0.0.tgz`);
    expect(b64(new Uint8Array(await t.arrayBuffer()))).toBe(winner._attachments[`${name}-2.0.0.tgz`].data);
    const listed = await env.TARBALLS.list({ prefix: `local/${name}/` });
    expect(listed.objects).toHaveLength(1);
  });

  it('refuses a name that exists upstream, but not in a local scope; local scopes never ask upstream', async () => {
    const token = await signup(uniqueName('erin'));
    const taken = uniqueName('pub-taken');
    await putUpstreamPackage(taken, ['1.0.0']);
    const r = await publish(taken, '9.0.0', token);
    expect(r.status).toBe(403);
    expect((await r.json<any>()).error).toContain('exists on the upstream registry');

    const scoped = `@local-test/${uniqueName('x')}`;
    await putUpstreamPackage(scoped, ['1.0.0']);
    expect((await fetchWorker(`/${scoped.replace('/', '%2f')}`)).status).toBe(404);
    expect(await upstreamHits(scoped)).toBe(0);
    expect((await publish(scoped, '1.0.0', token)).status).toBe(201);
    const doc = await (await fetchWorker(`/${scoped.replace('/', '%2f')}`)).json<any>();
    expect(doc.versions['1.0.0'].dist.tarball).toBe(`http://reg.test/${scoped}/-/${scoped.split('/')[1]}-1.0.0.tgz`);
    expect(await upstreamHits(scoped)).toBe(0);
  });
});
