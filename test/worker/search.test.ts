import { env, type D1Migration } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { fetchWorker, uniqueName } from './helpers';
import { bearer, publish, send, signup } from './local-helpers';

async function search(query: string): Promise<any> {
  const r = await fetchWorker(`/-/v1/search?${query}`);
  expect(r.status).toBe(200);
  return r.json();
}

describe('search', () => {
  it('finds local packages first, then the upstream hits, paged as one list', async () => {
    const token = await signup(uniqueName('finder'));
    const word = uniqueName('zebra').replace(/-/g, '');
    const a = `${word}-one`;
    const b = `@local-test/${word}-two`;
    expect((await publish(a, '1.0.0', token)).status).toBe(201);
    expect((await publish(b, '2.0.0', token, { manifest: { keywords: ['stripes'] } })).status).toBe(201);

    const all = await search(`text=${word}&size=10`);
    expect(all.total).toBe(2 + 3);
    // local hits by name (`@` sorts first), then the upstream's in its order
    expect(all.objects.map((o: any) => o.package.name)).toEqual([
      b,
      a,
      `upstream-${word}`,
      `upstream-${word}-2`,
      `upstream-${word}-3`,
    ]);
    const first = all.objects.find((o: any) => o.package.name === a);
    expect(first.package).toMatchObject({
      name: a,
      version: '1.0.0',
      description: `the ${a} package`,
      keywords: ['local', 'test'],
      maintainers: [{ username: expect.any(String) }],
      publisher: { username: expect.any(String) },
    });
    expect(Array.isArray(first.package.maintainers)).toBe(true);

    // page 2 of size 2: the third hit overall is the upstream's first
    const p2 = await search(`text=${word}&size=2&from=2`);
    expect(p2.objects.map((o: any) => o.package.name)).toEqual([`upstream-${word}`, `upstream-${word}-2`]);
    const p1 = await search(`text=${word}&size=3&from=1`);
    expect(p1.objects).toHaveLength(3);
    expect(p1.objects[1].package.name).toBe(`upstream-${word}`);

    // qualifiers and several terms narrow the local hits
    const kw = await search(`text=${encodeURIComponent(`keywords:stripes ${word}`)}`);
    expect(kw.objects[0].package.name).toBe(b);
    expect(kw.objects.filter((o: any) => !o.package.name.startsWith('upstream-'))).toHaveLength(1);
  });

  it('answers with the local hits when the upstream search fails, and forwards when nothing is local', async () => {
    const token = await signup(uniqueName('finder'));
    const name = uniqueName('fail-upstream');
    expect((await publish(name, '1.0.0', token)).status).toBe(201);
    const res = await search(`text=${name}`);
    expect(res.objects.map((o: any) => o.package.name)).toEqual([name]);
    expect(res.total).toBe(1);
    const forwarded = await search('text=nothing-local-here&size=1');
    expect(forwarded.objects[0].package.name).toBe('upstream-nothing-local-here');
  });

  it('shows what the latest write left: moved tags and unpublished packages', async () => {
    const token = await signup(uniqueName('summary'));
    const name = uniqueName('summary-pkg');
    for (const v of ['1.0.0', '1.1.0']) {
      expect(
        (
          await publish(name, v, token, {
            manifest: { description: `release ${v}`, keywords: ['summary-test', `k${v}`] },
          })
        ).status,
      ).toBe(201);
    }
    const shown = async () => (await search(`text=${name}`)).objects.find((o: any) => o.package.name === name)?.package;
    expect(await shown()).toMatchObject({
      version: '1.1.0',
      description: 'release 1.1.0',
      keywords: ['summary-test', 'k1.1.0'],
    });
    const tag = await fetchWorker(`/-/package/${name}/dist-tags/latest`, send('PUT', '"1.0.0"', token));
    expect(tag.status).toBe(201);
    expect(await shown()).toMatchObject({ version: '1.0.0', description: 'release 1.0.0' });
    expect((await search('text=keywords:k1.0.0')).objects.map((o: any) => o.package.name)).toContain(name);
    const { _rev } = await (await fetchWorker(`/${name}?write=true`)).json<any>();
    expect((await fetchWorker(`/${name}/-rev/${_rev}`, { method: 'DELETE', headers: bearer(token) })).status).toBe(200);
    expect(await shown()).toBeUndefined();
  });

  it('fills the summary of rows written before it existed the way every write computes it', async () => {
    const { DB, TEST_MIGRATIONS } = env as unknown as { DB: D1Database; TEST_MIGRATIONS: D1Migration[] };
    const copy = TEST_MIGRATIONS.find((m) => m.name.startsWith('0005'))!.queries.find((q) => q.startsWith('INSERT'))!;
    // the migration's SELECT, read for one row of today's table
    const columns = copy.slice(copy.indexOf('SELECT'), copy.lastIndexOf('FROM local_packages'));
    const select = `${columns} FROM local_packages WHERE name = ?`;
    const token = await signup(uniqueName('summary'));
    const manifests: Record<string, unknown>[] = [
      {},
      { keywords: 'one string', description: undefined },
      { keywords: ['a', 'b'], description: 'ümlaut "quoted"' },
    ];
    for (const manifest of manifests) {
      const name = uniqueName('summary-sql');
      expect((await publish(name, '1.0.0', token, { manifest })).status).toBe(201);
      const row = await DB.prepare('SELECT summary FROM local_packages WHERE name = ?')
        .bind(name)
        .first<{ summary: string }>();
      const backfilled = await DB.prepare(select).bind(name).first<{ summary: string }>();
      expect(JSON.parse(backfilled!.summary)).toEqual(JSON.parse(row!.summary));
      expect(JSON.parse(row!.summary)).toMatchObject({
        version: '1.0.0',
        maintainers: [expect.objectContaining({ name: expect.any(String) })],
      });
    }
  });
});
