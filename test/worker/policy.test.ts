// Issue 12, parts 2 and 3: the release-age quarantine and block rules over mirrored packages: what the
// documents, manifests and tarballs show, the admin API, and the second derivation pass over fixtures.
import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { derivePackument, type HidePlan } from '../../src/packages/derive';
import { concat } from './codec';
import { parsePolicy } from '../../src/policy/rules';
import { planVisibility } from '../../src/policy/visibility';
import { fetchWorker, putUpstreamDoc, putUpstreamPackage, setFault, settle, uniqueName, upstream } from './helpers';

const dec = new TextDecoder();
const HOUR = 3_600_000;
const ADMIN = 'policy-admin';

describe('planVisibility', () => {
  const versions = ['1.0.0', '1.1.0', '2.0.0-rc.1', '2.0.0', '3.0.0'];
  const now = Date.parse('2026-06-01T00:00:00Z');
  const times = {
    '1.0.0': '2026-01-01T00:00:00Z',
    '1.1.0': '2026-05-01T00:00:00Z',
    '2.0.0-rc.1': '2026-05-30T00:00:00Z',
    '2.0.0': '2026-05-31T12:00:00Z',
    '3.0.0': 'not a date',
  };
  const tags = { latest: '2.0.0', next: '2.0.0-rc.1', old: '1.0.0', gone: '9.9.9' };

  it('hides young versions; latest moves to the highest release below it, other tags on hidden ones go', () => {
    const p = planVisibility({ versions, distTags: tags, times }, [], 3 * 24 * HOUR, now);
    expect([...p.hidden]).toEqual(['2.0.0-rc.1', '2.0.0']); // 3.0.0 has no usable time: shown
    expect(p.distTags).toEqual({ latest: '1.1.0', old: '1.0.0', gone: '9.9.9' });
    expect(p.until).toBe(Date.parse('2026-06-02T00:00:00Z')); // rc.1 comes of age first
  });

  it('blocks by range, prereleases included; with nothing below, latest is dropped', () => {
    const rules = [{ package: 'p', versions: '<2.0.0', reason: 'r' }];
    const p = planVisibility({ versions, distTags: { latest: '1.1.0' } }, rules, 0, now);
    expect([...p.hidden]).toEqual(['1.0.0', '1.1.0', '2.0.0-rc.1']);
    expect(p.distTags).toEqual({});
    expect(p.until).toBeUndefined();
  });

  it('a prerelease below latest is taken only when no release is', () => {
    const p = planVisibility(
      { versions: ['1.0.0-beta.1', '1.0.0'], distTags: { latest: '1.0.0' } },
      [{ package: 'p', versions: '1.0.0', reason: 'r' }],
      0,
      now,
    );
    expect(p.distTags).toEqual({ latest: '1.0.0-beta.1' });
  });
});

describe('parsePolicy', () => {
  it.each([
    [[], 'must be a JSON object'],
    [{ block: {} }, 'block must be an array'],
    [{ block: [], allow: [] }, 'unknown policy field'],
    [{ block: [{ package: 'Bad Name', reason: 'x' }] }, 'block[0].package'],
    [{ block: [{ package: '@s/*', versions: 'not a range!', reason: 'x' }] }, 'block[0].versions'],
    [{ block: [{ package: 'a', reason: '' }] }, 'block[0].reason'],
    [{ block: [{ package: 'a', reason: 'x', extra: 1 }] }, 'unknown field'],
    [{ block: Array.from({ length: 1001 }, () => ({ package: 'a', reason: 'x' })) }, 'at most 1000'],
  ])('refuses %j', (body, message) => {
    expect(() => parsePolicy(body)).toThrow(message);
  });

  it('takes names, @scope/* and ranges, versions defaulting to *', () => {
    expect(
      parsePolicy({
        block: [
          { package: '@s/*', reason: 'r' },
          { package: 'JSONStream', versions: '^1', reason: 'r' },
        ],
      }),
    ).toEqual({
      block: [
        { package: '@s/*', versions: '*', reason: 'r' },
        { package: 'JSONStream', versions: '^1', reason: 'r' },
      ],
    });
  });
});

describe('the second derivation pass over fixtures', () => {
  it('leaves hidden versions out of both documents and time, and changes nothing else', async () => {
    const names: string[] = ((await (await fetch(`${upstream}__control/fixtures`)).json()) as any).names;
    let checked = 0;
    // Every 9th fixture (about 125), each with every third version hidden.
    for (const name of names.filter((_, i) => i % 9 === 0)) {
      const input = new Uint8Array(await (await fetch(`${upstream}${name.replace('/', '%2f')}`)).arrayBuffer());
      let base: ReturnType<typeof derivePackument>;
      try {
        base = derivePackument(input, name, 'http://me.test');
      } catch {
        continue; // the malformed capture
      }
      if (base.versions.length < 2) continue;
      const hidden = new Set(base.versions.filter((_, i) => i % 3 === 0));
      const plan: HidePlan = { hidden, distTags: { latest: base.versions.find((v) => !hidden.has(v))! } };
      const d = derivePackument(input, name, 'http://me.test', plan);

      const full = JSON.parse(dec.decode(concat(base.full)));
      for (const v of hidden) {
        delete full.versions[v];
        if (full.time) delete full.time[v];
      }
      full['dist-tags'] = plan.distTags;
      // Key order too: the document is the input's bytes, spliced (the fixtures are pretty-printed).
      expect(JSON.stringify(JSON.parse(dec.decode(concat(d.full)))), name).toBe(JSON.stringify(full));
      expect(d.fullLength).toBe(concat(d.full).length);

      const corgi = JSON.parse(dec.decode(base.abbreviated));
      for (const v of hidden) delete corgi.versions[v];
      corgi['dist-tags'] = plan.distTags;
      expect(JSON.parse(dec.decode(d.abbreviated)), name).toEqual(corgi);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});

// The same vars for every request of a test: the policy is kept per set of bindings (per Env object).
const vars = (extra: Record<string, string> = {}) => ({ ADMIN_TOKEN: ADMIN, ...extra });

async function putPolicy(body: unknown, v = vars()): Promise<Response> {
  return fetchWorker(
    '/-/admin/policy',
    {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
    v,
  );
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('release-age quarantine (MIN_RELEASE_AGE)', () => {
  const DAY_S = '86400';

  it('hides a young version from both documents, manifests and ranges; its tarball is 403 with the date', async () => {
    const name = uniqueName('quar');
    const { doc } = await putUpstreamPackage(name, ['1.0.0', '1.1.0', '1.2.0']);
    doc.time['1.1.0'] = ago(2 * 24 * HOUR);
    doc.time['1.2.0'] = ago(HOUR); // 23 hours to go
    doc['dist-tags'].beta = '1.2.0';
    await putUpstreamDoc(name, doc);
    const v = vars({ MIN_RELEASE_AGE: DAY_S });

    const full = await (await fetchWorker(`/${name}`, {}, v)).json<any>();
    expect(Object.keys(full.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(full['dist-tags']).toEqual({ latest: '1.1.0' });
    expect(Object.keys(full.time)).toEqual(['created', 'modified', '1.0.0', '1.1.0']);
    const abbr = await (
      await fetchWorker(`/${name}`, { headers: { accept: 'application/vnd.npm.install-v1+json' } }, v)
    ).json<any>();
    expect(Object.keys(abbr.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(abbr['dist-tags']).toEqual({ latest: '1.1.0' });

    expect((await (await fetchWorker(`/${name}/latest`, {}, v)).json<any>()).version).toBe('1.1.0');
    expect((await (await fetchWorker(`/${name}/%5E1.0.0`, {}, v)).json<any>()).version).toBe('1.1.0');
    expect((await fetchWorker(`/${name}/1.2.0`, {}, v)).status).toBe(404);

    const t = await fetchWorker(`/${name}/-/${name}-1.2.0.tgz`, {}, v);
    expect(t.status).toBe(403);
    const until = new Date(Date.parse(doc.time['1.2.0']) + 86_400_000).toISOString();
    expect(await t.json()).toEqual({ error: `${name}@1.2.0 is quarantined until ${until}` });
    expect((await fetchWorker(`/${name}/-/${name}-1.1.0.tgz`, {}, v)).status).toBe(200);
    await settle();
  });

  it('names and scopes in MIN_RELEASE_AGE_EXCLUDE bypass it; without it nothing is hidden', async () => {
    const name = uniqueName('quar-ex');
    const { doc } = await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    doc.time['1.1.0'] = ago(HOUR);
    await putUpstreamDoc(name, doc);
    for (const v of [vars({ MIN_RELEASE_AGE: DAY_S, MIN_RELEASE_AGE_EXCLUDE: `other,${name}` }), vars()]) {
      const full = await (await fetchWorker(`/${name}`, {}, v)).json<any>();
      expect(Object.keys(full.versions)).toEqual(['1.0.0', '1.1.0']);
      expect((await fetchWorker(`/${name}/-/${name}-1.1.0.tgz`, {}, v)).status).toBe(200);
      await settle();
    }
  });

  it('a version shows by itself once it is old enough, the ETag changing with it', async () => {
    const name = uniqueName('quar-age');
    const { doc } = await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    doc.time['1.1.0'] = ago(0);
    await putUpstreamDoc(name, doc);
    const v = vars({ MIN_RELEASE_AGE: '2' }); // two seconds; CACHE_TTL stays 300
    const first = await fetchWorker(`/${name}`, {}, v);
    expect(Object.keys((await first.json<any>()).versions)).toEqual(['1.0.0']);
    await settle();
    // A hit until then, the same document.
    const hit = await fetchWorker(`/${name}`, {}, v);
    expect(hit.headers.get('etag')).toBe(first.headers.get('etag'));
    await hit.arrayBuffer();
    await vi.waitFor(
      async () => {
        const r = await fetchWorker(`/${name}`, {}, v);
        expect(Object.keys((await r.json<any>()).versions)).toEqual(['1.0.0', '1.1.0']);
        expect(r.headers.get('etag')).not.toBe(first.headers.get('etag'));
      },
      { timeout: 6000, interval: 250 },
    );
    expect((await fetchWorker(`/${name}/-/${name}-1.1.0.tgz`, {}, v)).status).toBe(200);
    await settle();
  });
});

describe('block rules (/-/admin/policy)', () => {
  it('needs ADMIN_TOKEN, and answers a bad policy with 400 and keeps the old one', async () => {
    expect((await fetchWorker('/-/admin/policy', {}, vars())).status).toBe(401);
    const off = await fetchWorker('/-/admin/policy', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(off.status).toBeGreaterThanOrEqual(400);
    const ok = await putPolicy({ block: [{ package: 'kept-rule', reason: 'kept' }] });
    expect(ok.status).toBe(200);
    const bad = await putPolicy({ block: [{ package: 'x', versions: '>>1', reason: 'r' }] });
    expect(bad.status).toBe(400);
    expect((await bad.json<any>()).error).toContain('block[0].versions');
    const now = await fetchWorker('/-/admin/policy', { headers: { authorization: `Bearer ${ADMIN}` } }, vars());
    expect(await now.json()).toEqual({ block: [{ package: 'kept-rule', versions: '*', reason: 'kept' }] });
  });

  it('a blocked version leaves documents and ranges; its tarball is 403 with the reason, also from R2', async () => {
    const name = uniqueName('blocked');
    await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    const v = vars();
    // Mirrored and downloaded before the rule: in R2 and the Cache API.
    await (await fetchWorker(`/${name}`, {}, v)).arrayBuffer();
    expect((await fetchWorker(`/${name}/-/${name}-1.1.0.tgz`, {}, v)).status).toBe(200);
    await settle();
    await vi.waitFor(async () => expect(await env.TARBALLS.head(`tarballs/${name}/${name}-1.1.0.tgz`)).not.toBeNull());

    expect(
      (await putPolicy({ block: [{ package: name, versions: '>=1.1.0', reason: 'malware, see advisory 7' }] })).status,
    ).toBe(200);
    const t = await fetchWorker(`/${name}/-/${name}-1.1.0.tgz`, {}, v);
    expect(t.status).toBe(403);
    expect(await t.json()).toEqual({ error: `${name}@1.1.0 is blocked: malware, see advisory 7` });
    const full = await (await fetchWorker(`/${name}`, {}, v)).json<any>();
    expect(Object.keys(full.versions)).toEqual(['1.0.0']);
    expect(full['dist-tags'].latest).toBe('1.0.0');
    expect((await (await fetchWorker(`/${name}/%5E1`, {}, v)).json<any>()).version).toBe('1.0.0');
    expect((await fetchWorker(`/${name}/-/${name}-1.0.0.tgz`, {}, v)).status).toBe(200);
    await settle();

    // Lifted: back, from the kept copy.
    expect((await putPolicy({ block: [] })).status).toBe(200);
    const again = await (await fetchWorker(`/${name}`, {}, v)).json<any>();
    expect(Object.keys(again.versions)).toEqual(['1.0.0', '1.1.0']);
    expect((await fetchWorker(`/${name}/-/${name}-1.1.0.tgz`, {}, v)).status).toBe(200);
    await settle();
  });

  it('a rule set while the upstream is down: the old copy answers, its tarball is refused all the same', async () => {
    const name = uniqueName('blk-down');
    await putUpstreamPackage(name, ['1.0.0', '1.1.0']);
    const v = vars();
    await (await fetchWorker(`/${name}`, {}, v)).arrayBuffer();
    await settle();
    await setFault(name, 'down');
    expect((await putPolicy({ block: [{ package: name, versions: '1.1.0', reason: 'r' }] })).status).toBe(200);
    const full = await fetchWorker(`/${name}`, {}, v);
    expect(full.status).toBe(200); // stale-if-error: derived under the old rules
    expect(Object.keys((await full.json<any>()).versions)).toEqual(['1.0.0', '1.1.0']);
    expect((await fetchWorker(`/${name}/-/${name}-1.1.0.tgz`, {}, v)).status).toBe(403);
    await setFault(name, 'none');
    const back = await (await fetchWorker(`/${name}`, {}, v)).json<any>();
    expect(Object.keys(back.versions)).toEqual(['1.0.0']);
    await putPolicy({ block: [] });
    await settle();
  });

  it('@scope/* blocks every package of the scope; other isolates see a change within the memo time', async () => {
    const name = `@blk-${uniqueName('s')}/pkg`;
    await putUpstreamPackage(name, ['1.0.0']);
    expect((await putPolicy({ block: [{ package: `${name.split('/')[0]}/*`, reason: 'whole scope' }] })).status).toBe(
      200,
    );
    const t = await fetchWorker(`/${name}/-/pkg-1.0.0.tgz`, {}, vars());
    expect(t.status).toBe(403);
    expect((await t.json<any>()).error).toBe(`${name}@1.0.0 is blocked: whole scope`);
    const doc = await (await fetchWorker(`/${name.replace('/', '%2f')}`, {}, vars())).json<any>();
    expect(doc.versions).toEqual({});
    // Another set of bindings stands for another isolate: it reads the stored policy on its first request.
    const other = await fetchWorker(`/${name}/-/pkg-1.0.0.tgz`, {}, vars({ CLIENT_MAX_AGE: '301' }));
    expect(other.status).toBe(403);
    await putPolicy({ block: [] });
    await settle();
  });
});
