// npm's write endpoints on local packages, and their error paths (basic publish: publish.test.ts).
import { env } from 'cloudflare:test';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { CORGI, corgi, fetchWorker, setFault, uniqueName } from './helpers';
import { bearer, digests, publish, publishBody, readForWrite, send, signup } from './local-helpers';

const enc = (name: string) => name.replace('/', '%2f');
const utf8 = (s: string) => new TextEncoder().encode(s);
const LIMIT = 65536; // MAX_TARBALL_BYTES in vitest.config.mjs

interface User {
  user: string;
  token: string;
}

async function newUser(prefix = 'lw-user'): Promise<User> {
  const user = uniqueName(prefix);
  return { user, token: await signup(user) };
}

/** Status and `{error}` body checked together, so a failure shows both. */
async function expectError(r: Response, status: number, text: string): Promise<void> {
  const body = await r.json<unknown>();
  expect({ status: r.status, body }).toEqual({ status, body: { error: expect.stringContaining(text) } });
}

async function expectOk(r: Response, status: number, name: string): Promise<string> {
  const body = await r.json<any>();
  expect({ status: r.status, body }).toEqual({
    status,
    body: { ok: true, id: name, rev: expect.stringMatching(/^\d+-[0-9a-f]+$/) },
  });
  return body.rev;
}

const row = (name: string) => env.DB.prepare('SELECT * FROM local_packages WHERE name = ?').bind(name).first<any>();

async function r2Keys(prefix: string): Promise<string[]> {
  return (await env.TARBALLS.list({ prefix })).objects.map((o) => o.key);
}

async function expectNoTrace(name: string): Promise<void> {
  expect(await row(name)).toBeNull();
  expect(await r2Keys(`local/${name}/`)).toEqual([]);
}

const putRegistryDoc = (name: string, body: unknown, token?: string) =>
  fetchWorker(`/${enc(name)}`, send('PUT', body, token));
const putRev = (name: string, rev: string, body: unknown, token?: string) =>
  fetchWorker(`/${enc(name)}/-rev/${rev}`, send('PUT', body, token));
const delRev = (name: string, rev: string, token?: string) =>
  fetchWorker(`/${enc(name)}/-rev/${rev}`, { method: 'DELETE', headers: token ? bearer(token) : {} });
const tagsPath = (name: string, tag?: string) =>
  `/-/package/${enc(name)}/dist-tags${tag === undefined ? '' : `/${encodeURIComponent(tag)}`}`;
const putTag = (name: string, tag: string, body: string, token?: string) =>
  fetchWorker(tagsPath(name, tag), send('PUT', body, token));
const delTag = (name: string, tag: string, token?: string) =>
  fetchWorker(tagsPath(name, tag), { method: 'DELETE', headers: token ? bearer(token) : {} });
const fullDoc = async (name: string) => (await fetchWorker(`/${enc(name)}`)).json<any>();
const abbrDoc = async (name: string) => (await corgi(`/${enc(name)}`)).json<any>();
const tarball = (name: string, v: string) => fetchWorker(`/${enc(name)}/-/${name.split('/').pop()}-${v}.tgz`);
const tick = () => new Promise((r) => setTimeout(r, 5));

/** Both kinds of name, scoped ones sent as npm sends them (`%2f`). */
const NAME_KINDS: [string, (prefix: string) => string][] = [
  ['unscoped', (prefix) => uniqueName(`lw-${prefix}`)],
  ['scoped (%2f)', (prefix) => `@local-test/${uniqueName(prefix)}`],
];

/** A new user's package `name` with versions 1.0.0 and 1.0.1. */
async function twoVersions(name: string): Promise<User & { name: string }> {
  const user = await newUser();
  await expectOk(await publish(name, '1.0.0', user.token), 201, name);
  await expectOk(await publish(name, '1.0.1', user.token), 201, name);
  return { ...user, name };
}

/** What libnpmpublish does for `npm unpublish <name>@<version>` when other versions remain. */
async function npmUnpublishVersion(
  name: string,
  version: string,
  token: string,
): Promise<{ put: Response; del: Response }> {
  const pkg = await readForWrite(name);
  const dist = pkg.versions[version].dist;
  delete pkg.versions[version];
  const latest = pkg['dist-tags'].latest;
  for (const [tag, v] of Object.entries(pkg['dist-tags'])) if (v === version) delete pkg['dist-tags'][tag];
  if (latest === version) pkg['dist-tags'].latest = Object.keys(pkg.versions).sort(semver.compareLoose).pop();
  delete pkg._revisions;
  delete pkg._attachments;
  const put = await putRev(name, pkg._rev, pkg, token);
  const { _rev } = await readForWrite(name);
  const del = await fetchWorker(`${new URL(dist.tarball).pathname}/-rev/${_rev}`, {
    method: 'DELETE',
    headers: bearer(token),
  });
  return { put, del };
}

describe('publish validation leaves no trace', () => {
  type Mutate = (b: Record<string, any>, name: string) => void | Promise<void>;
  const att = (b: Record<string, any>) => Object.values(b._attachments)[0] as Record<string, any>;
  const cases: [string, number, string, Mutate][] = [
    [
      'body name differs from the URL',
      400,
      'does not match the URL',
      (b) => {
        b.name = 'someone-else';
      },
    ],
    [
      'two versions in one body',
      400,
      'exactly one version',
      (b, name) => {
        b.versions['1.0.1'] = { ...b.versions['1.0.0'], version: '1.0.1', _id: `${name}@1.0.1` };
      },
    ],
    [
      'a dist-tag pointing at another version',
      400,
      'must point at the published version',
      (b) => {
        b['dist-tags'] = { latest: '0.9.0' };
      },
    ],
    [
      'a dist-tag that is a semver range',
      400,
      'must not be a valid SemVer range',
      (b) => {
        b['dist-tags'] = { '1.x': '1.0.0' };
      },
    ],
    [
      'decoded length differs from the declared one',
      400,
      'not the declared',
      (b) => {
        att(b).length += 1;
      },
    ],
    [
      'an integrity mismatch',
      400,
      'dist.integrity does not match',
      async (b) => {
        b.versions['1.0.0'].dist.integrity = (await digests(utf8('other'))).integrity;
      },
    ],
    [
      'a shasum mismatch',
      400,
      'dist.shasum does not match',
      async (b) => {
        b.versions['1.0.0'].dist.shasum = (await digests(utf8('other'))).shasum;
      },
    ],
    [
      'non-base64 data',
      400,
      'not valid base64',
      (b) => {
        att(b).data = '!!! not base64 !!!';
      },
    ],
    [
      'a declared length over the limit',
      413,
      'too large',
      (b) => {
        att(b).length = LIMIT + 1;
      },
    ],
  ];
  it.each(cases)('refuses %s (%i)', async (_what, status, text, mutate) => {
    const { token } = await newUser();
    const name = uniqueName('lw-val');
    const body = await publishBody(name, '1.0.0');
    await mutate(body, name);
    await expectError(await putRegistryDoc(name, body, token), status, text);
    await expectNoTrace(name);
  });

  it.each(['1.0', 'v1.0.0', 'latest'])('refuses the invalid semver version key %s', async (v) => {
    const { token } = await newUser();
    const name = uniqueName('lw-semver');
    await expectError(await publish(name, v, token), 400, 'invalid version');
    await expectNoTrace(name);
  });

  it('refuses a tarball over MAX_TARBALL_BYTES, declared honestly or not (413)', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-big');
    const bytes = new Uint8Array(LIMIT + 1).fill(7);
    await expectError(await publish(name, '1.0.0', token, { bytes }), 413, 'too large');
    const lying = await publishBody(name, '1.0.0', { bytes });
    lying._attachments[`${name}-1.0.0.tgz`].length = 100;
    await expectError(await putRegistryDoc(name, lying, token), 413, 'too large');
    await expectNoTrace(name);
    // exactly at the limit is fine
    expect((await publish(name, '1.0.0', token, { bytes: new Uint8Array(LIMIT).fill(7) })).status).toBe(201);
  });

  it('refuses a request body over the body limit, by Content-Length or streamed (413)', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-body');
    const body = await publishBody(name, '1.0.0', { manifest: { readme: 'x'.repeat(2_300_000) } });
    const text = JSON.stringify(body);
    const r = await fetchWorker(`/${name}`, {
      method: 'PUT',
      body: text,
      headers: { 'content-type': 'application/json', 'content-length': String(text.length), ...bearer(token) },
    });
    await expectError(r, 413, 'too large');
    const stream = new Blob([text]).stream();
    const s = await fetchWorker(`/${name}`, {
      method: 'PUT',
      body: stream,
      headers: { 'content-type': 'application/json', ...bearer(token) },
    });
    await expectError(s, 413, 'too large');
    await expectNoTrace(name);
  });

  it('counts the stored document in bytes: a large non-ASCII description is 413, not a database error', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-cjk');
    // 400k CJK characters: 800k characters in the document (in the version and hoisted), 2.4 MB as UTF-8
    const description = '包'.repeat(400_000);
    await expectError(await publish(name, '1.0.0', token, { manifest: { description } }), 413, 'would exceed');
    await expectNoTrace(name);
  });

  it('refuses a new mixed-case name even when LEGACY_NAMES serves old ones', async () => {
    const { token } = await newUser();
    const name = `@local-test/${uniqueName('Mixed')}`;
    const r = await fetchWorker(`/${enc(name)}`, send('PUT', await publishBody(name, '1.0.0'), token), {
      LEGACY_NAMES: 'true',
    });
    await expectError(r, 400, 'name');
    await expectNoTrace(name);
  });

  it('refuses invalid JSON (400)', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-json');
    await expectError(await putRegistryDoc(name, '{"name": "x", ', token), 400, 'JSON');
    await expectError(await putRegistryDoc(name, '[1, 2]', token), 400, 'JSON object');
    await expectNoTrace(name);
  });

  it('accepts a provenance .sigstore attachment next to the tarball (201)', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-prov');
    const bytes = utf8('tarball with provenance '.repeat(10));
    const body = await publishBody(name, '1.0.0', { bytes });
    const bundle = JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {},
      dsseEnvelope: {},
    });
    body._attachments[`${name}-1.0.0.sigstore`] = {
      content_type: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      data: bundle,
      length: bundle.length,
    };
    await expectOk(await putRegistryDoc(name, body, token), 201, name);
    const t = await tarball(name, '1.0.0');
    expect(t.status).toBe(200);
    expect(new Uint8Array(await t.arrayBuffer())).toEqual(bytes);
    expect(await r2Keys(`local/${name}/`)).toHaveLength(1);
  });
});

describe('publish is all-or-nothing when the upstream check fails', () => {
  it.each([
    ['500', 502],
    ['hang', 504],
  ])('upstream fault %s → %i, nothing kept, and the retry succeeds', async (mode, status) => {
    const { token } = await newUser();
    const name = uniqueName('lw-upfail');
    await setFault(name, mode);
    try {
      const r = await publish(name, '1.0.0', token);
      await expectError(r, status, 'upstream');
      await expectNoTrace(name);
    } finally {
      await setFault(name, 'none');
    }
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    expect((await fullDoc(name)).versions['1.0.0'].version).toBe('1.0.0');
  });
});

describe('auth', () => {
  it('needs a token (401), a known one (401), and a writable one (403)', async () => {
    const name = uniqueName('lw-auth');
    const none = await publish(name, '1.0.0', '');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectError(none, 401, 'authentication required');
    await expectError(await publish(name, '1.0.0', `npm_${'A'.repeat(43)}`), 401, 'authentication required');

    const { user, token } = await newUser();
    const t = await fetchWorker('/-/npm/v1/tokens', send('POST', { password: `pw-${user}`, readonly: true }, token));
    expect(t.status).toBe(201);
    const ro = (await t.json<any>()).token as string;
    expect((await fetchWorker('/-/whoami', { headers: bearer(ro) })).status).toBe(200);
    await expectError(await publish(name, '1.0.0', ro), 403, 'read-only');
    await expectNoTrace(name);

    // read-only on an existing package too
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    await expectError(await putTag(name, 'beta', '"1.0.0"', ro), 403, 'read-only');
    await expectError(await delRev(name, (await readForWrite(name))._rev, ro), 403, 'read-only');
  });

  it("refuses another user's token for every write on an existing package (403)", async () => {
    const owner = await twoVersions(uniqueName('lw-theirs'));
    const other = await newUser('lw-other');
    const name = owner.name;
    const before = await readForWrite(name);
    const rev = before._rev;
    const msg = `${other.user} is not a maintainer of ${name}`;

    await expectError(await publish(name, '2.0.0', other.token), 403, msg);
    const dep = structuredClone(before);
    dep.versions['1.0.0'].deprecated = 'nope';
    await expectError(await putRegistryDoc(name, dep, other.token), 403, msg);
    const unpub = structuredClone(before);
    delete unpub.versions['1.0.1'];
    unpub['dist-tags'].latest = '1.0.0';
    await expectError(await putRev(name, rev, unpub, other.token), 403, msg);
    await expectError(
      await fetchWorker(`/${name}/-/${name}-1.0.1.tgz/-rev/${rev}`, { method: 'DELETE', headers: bearer(other.token) }),
      403,
      msg,
    );
    await expectError(await delRev(name, rev, other.token), 403, msg);
    await expectError(await putTag(name, 'beta', '"1.0.0"', other.token), 403, msg);
    await expectError(await delTag(name, 'latest', other.token), 403, msg);
    await expectOk(await putTag(name, 'beta', '"1.0.0"', owner.token), 201, name);
    await expectError(await delTag(name, 'beta', other.token), 403, msg);
    const owners = {
      _id: name,
      _rev: (await readForWrite(name))._rev,
      maintainers: [{ name: other.user, email: `${other.user}@example.test` }],
    };
    await expectError(await putRev(name, owners._rev, owners, other.token), 403, msg);

    const after = await readForWrite(name);
    expect(Object.keys(after.versions).sort()).toEqual(['1.0.0', '1.0.1']);
    expect(after.versions['1.0.0'].deprecated).toBeUndefined();
    expect(after['dist-tags']).toEqual({ latest: '1.0.1', beta: '1.0.0' });
    expect(after.maintainers.map((m: any) => m.name)).toEqual([owner.user]);
    expect(await r2Keys(`local/${name}/`)).toHaveLength(2);
    expect(await r2Keys(`local/${name}/2.0.0/`)).toEqual([]);
  });
});

describe('read your writes', () => {
  it('shows a new version at once in full, abbreviated and manifest reads, with new ETags', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-ryw');
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    const full1 = await fetchWorker(`/${name}`);
    const abbr1 = await corgi(`/${name}`);
    expect(abbr1.headers.get('content-type')).toBe(CORGI);
    expect((await full1.json<any>())['dist-tags'].latest).toBe('1.0.0');
    expect(Object.keys((await abbr1.json<any>()).versions)).toEqual(['1.0.0']);

    await expectOk(await publish(name, '1.0.1', token), 201, name);
    const full2 = await fetchWorker(`/${name}`);
    const abbr2 = await corgi(`/${name}`);
    const latest = await fetchWorker(`/${name}/latest`);
    const f = await full2.json<any>();
    const a = await abbr2.json<any>();
    expect(f['dist-tags'].latest).toBe('1.0.1');
    expect(Object.keys(f.versions).sort()).toEqual(['1.0.0', '1.0.1']);
    expect(f.readme).toBe(`# ${name} 1.0.1`);
    expect(a['dist-tags'].latest).toBe('1.0.1');
    expect(Object.keys(a.versions).sort()).toEqual(['1.0.0', '1.0.1']);
    expect((await latest.json<any>()).version).toBe('1.0.1');
    expect(full2.headers.get('etag')).not.toBe(full1.headers.get('etag'));
    expect(abbr2.headers.get('etag')).not.toBe(abbr1.headers.get('etag'));
    expect((await fetchWorker(`/${name}`, { headers: { 'if-none-match': full1.headers.get('etag')! } })).status).toBe(
      200,
    );
    expect((await tarball(name, '1.0.1')).status).toBe(200);
  });

  it('answers a HEAD of a local tarball with the size and ETag of its GET, and 304 to its ETag', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-head');
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    const path = `/${name}/-/${name}-1.0.0.tgz`;
    const got = await fetchWorker(path);
    const bytes = new Uint8Array(await got.arrayBuffer());
    const head = await fetchWorker(path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('etag')).toBe(got.headers.get('etag'));
    expect(head.headers.get('etag')).toBe(`"${(await digests(bytes)).shasum}"`);
    const again = await fetchWorker(path, { method: 'HEAD', headers: { 'if-none-match': got.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await fetchWorker(`/${name}/-/${name}-9.9.9.tgz`, { method: 'HEAD' })).status).toBe(404);
  });
});

describe('deprecate', () => {
  it('sets and clears versions[v].deprecated with a whole-document PUT', async () => {
    const { token, name } = await twoVersions(uniqueName('lw-dep'));
    const pkg = await readForWrite(name);
    const modified = pkg.time.modified;
    pkg.versions['1.0.0'].deprecated = 'use 1.0.1 instead';
    await tick();
    await expectOk(await putRegistryDoc(name, pkg, token), 200, name);

    const f = await fullDoc(name);
    expect(f.versions['1.0.0'].deprecated).toBe('use 1.0.1 instead');
    expect(f.versions['1.0.1'].deprecated).toBeUndefined();
    expect(Date.parse(f.time.modified)).toBeGreaterThan(Date.parse(modified));
    const a = await abbrDoc(name);
    expect(a.versions['1.0.0'].deprecated).toBe('use 1.0.1 instead');
    expect(Date.parse(a.modified)).toBeGreaterThan(Date.parse(modified));

    const undo = await readForWrite(name);
    undo.versions['1.0.0'].deprecated = '';
    await expectOk(await putRegistryDoc(name, undo, token), 200, name);
    expect('deprecated' in (await fullDoc(name)).versions['1.0.0']).toBe(false);
    expect('deprecated' in (await abbrDoc(name)).versions['1.0.0']).toBe(false);
  });

  it('keeps a version the body lacks (published after the client read)', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-dep-stale');
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    const pkg = await readForWrite(name);
    await expectOk(await publish(name, '1.0.1', token), 201, name);
    pkg.versions['1.0.0'].deprecated = 'old';
    await expectOk(await putRegistryDoc(name, pkg, token), 200, name);
    const f = await fullDoc(name);
    expect(Object.keys(f.versions).sort()).toEqual(['1.0.0', '1.0.1']);
    expect(f['dist-tags'].latest).toBe('1.0.1');
    expect(f.versions['1.0.0'].deprecated).toBe('old');
    expect((await tarball(name, '1.0.1')).status).toBe(200);
  });

  it('lands together with concurrent publishes', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-dep-race');
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    const pkg = await readForWrite(name);
    pkg.versions['1.0.0'].deprecated = 'racing';
    const versions = ['1.0.1', '1.0.2', '1.0.3', '1.0.4'];
    const rs = await Promise.all([
      putRegistryDoc(name, pkg, token),
      ...versions.map((v) => publish(name, v, token, { tag: `t${v.replace(/\./g, '-')}` })),
    ]);
    expect(rs.map((r) => r.status)).toEqual([200, 201, 201, 201, 201]);
    const f = await fullDoc(name);
    expect(Object.keys(f.versions).sort()).toEqual(['1.0.0', ...versions]);
    expect(f.versions['1.0.0'].deprecated).toBe('racing');
  });

  it('does not undo a deprecation made after the client read the document', async () => {
    const { token, name } = await twoVersions(uniqueName('lw-dep-lost'));
    const a = await readForWrite(name);
    const b = await readForWrite(name);
    b.versions['1.0.0'].deprecated = 'by b';
    await expectOk(await putRegistryDoc(name, b, token), 200, name);
    a.versions['1.0.1'].deprecated = 'by a';
    const r = await putRegistryDoc(name, a, token);
    const f = await fullDoc(name);
    // a 409 for the stale body would be acceptable too; silently losing b's change is not
    expect(f.versions['1.0.0'].deprecated).toBe('by b');
    if (r.status === 200) expect(f.versions['1.0.1'].deprecated).toBe('by a');
    else expect(r.status).toBe(409);
  });

  it('refuses a bad deprecated value, a body of another name, and a package not here', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-dep-bad');
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    const pkg = await readForWrite(name);
    await expectError(
      await putRegistryDoc(name, { ...pkg, versions: { '1.0.0': { deprecated: 5 } } }, token),
      400,
      'deprecated must be a string',
    );
    await expectError(await putRegistryDoc(name, { ...pkg, name: 'other' }, token), 400, 'does not match the URL');
    const elsewhere = uniqueName('lw-dep-none');
    await expectError(
      await putRegistryDoc(elsewhere, { name: elsewhere, versions: {} }, token),
      403,
      'not published on this registry',
    );
    const scoped = `@local-test/${uniqueName('dep-none')}`;
    await expectError(
      await putRegistryDoc(scoped, { name: scoped, versions: {} }, token),
      404,
      'not published on this registry',
    );
  });
});

describe('unpublish one version', () => {
  it.each(NAME_KINDS)("%s: follows npm's PUT -rev then DELETE tarball flow", async (_kind, makeName) => {
    const { token, name } = await twoVersions(makeName('unpub'));
    await expectOk(await putTag(name, 'next', '"1.0.1"', token), 201, name);
    expect(await r2Keys(`local/${name}/1.0.1/`)).toHaveLength(1);

    const { put, del } = await npmUnpublishVersion(name, '1.0.1', token);
    await expectOk(put, 200, name);
    expect({ status: del.status, body: await del.json() }).toEqual({ status: 200, body: { ok: true } });

    const f = await fullDoc(name);
    expect(Object.keys(f.versions)).toEqual(['1.0.0']);
    expect(f['dist-tags']).toEqual({ latest: '1.0.0' });
    expect(f.time['1.0.1']).toEqual(expect.any(String));
    expect(Object.keys((await abbrDoc(name)).versions)).toEqual(['1.0.0']);
    expect((await fetchWorker(`/${enc(name)}/latest`).then((r) => r.json<any>())).version).toBe('1.0.0');
    await expectError(await tarball(name, '1.0.1'), 404, 'tarball not found');
    expect(await r2Keys(`local/${name}/1.0.1/`)).toEqual([]);
    expect((await tarball(name, '1.0.0')).status).toBe(200);
    expect(await r2Keys(`local/${name}/1.0.0/`)).toHaveLength(1);

    const again = await publish(name, '1.0.1', token);
    expect({ status: again.status, body: await again.json() }).toEqual({
      status: 403,
      body: { error: 'You cannot publish over the previously published versions: 1.0.1.' },
    });
    expect(await r2Keys(`local/${name}/1.0.1/`)).toEqual([]);
  });

  it('refuses a stale rev (409) and the tarball of a published version (400)', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-unpub-err');
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    const stale = await readForWrite(name);
    await expectOk(await publish(name, '1.0.1', token), 201, name);
    await expectOk(await publish(name, '1.0.2', token), 201, name);

    const body = await readForWrite(name);
    delete body.versions['1.0.2'];
    body['dist-tags'].latest = '1.0.1';
    await expectError(await putRev(name, stale._rev, body, token), 409, 'Document update conflict');
    await expectError(await delRev(name, stale._rev, token), 409, 'Document update conflict');
    await expectError(
      await fetchWorker(`/${name}/-/${name}-1.0.1.tgz/-rev/${body._rev}`, { method: 'DELETE', headers: bearer(token) }),
      400,
      'still published',
    );
    await expectError(
      await fetchWorker(`/${name}/-/${name}-7.0.0.tgz/-rev/${body._rev}`, { method: 'DELETE', headers: bearer(token) }),
      404,
      'tarball not found',
    );
    // a PUT -rev may not add versions
    const add = await readForWrite(name);
    add.versions['9.9.9'] = { ...add.versions['1.0.0'], version: '9.9.9' };
    await expectError(await putRev(name, add._rev, add, token), 400, 'is not published');

    const f = await readForWrite(name);
    expect(Object.keys(f.versions).sort()).toEqual(['1.0.0', '1.0.1', '1.0.2']);
    expect(f._rev).toBe(body._rev);
    for (const v of ['1.0.0', '1.0.1', '1.0.2']) expect((await tarball(name, v)).status).toBe(200);
  });

  it('removing the last version through PUT -rev unpublishes the package', async () => {
    const { token } = await newUser();
    const name = uniqueName('lw-unpub-last');
    await expectOk(await publish(name, '1.0.0', token), 201, name);
    const pkg = await readForWrite(name);
    await expectOk(await putRev(name, pkg._rev, { ...pkg, versions: {}, 'dist-tags': {} }, token), 200, name);
    await expectError(await fetchWorker(`/${name}`), 404, 'Not found');
    expect(await r2Keys(`local/${name}/`)).toEqual([]);
    expect((await row(name)).unpublished).toBe(1);
  });
});

describe('unpublish the whole package', () => {
  it(
    'DELETE -rev removes every version and tarball; ' + 'only the owner may publish again, and only new versions',
    async () => {
      const owner = await twoVersions(uniqueName('lw-unpub-all'));
      const other = await newUser('lw-other');
      const name = owner.name;
      expect(await r2Keys(`local/${name}/`)).toHaveLength(2);
      const { _rev } = await readForWrite(name);

      await expectOk(await delRev(name, _rev, owner.token), 200, name);
      await expectError(await fetchWorker(`/${name}`), 404, 'Not found');
      await expectError(await corgi(`/${name}`), 404, 'Not found');
      await expectError(await fetchWorker(`/${name}/1.0.0`), 404, 'Not found');
      await expectError(await tarball(name, '1.0.0'), 404, 'tarball not found');
      await expectError(await fetchWorker(tagsPath(name)), 404, 'Not found');
      expect(await r2Keys(`local/${name}/`)).toEqual([]);
      const stored = await row(name);
      expect(stored.unpublished).toBe(1);
      expect(Object.keys(JSON.parse(stored.doc).time)).toEqual(expect.arrayContaining(['1.0.0', '1.0.1']));

      const old = await publish(name, '1.0.0', owner.token);
      expect({ status: old.status, body: await old.json() }).toEqual({
        status: 403,
        body: { error: 'You cannot publish over the previously published versions: 1.0.0.' },
      });
      await expectError(await publish(name, '2.0.0', other.token), 403, 'is not a maintainer');
      await expectOk(await publish(name, '2.0.0', owner.token), 201, name);
      const f = await fullDoc(name);
      expect(Object.keys(f.versions)).toEqual(['2.0.0']);
      expect(f['dist-tags']).toEqual({ latest: '2.0.0' });
      expect(f.time.unpublished).toBeUndefined();
      expect(await r2Keys(`local/${name}/`)).toHaveLength(1);
      expect((await tarball(name, '2.0.0')).status).toBe(200);
    },
  );
});

describe('dist-tags', () => {
  it.each(NAME_KINDS)('%s: reads, adds and removes a tag', async (_kind, makeName) => {
    const { token, name } = await twoVersions(makeName('tags'));
    const r = await fetchWorker(tagsPath(name));
    expect({ status: r.status, body: await r.json() }).toEqual({ status: 200, body: { latest: '1.0.1' } });

    await expectOk(await putTag(name, 'beta', '"1.0.0"', token), 201, name);
    expect(await (await fetchWorker(tagsPath(name))).json()).toEqual({ latest: '1.0.1', beta: '1.0.0' });
    expect((await fullDoc(name))['dist-tags']).toEqual({ latest: '1.0.1', beta: '1.0.0' });
    expect((await abbrDoc(name))['dist-tags']).toEqual({ latest: '1.0.1', beta: '1.0.0' });
    expect((await fetchWorker(`/${enc(name)}/beta`).then((x) => x.json<any>())).version).toBe('1.0.0');

    await expectOk(await delTag(name, 'beta', token), 200, name);
    expect(await (await fetchWorker(tagsPath(name))).json()).toEqual({ latest: '1.0.1' });
    expect((await abbrDoc(name))['dist-tags']).toEqual({ latest: '1.0.1' });
  });

  it('moves latest and refuses bad tags, versions and bodies', async () => {
    const { token, name } = await twoVersions(uniqueName('lw-tags-err'));
    await expectOk(await putTag(name, 'latest', '"1.0.0"', token), 201, name);
    expect((await fetchWorker(`/${name}/latest`).then((x) => x.json<any>())).version).toBe('1.0.0');

    await expectError(await putTag(name, 'beta', '"9.9.9"', token), 404, 'version not found');
    await expectError(await putTag(name, '1.x', '"1.0.0"', token), 400, 'must not be a valid SemVer range');
    await expectError(await putTag(name, '2', '"1.0.0"', token), 400, 'must not be a valid SemVer range');
    await expectError(await putTag(name, 'beta', '1.0.0', token), 400, 'JSON string');
    await expectError(await putTag(name, 'beta', '{"version":"1.0.0"}', token), 400, 'JSON string');
    await expectError(await putTag(name, 'beta', '', token), 400, 'JSON string');
    await expectError(await putTag(name, '__proto__', '"1.0.0"', token), 400, 'invalid dist-tag name');
    // npm's -rev PUT carries the tags too: new ones follow the same rules
    for (const bad of ['^1.0.0', 'a b', '__proto__']) {
      const doc = await readForWrite(name);
      const body = JSON.parse(
        JSON.stringify(doc).replace('"dist-tags":{', `"dist-tags":{${JSON.stringify(bad)}:"1.0.1",`),
      );
      await expectError(await putRev(name, doc._rev, body, token), 400, 'dist-tag name');
    }
    await expectError(await delTag(name, 'latest', token), 400, 'latest tag cannot be removed');
    await expectError(await delTag(name, 'nope', token), 404, 'no dist-tag nope');
    expect(await (await fetchWorker(tagsPath(name))).json()).toEqual({ latest: '1.0.0' });
  });

  it('answers 404 for a local-scope name never published, 403 for writes to a mirrored name', async () => {
    const { token } = await newUser();
    const scoped = `@other-local/${uniqueName('never')}`;
    await expectError(await fetchWorker(tagsPath(scoped)), 404, 'Not found');
    await expectError(await putTag(scoped, 'beta', '"1.0.0"', token), 404, 'not published on this registry');
    await expectError(await delTag(scoped, 'beta', token), 404, 'not published on this registry');
    expect(await row(scoped)).toBeNull();

    for (const mirrored of [uniqueName('lw-mirror'), `@elsewhere/${uniqueName('mirror')}`]) {
      await expectError(await putTag(mirrored, 'beta', '"1.0.0"', token), 403, 'not published on this registry');
      await expectError(await delTag(mirrored, 'beta', token), 403, 'not published on this registry');
      expect(await row(mirrored)).toBeNull();
    }
  });
});

describe('owners', () => {
  it('GET /-/user/org.couchdb.user:<name> answers logged-in callers with name and email, or 404', async () => {
    const { user, token } = await newUser();
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const r = await fetchWorker(`/-/user/org.couchdb.user:${user}`, auth);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ name: user, email: `${user}@example.test` });
    await expectError(await fetchWorker(`/-/user/org.couchdb.user:${uniqueName('nobody')}`, auth), 404, 'no such user');
    await expectError(await fetchWorker(`/-/user/org.couchdb.user:${user}`), 401, 'authentication required');
  });

  it('npm owner add / rm change who may publish; no owners or an unknown user are refused', async () => {
    const alice = await newUser('lw-alice');
    const bob = await newUser('lw-bob');
    const name = uniqueName('lw-owners');
    await expectOk(await publish(name, '1.0.0', alice.token), 201, name);
    await expectError(await publish(name, '1.0.1', bob.token), 403, 'is not a maintainer');

    // npm owner add: reads the user, then PUTs {_id, _rev, maintainers}
    const u = await (
      await fetchWorker(`/-/user/org.couchdb.user:${bob.user}`, { headers: { authorization: `Bearer ${alice.token}` } })
    ).json<any>();
    let doc = await fullDoc(name);
    const added = [...doc.maintainers, { name: u.name, email: u.email }];
    await expectOk(
      await putRev(name, doc._rev, { _id: doc._id, _rev: doc._rev, maintainers: added }, alice.token),
      200,
      name,
    );
    doc = await fullDoc(name);
    expect(doc.maintainers.map((m: any) => m.name)).toEqual([alice.user, bob.user]);
    expect(Object.keys(doc.versions)).toEqual(['1.0.0']);
    await expectOk(await publish(name, '1.0.1', bob.token), 201, name);

    // npm owner rm alice, by bob
    doc = await fullDoc(name);
    const rest = doc.maintainers.filter((m: any) => m.name !== alice.user);
    await expectOk(
      await putRev(name, doc._rev, { _id: doc._id, _rev: doc._rev, maintainers: rest }, bob.token),
      200,
      name,
    );
    await expectError(await publish(name, '1.0.2', alice.token), 403, 'is not a maintainer');

    doc = await fullDoc(name);
    await expectError(
      await putRev(name, doc._rev, { _id: doc._id, _rev: doc._rev, maintainers: [] }, bob.token),
      400,
      'non-empty',
    );
    const ghost = uniqueName('lw-ghost');
    await expectError(
      await putRev(
        name,
        doc._rev,
        { _id: doc._id, _rev: doc._rev, maintainers: [...doc.maintainers, { name: ghost }] },
        bob.token,
      ),
      404,
      `no such user: ${ghost}`,
    );
    const after = await fullDoc(name);
    expect(after._rev).toBe(doc._rev);
    expect(after.maintainers.map((m: any) => m.name)).toEqual([bob.user]);
    expect(Object.keys(after.versions).sort()).toEqual(['1.0.0', '1.0.1']);
  });
});

describe('methods', () => {
  it.each([
    ['POST', (n: string) => `/${n}`, 'GET, HEAD, PUT'],
    ['DELETE', (n: string) => `/${n}`, 'GET, HEAD, PUT'],
    ['PUT', (n: string) => `/${n}/1.0.0`, 'GET, HEAD'],
    ['PATCH', (n: string) => `/${n}/-rev/1-abc`, 'PUT, DELETE'],
    ['PUT', (n: string) => `/${n}/-/${n}-1.0.0.tgz/-rev/1-abc`, 'DELETE'],
    ['POST', (n: string) => `/-/package/${n}/dist-tags`, 'GET'],
    ['GET', (n: string) => `/-/package/${n}/dist-tags/beta`, 'PUT, DELETE'],
  ])('%s %s → 405 with allow', async (method, path, allow) => {
    const { token } = await newUser();
    const name = uniqueName('lw-method');
    const init: RequestInit = method === 'GET' ? { headers: bearer(token) } : send(method, {}, token);
    const r = await fetchWorker(path(name), init);
    expect(r.headers.get('allow')).toBe(allow);
    await expectError(r, 405, `method ${method} not allowed`);
  });
});
