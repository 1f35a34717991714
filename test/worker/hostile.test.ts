// Hostile input, class by class: each answer is a clear 4xx JSON error (or a right answer), never a
// 500, a stall or an unbounded body. Every case here answered 500, hung or misbehaved before its fix.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { Env } from '../../src/env';
import { sameSecret } from '../../src/users/crypto';
import { derivePackument } from '../../src/packages/derive';
import { fetchWorker, putUpstreamPackage, uniqueName, upstream } from './helpers';
import { bearer, publish, publishBody, readForWrite, send, signup } from './local-helpers';

async function expectError(r: Response, status: number, text: string): Promise<void> {
  const body = await r.json<unknown>();
  expect({ status: r.status, body }).toEqual({ status, body: { error: expect.stringContaining(text) } });
}

/** A request to any origin (the Host is the client's to choose when PUBLIC_URL is unset). */
async function fetchAt(url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(url, init), env as unknown as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A body that sends one chunk and then never ends: a handler that reads it hangs. */
function endlessBody(first: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(first));
    },
  });
}

/** The answer, or 'stalled' when there is none within `ms`. */
async function within<T>(p: Promise<T>, ms = 3000): Promise<T | 'stalled'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'stalled'>((r) => (timer = setTimeout(() => r('stalled'), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

async function owned(prefix: string): Promise<{ name: string; owner: string; stranger: string }> {
  const owner = await signup(uniqueName(`${prefix}-owner`));
  const stranger = await signup(uniqueName(`${prefix}-stranger`));
  const name = uniqueName(prefix);
  expect((await publish(name, '1.0.0', owner)).status).toBe(201);
  return { name, owner, stranger };
}

describe('client sizes that would reach a platform limit are refused first', () => {
  it('a mirrored tarball file name past R2 key length', async () => {
    const { name } = await putUpstreamPackage(uniqueName('hx-file'), ['1.0.0']);
    await expectError(await fetchWorker(`/${name}/-/${'a'.repeat(1100)}.tgz`), 400, 'file names are limited');
    await expectError(
      await fetchWorker(`/${name}/-/${'a'.repeat(1100)}.tgz/-rev/1-abc`, { method: 'DELETE' }),
      400,
      'file names are limited',
    );
    // counted in bytes, as R2 counts keys: 200 two-byte characters are 400 bytes
    await expectError(
      await fetchWorker(`/${name}/-/${encodeURIComponent('é'.repeat(200))}.tgz`),
      400,
      'limited to 256 bytes',
    );
  });

  it('a document row past D1’s 2 MB, the search summary included', async () => {
    const token = await signup(uniqueName('hx-row'));
    const description = 'd'.repeat(700_000); // in the version, hoisted, and in the summary: 2.1 MB
    const r = await publish(uniqueName('hx-row-pkg'), '1.0.0', token, { manifest: { description } });
    await expectError(r, 413, 'would exceed');
  });

  it('a version spec in a path', async () => {
    await expectError(
      await fetchWorker(`/${uniqueName('hx-spec')}/${'1'.repeat(300)}`),
      400,
      'version specs are limited',
    );
  });

  it('a host name that would make cache keys past KV key length', async () => {
    const { name } = await putUpstreamPackage(uniqueName('hx-host'), ['1.0.0']);
    const host = `${'h'.repeat(63)}.${'o'.repeat(63)}.${'s'.repeat(63)}.${'t'.repeat(40)}.test`;
    await expectError(await fetchAt(`http://${host}/${name}`), 400, 'host names are limited');
  });

  it('a legacy name past every key length', async () => {
    const r = await fetchWorker(`/${'Legacy'.repeat(100)}`, {}, { LEGACY_NAMES: 'true' });
    await expectError(r, 400, 'names are limited to 256');
  });

  it('search words past the 50-byte LIKE pattern, scopes included, still search', async () => {
    const token = await signup(uniqueName('hx-search'));
    const word = `w${'x'.repeat(70)}${Date.now()}`;
    const name = uniqueName('hx-search-pkg');
    expect((await publish(name, '1.0.0', token, { manifest: { description: `has ${word} in it` } })).status).toBe(201);
    const hits = await (await fetchWorker(`/-/v1/search?text=${word}`)).json<any>();
    expect(hits.objects[0].package.name).toBe(name); // local first, then the fake upstream's echoes
    expect(hits.objects.filter((o: any) => !o.package.name.startsWith('upstream-'))).toHaveLength(1);
    const scoped = await fetchWorker(`/-/v1/search?text=scope:${'s'.repeat(60)}`);
    expect(scoped.status).toBe(200);
  });

  it('search text and word counts', async () => {
    await expectError(await fetchWorker(`/-/v1/search?text=${'a'.repeat(257)}`), 400, 'limited to 256 characters');
    await expectError(
      await fetchWorker(`/-/v1/search?text=${Array(21).fill('w').join('+')}`),
      400,
      'limited to 20 words',
    );
  });

  it('token keys, tokens and user names', async () => {
    const token = await signup(uniqueName('hx-key'));
    await expectError(
      await fetchWorker(`/-/npm/v1/tokens/token/${'k'.repeat(60)}`, { method: 'DELETE', headers: bearer(token) }),
      400,
      'at most 36',
    );
    await expectError(
      await fetchWorker(`/-/user/token/${'t'.repeat(600)}`, { method: 'DELETE', headers: bearer(token) }),
      400,
      'invalid token',
    );
    const long = 'u'.repeat(215);
    await expectError(
      await fetchWorker(`/-/user/org.couchdb.user:${long}`, send('PUT', { name: long, password: 'pw' })),
      400,
      'invalid user name',
    );
    await expectError(
      await fetchWorker(`/-/user/org.couchdb.user:${uniqueName('hx-pw')}`, send('PUT', { password: 'p'.repeat(1025) })),
      400,
      'limited to 1024',
    );
  });

  it('dist-tag names and counts', async () => {
    const { name, owner } = await owned('hx-tag');
    const path = `/-/package/${name}/dist-tags/${'t'.repeat(129)}`;
    await expectError(await fetchWorker(path, send('PUT', '"1.0.0"', owner)), 400, 'limited to 128');
    const doc = await readForWrite(name);
    doc['dist-tags'] = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`t${i}`, '1.0.0']));
    await expectError(
      await fetchWorker(`/${name}/-rev/${doc._rev}`, send('PUT', doc, owner)),
      400,
      'at most 1000 dist-tags',
    );
  });

  it('maintainers of a -rev PUT: bounded, and looked up in one query whatever their number', async () => {
    const { name, owner } = await owned('hx-maint');
    const doc = await readForWrite(name);
    doc.maintainers = Array.from({ length: 257 }, (_, i) => ({ name: `nobody-${i}` }));
    await expectError(
      await fetchWorker(`/${name}/-rev/${doc._rev}`, send('PUT', doc, owner)),
      400,
      'at most 256 maintainers',
    );
    doc.maintainers = [{ name: 'n'.repeat(500_000) }];
    await expectError(
      await fetchWorker(`/${name}/-rev/${doc._rev}`, send('PUT', doc, owner)),
      400,
      'the name of a user',
    );
    const others = await Promise.all(Array.from({ length: 3 }, async () => uniqueName('hx-maint-u')));
    for (const u of others) await signup(u);
    doc.maintainers = [
      ...doc.maintainers.slice(0, 200).map(() => ({ name: others[0] })),
      ...others.map((n) => ({ name: n })),
    ];
    const r = await fetchWorker(`/${name}/-rev/${doc._rev}`, send('PUT', doc, owner));
    expect(r.status).toBe(200);
    const after = await readForWrite(name);
    expect(after.maintainers.map((m: any) => m.name)).toEqual(others);
  });
});

describe('lookups keyed by client strings find only own properties', () => {
  it('periods named after Object.prototype members', async () => {
    for (const p of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      await expectError(await fetchWorker(`/downloads/point/${p}`), 400, 'Invalid period specified');
      await expectError(await fetchWorker(`/downloads/range/${p}/some-pkg`), 400, 'Invalid period specified');
    }
  });

  it('a bulk query naming __proto__ keeps it as a key', async () => {
    const r = await fetchWorker('/downloads/point/last-week/__proto__,constructor');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('{"__proto__":null,"constructor":null}');
  });

  it('a tarball named __proto__ in an upstream document is indexed like any other', () => {
    const doc = {
      name: 'p',
      'dist-tags': { latest: '1.0.0' },
      versions: { '1.0.0': { name: 'p', version: '1.0.0', dist: { tarball: 'https://u.test/p/-/__proto__' } } },
    };
    const d = derivePackument(new TextEncoder().encode(JSON.stringify(doc)), 'p', 'http://reg.test');
    expect(Object.hasOwn(d.tarballs, '__proto__')).toBe(true);
  });
});

describe('conversions that could throw answer 400', () => {
  const hostile = { toString: 1, valueOf: 1 };

  it('a publish whose name or shasum is an object without a callable toString', async () => {
    const token = await signup(uniqueName('hx-conv'));
    const name = uniqueName('hx-conv-pkg');
    const body = await publishBody(name, '1.0.0');
    await expectError(
      await fetchWorker(`/${name}`, send('PUT', { ...body, name: hostile }, token)),
      400,
      'does not match the URL',
    );
    const v = body.versions['1.0.0'];
    const badSum = { ...body, versions: { '1.0.0': { ...v, dist: { ...v.dist, shasum: hostile } } } };
    await expectError(await fetchWorker(`/${name}`, send('PUT', badSum, token)), 400, 'dist.shasum');
  });

  it('bad percent-encoding in every kind of path', async () => {
    const token = await signup(uniqueName('hx-pct'));
    await expectError(
      await fetchWorker('/-/user/token/%zz', { method: 'DELETE', headers: bearer(token) }),
      400,
      'invalid token',
    );
    await expectError(
      await fetchWorker('/-/user/org.couchdb.user:%zz', send('PUT', { password: 'x' })),
      400,
      'percent-encoding',
    );
    await expectError(await fetchWorker('/%zz'), 400, 'percent-encoding');
    await expectError(await fetchWorker('/-/package/%zz/dist-tags'), 400, 'percent-encoding');
    await expectError(await fetchWorker('/downloads/point/%zz'), 400, 'Invalid period specified');
  });

  it('a token page that is not a number', async () => {
    const token = await signup(uniqueName('hx-page'));
    await expectError(await fetchWorker('/-/npm/v1/tokens?page=abc', { headers: bearer(token) }), 400, 'page must be');
  });
});

describe('writes are authorized before their bodies are read', () => {
  it('a stranger’s -rev PUT, publish and dist-tag PUT are refused without reading a byte', async () => {
    const { name, stranger } = await owned('hx-order');
    const doc = await readForWrite(name);
    const headers = { 'content-type': 'application/json', ...bearer(stranger) };
    const cases: [string, string][] = [
      ['PUT', `/${name}/-rev/${doc._rev}`],
      ['PUT', `/${name}`],
      ['PUT', `/-/package/${name}/dist-tags/beta`],
    ];
    for (const [method, path] of cases) {
      const r = await within(fetchWorker(path, { method, headers, body: endlessBody('{"maintainers":[') }));
      expect(r, `${method} ${path}`).not.toBe('stalled');
      await expectError(r as Response, 403, 'is not a maintainer');
    }
  });

  it('a publish of a name the upstream has is refused before its body is read', async () => {
    const { name } = await putUpstreamPackage(uniqueName('hx-upname'), ['1.0.0']);
    const token = await signup(uniqueName('hx-upname-u'));
    const r = await within(
      fetchWorker(`/${name}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        body: endlessBody('{"_attachments":'),
      }),
    );
    expect(r).not.toBe('stalled');
    await expectError(r as Response, 403, 'exists on the upstream registry');
  });

  it('a -rev PUT at a stale revision is refused before its body is read', async () => {
    const { name, owner } = await owned('hx-rev');
    const r = await within(
      fetchWorker(`/${name}/-rev/1-0000`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...bearer(owner) },
        body: endlessBody('{'),
      }),
    );
    expect(r).not.toBe('stalled');
    await expectError(r as Response, 409, 'Document update conflict');
  });
});

describe('answers and bodies are bounded', () => {
  it('the all-packages range gets the 549-day window', async () => {
    const r = await fetchWorker('/downloads/range/0000-01-01:9999-12-31');
    expect(r.status).toBe(200);
    const body = await r.json<any>();
    expect(body.downloads).toHaveLength(549);
    expect(body.end).toBe('9999-12-31');
    const p = await (await fetchWorker('/downloads/point/0000-01-01:9999-12-31')).json<any>();
    expect(p.start).toBe('9998-07-01');
  });

  it('JSON bodies nested deeper than 64 levels', async () => {
    const token = await signup(uniqueName('hx-deep'));
    const name = uniqueName('hx-deep-pkg');
    const body = JSON.stringify(await publishBody(name, '1.0.0')).replace(
      '"main":"index.js"',
      `"main":${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    );
    await expectError(await fetchWorker(`/${name}`, send('PUT', body, token)), 400, 'nested more than 64');
    const login = `{"name":"x","password":"y","deep":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}`;
    await expectError(await fetchWorker('/-/user/org.couchdb.user:x', send('PUT', login)), 400, 'nested more than 64');
  });

  it('an upstream document nested past the scanner’s depth is a 502, not a crash', async () => {
    const name = uniqueName('hx-updeep');
    const deep = `{"name":"${name}","dist-tags":{},"versions":{},"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    // raw bytes
    await fetch(`${upstream}__control/packages/${encodeURIComponent(name)}`, { method: 'PUT', body: deep });
    await expectError(await fetchWorker(`/${name}`), 502, 'unusable document');
  });

  it('small bodies (logins, tokens, dist-tags) stop at 64 KiB, streamed or declared', async () => {
    const big = JSON.stringify({ password: 'x', pad: 'p'.repeat(70_000) });
    await expectError(await fetchWorker('/-/user/org.couchdb.user:hx-big', send('PUT', big)), 413, 'too large');
    const streamed = new Blob([big]).stream();
    await expectError(
      await fetchWorker('/-/user/org.couchdb.user:hx-big', {
        method: 'PUT',
        body: streamed,
        headers: { 'content-type': 'application/json' },
      }),
      413,
      'too large',
    );
  });

  it('token lists are paged, and npm’s urls.next walks them', async () => {
    const user = uniqueName('hx-many');
    const token = await signup(user);
    const rows = Array.from({ length: 150 }, (_, i) =>
      env.DB.prepare(
        'INSERT INTO tokens (key, token_hash, token_prefix, user_name, readonly, cidr_whitelist, created)' +
          ' VALUES (?, ?, ?, ?, 0, NULL, ?)',
      ).bind(crypto.randomUUID(), `hash-${user}-${i}`, 'npm_xxxx', user, 1 + i),
    );
    await env.DB.batch(rows);
    const first = await (await fetchWorker('/-/npm/v1/tokens', { headers: bearer(token) })).json<any>();
    expect(first.objects).toHaveLength(100);
    expect(first.total).toBe(151);
    const second = await (await fetchWorker(first.urls.next, { headers: bearer(token) })).json<any>();
    expect(second.objects).toHaveLength(51);
    expect(second.urls).toEqual({});
    expect(new Set([...first.objects, ...second.objects].map((o: any) => o.key)).size).toBe(151);
    const past = await (await fetchWorker('/-/npm/v1/tokens?page=9', { headers: bearer(token) })).json<any>();
    expect(past).toEqual({ objects: [], total: 151, urls: {} });
  });
});

describe('secrets', () => {
  it('compares admin tokens by digest in constant time', async () => {
    expect(await sameSecret('sekrit', 'sekrit')).toBe(true);
    expect(await sameSecret('sekriT', 'sekrit')).toBe(false);
    expect(await sameSecret('sekrit-longer', 'sekrit')).toBe(false);
    expect(await sameSecret('', 'sekrit')).toBe(false);
  });
});
